"""The record_event, export and delete_all services, and the bus event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
)

from custom_components.printernizer_usage.const import DOMAIN, EVENT_USAGE
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers.service import async_get_all_descriptions

from .helpers import async_advance, async_export

JOBS_TOTAL = "sensor.printernizer_usage_statistics_jobs_completed"
EVENTS_WEEK = "sensor.printernizer_usage_statistics_events_this_week"
ACTIONS = ("record_event", "export", "preview", "submit_now", "delete_all")
RECORD_FIELDS = ("event_type", "metadata")


async def _record(
    hass: HomeAssistant, event_type: Any, metadata: Any = None
) -> dict[str, Any]:
    data: dict[str, Any] = {"event_type": event_type}
    if metadata is not None:
        data["metadata"] = metadata
    response = await hass.services.async_call(
        DOMAIN, "record_event", data, blocking=True, return_response=True
    )
    assert response is not None
    return response


@pytest.mark.usefixtures("init_integration")
async def test_record_event_keeps_only_safe_labels(hass: HomeAssistant) -> None:
    response = await _record(
        hass,
        "job_completed",
        {
            "printer_type": "prusa_core",
            "duration_minutes": 95,
            "file_name": "benchy.3mf",
            "error_type": "john@example.com",
        },
    )

    assert response == {
        "event_type": "job_completed",
        "stored_labels": {"printer_type": "prusa", "duration_bucket": "1-3h"},
        "dropped_keys": 2,
    }
    export = await async_export(hass)
    today = export["counts"]["days"]["2026-11-25"]
    assert today["events"] == {"job_completed": 1}
    assert today["labels"] == {
        "job_completed": {
            "printer_type": {"prusa": 1},
            "duration_bucket": {"1-3h": 1},
        }
    }
    assert "benchy" not in str(export)
    assert "example.com" not in str(export)


@pytest.mark.usefixtures("init_integration")
async def test_record_event_without_response(hass: HomeAssistant) -> None:
    assert (
        await hass.services.async_call(
            DOMAIN, "record_event", {"event_type": "app_start"}, blocking=True
        )
        is None
    )
    assert (await async_export(hass))["counts"]["totals"] == {"app_start": 1}


@pytest.mark.usefixtures("init_integration")
async def test_unknown_event_type_is_refused(hass: HomeAssistant) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _record(hass, "search_performed")
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "unknown_event_type"
    assert err.value.translation_placeholders is not None
    assert err.value.translation_placeholders["event_type"] == "search_performed"
    assert "job_completed" in err.value.translation_placeholders["event_types"]
    assert str(err.value).startswith('Unknown event type "search_performed"')
    assert (await async_export(hass))["counts"]["totals"] == {}


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("metadata", [["printer_type"], "prusa", 42])
async def test_metadata_that_is_not_an_object_is_refused(
    hass: HomeAssistant, metadata: Any
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await _record(hass, "job_created", metadata)
    assert err.value.translation_key == "invalid_metadata"
    assert str(err.value) == (
        "Metadata must be an object of keys and values, for example the key"
        " `printer_type` with the value `prusa`"
    )
    assert (await async_export(hass))["counts"]["totals"] == {}


async def test_services_need_a_loaded_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await async_export(hass)
    assert err.value.translation_key == "not_loaded"
    assert str(err.value) == "Printernizer Usage Statistics is not set up or not loaded"


@pytest.mark.parametrize("share_statistics", [True])
@pytest.mark.usefixtures("init_integration")
async def test_error_type_is_a_name_never_a_sentence(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    sentence = "Mary Jane Smith lives at Elm Street"
    for error_type in ("ConnectionTimeout", "ClientConnectorError", "update_failed"):
        response = await _record(hass, "error_occurred", {"error_type": error_type})
        assert "error_type" in response["stored_labels"]
    response = await _record(hass, "error_occurred", {"error_type": sentence})
    assert response["stored_labels"] == {}
    assert response["dropped_keys"] == 1

    # Tomorrow, the report that would be sent covers today.
    freezer.tick(timedelta(days=1))
    preview = await hass.services.async_call(
        DOMAIN, "preview", blocking=True, return_response=True
    )
    assert preview is not None
    assert preview["payload"]["error_summary"] == {
        "client_connector_error": 1,
        "connection_timeout": 1,
        "update_failed": 1,
    }
    export = str(await async_export(hass)) + str(preview)
    assert "jane" not in export.lower()


@pytest.mark.usefixtures("init_integration")
async def test_bus_event_counts_and_rejects(hass: HomeAssistant) -> None:
    hass.bus.async_fire(
        EVENT_USAGE,
        {"event_type": "file_downloaded", "metadata": {"file_size_mb": "12.5"}},
    )
    hass.bus.async_fire(EVENT_USAGE, {"event_type": "nonsense"})
    hass.bus.async_fire(EVENT_USAGE, {"event_type": "job_created", "metadata": "x"})
    hass.bus.async_fire(EVENT_USAGE, {})
    await hass.async_block_till_done()

    counts = (await async_export(hass))["counts"]
    assert counts["totals"] == {"file_downloaded": 1}
    assert counts["rejected_total"] == 3
    day = counts["days"]["2026-11-25"]
    assert day["labels"]["file_downloaded"] == {"file_size_bucket": {"10-50": 1}}
    assert day["rejected"] == 3


async def test_python_method_never_raises(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    runtime = init_integration.runtime_data

    class BrokenMetadata(dict[str, Any]):
        def items(self) -> Any:
            raise RuntimeError("boom")

    assert runtime.record_event("job_completed", {"printer_type": "klipper"})
    assert not runtime.record_event("not_an_event")
    assert not runtime.record_event("job_completed", BrokenMetadata())

    counts = runtime.export()["counts"]
    assert counts["totals"] == {"job_completed": 1}
    assert counts["rejected_total"] == 1


async def test_export_contains_everything(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    hass_storage[DOMAIN] = stored_data
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    export = await async_export(hass)

    assert export["share_statistics"] is False
    assert export["exported_at"] == "2026-11-25T10:00:00+00:00"
    assert export["installation"] == {
        **stored_data["data"]["installation"],
        "consent_start": None,
        "sent": [],
    }
    assert export["counts"] == stored_data["data"]["counts"]


@pytest.mark.parametrize("share_statistics", [True])
async def test_delete_all_wipes_counts_and_id(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    hass_storage[DOMAIN] = stored_data
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    old_id = (await async_export(hass))["installation"]["installation_id"]
    assert old_id is not None

    removed = await hass.services.async_call(
        DOMAIN,
        "delete_all",
        blocking=True,
        return_response=True,
        context=Context(user_id=hass_admin_user.id),
    )

    assert removed == {
        "days": 1,
        "events": 14,
        "rejected": 1,
        "installation_id": True,
        "deletion_requests": 0,
        # No recorder here: nothing of HA's to clear (see test_statistics.py).
        "statistic_ids": [],
    }
    stored = hass_storage[DOMAIN]["data"]
    assert stored["counts"]["days"] == {}
    assert stored["counts"]["totals"] == {}
    assert stored["counts"]["first_seen"] == "2026-11-25"
    # Sharing stays on, under a new id that cannot be linked to the old one.
    assert stored["installation"]["installation_id"] not in (None, old_id)
    assert hass.states.get(JOBS_TOTAL).state == "0"
    assert hass.states.get(EVENTS_WEEK).state == "0"


async def test_delete_all_without_sharing_leaves_no_id(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    await _record(hass, "app_start")
    assert await hass.services.async_call(DOMAIN, "delete_all", blocking=True) is None
    export = await async_export(hass)
    assert export["installation"]["installation_id"] is None
    assert export["counts"]["totals"] == {}


@pytest.mark.usefixtures("init_integration")
async def test_delete_all_is_for_admins_only(
    hass: HomeAssistant, hass_read_only_user: MockUser
) -> None:
    await _record(hass, "app_start")
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            DOMAIN,
            "delete_all",
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    with pytest.raises(UnknownUser):
        await hass.services.async_call(
            DOMAIN, "delete_all", blocking=True, context=Context(user_id="nobody")
        )
    assert (await async_export(hass))["counts"]["totals"] == {"app_start": 1}


@pytest.mark.usefixtures("init_integration")
async def test_delete_all_with_an_unknown_field_deletes_nothing(
    hass: HomeAssistant,
) -> None:
    """A typo such as `dry_run` must not be read as "go ahead"."""
    await _record(hass, "app_start")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "delete_all", {"dry_run": True}, blocking=True
        )
    assert str(err.value) == (
        'The action printernizer_usage.delete_all takes no fields; remove "dry_run".'
        " Nothing was done"
    )
    assert (await async_export(hass))["counts"]["totals"] == {"app_start": 1}


@pytest.mark.usefixtures("init_integration")
async def test_every_action_takes_exactly_its_documented_fields(
    hass: HomeAssistant,
) -> None:
    """services.yaml and the schemas agree; any other field is refused by name."""
    documented = (await async_get_all_descriptions(hass))[DOMAIN]
    assert set(documented) == set(ACTIONS)
    for service, description in documented.items():
        fields = sorted(description["fields"])
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                service,
                {"event_type": "app_start", "typo": 1},
                blocking=True,
                return_response=True,
            )
        action = f"printernizer_usage.{service}"
        if fields == sorted(RECORD_FIELDS):
            expected = (
                f'The action {action} has no field "typo".'
                " Its fields are: event_type, metadata. Nothing was done"
            )
        else:
            assert not fields, service
            expected = (
                f'The action {action} takes no fields; remove "event_type".'
                " Nothing was done"
            )
        assert str(err.value) == expected
    assert (await async_export(hass))["counts"]["totals"] == {}


@pytest.mark.usefixtures("init_integration")
async def test_record_event_needs_an_event_type(hass: HomeAssistant) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "record_event", {"metadata": {}}, blocking=True
        )
    assert str(err.value) == (
        'The action printernizer_usage.record_event needs the field "event_type"'
    )


def _extra_fields(examples: int) -> list[dict[str, Any]]:
    """Collect action data with fields no action has, from hypothesis.

    Collected first: a hypothesis test cannot share HA's per-test fixtures.
    """
    cases: list[dict[str, Any]] = []

    @settings(max_examples=examples, suppress_health_check=list(HealthCheck))
    @given(
        st.dictionaries(
            st.text(max_size=80).filter(lambda name: name not in RECORD_FIELDS),
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            min_size=1,
            max_size=4,
        )
    )
    def collect(data: dict[str, Any]) -> None:
        cases.append(data)

    collect()
    return cases


@pytest.mark.usefixtures("init_integration")
async def test_no_action_acts_on_unknown_fields(hass: HomeAssistant) -> None:
    """Whatever a caller adds is named (shortened) in the refusal; nothing happens."""
    await _record(hass, "app_start")
    for data in _extra_fields(200):
        for service in ACTIONS:
            call = (
                {"event_type": "job_failed", **data}
                if service == "record_event"
                else data
            )
            with pytest.raises(ServiceValidationError) as err:
                await hass.services.async_call(
                    DOMAIN, service, call, blocking=True, return_response=True
                )
            assert err.value.translation_placeholders is not None
            assert err.value.translation_placeholders["field"] in {
                name[:64] for name in data
            }
    assert (await async_export(hass))["counts"]["totals"] == {"app_start": 1}


@pytest.mark.usefixtures("init_integration")
async def test_delete_all_survives_a_pending_save(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    await _record(hass, "job_completed")
    await hass.services.async_call(DOMAIN, "delete_all", blocking=True)
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))
    assert hass_storage[DOMAIN]["data"]["counts"]["totals"] == {}
