"""Counting Printernizer: the bridge, over real HTTP to a stand-in Printernizer.

The stand-in (tests/printernizer_server.py) runs in its own thread on
127.0.0.1 and answers in Printernizer's own shapes. Everything here goes
through Home Assistant's public interfaces: config entry flows, services,
states, storage, the issue registry, the repairs HTTP API and the clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
import json
import logging
import time
from types import SimpleNamespace
from typing import Any
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.bridge import (
    POLL_INTERVAL,
    RATE_LIMIT_RETRIES,
    PrinternizerConnection,
)
from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import (
    CONF_CONSENT_VERSION,
    CONF_PRINTERNIZER_URL,
    CONF_SHARE_STATISTICS,
    DOMAIN,
)
from custom_components.printernizer_usage.core.rate_limit import (
    RETRY_MAX,
    RETRY_MIN,
)
from homeassistant.auth.models import User

# Imported at collection, before any clock is frozen (see conftest).
import homeassistant.components.hassio  # noqa: F401
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component

from .conftest import agreed_installation
from .helpers import (
    async_advance,
    async_call,
    async_export,
    async_render,
    async_render_step,
)
from .printernizer_server import (
    StandInPrinternizer,
    identifying_values,
    run_printernizer,
)
from .statistics_server import StatisticsServer

CONNECTION = "sensor.printernizer_usage_statistics_printernizer_connection"
PRINTERS = "sensor.printernizer_usage_statistics_printers"
STATUS = "sensor.printernizer_usage_statistics_submission_status"
# The frozen `now` of every test (conftest.NOW).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = "2026-11-25"
FIX_URL = "/api/repairs/issues/fix"
OPTIONS_FLOW_URL = "/api/config/config_entries/options/flow"
CLIENT_ID = "https://example.com/app"
# The form errors of the Printernizer step, as a person reads them.
ERRORS_SHOWN = {
    "printernizer_cannot_connect": "Nothing answered at this address. Check that"
    " Printernizer is running and the address and port are right.",
    "not_printernizer": "Something answered at this address, but it is not"
    " Printernizer.",
    "printernizer_error": "Printernizer answered at this address, but with an"
    " error. Check Printernizer's log, then try again.",
    "invalid_printernizer_url": "Enter a host name or IP address with its port,"
    " such as `http://192.168.1.20:8000`, without user name, spaces, query or"
    " fragment.",
}


@pytest.fixture
def stand_in(socket_enabled: None) -> Generator[StandInPrinternizer]:
    """Serve a stand-in Printernizer for one test."""
    with run_printernizer() as server:
        yield server


async def _setup(
    hass: HomeAssistant, url: str | None, *, share: bool = False, **options: Any
) -> MockConfigEntry:
    """Set up an entry with Printernizer at `url`; its first poll has run."""
    extra = {CONF_PRINTERNIZER_URL: url} if url is not None else {}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options={**consent_options({}, share=share), **extra, **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def _poll(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let one poll interval pass; the poll has finished when this returns."""
    await async_advance(hass, freezer, POLL_INTERVAL + timedelta(seconds=1))


async def _days(hass: HomeAssistant) -> dict[str, Any]:
    days: dict[str, Any] = (await async_export(hass))["counts"]["days"]
    return days


async def _events(hass: HomeAssistant) -> dict[str, dict[str, int]]:
    """Return the counted events per day (days with none left out)."""
    return {
        day: dict(value.get("events", {}))
        for day, value in (await _days(hass)).items()
        if value.get("events")
    }


async def _rejected(hass: HomeAssistant) -> int:
    return sum(day.get("rejected", 0) for day in (await _days(hass)).values())


def _stored_days(hass_storage: dict[str, Any]) -> dict[str, Any]:
    days: dict[str, Any] = hass_storage[DOMAIN]["data"]["counts"]["days"]
    return days


async def _flush(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Let the delayed save write the storage file."""
    await async_advance(hass, freezer, timedelta(seconds=11))


def _issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Unload (which writes the file), then set up again from storage."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


# --- 1. The options flow


async def _open_printernizer_step(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, Any]:
    menu = await hass.config_entries.options.async_init(entry.entry_id)
    assert menu["type"] is FlowResultType.MENU
    assert "printernizer" in menu["menu_options"]
    result = await hass.config_entries.options.async_configure(
        menu["flow_id"], {"next_step_id": "printernizer"}
    )
    assert result["type"] is FlowResultType.FORM
    # One form; its description says how the connection is.
    assert result["step_id"] in {
        "printernizer",
        "printernizer_addon",
        "printernizer_pending",
        "printernizer_connected",
        "printernizer_connected_earlier",
        "printernizer_unreachable",
    }
    return dict(result)


def _suggested(result: dict[str, Any]) -> Any:
    for key in result["data_schema"].schema:
        if key == CONF_PRINTERNIZER_URL:
            return (key.description or {}).get("suggested_value")
    raise AssertionError("no printernizer_url field")


async def test_options_flow_accepts_printernizer_and_disconnects(
    hass: HomeAssistant, stand_in: StandInPrinternizer
) -> None:
    entry = await _setup(hass, None)
    assert hass.states.get(CONNECTION).state == "not_set_up"

    form = await _open_printernizer_step(hass, entry)
    assert _suggested(form) in (None, "")
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {CONF_PRINTERNIZER_URL: f" {stand_in.url}/ "}
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_PRINTERNIZER_URL] == stand_in.url
    assert stand_in.requests["/api/v1/health"] >= 2  # the check, then the poll
    assert hass.states.get(CONNECTION).state == "connected"

    # The form shows the stored address next time.
    form = await _open_printernizer_step(hass, entry)
    assert _suggested(form) == stand_in.url

    # An empty field disconnects.
    result = await hass.config_entries.options.async_configure(form["flow_id"], {})
    await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert not entry.options.get(CONF_PRINTERNIZER_URL)
    assert hass.states.get(CONNECTION).state == "not_set_up"


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("closed_port", "printernizer_cannot_connect"),
        ("not_printernizer", "not_printernizer"),
        # Home Assistant itself answers 404 at Printernizer's health path.
        ("home_assistant", "not_printernizer"),
        ("printernizer_error", "printernizer_error"),
        ("ftp://127.0.0.1:8000", "invalid_printernizer_url"),
        ("http://admin:secret@127.0.0.1:8000", "invalid_printernizer_url"),
        ("http://127.0.0.1:8000/?token=1", "invalid_printernizer_url"),
        ("http://127.0.0.1:8000/#x", "invalid_printernizer_url"),
        ("http://:8000", "invalid_printernizer_url"),
        ("not an address", "invalid_printernizer_url"),
    ],
)
async def test_options_flow_refuses_an_address_without_printernizer(
    hass: HomeAssistant,
    stand_in: StandInPrinternizer,
    unused_tcp_port_factory: Any,
    hass_client: ClientSessionGenerator,
    address: str,
    error: str,
) -> None:
    entry = await _setup(hass, None)
    options = dict(entry.options)
    if address == "closed_port":
        address = f"http://127.0.0.1:{unused_tcp_port_factory()}"
    elif address == "not_printernizer":
        stand_in.fault = "not_printernizer"
        address = stand_in.url
    elif address == "home_assistant":
        address = str((await hass_client()).make_url("")).rstrip("/")
    elif address == "printernizer_error":
        stand_in.fault = "http_500"
        address = stand_in.url

    form = await _open_printernizer_step(hass, entry)
    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {CONF_PRINTERNIZER_URL: address}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PRINTERNIZER_URL: error}
    shown = await async_render(
        hass, f"options.error.{error}", result["description_placeholders"]
    )
    assert shown == ERRORS_SHOWN[error]
    # What was typed stays in the field, nothing is stored.
    assert _suggested(dict(result)) == address
    assert dict(entry.options) == options
    assert hass.states.get(CONNECTION).state == "not_set_up"
    if error == "invalid_printernizer_url":
        assert sum(stand_in.requests.values()) == 0


class _FakeAddons:
    def __init__(self, slugs: list[str], *, fail: bool = False) -> None:
        self._slugs = slugs
        self._fail = fail

    async def list(self) -> list[Any]:
        if self._fail:
            raise RuntimeError("Supervisor is not answering")
        return [SimpleNamespace(slug=slug) for slug in self._slugs]

    async def addon_info(self, slug: str) -> Any:
        return SimpleNamespace(hostname=slug.replace("_", "-"))


@pytest.mark.parametrize(
    ("slugs", "fail", "suggestion"),
    [
        (
            ["core_mosquitto", "6f840855_printernizer"],
            False,
            "http://6f840855-printernizer:8000",
        ),
        (["local_printernizer"], False, "http://local-printernizer:8000"),
        (["core_mosquitto"], False, None),
        (["6f840855_printernizer"], True, None),
    ],
)
async def test_options_flow_suggests_the_addon(
    hass: HomeAssistant,
    slugs: list[str],
    fail: bool,
    suggestion: str | None,
) -> None:
    entry = await _setup(hass, None)
    client = SimpleNamespace(addons=_FakeAddons(slugs, fail=fail))
    with (
        patch(
            "custom_components.printernizer_usage.addon.is_hassio", return_value=True
        ),
        patch("homeassistant.helpers.hassio.is_hassio", return_value=True),
        patch(
            "homeassistant.components.hassio.handler.get_supervisor_client",
            return_value=client,
        ),
    ):
        form = await _open_printernizer_step(hass, entry)

    assert form["errors"] in (None, {})
    assert (_suggested(form) or None) == suggestion
    assert not entry.options.get(CONF_PRINTERNIZER_URL)
    # "Suggested" only when an add-on was found.
    text = await async_render_step(hass, form)
    assert text.startswith("Printernizer connection\n\nNo Printernizer is connected.")
    assert ("add-on is installed" in text) is (suggestion is not None)


@pytest.mark.parametrize("typed", ["127.0.0.1:{port}", " 127.0.0.1:{port}/ "])
async def test_an_address_without_a_scheme_is_tried_with_http(
    hass: HomeAssistant, stand_in: StandInPrinternizer, typed: str
) -> None:
    entry = await _setup(hass, None)
    form = await _open_printernizer_step(hass, entry)

    result = await hass.config_entries.options.async_configure(
        form["flow_id"], {CONF_PRINTERNIZER_URL: typed.format(port=stand_in.port)}
    )
    await hass.async_block_till_done(wait_background_tasks=True)

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_PRINTERNIZER_URL] == f"http://127.0.0.1:{stand_in.port}"
    assert hass.states.get(CONNECTION).state == "connected"


async def test_printernizer_step_shows_the_connection(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stand_in: StandInPrinternizer
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=3))
    stand_in.add_event("file_uploaded", NOW - timedelta(hours=2))
    entry = await _setup(hass, stand_in.url)

    form = await _open_printernizer_step(hass, entry)
    assert form["step_id"] == "printernizer_connected"
    text = await async_render_step(hass, form)
    # Read at the start, 10:00 UTC: Home Assistant's time, its zone named.
    assert text.startswith(
        "Printernizer connection\n\nConnected to Printernizer 2.41.5. Its events"
        " were last read 2026-11-25 11:00 (Europe/Berlin); it held 2 then, and each"
        " is counted here once.\n\n"
    )
    # An example address reads as code, not as a link to somebody's network.
    assert "`http://192.168.1.20:8000`" in await async_render(
        hass,
        "options.step.printernizer_connected.data_description.printernizer_url",
        form["description_placeholders"],
    )

    stand_in.stop()
    await _poll(hass, freezer)
    form = await _open_printernizer_step(hass, entry)
    assert form["step_id"] == "printernizer_unreachable"
    text = await async_render_step(hass, form)
    # The time in Home Assistant's zone, named (10:15 UTC).
    since = "2026-11-25 11:15 (Europe/Berlin)"
    assert f"Printernizer has not answered since {since}." in text


async def test_printernizer_step_before_the_first_answer(
    hass: HomeAssistant, stand_in: StandInPrinternizer
) -> None:
    stand_in.fault = "slow"
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options={
            **consent_options({}, share=False),
            CONF_PRINTERNIZER_URL: stand_in.url,
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await _wait_for_request(stand_in, "/api/v1/health", 1)

    form = await _open_printernizer_step(hass, entry)

    assert form["step_id"] == "printernizer_pending"
    assert (await async_render_step(hass, form)).startswith(
        "Printernizer connection\n\nAn address is set, but Printernizer has not"
        " been read there yet"
    )
    stand_in.fault = None
    stand_in.release()
    await hass.async_block_till_done(wait_background_tasks=True)

    # Unloaded, nothing is read at all.
    assert await hass.config_entries.async_unload(entry.entry_id)
    form = await _open_printernizer_step(hass, entry)
    assert form["step_id"] == "printernizer_pending"


async def test_printernizer_step_after_an_import_by_an_older_release(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    stand_in: StandInPrinternizer,
) -> None:
    """0.4.0 kept no time of the last import: the step says what it knows."""
    stand_in.add_event("job_completed", NOW - timedelta(hours=3))
    entry = await _setup(hass, stand_in.url)
    stored = entry.runtime_data.stored_data()["printernizer"]
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored.pop("last_import")
    stored_data["data"]["printernizer"] = stored
    hass_storage[DOMAIN] = stored_data
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    form = await _open_printernizer_step(hass, entry)

    assert form["step_id"] == "printernizer_connected_earlier"
    assert (await async_render_step(hass, form)).startswith(
        "Printernizer connection\n\nConnected to Printernizer 2.41.5. Events it"
        " holds: 1; each is counted here once.\n\n"
    )


async def test_no_supervisor_no_suggestion(hass: HomeAssistant) -> None:
    entry = await _setup(hass, None)
    get_client = MagicMock()
    with patch(
        "homeassistant.components.hassio.handler.get_supervisor_client", get_client
    ):
        form = await _open_printernizer_step(hass, entry)
    assert not _suggested(form)
    get_client.assert_not_called()


async def test_only_administrators_open_the_printernizer_step(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_household_user: User,
    stand_in: StandInPrinternizer,
) -> None:
    entry = await _setup(hass, None)
    assert await async_setup_component(hass, "config", {})
    credential = await hass.auth.async_create_refresh_token(
        hass_household_user, CLIENT_ID
    )
    client = await hass_client(hass.auth.async_create_access_token(credential))

    response = await client.post(OPTIONS_FLOW_URL, json={"handler": entry.entry_id})

    assert response.status == HTTPStatus.UNAUTHORIZED
    assert not entry.options.get(CONF_PRINTERNIZER_URL)
    assert sum(stand_in.requests.values()) == 0


# --- 2. Import: each event once, on its own day


async def test_events_counted_on_their_own_day_through_the_allowlist(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    # 23:30 UTC is already the next day in Berlin: the UTC day counts.
    stand_in.add_event("job_completed", datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    stand_in.add_event(
        "file_downloaded", NOW - timedelta(hours=1), {"file_size_mb": 12.34}
    )
    stand_in.add_event("job_created", NOW - timedelta(hours=2), identifying=True)

    entry = await _setup(hass, stand_in.url)
    await _flush(hass, freezer)

    assert hass.states.get(CONNECTION).state == "connected"
    days = _stored_days(hass_storage)
    assert days["2026-11-23"]["events"] == {"job_completed": 1}
    assert days["2026-11-23"]["labels"]["job_completed"] == {
        "duration_bucket": {"1-3h": 1}
    }
    assert days[TODAY]["events"] == {"file_downloaded": 1, "job_created": 1}
    # bambu_lab and is_auto_created are on our allowlist; names, hosts and
    # serials are not.
    assert days[TODAY]["labels"]["job_created"] == {
        "printer_type": {"bambu_lab": 1},
        "is_auto_created": {"true": 1},
    }
    assert set(days[TODAY]["labels"]["file_downloaded"]) == {"file_size_bucket"}
    assert "2026-11-24" not in days or not days["2026-11-24"].get("events")
    assert entry.state is ConfigEntryState.LOADED


async def test_each_event_counted_once_across_polls_reloads_and_restarts(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=3))
    stand_in.add_event("file_uploaded", NOW - timedelta(hours=2))
    expected = {TODAY: {"job_completed": 1, "file_uploaded": 1}}
    entry = await _setup(hass, stand_in.url)
    assert await _events(hass) == expected

    for _ in range(5):
        await _poll(hass, freezer)
    assert await _events(hass) == expected

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert await _events(hass) == expected

    await _restart(hass, entry)
    assert hass.states.get(CONNECTION).state == "connected"
    assert await _events(hass) == expected

    # Printernizer restarts (same port, same events).
    stand_in.stop()
    await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "unreachable"
    stand_in.start()
    await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "connected"
    assert await _events(hass) == expected

    # Something new is counted once, after all of that.
    stand_in.add_event("job_completed", NOW + timedelta(minutes=50))
    for _ in range(3):
        await _poll(hass, freezer)
    assert await _events(hass) == {TODAY: {"job_completed": 2, "file_uploaded": 1}}
    await _flush(hass, freezer)
    assert _stored_days(hass_storage)[TODAY]["events"] == {
        "job_completed": 2,
        "file_uploaded": 1,
    }
    assert hass_storage[DOMAIN]["data"]["counts"]["totals"] == {
        "job_completed": 2,
        "file_uploaded": 1,
    }


async def test_clock_jumps_count_nothing_twice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    entry = await _setup(hass, stand_in.url)
    assert await _events(hass) == {TODAY: {"job_completed": 1}}

    # Back three hours: the same events again.
    freezer.move_to(NOW - timedelta(hours=3))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await _poll(hass, freezer)
    assert await _events(hass) == {TODAY: {"job_completed": 1}}

    # Printernizer records on the clock that went back: counted once.
    stand_in.add_event("file_downloaded", NOW - timedelta(hours=2))
    await _poll(hass, freezer)
    await _poll(hass, freezer)
    assert await _events(hass) == {TODAY: {"job_completed": 1, "file_downloaded": 1}}

    # Forward two days: nothing old again, the new day's event once.
    freezer.move_to(NOW + timedelta(days=2))
    stand_in.add_event("job_failed", NOW + timedelta(days=2) - timedelta(minutes=5))
    await _poll(hass, freezer)
    await _poll(hass, freezer)
    assert await _events(hass) == {
        TODAY: {"job_completed": 1, "file_downloaded": 1},
        "2026-11-27": {"job_failed": 1},
    }


async def test_history_within_retention_is_imported_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(days=300))
    stand_in.add_event("job_completed", NOW - timedelta(days=30))
    stand_in.add_event("job_failed", NOW - timedelta(days=401))
    stand_in.add_event("file_downloaded", NOW - timedelta(days=450))

    await _setup(hass, stand_in.url)
    counted = await _events(hass)
    assert counted == {
        (NOW - timedelta(days=300)).date().isoformat(): {"job_completed": 1},
        (NOW - timedelta(days=30)).date().isoformat(): {"job_completed": 1},
    }
    totals = (await async_export(hass))["counts"]["totals"]
    assert totals == {"job_completed": 2}

    stand_in.add_event("job_completed", NOW + timedelta(minutes=1))
    for _ in range(3):
        await _poll(hass, freezer)
    counted = await _events(hass)
    assert counted[TODAY] == {"job_completed": 1}
    assert sum(n for day in counted.values() for n in day.values()) == 3


@pytest.mark.parametrize(
    "raw",
    [
        {"event_type": "print_sold", "metadata": None},
        {"event_type": "job_completed", "metadata": ["duration_minutes", 95]},
        {"event_type": "job_completed", "metadata": "duration_minutes=95"},
        {"event_type": "job_completed", "metadata": {}, "drop_id": True},
        {"event_type": "job_completed", "metadata": None, "id": 42},
        {"event_type": None, "metadata": None},
    ],
)
async def test_malformed_events_are_rejected_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    raw: dict[str, Any],
) -> None:
    event: dict[str, Any] = {
        "id": raw.get("id", "7d0c3a5e-8a61-4a55-a36c-0e9b8d2f0a11"),
        "event_type": raw["event_type"],
        "timestamp": (NOW - timedelta(hours=1)).replace(tzinfo=None).isoformat(),
        "metadata": raw["metadata"],
        "submitted": 0,
    }
    if raw.get("drop_id"):
        del event["id"]
    stand_in.add_raw_event(event)
    stand_in.add_event("job_created", NOW - timedelta(hours=1))

    await _setup(hass, stand_in.url)
    for _ in range(3):
        await _poll(hass, freezer)
    stand_in.add_event("job_created", NOW + timedelta(hours=1))
    for _ in range(3):
        await _poll(hass, freezer)

    assert await _events(hass) == {TODAY: {"job_created": 2}}
    assert await _rejected(hass) == 1
    assert hass.states.get(CONNECTION).state == "connected"


async def test_event_with_empty_list_metadata_is_rejected(
    hass: HomeAssistant, stand_in: StandInPrinternizer
) -> None:
    """Metadata must be an object or null; an empty list is neither."""
    stand_in.add_raw_event(
        {
            "id": "5b7e2c1d-3f4a-4b5c-9d6e-7f8a9b0c1d2e",
            "event_type": "job_completed",
            "timestamp": (NOW - timedelta(hours=1)).replace(tzinfo=None).isoformat(),
            "metadata": [],
            "submitted": 0,
        }
    )
    await _setup(hass, stand_in.url)
    assert await _events(hass) == {}
    assert await _rejected(hass) == 1


@pytest.mark.parametrize("timestamp", ["missing", None, "", "yesterday", 1764064800])
async def test_events_without_a_usable_time_are_not_counted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    timestamp: Any,
) -> None:
    event: dict[str, Any] = {
        "id": "0b7c1f1e-95a4-4c3f-9e77-3c1ab5b6f0d2",
        "event_type": "job_completed",
        "metadata": None,
        "submitted": 0,
    }
    if timestamp != "missing":
        event["timestamp"] = timestamp
    stand_in.add_raw_event(event)
    stand_in.add_raw_event("not an event")
    stand_in.add_event("file_uploaded", NOW - timedelta(minutes=5))

    await _setup(hass, stand_in.url)
    await _poll(hass, freezer)

    assert await _events(hass) == {TODAY: {"file_uploaded": 1}}
    assert await _rejected(hass) == 0
    assert hass.states.get(CONNECTION).state == "connected"


async def test_the_same_event_twice_in_one_export_counts_once(
    hass: HomeAssistant, stand_in: StandInPrinternizer
) -> None:
    event = stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    stand_in.add_raw_event(dict(event))
    await _setup(hass, stand_in.url)
    assert await _events(hass) == {TODAY: {"job_completed": 1}}


# --- 3. Faults: nothing lost, nothing raised, back once it answers


EXPORT_PATH = "/api/v1/usage-stats/export"
HUGE = 256 * 1024 * 1024


async def _wait_for_request(stand_in: StandInPrinternizer, path: str, n: int) -> None:
    """Wait (real time, in a worker) until the stand-in got `n` requests for `path`."""
    for _ in range(500):
        if stand_in.requests[path] >= n:
            return
        await asyncio.sleep(0)
        await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.01)
    raise AssertionError(f"no request for {path}")


async def _poll_held(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    path: str,
) -> None:
    """Run a poll whose request the stand-in holds; the client's timeout ends it."""
    asked = stand_in.requests[path]
    freezer.tick(POLL_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await _wait_for_request(stand_in, path, asked + 1)
    # Past the longest timeout of any request (the export's 300 s).
    await async_advance(hass, freezer, timedelta(seconds=301))


@pytest.mark.parametrize(
    ("fault", "only_export"),
    [
        ("http_500", False),
        ("http_500", True),
        ("not_json", False),
        ("not_json", True),
        ("garbage_json", False),
        ("garbage_json", True),
        ("wrong_shape", False),
        ("wrong_shape", True),
        ("truncated", False),
        ("truncated", True),
        ("reset", False),
        ("reset", True),
        ("export_error", False),
        ("slow", False),
        ("slow", True),
        ("down", False),
        ("huge", True),
    ],
)
async def test_a_fault_loses_nothing_and_recovers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    fault: str,
    only_export: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    entry = await _setup(hass, stand_in.url)
    before = {TODAY: {"job_completed": 1}}
    assert await _events(hass) == before
    assert hass.states.get(CONNECTION).state == "connected"

    # Something new, so that the export is asked for.
    stand_in.add_event("file_downloaded", NOW + timedelta(minutes=1))
    # Far more than the kernel's socket buffers on both ends can absorb.
    stand_in.huge_bytes = HUGE
    if fault == "down":
        stand_in.stop()
    else:
        stand_in.fault = fault
        stand_in.fault_paths = {EXPORT_PATH} if only_export else None
    with patch(
        "custom_components.printernizer_usage.bridge.MAX_EXPORT_BYTES", 256 * 1024
    ):
        for _ in range(3):
            if fault == "slow":
                await _poll_held(
                    hass,
                    freezer,
                    stand_in,
                    EXPORT_PATH if only_export else "/api/v1/health",
                )
            else:
                await _poll(hass, freezer)
            assert await _events(hass) == before
            assert hass.states.get(CONNECTION).state == "unreachable"
            assert entry.state is ConfigEntryState.LOADED

    if fault == "huge":
        # Three answers were not read to their end.
        assert stand_in.bytes_sent < HUGE / 4
    if fault == "down":
        stand_in.start()
    stand_in.fault = None
    stand_in.release()
    for _ in range(3):
        await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "connected"
    assert await _events(hass) == {TODAY: {"job_completed": 1, "file_downloaded": 1}}
    assert await _rejected(hass) == 0
    # Nothing was raised to Home Assistant; the outage is one line, its end one.
    _assert_logged_once(caplog)


def _assert_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """One line when Printernizer went away, one when it is back, no traceback."""
    assert not [
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.name.startswith("homeassistant")
    ]
    problems = [r for r in _our_records(caplog) if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in problems] == [
        "Error fetching Printernizer data"
    ]
    assert problems[0].exc_info is None
    back = [r for r in _our_records(caplog) if "recovered" in r.getMessage()]
    assert [r.getMessage() for r in back] == ["Fetching Printernizer data recovered"]


async def test_huge_answers_everywhere_are_capped(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stand_in: StandInPrinternizer
) -> None:
    stand_in.fault = "huge"
    stand_in.huge_bytes = HUGE
    with patch(
        "custom_components.printernizer_usage.bridge.MAX_EXPORT_BYTES", 256 * 1024
    ):
        await _setup(hass, stand_in.url)
        await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "unreachable"
    assert stand_in.requests["/api/v1/health"] == 2
    assert stand_in.bytes_sent < HUGE / 4
    assert await _events(hass) == {}


# --- 4. One log line each way; a repair issue only after a day


def _our_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("custom_components")]


async def _set_address(
    hass: HomeAssistant, entry: MockConfigEntry, address: str
) -> None:
    form = await _open_printernizer_step(hass, entry)
    data = {CONF_PRINTERNIZER_URL: address} if address else {}
    result = await hass.config_entries.options.async_configure(form["flow_id"], data)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_unreachable_logs_once_and_becomes_an_issue_after_a_day(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = await _setup(hass, stand_in.url)
    assert hass.states.get(CONNECTION).state == "connected"

    stand_in.stop()
    for _ in range(8):
        await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "unreachable"
    assert _issue(hass, "printernizer_unreachable") is None
    await async_advance(hass, freezer, timedelta(hours=22))
    assert _issue(hass, "printernizer_unreachable") is None
    for _ in range(8):
        await _poll(hass, freezer)
    issue = _issue(hass, "printernizer_unreachable")
    assert issue is not None
    assert not issue.is_fixable
    warnings = [r for r in _our_records(caplog) if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "Printernizer" in warnings[0].getMessage()

    stand_in.start()
    for _ in range(3):
        await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "connected"
    assert _issue(hass, "printernizer_unreachable") is None
    back = [
        r
        for r in _our_records(caplog)
        if r.levelno == logging.INFO and "Printernizer" in r.getMessage()
    ]
    assert len(back) == 1
    assert len([r for r in _our_records(caplog) if r.levelno >= logging.WARNING]) == 1

    # Gone for a day again, then the address is cleared: the issue goes too.
    stand_in.stop()
    await _poll(hass, freezer)
    await async_advance(hass, freezer, timedelta(days=1))
    await _poll(hass, freezer)
    assert _issue(hass, "printernizer_unreachable") is not None
    assert len([r for r in _our_records(caplog) if r.levelno >= logging.WARNING]) == 2
    await _set_address(hass, entry, "")
    assert _issue(hass, "printernizer_unreachable") is None
    assert hass.states.get(CONNECTION).state == "not_set_up"
    await async_advance(hass, freezer, timedelta(days=2))
    assert _issue(hass, "printernizer_unreachable") is None


# --- 5. One print, counted once


def _printer(hass: HomeAssistant, domain: str, unique_id: str, serial: str) -> str:
    """Register a printer device with one entity, as its integration would."""
    config_entry = MockConfigEntry(domain=domain, title=domain)
    config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(domain, serial)}
    )
    entry = er.async_get(hass).async_get_or_create(
        "sensor", domain, unique_id, config_entry=config_entry, device_id=device.id
    )
    return entry.entity_id


async def _print(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, entity_id: str
) -> None:
    for state, wait in (
        ("idle", timedelta(0)),
        ("printing", timedelta(seconds=5)),
        ("finished", timedelta(minutes=95)),
        ("idle", timedelta(minutes=1)),
    ):
        freezer.tick(wait)
        hass.states.async_set(entity_id, state)
        await hass.async_block_till_done()


async def test_printernizer_is_the_only_source_of_jobs_and_fleet(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stand_in: StandInPrinternizer
) -> None:
    entry = await _setup(hass, stand_in.url)
    printer = _printer(hass, "prusalink", "01ABC_printer.state", "mk4")
    await hass.async_block_till_done()

    await _print(hass, freezer, printer)
    # A flap of the printer's connection long enough to count.
    hass.states.async_set(printer, "unavailable")
    await async_advance(hass, freezer, timedelta(minutes=2))
    hass.states.async_set(printer, "idle")
    await async_advance(hass, freezer, timedelta(minutes=2))

    counted = (await _events(hass)).get(TODAY, {})
    for event_type in (
        "job_created",
        "job_completed",
        "printer_connected",
        "printer_disconnected",
    ):
        assert event_type not in counted
    state = hass.states.get(PRINTERS)
    assert state.state == "2"
    assert state.attributes["printer_type_counts"] == {"bambu_lab": 1, "prusa": 1}

    # Without Printernizer, HA's printer integrations count again.
    await _set_address(hass, entry, "")
    await _print(hass, freezer, printer)
    counted = (await _events(hass)).get(TODAY, {})
    assert counted.get("job_created") == 1
    assert counted.get("job_completed") == 1
    state = hass.states.get(PRINTERS)
    assert state.state == "1"
    assert state.attributes["printer_type_counts"] == {"prusa": 1}


# --- 6. The report: Printernizer's version, ours, its fleet


@pytest.fixture
async def sharing_with(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    statistics_server: StatisticsServer,
    trusted_client_context: None,
) -> Any:
    """Return a coroutine that sets up a sharing entry with `options`."""

    async def setup(**options: Any) -> MockConfigEntry:
        stored_data["data"]["installation"] = agreed_installation()
        hass_storage[DOMAIN] = stored_data
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Printernizer Usage Statistics",
            options={
                **consent_options({}, share=True),
                "endpoint": statistics_server.url,
                **options,
            },
        )
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        return entry

    return setup


def _manifest_version() -> str:
    manifest = (
        __import__("pathlib").Path(__file__).parents[1]
        / "custom_components"
        / DOMAIN
        / "manifest.json"
    )
    version: str = json.loads(manifest.read_text())["version"]
    return version


async def _preview(hass: HomeAssistant) -> dict[str, Any]:
    payload: dict[str, Any] = (await async_call(hass, "preview"))["payload"]
    return payload


async def test_report_carries_printernizers_version_and_fleet(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    sharing_with: Any,
    statistics_server: StatisticsServer,
) -> None:
    await sharing_with(printernizer_url=stand_in.url)

    installation = (await _preview(hass))["installation"]
    assert installation["app_version"] == "2.41.5"
    assert installation["integration_version"] == _manifest_version()
    assert (await _preview(hass))["printer_fleet"] == {
        "printer_count": 2,
        "printer_types": ["bambu_lab", "prusa"],
        "printer_type_counts": {"bambu_lab": 1, "prusa": 1},
    }

    # A build from git: only the release is kept, never the commit.
    stand_in.version = "2.42.0-3-g1234567-dirty"
    await _poll(hass, freezer)
    preview = await _preview(hass)
    assert preview["installation"]["app_version"] == "2.42.0"
    assert "g1234567" not in json.dumps(preview)

    # What is sent says the same.
    await async_advance(hass, freezer, timedelta(days=8))
    sent = [json.loads(body) for _, body in statistics_server.submissions]
    assert sent
    assert sent[-1]["installation"]["app_version"] == "2.42.0"
    assert sent[-1]["installation"]["integration_version"] == _manifest_version()
    assert sent[-1]["printer_fleet"]["printer_type_counts"] == {
        "bambu_lab": 1,
        "prusa": 1,
    }


async def test_report_without_printernizer_says_not_connected(
    hass: HomeAssistant, sharing_with: Any
) -> None:
    await sharing_with()
    installation = (await _preview(hass))["installation"]
    assert installation["app_version"] == "not-connected"
    assert installation["integration_version"] == _manifest_version()


# --- 7. Consent version 2, end to end


class _Admin:
    """The repairs HTTP API, with a fresh administrator's token per request."""

    def __init__(
        self,
        hass: HomeAssistant,
        hass_client: ClientSessionGenerator,
        access_token: str,
    ) -> None:
        refresh_token = hass.auth.async_validate_access_token(access_token)
        assert refresh_token is not None
        self.hass = hass
        self.refresh_token = refresh_token
        self.hass_client = hass_client

    async def post(self, url: str, data: dict[str, Any]) -> tuple[int, Any]:
        token = self.hass.auth.async_create_access_token(self.refresh_token)
        client = await self.hass_client(token)
        response = await client.post(url, json=data)
        return response.status, await response.json()

    async def fix(self, issue_id: str, choice: str) -> dict[str, Any]:
        """Open the fix flow of `issue_id` and pick `choice` from its menu."""
        status, flow = await self.post(
            FIX_URL, {"handler": DOMAIN, "issue_id": issue_id}
        )
        assert status == HTTPStatus.OK, flow
        assert flow["type"] == "menu"
        assert choice in flow["menu_options"]
        status, result = await self.post(
            f"{FIX_URL}/{flow['flow_id']}", {"next_step_id": choice}
        )
        assert status == HTTPStatus.OK, result
        await self.hass.async_block_till_done(wait_background_tasks=True)
        return dict(result)


@pytest.fixture
async def admin(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_access_token: str
) -> _Admin:
    assert await async_setup_component(hass, "repairs", {})
    return _Admin(hass, hass_client, hass_access_token)


async def test_agreed_to_version_1_asks_again_and_sends_after_agreeing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sharing_with: Any,
    statistics_server: StatisticsServer,
    admin: _Admin,
) -> None:
    entry = await sharing_with(**{CONF_CONSENT_VERSION: 1})

    issue = _issue(hass, "consent_needed")
    assert issue is not None
    assert issue.is_fixable
    assert "integration_version" in (issue.translation_placeholders or {}).get(
        "new_fields", ""
    )
    assert hass.states.get(STATUS).state == "consent_needed"
    for _ in range(3):
        await async_advance(hass, freezer, timedelta(days=7))
    assert statistics_server.submissions == []
    assert entry.options[CONF_SHARE_STATISTICS] is True

    result = await admin.fix("consent_needed", "agree")
    assert result["type"] == "create_entry"
    assert entry.options[CONF_CONSENT_VERSION] == 2
    assert entry.options[CONF_SHARE_STATISTICS] is True
    assert _issue(hass, "consent_needed") is None

    await async_advance(hass, freezer, timedelta(hours=2))
    await async_advance(hass, freezer, timedelta(days=1))
    assert statistics_server.submissions
    report = json.loads(statistics_server.submissions[0][1])
    assert report["installation"]["integration_version"] == _manifest_version()
    assert report["installation"]["app_version"] == "not-connected"
    assert hass.states.get(STATUS).state != "consent_needed"


async def test_declining_the_new_version_turns_sharing_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    sharing_with: Any,
    statistics_server: StatisticsServer,
    admin: _Admin,
) -> None:
    entry = await sharing_with(**{CONF_CONSENT_VERSION: 1})
    assert _issue(hass, "consent_needed") is not None

    result = await admin.fix("consent_needed", "decline")

    assert result["type"] == "create_entry"
    assert entry.options[CONF_SHARE_STATISTICS] is False
    assert _issue(hass, "consent_needed") is None
    for _ in range(2):
        await async_advance(hass, freezer, timedelta(days=7))
    assert statistics_server.submissions == []
    assert hass.states.get(STATUS).state == "disabled"


async def test_people_who_never_shared_are_not_asked(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass, None, **{CONF_CONSENT_VERSION: 1})
    await async_advance(hass, freezer, timedelta(days=8))
    assert _issue(hass, "consent_needed") is None
    assert hass.states.get(STATUS).state == "disabled"


# --- 8. One report per home


OPT_OUT = "/api/v1/usage-stats/opt-out"


async def test_two_reports_issue_only_while_both_share(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.opt_in_status = "enabled"
    await _setup(hass, stand_in.url)
    for _ in range(3):
        await _poll(hass, freezer)
    assert _issue(hass, "two_reports") is None
    assert stand_in.opt_out_calls == []
    assert stand_in.requests[OPT_OUT] == 0


async def test_two_reports_keep_ours_by_stopping_printernizers(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    sharing_with: Any,
    admin: _Admin,
) -> None:
    stand_in.opt_in_status = "enabled"
    entry = await sharing_with(printernizer_url=stand_in.url)
    await _poll(hass, freezer)
    issue = _issue(hass, "two_reports")
    assert issue is not None
    assert issue.is_fixable
    for _ in range(3):
        await _poll(hass, freezer)
    assert stand_in.opt_out_calls == []  # never without the person's choice

    result = await admin.fix("two_reports", "stop_printernizer_sharing")

    assert result["type"] == "create_entry"
    assert len(stand_in.opt_out_calls) == 1
    assert stand_in.opt_in_status == "disabled"
    assert _issue(hass, "two_reports") is None
    assert entry.options[CONF_SHARE_STATISTICS] is True
    for _ in range(3):
        await _poll(hass, freezer)
    assert _issue(hass, "two_reports") is None
    assert len(stand_in.opt_out_calls) == 1


async def test_two_reports_keep_printernizers_by_stopping_ours(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    sharing_with: Any,
    admin: _Admin,
) -> None:
    stand_in.opt_in_status = "enabled"
    entry = await sharing_with(printernizer_url=stand_in.url)
    assert _issue(hass, "two_reports") is not None

    result = await admin.fix("two_reports", "stop_our_sharing")

    assert result["type"] == "create_entry"
    assert entry.options[CONF_SHARE_STATISTICS] is False
    assert _issue(hass, "two_reports") is None
    for _ in range(3):
        await _poll(hass, freezer)
    assert stand_in.opt_out_calls == []
    assert stand_in.requests[OPT_OUT] == 0
    assert stand_in.opt_in_status == "enabled"


async def test_two_reports_printernizer_down_keeps_everything(
    hass: HomeAssistant,
    stand_in: StandInPrinternizer,
    sharing_with: Any,
    admin: _Admin,
) -> None:
    stand_in.opt_in_status = "enabled"
    entry = await sharing_with(printernizer_url=stand_in.url)
    assert _issue(hass, "two_reports") is not None
    stand_in.stop()

    result = await admin.fix("two_reports", "stop_printernizer_sharing")

    assert result["type"] == "abort"
    assert result["reason"] == "cannot_connect"
    assert await async_render(
        hass, "issues.two_reports.fix_flow.abort.cannot_connect"
    ) == (
        "Printernizer did not confirm: its own statistics may still be on. Check"
        " that it is running and try again."
    )
    assert entry.options[CONF_SHARE_STATISTICS] is True
    assert _issue(hass, "two_reports") is not None
    stand_in.start()
    assert stand_in.opt_out_calls == []
    assert stand_in.opt_in_status == "enabled"


# --- 9. Nothing identifying leaves Printernizer


async def test_nothing_identifying_is_kept_shown_or_logged(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    sharing_with: Any,
    statistics_server: StatisticsServer,
    unused_tcp_port_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    refresh_token = hass.auth.async_validate_access_token(hass_access_token)
    assert refresh_token is not None

    async def admin_client() -> Any:
        # A fresh token: the clock moves by days.
        return await hass_client(hass.auth.async_create_access_token(refresh_token))

    for event_type in ("job_created", "job_completed", "file_downloaded"):
        stand_in.add_event(event_type, NOW - timedelta(hours=1), identifying=True)
    stand_in.add_event("error_occurred", NOW - timedelta(minutes=30), identifying=True)
    stand_in.add_raw_event(
        {
            "id": "Werkstatt X1C Sebastian",
            "event_type": "Geheimprojekt Kunde Mueller",
            "timestamp": (NOW - timedelta(minutes=20)).replace(tzinfo=None).isoformat(),
            "metadata": {"file_name": "Geheimprojekt_Kunde_Mueller_v3.3mf"},
        }
    )
    entry = await sharing_with(printernizer_url=stand_in.url)
    # A fault, an outage, a refused address: every log line there is.
    stand_in.fault = "not_json"
    await _poll(hass, freezer)
    stand_in.fault = None
    stand_in.stop()
    await _poll(hass, freezer)
    stand_in.start()
    await _poll(hass, freezer)
    form = await _open_printernizer_step(hass, entry)
    await hass.config_entries.options.async_configure(
        form["flow_id"],
        {CONF_PRINTERNIZER_URL: f"http://127.0.0.1:{unused_tcp_port_factory()}"},
    )
    await async_advance(hass, freezer, timedelta(days=8))
    await _flush(hass, freezer)
    assert (await _events(hass))[TODAY].get("job_completed") == 1

    seen: dict[str, str] = {
        "storage": json.dumps(hass_storage, default=str),
        "export": json.dumps(await async_export(hass)),
        "preview": json.dumps(await async_call(hass, "preview")),
        "diagnostics": json.dumps(
            await get_diagnostics_for_config_entry(hass, admin_client, entry)
        ),
        "sent": json.dumps(
            [body.decode() for _, body in statistics_server.submissions]
        ),
    }
    states = [
        hass.states.get(item.entity_id)
        for item in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    ]
    assert states
    seen["states"] = json.dumps(
        [(s.state, dict(s.attributes)) for s in states if s is not None], default=str
    )
    # The stand-in's own access log is not ours.
    seen["logs"] = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith("aiohttp.access")
    )
    for where, text in seen.items():
        lowered = text.lower()
        for value in identifying_values():
            assert value.lower() not in lowered, (where, value)
    for where in ("logs", "diagnostics", "states", "preview", "sent"):
        assert stand_in.url not in seen[where], where
        assert f":{stand_in.port}" not in seen[where], where


# --- 10. delete_all


async def test_delete_all_is_not_undone_by_the_next_polls(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(days=3))
    stand_in.add_event("file_downloaded", NOW - timedelta(hours=1))
    await _setup(hass, stand_in.url)
    assert len(await _events(hass)) == 2

    await async_call(hass, "delete_all")
    for _ in range(4):
        await _poll(hass, freezer)
    assert await _events(hass) == {}
    await _flush(hass, freezer)
    assert not any(day.get("events") for day in _stored_days(hass_storage).values())
    assert hass_storage[DOMAIN]["data"]["counts"]["totals"] == {}

    stand_in.add_event("job_failed", NOW + timedelta(hours=1, minutes=30))
    for _ in range(4):
        await _poll(hass, freezer)
    assert await _events(hass) == {TODAY: {"job_failed": 1}}


async def test_a_day_of_failures_counts_across_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    """The start of an outage is stored; a restart must not start the day again."""
    entry = await _setup(hass, stand_in.url)
    stand_in.stop()
    await _poll(hass, freezer)
    for _ in range(5):
        await async_advance(hass, freezer, timedelta(hours=4))
    assert _issue(hass, "printernizer_unreachable") is None

    await _restart(hass, entry)
    await _poll(hass, freezer)
    assert _issue(hass, "printernizer_unreachable") is None
    # A day after the first failed poll, not a day after the restart.
    await async_advance(hass, freezer, timedelta(hours=4))
    await _poll(hass, freezer)

    assert hass.states.get(CONNECTION).state == "unreachable"
    assert _issue(hass, "printernizer_unreachable") is not None


async def test_events_after_a_clock_that_ran_days_ahead_are_counted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    """The host's clock (HA and the add-on share it) ran three days ahead."""
    ahead = NOW + timedelta(days=3)
    freezer.move_to(ahead)
    stand_in.add_event("job_completed", ahead - timedelta(minutes=5))
    entry = await _setup(hass, stand_in.url)
    assert await _events(hass) == {"2026-11-28": {"job_completed": 1}}

    # Corrected: Printernizer records on the right time again.
    freezer.move_to(NOW + timedelta(hours=1))
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    stand_in.add_event("file_downloaded", NOW + timedelta(hours=1, minutes=5))
    for _ in range(3):
        await _poll(hass, freezer)

    # The day "in the future" left the daily counts (no report may count it
    # once that day comes); the lifetime total keeps it; nothing is counted
    # twice.
    assert await _events(hass) == {TODAY: {"file_downloaded": 1}}
    totals = (await async_export(hass))["counts"]["totals"]
    assert totals == {"job_completed": 1, "file_downloaded": 1}


async def test_a_version_without_a_release_survives_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.version = "nightly"
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    entry = await _setup(hass, stand_in.url)
    assert await _events(hass) == {TODAY: {"job_completed": 1}}

    await _restart(hass, entry)

    assert ir.async_get(hass).async_get_issue(DOMAIN, "unreadable_storage") is None
    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    await _poll(hass, freezer)
    assert await _events(hass) == {TODAY: {"job_completed": 1}}


async def test_polls_every_15_minutes_and_fetches_the_export_only_when_new(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    await _setup(hass, stand_in.url)
    assert stand_in.requests["/api/v1/health"] == 1
    assert stand_in.requests[EXPORT_PATH] == 1

    for _ in range(14):
        await async_advance(hass, freezer, timedelta(minutes=1))
    assert stand_in.requests["/api/v1/health"] == 1
    await async_advance(hass, freezer, timedelta(minutes=1, seconds=1))
    assert stand_in.requests["/api/v1/health"] == 2

    for _ in range(8):
        await _poll(hass, freezer)
    assert stand_in.requests["/api/v1/health"] == 10
    # Nothing new in Printernizer: its events are not fetched again.
    assert stand_in.requests[EXPORT_PATH] == 1
    stand_in.add_event("file_uploaded", NOW + timedelta(hours=2))
    await _poll(hass, freezer)
    assert stand_in.requests[EXPORT_PATH] == 2
    assert (await _events(hass))[TODAY] == {"job_completed": 1, "file_uploaded": 1}


# --- 12. The unplanned: a bug mid-poll, a reload mid-import


async def test_an_unplanned_exception_in_a_poll_is_logged_once_and_polling_goes_on(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    with patch(
        "custom_components.printernizer_usage.bridge.parse_local",
        side_effect=RuntimeError("a bug nobody planned for"),
    ):
        entry = await _setup(hass, stand_in.url)
        await _poll(hass, freezer)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTION).state == "unreachable"
    assert await _events(hass) == {}
    # Logged with its traceback once per poll, never raised to Home Assistant.
    assert caplog.text.count("Unexpected error fetching Printernizer data") == 2

    await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "connected"
    assert await _events(hass) == {TODAY: {"job_completed": 1}}


async def test_a_reload_while_the_export_is_held_counts_each_event_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = await _setup(hass, stand_in.url)
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    stand_in.fault = "slow"
    stand_in.fault_paths = {EXPORT_PATH}
    asked = stand_in.requests[EXPORT_PATH]
    freezer.tick(POLL_INTERVAL + timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await _wait_for_request(stand_in, EXPORT_PATH, asked + 1)

    # The poll in flight belongs to the old entry: the reload cancels it.
    assert await hass.config_entries.async_reload(entry.entry_id)
    stand_in.fault = None
    stand_in.release()
    await hass.async_block_till_done(wait_background_tasks=True)
    for _ in range(3):
        await _poll(hass, freezer)

    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    assert hass.states.get(CONNECTION).state == "connected"
    assert "Traceback" not in caplog.text


# --- 13. Printernizer's rate limit: a 429 does not lose the round


HEALTH_PATH = "/api/v1/health"


async def test_a_rate_limited_round_is_read_again_after_the_wait(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    await _setup(hass, stand_in.url)
    stand_in.add_event("file_downloaded", NOW + timedelta(minutes=1))
    polls = stand_in.requests[HEALTH_PATH]

    # Another client of Printernizer spent every token just before the poll:
    # Printernizer answers 429, asking for 0.6 s (one token).
    freezer.tick(POLL_INTERVAL + timedelta(seconds=1))
    stand_in.exhaust_rate_limit()
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stand_in.requests[HEALTH_PATH] == polls + 1
    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    # Busy is not gone: nothing is shown or logged.
    assert hass.states.get(CONNECTION).state == "connected"

    # Read again once the wait is over (at least RETRY_MIN), not a poll later.
    await async_advance(hass, freezer, timedelta(seconds=RETRY_MIN - 2))
    assert stand_in.requests[HEALTH_PATH] == polls + 1
    await async_advance(hass, freezer, timedelta(seconds=3))
    assert stand_in.requests[HEALTH_PATH] == polls + 2
    assert await _events(hass) == {TODAY: {"job_completed": 1, "file_downloaded": 1}}
    assert hass.states.get(CONNECTION).state == "connected"
    assert not [r for r in _our_records(caplog) if r.levelno >= logging.WARNING]

    # Then every 15 minutes again.
    await async_advance(hass, freezer, POLL_INTERVAL - timedelta(seconds=30))
    assert stand_in.requests[HEALTH_PATH] == polls + 2
    await async_advance(hass, freezer, timedelta(seconds=31))
    assert stand_in.requests[HEALTH_PATH] == polls + 3


async def test_a_lasting_rate_limit_fails_the_round_after_a_few_tries(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _setup(hass, stand_in.url)
    stand_in.add_event("job_completed", NOW + timedelta(minutes=1))
    stand_in.fault = "rate_limited"  # 12.5 s, every time
    stand_in.fault_paths = {EXPORT_PATH}
    asked = stand_in.requests[EXPORT_PATH]

    await _poll(hass, freezer)
    for _ in range(RATE_LIMIT_RETRIES):
        assert hass.states.get(CONNECTION).state == "connected"
        await async_advance(hass, freezer, timedelta(seconds=14))
    assert stand_in.requests[EXPORT_PATH] == asked + 1 + RATE_LIMIT_RETRIES
    assert hass.states.get(CONNECTION).state == "unreachable"
    assert [
        r.getMessage() for r in _our_records(caplog) if r.levelno >= logging.WARNING
    ] == ["Error fetching Printernizer data: rate_limited"]

    # The next round is a poll later, not sooner.
    await async_advance(hass, freezer, POLL_INTERVAL - timedelta(seconds=30))
    assert stand_in.requests[EXPORT_PATH] == asked + 1 + RATE_LIMIT_RETRIES
    stand_in.fault = None
    await async_advance(hass, freezer, timedelta(seconds=31))
    assert hass.states.get(CONNECTION).state == "connected"
    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    _assert_logged_once(caplog)


@pytest.mark.parametrize(
    ("asked", "wait"),
    [
        (12.5, 12.5),
        (0.0, RETRY_MIN),
        (-5, RETRY_MIN),
        ("soon", RETRY_MIN),
        (None, RETRY_MIN),
        (86400 * 365, RETRY_MAX),
        (1e308, RETRY_MAX),
        (10**400, RETRY_MAX),
    ],
    ids=["asked", "zero", "negative", "text", "null", "a_year", "1e308", "400_digits"],
)
async def test_any_wait_printernizer_asks_for_is_bounded(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    asked: Any,
    wait: float,
) -> None:
    await _setup(hass, stand_in.url)
    stand_in.add_event("job_completed", NOW + timedelta(minutes=1))
    stand_in.fault = "rate_limited"
    stand_in.fault_paths = {EXPORT_PATH}
    stand_in.retry_after_seconds = asked
    await _poll(hass, freezer)
    stand_in.fault = None
    polls = stand_in.requests[HEALTH_PATH]

    await async_advance(hass, freezer, timedelta(seconds=wait - 2))
    assert stand_in.requests[HEALTH_PATH] == polls
    await async_advance(hass, freezer, timedelta(seconds=3))
    assert stand_in.requests[HEALTH_PATH] == polls + 1
    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    assert hass.states.get(CONNECTION).state == "connected"


# --- 14. The connection, read-only, for the options step and diagnostics


async def test_the_connection_view_says_what_was_read(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stand_in: StandInPrinternizer
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    stand_in.add_event("file_uploaded", NOW - timedelta(minutes=30))
    entry = await _setup(hass, stand_in.url)

    assert entry.runtime_data.bridge.connection == PrinternizerConnection(
        status="connected",
        unreachable_since=None,
        version="2.41.5",
        events=2,
        last_import=NOW,
    )

    stand_in.stop()
    await _poll(hass, freezer)
    gone = NOW + POLL_INTERVAL + timedelta(seconds=1)
    connection = entry.runtime_data.bridge.connection
    assert connection.status == "unreachable"
    assert connection.unreachable_since is not None
    assert abs(connection.unreachable_since - gone) < timedelta(seconds=1)
    # What was read last is still known, across a restart too.
    await _restart(hass, entry)
    connection = entry.runtime_data.bridge.connection
    assert (connection.version, connection.events, connection.last_import) == (
        "2.41.5",
        2,
        NOW,
    )


async def test_setup_neither_waits_for_nor_fails_on_printernizer(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, stand_in: StandInPrinternizer
) -> None:
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    stand_in.stop()
    entry = await _setup(hass, stand_in.url)

    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(CONNECTION).state == "unreachable"
    # Local counting goes on without it.
    await async_call(hass, "record_event", event_type="file_uploaded")
    assert await _events(hass) == {TODAY: {"file_uploaded": 1}}

    stand_in.start()
    await _poll(hass, freezer)
    assert hass.states.get(CONNECTION).state == "connected"
    assert await _events(hass) == {TODAY: {"file_uploaded": 1, "job_completed": 1}}
