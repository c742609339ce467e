"""A disk that refuses writes: counting goes on, nothing already stored is lost."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import errno
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from atomicwrites import AtomicWriter
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.const import DOMAIN, EVENT_USAGE
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import storage

from .helpers import async_advance

# Captured before the harness replaces Store's disk access with an in-memory
# mock: these tests need the real file.
REAL_LOAD = storage.Store._async_load
REAL_WRITE = storage.Store._async_write_data
JOBS_TOTAL = "sensor.printernizer_usage_statistics_jobs_completed"


@pytest.fixture
def real_storage(hass: HomeAssistant, tmp_path: Path) -> Generator[Path]:
    """Store the integration's file for real, under a temporary config dir."""
    hass.config.config_dir = str(tmp_path)
    with (
        patch.object(storage.Store, "_async_load", REAL_LOAD),
        patch.object(storage.Store, "_async_write_data", REAL_WRITE),
    ):
        yield tmp_path / ".storage" / DOMAIN


async def _fire(hass: HomeAssistant, count: int) -> None:
    for _ in range(count):
        hass.bus.async_fire(EVENT_USAGE, {"event_type": "job_completed"})
    await hass.async_block_till_done()


def _stored_total(path: Path) -> int:
    data: dict[str, Any] = json.loads(path.read_text())
    return int(data["data"]["counts"]["totals"].get("job_completed", 0))


async def test_full_disk_keeps_counting_and_the_old_file(
    hass: HomeAssistant,
    real_storage: Path,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await _fire(hass, 3)
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))
    assert _stored_total(real_storage) == 3

    disk_full = OSError(errno.ENOSPC, "No space left on device")
    with patch.object(AtomicWriter, "commit", side_effect=disk_full):
        await _fire(hass, 4)
        await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))

        # The write failed and said so; the file from before is intact.
        assert "Error writing config for printernizer_usage" in caplog.text
        assert _stored_total(real_storage) == 3
        assert mock_config_entry.state is ConfigEntryState.LOADED
        await _fire(hass, 1)
        await async_advance(hass, freezer, timedelta(seconds=2))
        assert hass.states.get(JOBS_TOTAL).state == "8"

    # Once the disk has room again, the next write has every count.
    await _fire(hass, 1)
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))
    assert _stored_total(real_storage) == 9
