"""A disk that refuses writes: counting goes on, nothing already stored is lost."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import errno
import json
from pathlib import Path
import threading
from typing import Any
from unittest.mock import patch

from atomicwrites import AtomicWriter
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.printernizer_usage.const import DOMAIN, EVENT_USAGE
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import MAJOR_VERSION, MINOR_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.helpers import json as json_helper, storage

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


def _stored_totals(path: Path) -> dict[str, int]:
    data: dict[str, Any] = json.loads(path.read_text())
    return dict(data["data"]["counts"]["totals"])


def _stored_total(path: Path) -> int:
    return _stored_totals(path).get("job_completed", 0)


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


@pytest.mark.skipif(
    (MAJOR_VERSION, MINOR_VERSION) >= (2025, 12),
    reason="HA 2025.12+ builds and serialises the data on the event loop",
)
async def test_a_write_is_one_moment_while_events_keep_coming(
    hass: HomeAssistant,
    real_storage: Path,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    """HA before 2025.12 writes in a worker thread; events go on meanwhile."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    runtime = mock_config_entry.runtime_data
    await _fire(hass, 3)
    entered = threading.Event()
    resume = threading.Event()
    real_save_json = json_helper.save_json

    def held_save_json(*args: Any, **kwargs: Any) -> None:
        # In the worker thread, after the data function: hold the write open.
        entered.set()
        assert resume.wait(10)
        real_save_json(*args, **kwargs)

    with patch.object(json_helper, "save_json", held_save_json):
        freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
        async_fire_time_changed(hass)
        assert await hass.async_add_executor_job(entered.wait, 10)
        # A storm while the thread serialises: new keys, changed counts.
        for _ in range(500):
            runtime.record_event("file_downloaded")
            runtime.record_event("job_completed")
        resume.set()
        await hass.async_block_till_done()

    # The write holds the counts of one moment, not the storm half-way.
    assert _stored_totals(real_storage) == {"job_completed": 3}
    # Nothing is lost: the next write has the storm.
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))
    assert _stored_totals(real_storage) == {
        "job_completed": 503,
        "file_downloaded": 500,
    }
