"""Sensors: week counts with their reset, totals, fleet, submission status."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.printernizer_usage.const import DOMAIN, EVENT_USAGE
from homeassistant.components.sensor import ATTR_LAST_RESET, ATTR_STATE_CLASS
from homeassistant.const import ATTR_FRIENDLY_NAME
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .helpers import async_advance

PREFIX = "sensor.printernizer_usage_statistics_"
WEEK_SENSORS = {
    "jobs_completed_this_week": "job_completed",
    "jobs_failed_this_week": "job_failed",
    "files_downloaded_this_week": "file_downloaded",
    "files_uploaded_this_week": "file_uploaded",
    "errors_this_week": "error_occurred",
}


def _state(hass: HomeAssistant, object_id: str) -> State:
    state = hass.states.get(PREFIX + object_id)
    assert state is not None, object_id
    return state


async def _fire(hass: HomeAssistant, event_type: str, count: int = 1) -> None:
    for _ in range(count):
        hass.bus.async_fire(EVENT_USAGE, {"event_type": event_type})
    await hass.async_block_till_done()


async def test_entities_and_device(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    entries = er.async_entries_for_config_entry(
        entity_registry, init_integration.entry_id
    )
    entry_id = init_integration.entry_id
    assert {entry.unique_id for entry in entries} == {
        f"{entry_id}_{key}"
        for key in (
            "jobs_completed_week",
            "jobs_failed_week",
            "files_downloaded_week",
            "files_uploaded_week",
            "errors_week",
            "events_week",
            "jobs_completed_total",
            "files_downloaded_total",
            "printers",
            "submission_status",
            "printernizer_connection",
            "last_submission",
            "next_submission",
            "share_statistics",
        )
    }
    [device] = dr.async_entries_for_config_entry(device_registry, entry_id)
    assert device.identifiers == {(DOMAIN, entry_id)}
    assert device.name == "Printernizer Usage Statistics"
    assert device.entry_type is dr.DeviceEntryType.SERVICE
    assert {entry.device_id for entry in entries} == {device.id}
    status = entity_registry.async_get(PREFIX + "submission_status")
    assert status is not None
    assert status.entity_category is er.EntityCategory.DIAGNOSTIC


@pytest.mark.usefixtures("init_integration")
async def test_week_sensors_count_and_reset(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    for number, event_type in enumerate(WEEK_SENSORS.values(), start=1):
        await _fire(hass, event_type, number)
    await _fire(hass, "app_start")
    await async_advance(hass, freezer, timedelta(seconds=2))

    for number, object_id in enumerate(WEEK_SENSORS, start=1):
        state = _state(hass, object_id)
        assert state.state == str(number)
        assert state.attributes[ATTR_STATE_CLASS] == "total"
        # Monday 00:00 Europe/Berlin.
        assert state.attributes[ATTR_LAST_RESET] == "2026-11-23T00:00:00+01:00"
    assert _state(hass, "events_this_week").state == "16"
    assert _state(hass, "jobs_completed").state == "1"

    # Local midnight between Sunday and Monday: a new week starts.
    freezer.move_to("2026-11-29 23:00:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()

    for object_id in (*WEEK_SENSORS, "events_this_week"):
        state = _state(hass, object_id)
        assert state.state == "0"
        assert state.attributes[ATTR_LAST_RESET] == "2026-11-30T00:00:00+01:00"
    # Lifetime totals carry on.
    assert _state(hass, "jobs_completed").state == "1"
    assert _state(hass, "jobs_completed").attributes[ATTR_STATE_CLASS] == (
        "total_increasing"
    )
    assert ATTR_LAST_RESET not in _state(hass, "jobs_completed").attributes


@pytest.mark.usefixtures("init_integration")
async def test_state_writes_are_coalesced(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    writes: list[str] = []
    entity_id = PREFIX + "files_downloaded"

    def _on_change(event: Any) -> None:
        if event.data["entity_id"] == entity_id:
            writes.append(event.data["new_state"].state)

    hass.bus.async_listen("state_changed", _on_change)
    for _ in range(5):
        await _fire(hass, "file_downloaded", 200)
        await async_advance(hass, freezer, timedelta(seconds=0.2))
    await async_advance(hass, freezer, timedelta(seconds=1))

    # 1000 events within about a second: the first one at once, the rest
    # together at the end of the cooldown.
    assert len(writes) <= 3
    assert writes[-1] == "1000"


async def test_printers_sensor(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    state = _state(hass, "printers")
    assert state.state == "0"
    assert state.attributes[ATTR_STATE_CLASS] == "measurement"
    assert state.attributes["printer_type_counts"] == {}
    assert state.attributes[ATTR_FRIENDLY_NAME] == (
        "Printernizer Usage Statistics Printers"
    )


@pytest.mark.parametrize(
    ("share_statistics", "expected"), [(False, "disabled"), (True, "scheduled")]
)
async def test_submission_status(
    hass: HomeAssistant, init_integration: MockConfigEntry, expected: str
) -> None:
    state = _state(hass, "submission_status")
    assert state.state == expected
    assert state.attributes["options"] == [
        "disabled",
        "scheduled",
        "ok",
        "retrying",
        "failed",
        "consent_needed",
    ]
