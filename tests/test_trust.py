"""The promises of the consent dialog, tried as a user, an automation and an attacker.

Each test drives the integration only through Home Assistant's public
interfaces: config entries, services, states, storage, the clock and a
mocked statistics service whose answer can be held back mid-request.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
import json
import logging
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from yarl import URL

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from homeassistant.auth.models import User
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STARTED,
    EVENT_HOMEASSISTANT_STOP,
)
from homeassistant.core import Context, CoreState, HomeAssistant
from homeassistant.exceptions import Unauthorized

from .conftest import AGREED_ID
from .helpers import (
    async_advance,
    async_call,
    async_export,
    async_setup_sharing_entry,
    async_shown,
    async_submit_now,
    async_use_share_switch,
    logged_records,
)

SUBMIT_URL = f"{DEFAULT_ENDPOINT}/submit"
SUMMARY_URL = f"{DEFAULT_ENDPOINT}/stats/summary"
DELETE_URL = f"{DEFAULT_ENDPOINT}/installation/{AGREED_ID}"
STATUS = "sensor.printernizer_usage_statistics_submission_status"
JOBS_TOTAL = "sensor.printernizer_usage_statistics_jobs_completed"
API_KEY = "k-Secret-4711"


class HeldAnswer:
    """A statistics service whose answer waits until the test releases it.

    With `swallow_cancel`, a cancelled request ends in a timeout instead, as
    HTTP libraries sometimes turn a cancellation into one.
    """

    def __init__(self, status: int = 201, *, swallow_cancel: bool = False) -> None:
        """Answer `status` once released."""
        self.status = status
        self.swallow_cancel = swallow_cancel
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.calls = 0

    async def __call__(
        self, method: str, url: URL, data: Any
    ) -> AiohttpClientMockResponse:
        """Hold the request until released."""
        self.calls += 1
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            if self.swallow_cancel:
                raise TimeoutError from None
            raise
        return AiohttpClientMockResponse(method, url, status=self.status)


async def _start_held_send(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, held: HeldAnswer
) -> None:
    """Let the planned send start and stop it at the request."""
    freezer.tick(timedelta(minutes=61))
    async_fire_time_changed(hass)
    await asyncio.wait_for(held.started.wait(), 10)


def _records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return logged_records(caplog.records)


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Return every WARNING or worse, but HA's note about custom integrations."""
    return [
        record.getMessage()
        for record in _records(caplog)
        if record.levelno >= logging.WARNING
        and "custom integration" not in record.getMessage()
    ]


async def _as_user(
    hass: HomeAssistant, service: str, user: User | MockUser | None
) -> dict[str, Any]:
    response = await hass.services.async_call(
        DOMAIN,
        service,
        blocking=True,
        return_response=True,
        context=Context(user_id=user.id if user else None),
    )
    assert response is not None
    return response


@pytest.fixture
async def sharing_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored_data: dict[str, Any]
) -> MockConfigEntry:
    """Set up an entry sharing since 1 November, with a report due."""
    return await async_setup_sharing_entry(hass, hass_storage, stored_data)


# --- 1. Consent is a person's act (the switch: see test_switch.py)


# --- 2. Days before consent are never sent


async def test_first_report_starts_on_the_day_sharing_was_turned_on(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """Ten days of local counts, then consent on day 11: none of them is sent."""
    aioclient_mock.post(SUBMIT_URL, status=201)
    for _ in range(10):
        await async_call(hass, "record_event", event_type="job_completed")
        await async_advance(hass, freezer, timedelta(days=1))

    await async_use_share_switch(hass, "turn_on", hass_admin_user)
    await async_call(hass, "record_event", event_type="job_failed")
    for _ in range(9):
        await async_advance(hass, freezer, timedelta(days=1))

    assert aioclient_mock.call_count == 1
    first = json.loads(aioclient_mock.mock_calls[0][2])
    assert first["period"]["start"] == "2026-12-05T00:00:00+00:00"
    assert first["installation"]["first_seen"] == "2026-12-05T00:00:00+00:00"
    assert first["usage_stats"]["jobs_completed"] == 0
    assert first["usage_stats"]["jobs_failed"] == 1

    # Out and in again: the new id reports nothing from the days in between,
    # and nothing links it to the old one.
    await async_use_share_switch(hass, "turn_off")
    aioclient_mock.delete(
        f"{DEFAULT_ENDPOINT}/installation/{first['installation']['installation_id']}",
        status=204,
    )
    for _ in range(5):
        await async_call(hass, "record_event", event_type="job_completed")
        await async_advance(hass, freezer, timedelta(days=1))
    await async_use_share_switch(hass, "turn_on", hass_admin_user)
    for _ in range(9):
        await async_advance(hass, freezer, timedelta(days=1))

    posts = [call for call in aioclient_mock.mock_calls if call[0] == "POST"]
    assert len(posts) == 2
    second = json.loads(posts[1][2])
    assert (
        second["installation"]["installation_id"]
        != (first["installation"]["installation_id"])
    )
    assert second["installation"]["first_seen"] == "2026-12-19T00:00:00+00:00"
    assert second["period"]["start"] == "2026-12-19T00:00:00+00:00"
    assert second["usage_stats"]["jobs_completed"] == 0


# --- 3. Identifiers stay with the administrator


@pytest.mark.parametrize("service", ["export", "preview", "submit_now", "delete_all"])
async def test_non_admin_users_never_see_the_id(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    hass_household_user: User,
    service: str,
) -> None:

    with pytest.raises(Unauthorized):
        await _as_user(hass, service, hass_household_user)

    # Nothing was wiped or sent by the refused call.
    assert (await async_export(hass))["installation"]["installation_id"] == AGREED_ID


async def test_admins_and_automations_see_their_own_data(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    hass_admin_user: MockUser,
) -> None:
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, **{CONF_API_KEY: API_KEY}
    )

    for user in (hass_admin_user, None):
        export = await _as_user(hass, "export", user)
        assert export["installation"]["installation_id"] == AGREED_ID
        preview = await _as_user(hass, "preview", user)
        assert preview["payload"]["installation"]["installation_id"] == AGREED_ID
    # The key is a credential, not the person's data: never in the file.
    assert API_KEY not in json.dumps(export)


async def test_no_log_line_carries_the_id_or_the_key(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Retry, send, refusal, opt-out and deletion, all at DEBUG level."""
    caplog.set_level(logging.DEBUG)
    entry = await async_setup_sharing_entry(
        hass, hass_storage, stored_data, **{CONF_API_KEY: API_KEY}
    )
    aioclient_mock.post(SUBMIT_URL, status=503)
    await async_advance(hass, freezer, timedelta(minutes=61))
    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(hours=1))
    assert hass.states.get(STATUS).state == "ok"
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_SHARE_STATISTICS: False}
    )
    aioclient_mock.delete(DELETE_URL, status=401)
    await async_advance(hass, freezer, timedelta(hours=1))
    assert [call[0] for call in aioclient_mock.mock_calls] == ["POST", "DELETE"]

    for record in _records(caplog):
        text = record.getMessage()
        assert AGREED_ID not in text, text
        assert API_KEY not in text, text


# --- 4. A sender owned by its entry


async def test_removal_mid_send_leaves_nothing_behind(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    held = HeldAnswer()
    aioclient_mock.post(SUBMIT_URL, side_effect=held)
    aioclient_mock.delete(DELETE_URL, status=204)
    await _start_held_send(hass, freezer, held)

    assert await hass.config_entries.async_remove(sharing_entry.entry_id)
    held.release.set()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert DOMAIN not in hass_storage

    for _ in range(30):
        await async_advance(hass, freezer, timedelta(days=1))

    assert held.calls == 1
    # The id may have reached the service: removal asked to delete it.
    assert [call[0] for call in aioclient_mock.mock_calls] == ["POST", "DELETE"]
    assert DOMAIN not in hass_storage
    assert _problems(caplog) == []


async def test_reload_mid_send_drops_the_old_attempt(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    held = HeldAnswer(swallow_cancel=True)
    aioclient_mock.post(SUBMIT_URL, side_effect=held)
    await _start_held_send(hass, freezer, held)
    first_body = aioclient_mock.mock_calls[0][2]

    assert await hass.config_entries.async_reload(sharing_entry.entry_id)
    held.release.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    # Nothing of the interrupted attempt was written by either instance.
    submission = (await async_export(hass))["submission"]
    assert submission["audit_log"] == []
    assert submission["outbox"]["attempts"] == 0
    assert hass.states.get(STATUS).state == "scheduled"

    # The new instance sends the same report, once, after its quiet start.
    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][2] == first_body
    assert hass.states.get(STATUS).state == "ok"
    await async_advance(hass, freezer, timedelta(days=1))
    assert aioclient_mock.call_count == 1
    assert _problems(caplog) == []


@pytest.mark.parametrize("swallow_cancel", [False, True])
async def test_delete_all_mid_send_keeps_nothing_of_the_old_id(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    hass_admin_user: MockUser,
    swallow_cancel: bool,
) -> None:
    held = HeldAnswer(swallow_cancel=swallow_cancel)
    aioclient_mock.post(SUBMIT_URL, side_effect=held)
    await _start_held_send(hass, freezer, held)

    removed = await _as_user(hass, "delete_all", hass_admin_user)
    held.release.set()
    await hass.async_block_till_done(wait_background_tasks=True)

    assert removed["installation_id"] is True
    assert removed["deletion_requests"] == 1
    export = await async_export(hass)
    submission = export["submission"]
    assert submission["audit_log"] == []
    assert submission["outbox"] is None
    assert submission["last_period_end"] is None
    assert submission["last_submission"] is None
    assert [item["installation_id"] for item in submission["deletions"]] == [AGREED_ID]
    new_id = export["installation"]["installation_id"]
    assert new_id not in (None, AGREED_ID)
    assert export["installation"]["consent_start"] == "2026-11-25"
    assert AGREED_ID not in json.dumps(export["counts"])


async def test_submit_now_cancelled_by_delete_all(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    hass_admin_user: MockUser,
) -> None:
    """A person's "send now" that a delete overtakes says so, translated."""
    held = HeldAnswer(swallow_cancel=True)
    aioclient_mock.post(SUBMIT_URL, side_effect=held)

    sending = hass.async_create_task(async_submit_now(hass))
    await asyncio.wait_for(held.started.wait(), 10)
    await _as_user(hass, "delete_all", hass_admin_user)

    assert await sending == "cancelled"
    assert (await async_export(hass))["submission"]["audit_log"] == []


async def test_an_unplanned_exception_is_retried(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A key with a newline makes the HTTP library raise ValueError."""
    aioclient_mock.post(
        SUBMIT_URL, exc=ValueError(f"Newline in header: X-API-Key: {API_KEY}\n")
    )
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1
    assert hass.states.get(STATUS).state == "retrying"

    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(hours=1))
    assert aioclient_mock.call_count == 1
    assert hass.states.get(STATUS).state == "ok"
    assert "Task exception was never retrieved" not in caplog.text
    assert all(API_KEY not in record.getMessage() for record in _records(caplog))
    audit = (await async_export(hass))["submission"]["audit_log"]
    assert [entry["status"] for entry in audit] == ["retrying: ValueError", "sent"]


async def test_a_bug_while_building_waits_and_recovers(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An exception nobody planned for, outside the request: no loop, no stop."""
    aioclient_mock.post(SUBMIT_URL, status=201)
    with patch(
        "custom_components.printernizer_usage.report.async_get_system_info",
        side_effect=RuntimeError(f"boom {AGREED_ID}"),
    ) as system_info:
        await async_advance(hass, freezer, timedelta(minutes=61))
        await async_advance(hass, freezer, timedelta(minutes=30))
    assert system_info.call_count == 1
    assert aioclient_mock.call_count == 0
    assert "Sending usage statistics failed (RuntimeError)" in caplog.text
    assert all(AGREED_ID not in record.getMessage() for record in _records(caplog))

    await async_advance(hass, freezer, timedelta(minutes=31))
    assert aioclient_mock.call_count == 1
    assert hass.states.get(STATUS).state == "ok"


async def test_unreachable_service_is_logged_once_and_its_return_once(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    for _ in range(40):
        await async_advance(hass, freezer, timedelta(hours=1))
    assert aioclient_mock.call_count == 6
    assert caplog.text.count("statistics service is unreachable") == 1

    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(days=1))
    assert caplog.text.count("statistics service is reachable again") == 1
    assert hass.states.get(STATUS).state == "ok"


# --- 5. HA lifecycle, the HA way


async def test_start_reload_and_stop_log_nothing_alarming(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hass.set_state(CoreState.not_running)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()

    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    totals = (await async_export(hass))["counts"]["totals"]
    # One start of HA, however often the entry was reloaded; one stop.
    assert totals == {"app_start": 1, "app_shutdown": 1}
    assert _problems(caplog) == []


async def test_record_event_from_another_thread(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
) -> None:
    """The Python API is safe from a worker thread: counted, shown and saved."""
    runtime = init_integration.runtime_data

    counted = await hass.async_add_executor_job(
        runtime.record_event, "job_completed", {"printer_type": "prusa"}
    )
    rejected = await hass.async_add_executor_job(runtime.record_event, "not_a_type")
    await hass.async_block_till_done()

    assert counted is True
    assert rejected is False
    assert hass.states.get(JOBS_TOTAL).state == "1"
    await async_advance(hass, freezer, timedelta(seconds=11))
    stored = hass_storage[DOMAIN]["data"]["counts"]
    assert stored["totals"] == {"job_completed": 1}
    assert stored["rejected_total"] == 1


# --- 6. Deletions go where the id went, with its key


async def test_deletion_goes_to_the_service_the_id_was_sent_to(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    old = "https://old.example.org"
    entry = await async_setup_sharing_entry(
        hass, hass_storage, stored_data, **{CONF_ENDPOINT: old, CONF_API_KEY: "k-old"}
    )
    aioclient_mock.post(f"{old}/submit", status=201)
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1

    hass.config_entries.async_update_entry(
        entry,
        options={
            **entry.options,
            CONF_ENDPOINT: DEFAULT_ENDPOINT,
            CONF_API_KEY: "k-new",
            CONF_SHARE_STATISTICS: False,
        },
    )
    aioclient_mock.delete(f"{old}/installation/{AGREED_ID}", status=204)
    await async_advance(hass, freezer, timedelta(hours=1))

    method, url, _, headers = aioclient_mock.mock_calls[-1]
    assert (method, url) == ("DELETE", URL(f"{old}/installation/{AGREED_ID}"))
    assert headers["X-API-Key"] == "k-old"
    export = await async_export(hass)
    assert export["submission"]["deletions"] == []
    assert export["installation"]["submitted_ids"] == []


async def test_refused_key_on_delete_asks_for_a_new_key(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    entry = await async_setup_sharing_entry(
        hass, hass_storage, stored_data, **{CONF_API_KEY: "k-old"}
    )
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(minutes=61))
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_SHARE_STATISTICS: False}
    )
    aioclient_mock.delete(DELETE_URL, status=403)
    await async_advance(hass, freezer, timedelta(hours=1))

    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    # Stopped until the key is replaced: no 12 silent retries.
    await async_advance(hass, freezer, timedelta(days=3))
    assert [call[0] for call in aioclient_mock.mock_calls] == ["POST", "DELETE"]
    deletions = (await async_export(hass))["submission"]["deletions"]
    assert [item["attempts"] for item in deletions] == [0]

    aioclient_mock.clear_requests()
    aioclient_mock.get(SUMMARY_URL, status=200)
    aioclient_mock.delete(DELETE_URL, status=204)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "k-new"}
    )
    assert result["reason"] == "reauth_successful"
    assert await async_shown(hass, result) == (
        "The new API key was accepted; sending resumes."
    )
    await async_advance(hass, freezer, timedelta(hours=1))

    method, url, _, headers = aioclient_mock.mock_calls[-1]
    assert (method, url) == ("DELETE", URL(DELETE_URL))
    assert headers["X-API-Key"] == "k-new"
    assert (await async_export(hass))["submission"]["deletions"] == []


# --- 8. "Send now" never hides a failure in its answer


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (201, "sent"),
        (503, "retrying: http_503"),
        (400, "dropped: http_400"),
        (401, "key_refused: http_401"),
    ],
)
async def test_submit_now_outcomes(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: int,
    outcome: str,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=status)

    assert await async_submit_now(hass) == outcome
    assert aioclient_mock.call_count == 1


@pytest.mark.parametrize("action", ["delete_all", "turn_off"])
async def test_report_built_across_a_delete_or_opt_out_is_never_kept(
    hass: HomeAssistant,
    sharing_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    hass_admin_user: MockUser,
    action: str,
) -> None:
    """The report of the old id, finished after the change, is never kept or sent."""
    building = asyncio.Event()

    async def slow_system_info(_hass: HomeAssistant) -> dict[str, Any]:
        building.set()
        # Cancelled, but as if the answer was already on its way back.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()
        return {"installation_type": "Home Assistant OS"}

    aioclient_mock.post(SUBMIT_URL, status=201)
    with patch(
        "custom_components.printernizer_usage.report.async_get_system_info",
        side_effect=slow_system_info,
    ):
        freezer.tick(timedelta(minutes=61))
        async_fire_time_changed(hass)
        await asyncio.wait_for(building.wait(), 10)
        if action == "delete_all":
            await _as_user(hass, "delete_all", hass_admin_user)
        else:
            await async_use_share_switch(hass, "turn_off")
        await hass.async_block_till_done(wait_background_tasks=True)
    await async_advance(hass, freezer, timedelta(days=2))

    submission = (await async_export(hass))["submission"]
    assert submission["outbox"] is None
    assert submission["audit_log"] == []
    assert aioclient_mock.call_count == 0
