"""Zero-configuration sources: HA itself and HA's 3D-printer integrations.

Printer entities are created the way the real integrations register them
(platform and unique_id in the entity registry), then driven through states.
"""

from __future__ import annotations

from datetime import date, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)

from custom_components.printernizer_usage.core.payload import Period
from custom_components.printernizer_usage.report import PLACEHOLDER_ID
from homeassistant.const import (
    EVENT_HOMEASSISTANT_STARTED,
    EVENT_HOMEASSISTANT_STOP,
    STATE_UNAVAILABLE,
)
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .helpers import async_advance, async_export

PRINTERS = "sensor.printernizer_usage_statistics_printers"
TODAY = "2026-11-25"


async def _today(hass: HomeAssistant) -> dict[str, Any]:
    day: dict[str, Any] = (await async_export(hass))["counts"]["days"].get(TODAY, {})
    return day


def _printer(
    hass: HomeAssistant,
    domain: str,
    unique_id: str,
    *,
    entity_domain: str = "sensor",
    serial: str = "printer-1",
) -> str:
    """Register a printer device with one entity, as its integration would."""
    config_entry = MockConfigEntry(domain=domain, title=domain)
    config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(domain, serial)}
    )
    entry = er.async_get(hass).async_get_or_create(
        entity_domain,
        domain,
        unique_id,
        config_entry=config_entry,
        device_id=device.id,
    )
    return entry.entity_id


async def _states(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity_id: str,
    *steps: tuple[str, timedelta],
) -> None:
    for state, wait in steps:
        freezer.tick(wait)
        hass.states.async_set(entity_id, state)
        await hass.async_block_till_done()


NOW = timedelta(0)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("domain", "unique_id", "printer_type", "steps", "outcome"),
    [
        (
            "prusalink",
            "01ABC_printer.state",
            "prusa",
            ["idle", "printing", "paused", "printing", "finished"],
            "job_completed",
        ),
        (
            "prusalink",
            "01ABC_printer.state",
            "prusa",
            ["idle", "printing", "stopped"],
            "job_failed",
        ),
        (
            "octoprint",
            "Current State-6f1d",
            "octoprint",
            ["Operational", "Printing from SD", "Finishing", "Operational"],
            "job_completed",
        ),
        (
            "octoprint",
            "Current State-6f1d",
            "octoprint",
            ["operational", "printing", "cancelling", "operational"],
            "job_failed",
        ),
        (
            "octoprint",
            "Current State-6f1d",
            "octoprint",
            ["operational", "printing_streaming", "offline_after_error"],
            "job_failed",
        ),
        (
            "bambu_lab",
            "01P00A000000000_print_status",
            "bambu_lab",
            ["idle", "prepare", "running", "pause", "running", "finish"],
            "job_completed",
        ),
        (
            "bambu_lab",
            "01P00A000000000_print_status",
            "bambu_lab",
            ["finish", "running", "failed"],
            "job_failed",
        ),
        (
            "moonraker",
            "01ABC_print_state",
            "klipper",
            ["standby", "printing", "paused", "printing", "complete"],
            "job_completed",
        ),
        (
            "moonraker",
            "01ABC_print_state",
            "klipper",
            ["standby", "printing", "cancelled"],
            "job_failed",
        ),
        (
            "dremel_3d_printer",
            "SN0000000000_job_phase",
            "dremel",
            ["idle", "preparing", "building", "paused", "building", "completed"],
            "job_completed",
        ),
        (
            "ha_creality_ws",
            "192.0.2.10-print_status",
            "creality",
            ["idle", "printing", "error", "printing", "stopped"],
            "job_failed",
        ),
        (
            "anycubic_cloud",
            "00:00:5e:00:53:01-job_state",
            "anycubic",
            ["finished", "downloading", "printing", "paused", "printing", "finished"],
            "job_completed",
        ),
    ],
)
async def test_print_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    domain: str,
    unique_id: str,
    printer_type: str,
    steps: list[str],
    outcome: str,
) -> None:
    entity_id = _printer(hass, domain, unique_id)
    await hass.async_block_till_done()
    # 95 minutes from the start to the end, whatever happens in between.
    waits = [NOW] * (len(steps) - 1) + [timedelta(minutes=95)]
    await _states(hass, freezer, entity_id, *zip(steps, waits, strict=True))

    day = await _today(hass)
    assert day["events"] == {"job_created": 1, outcome: 1}
    assert day["labels"]["job_created"] == {"printer_type": {printer_type: 1}}
    if outcome == "job_completed":
        assert day["labels"]["job_completed"] == {
            "printer_type": {printer_type: 1},
            "duration_bucket": {"1-3h": 1},
        }


@pytest.mark.usefixtures("init_integration")
async def test_prusalink_attention_is_an_error_not_an_end(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entity_id = _printer(hass, "prusalink", "01ABC_printer.state")
    await hass.async_block_till_done()
    await _states(
        hass,
        freezer,
        entity_id,
        ("idle", NOW),
        ("printing", NOW),
        ("attention", NOW),
        ("printing", NOW),
        ("finished", timedelta(hours=4)),
    )
    day = await _today(hass)
    assert day["events"] == {"job_created": 1, "error_occurred": 1, "job_completed": 1}
    assert day["labels"]["job_completed"]["duration_bucket"] == {"3-8h": 1}


async def test_job_spanning_a_restart_keeps_its_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    entity_id = _printer(hass, "moonraker", "01ABC_print_state")
    await hass.async_block_till_done()
    await _states(hass, freezer, entity_id, ("standby", NOW), ("printing", NOW))

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    # The printer integration comes back after the restart, still printing.
    hass.states.async_remove(entity_id)
    await _states(
        hass,
        freezer,
        entity_id,
        ("printing", timedelta(hours=2)),
        ("complete", timedelta(hours=7)),
    )

    day = (await async_export(hass))["counts"]["days"]["2026-11-25"]
    assert day["events"] == {"job_created": 1, "job_completed": 1}
    assert day["labels"]["job_completed"]["duration_bucket"] == {"8-24h": 1}


@pytest.mark.usefixtures("init_integration")
async def test_job_seen_only_while_running_has_no_duration(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entity_id = _printer(hass, "prusalink", "01ABC_printer.state")
    await hass.async_block_till_done()
    await _states(
        hass, freezer, entity_id, ("printing", NOW), ("finished", timedelta(hours=1))
    )
    day = await _today(hass)
    assert day["events"] == {"job_created": 1, "job_completed": 1}
    assert "duration_bucket" not in day["labels"]["job_completed"]


@pytest.mark.usefixtures("init_integration")
async def test_bambu_bus_events_and_states_count_a_job_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entity_id = _printer(hass, "bambu_lab", "01P00A000000000_print_status")
    await hass.async_block_till_done()
    device_id = er.async_get(hass).async_get(entity_id).device_id  # type: ignore[union-attr]
    await _states(hass, freezer, entity_id, ("idle", NOW))
    hass.bus.async_fire(
        "bambu_lab_event", {"device_id": device_id, "type": "event_print_started"}
    )
    await _states(hass, freezer, entity_id, ("prepare", NOW), ("running", NOW))
    await _states(hass, freezer, entity_id, ("finish", timedelta(minutes=30)))
    hass.bus.async_fire(
        "bambu_lab_event", {"device_id": device_id, "type": "event_print_finished"}
    )
    hass.bus.async_fire("bambu_lab_event", {"device_id": device_id, "type": "other"})
    await hass.async_block_till_done()

    day = await _today(hass)
    assert day["events"] == {"job_created": 1, "job_completed": 1}
    assert day["labels"]["job_completed"]["duration_bucket"] == {"15-60m": 1}


@pytest.mark.usefixtures("init_integration")
async def test_paper_printers_and_other_entities_are_ignored(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    paper = _printer(hass, "ipp", "cfe92100-67c4-11d4-a45f-f8d027761251_printer")
    progress = _printer(hass, "prusalink", "01ABC_printer.progress")
    await hass.async_block_till_done()
    for entity_id in (paper, progress):
        await _states(
            hass, freezer, entity_id, ("idle", NOW), ("printing", NOW), ("idle", NOW)
        )
    assert await _today(hass) == {}
    assert hass.states.get(PRINTERS).state == "1"


async def test_fleet_follows_the_device_registry(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(PRINTERS).state == "0"
    _printer(hass, "prusalink", "a_printer.state", serial="mk4")
    bambu = _printer(hass, "bambu_lab", "b_print_status", serial="x1c")
    _printer(hass, "elegoo_printer", "c_status", serial="saturn")
    _printer(hass, "ipp", "d_printer", serial="office")
    registry = dr.async_get(hass)
    bambu_entity = er.async_get(hass).async_get(bambu)
    assert bambu_entity is not None
    assert bambu_entity.config_entry_id is not None
    assert bambu_entity.device_id is not None
    # An AMS unit is attached to its printer: a part, not a printer. Linked by
    # device id, which every HA release accepts (`via_device=` is deprecated
    # since 2026.9).
    ams = registry.async_get_or_create(
        config_entry_id=bambu_entity.config_entry_id,
        identifiers={("bambu_lab", "ams-1")},
    )
    registry.async_update_device(ams.id, via_device_id=bambu_entity.device_id)
    await hass.async_block_till_done()

    state = hass.states.get(PRINTERS)
    assert state.state == "3"
    assert state.attributes["printer_type_counts"] == {
        "bambu_lab": 1,
        "elegoo": 1,
        "prusa": 1,
    }

    # Removing a printer removes its parts with it, as the integration does.
    registry.async_remove_device(ams.id)
    registry.async_remove_device(bambu_entity.device_id)
    await hass.async_block_till_done()
    assert hass.states.get(PRINTERS).state == "2"


@pytest.mark.usefixtures("init_integration")
async def test_connection_changes_count_once_they_settle(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entity_id = _printer(hass, "prusalink", "01ABC_printer.state")
    await hass.async_block_till_done()
    await _states(hass, freezer, entity_id, ("idle", NOW))

    # A flap shorter than a minute counts nothing.
    await _states(
        hass,
        freezer,
        entity_id,
        (STATE_UNAVAILABLE, NOW),
        ("idle", timedelta(seconds=20)),
        (STATE_UNAVAILABLE, timedelta(seconds=20)),
        ("idle", timedelta(seconds=20)),
    )
    await async_advance(hass, freezer, timedelta(minutes=2))
    assert await _today(hass) == {}

    # Gone for good, then back for good: once each.
    await _states(hass, freezer, entity_id, (STATE_UNAVAILABLE, NOW))
    await async_advance(hass, freezer, timedelta(seconds=61))
    await _states(hass, freezer, entity_id, ("idle", timedelta(minutes=5)))
    await async_advance(hass, freezer, timedelta(seconds=61))

    day = await _today(hass)
    assert day["events"] == {
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["printer_connected"] == {"printer_type": {"prusa": 1}}
    assert day["labels"]["error_occurred"] == {
        "component": {"prusalink": 1},
        "error_type": {"update_failed": 1},
    }


@pytest.mark.usefixtures("init_integration")
async def test_bambu_online_sensor_and_offline_state(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    status = _printer(hass, "bambu_lab", "01P00A_print_status")
    online = er.async_get(hass).async_get_or_create(
        "binary_sensor",
        "bambu_lab",
        "01P00A_online",
        device_id=er.async_get(hass).async_get(status).device_id,  # type: ignore[union-attr]
    )
    await hass.async_block_till_done()
    await _states(hass, freezer, status, ("idle", NOW))
    await _states(hass, freezer, online.entity_id, ("on", NOW), ("off", NOW))
    await async_advance(hass, freezer, timedelta(seconds=61))
    await _states(hass, freezer, status, ("offline", NOW), ("idle", timedelta(hours=1)))
    await async_advance(hass, freezer, timedelta(seconds=61))

    day = await _today(hass)
    # One outage (the sensor off, then the state offline): one disconnection,
    # one error.
    assert day["events"] == {
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["error_occurred"]["component"] == {"bambu_lab": 1}


@pytest.mark.usefixtures("init_integration")
async def test_no_connection_events_while_starting_or_stopping(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entity_id = _printer(hass, "octoprint", "Current State-6f1d")
    await hass.async_block_till_done()
    await _states(hass, freezer, entity_id, ("Operational", NOW))
    hass.set_state(CoreState.stopping)
    await _states(hass, freezer, entity_id, (STATE_UNAVAILABLE, NOW))
    await async_advance(hass, freezer, timedelta(minutes=2))
    hass.set_state(CoreState.running)
    assert await _today(hass) == {}


async def test_start_and_stop_of_home_assistant(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    hass.set_state(CoreState.starting)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    hass.set_state(CoreState.running)
    # Reloading the integration is not a start of Home Assistant.
    assert await hass.config_entries.async_reload(mock_config_entry.entry_id)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    assert (await async_export(hass))["counts"]["totals"] == {
        "app_start": 1,
        "app_shutdown": 1,
    }


@pytest.mark.usefixtures("init_integration")
async def test_errors_of_printer_integrations_keep_only_class_and_domain(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    logger = logging.getLogger("homeassistant.components.prusalink.coordinator")
    error = ConnectionRefusedError("printer at 192.168.1.50 refused /home/john/a.gcode")
    logger.error(
        "Could not reach john@example.com's printer",
        exc_info=(ConnectionRefusedError, error, None),
    )
    logging.getLogger("custom_components.bambu_lab").error("MQTT broke for 01P00A")
    logging.getLogger("homeassistant.components.ipp").error("Paper jam")
    logging.getLogger("homeassistant.components.prusalink").warning("Slow")
    await hass.async_block_till_done()
    # No printer dropped out around them: each counts once the connectivity
    # threshold has passed without an outage.
    assert await _today(hass) == {}
    await async_advance(hass, freezer, timedelta(seconds=61))

    export = await async_export(hass)
    day = export["counts"]["days"][TODAY]
    assert day["events"] == {"error_occurred": 2}
    assert day["labels"]["error_occurred"] == {
        "component": {"prusalink": 1, "bambu_lab": 1},
        "error_type": {"connection_refused_error": 1, "update_failed": 1},
    }
    text = str(export)
    for secret in ("192.168.1.50", "john", "gcode", "01P00A", "MQTT"):
        assert secret not in text


# --- OctoPrint endings, from the state and the job percentage ----------------

OCTOPRINT_DEVICE = "6f1d8a2c-0000-4000-8000-000000000001"


def _octoprint(hass: HomeAssistant) -> tuple[str, str]:
    """Register an OctoPrint device's Current State and Job Percentage sensors.

    Unique IDs as HA core's octoprint/sensor.py builds them:
    f"{sensor_type}-{device_id}".
    """
    state = _printer(hass, "octoprint", f"Current State-{OCTOPRINT_DEVICE}")
    registry = er.async_get(hass)
    state_entry = registry.async_get(state)
    assert state_entry is not None
    progress = registry.async_get_or_create(
        "sensor",
        "octoprint",
        f"Job Percentage-{OCTOPRINT_DEVICE}",
        config_entry=hass.config_entries.async_get_entry(
            state_entry.config_entry_id  # type: ignore[arg-type]
        ),
        device_id=state_entry.device_id,
    )
    return state, progress.entity_id


async def _poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    wait: timedelta,
    *writes: tuple[str, str],
) -> None:
    """One coordinator update: its entities written one after the other."""
    freezer.tick(wait)
    for entity_id, value in writes:
        hass.states.async_set(entity_id, value)
    await hass.async_block_till_done()
    # An ending is decided once the whole update is written: one loop turn on.
    await hass.async_block_till_done()


POLL = timedelta(seconds=30)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("state_first", [True, False])
@pytest.mark.parametrize(
    ("name", "updates", "outcome"),
    [
        pytest.param(
            "finished",
            [("printing", "99.6"), ("operational", "100")],
            "job_completed",
            id="finished",
        ),
        pytest.param(
            "cancelled",
            [("printing", "41.2"), ("operational", "0")],
            "job_failed",
            id="cancelled-between-polls",
        ),
        pytest.param(
            "error",
            [
                ("printing", "41.2"),
                (STATE_UNAVAILABLE, STATE_UNAVAILABLE),
                ("operational", "0"),
            ],
            "job_failed",
            id="error-mid-print",
        ),
        pytest.param(
            "finished-while-away",
            [
                ("printing", "99.6"),
                (STATE_UNAVAILABLE, STATE_UNAVAILABLE),
                ("operational", "100"),
            ],
            "job_completed",
            id="finished-while-unavailable",
        ),
    ],
)
async def test_octoprint_ending_from_the_job_percentage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    state_first: bool,
    name: str,
    updates: list[tuple[str, str]],
    outcome: str,
) -> None:
    state, progress = _octoprint(hass)
    await hass.async_block_till_done()
    await _poll(hass, freezer, NOW, (state, "operational"), (progress, "0"))
    await _poll(hass, freezer, POLL, (state, "printing"), (progress, "0.1"))
    for value, percent in updates:
        writes = [(state, value), (progress, percent)]
        await _poll(
            hass,
            freezer,
            timedelta(minutes=30),
            *(writes if state_first else writes[::-1]),
        )

    day = await _today(hass)
    assert day["events"]["job_created"] == 1
    assert day["events"][outcome] == 1
    assert {"job_completed", "job_failed"} - {outcome} & set(day["events"]) == set()
    if outcome == "job_completed":
        assert day["labels"]["job_completed"]["duration_bucket"] == {"1-3h": 1}


@pytest.mark.usefixtures("init_integration")
async def test_octoprint_finishing_seen_is_completed_without_a_percentage(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    state, _progress = _octoprint(hass)
    await hass.async_block_till_done()
    await _states(
        hass,
        freezer,
        state,
        ("Operational", NOW),
        ("Printing", NOW),
        ("Finishing", timedelta(minutes=20)),
        ("Operational", POLL),
    )
    day = await _today(hass)
    assert day["events"] == {"job_created": 1, "job_completed": 1}


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize("back", ["operational", "printing"])
async def test_octoprint_outage_and_flap(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, back: str
) -> None:
    state, progress = _octoprint(hass)
    logger = logging.getLogger("homeassistant.components.octoprint.coordinator")
    await hass.async_block_till_done()
    await _poll(hass, freezer, NOW, (state, "operational"), (progress, "0"))
    await _poll(hass, freezer, POLL, (state, "printing"), (progress, "3"))

    # A flap (one failed poll): no error, no disconnection, the job goes on.
    logger.error("Error fetching %s data: %s", "octoprint-x", "Printer offline")
    await _poll(hass, freezer, POLL, (state, STATE_UNAVAILABLE), (progress, "3"))
    await _poll(hass, freezer, POLL, (state, "printing"), (progress, "4"))
    await async_advance(hass, freezer, timedelta(minutes=2))
    assert (await _today(hass))["events"] == {"job_created": 1}

    # A long outage: one disconnection, one error; back printing the job
    # goes on, back operational without 100 % it failed.
    logger.error("Error fetching %s data: %s", "octoprint-x", "Printer offline")
    await _poll(
        hass, freezer, POLL, (state, STATE_UNAVAILABLE), (progress, STATE_UNAVAILABLE)
    )
    for _ in range(10):
        await async_advance(hass, freezer, POLL)
    await _poll(hass, freezer, POLL, (state, back), (progress, "0"))
    await async_advance(hass, freezer, timedelta(minutes=2))

    day = await _today(hass)
    expected = {
        "job_created": 1,
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    if back == "operational":
        expected["job_failed"] = 1
    assert day["events"] == expected
    assert day["labels"]["error_occurred"] == {
        "component": {"octoprint": 1},
        "error_type": {"update_failed": 1},
    }


# --- outage errors ------------------------------------------------------------


async def _error_summary(hass: HomeAssistant) -> dict[str, int]:
    """Return the error_summary of a report covering today."""
    (entry,) = hass.config_entries.async_entries("printernizer_usage")
    day = date.fromisoformat(TODAY)
    report = await entry.runtime_data.async_build_report(
        Period(day, day + timedelta(days=1)), PLACEHOLDER_ID, day
    )
    summary: dict[str, int] = report["error_summary"]
    return summary


def _errors_week(hass: HomeAssistant) -> int:
    """Return the "Errors this week" sensor, found by its unique ID."""
    entries = [
        entry
        for entry in er.async_get(hass).entities.values()
        if entry.platform == "printernizer_usage"
        and entry.unique_id.endswith("_errors_week")
    ]
    assert len(entries) == 1
    state = hass.states.get(entries[0].entity_id)
    assert state is not None
    return int(state.state)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("exc_info", "error_type"),
    [
        pytest.param(False, "update_failed", id="update-failed"),
        pytest.param(True, "connection_refused_error", id="exception-class"),
    ],
)
async def test_prusalink_outage_of_three_coordinators_is_one_error(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    exc_info: bool,
    error_type: str,
) -> None:
    entity_id = _printer(hass, "prusalink", "01ABC_printer.state")
    logger = logging.getLogger("homeassistant.components.prusalink.coordinator")
    await hass.async_block_till_done()
    await _states(hass, freezer, entity_id, ("idle", NOW))

    # The status, legacy status and job coordinators each fail once.
    freezer.tick(POLL)
    for _ in range(3):
        if exc_info:
            # What `logger.exception` writes in HA's coordinator.
            error = ConnectionRefusedError("192.168.1.50")
            logger.error(
                "Unexpected error fetching %s data",
                "prusalink",
                exc_info=(ConnectionRefusedError, error, None),
            )
        else:
            logger.error("Error fetching %s data: %s", "prusalink", "Cannot connect")
    hass.states.async_set(entity_id, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    # Failed polls go on for ten minutes; the coordinators log only the first.
    for _ in range(20):
        await async_advance(hass, freezer, POLL)
    await _states(hass, freezer, entity_id, ("idle", POLL))
    await async_advance(hass, freezer, timedelta(minutes=2))

    export = await async_export(hass)
    day = export["counts"]["days"][TODAY]
    assert day["events"] == {
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["error_occurred"] == {
        "component": {"prusalink": 1},
        "error_type": {error_type: 1},
    }
    assert "192.168.1.50" not in str(export)
    # The report and the "Errors this week" sensor say the same.
    assert await _error_summary(hass) == {error_type: 1}
    assert _errors_week(hass) == 1


@pytest.mark.usefixtures("init_integration")
async def test_prusalink_flap_counts_no_error(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entity_id = _printer(hass, "prusalink", "01ABC_printer.state")
    logger = logging.getLogger("homeassistant.components.prusalink.coordinator")
    await hass.async_block_till_done()
    await _states(hass, freezer, entity_id, ("idle", NOW))
    freezer.tick(POLL)
    for _ in range(3):
        logger.error("Error fetching %s data: %s", "prusalink", "Cannot connect")
    hass.states.async_set(entity_id, STATE_UNAVAILABLE)
    await hass.async_block_till_done()
    await _states(hass, freezer, entity_id, ("idle", POLL))
    await async_advance(hass, freezer, timedelta(minutes=5))
    assert await _today(hass) == {}
    assert await _error_summary(hass) == {}
    assert _errors_week(hass) == 0
