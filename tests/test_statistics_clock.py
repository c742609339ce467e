"""HA's graphs against a clock put back (issue 20 with issue 19 item 10).

Fails on the code under review; through Home Assistant's public interfaces
with its real recorder.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

# Imported at collection, before any clock is frozen (see conftest).
import homeassistant.components.hassio  # noqa: F401
from homeassistant.components.recorder import Recorder
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import async_advance
from .test_statistics import _daily_changes, _record, _setup


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Let the tests that ask for `recorder_mock` start HA's recorder."""


async def test_today_follows_the_counts_after_the_clock_is_put_back(
    recorder_mock: Recorder, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """README: today's row follows the counts within an hour, after a correction too."""
    await _setup(hass)
    right = dt_util.utcnow()
    # The clock runs ten days ahead for a while; the graphs follow it.
    freezer.move_to(right + timedelta(days=10))
    await async_advance(hass, freezer, timedelta(hours=1))
    # It is put right; a job completes; the hour's timer comes; an hour passes.
    freezer.move_to(right + timedelta(hours=2))
    await _record(hass, "job_completed")
    # Timers armed before a jump back fire once, as they would have on time.
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_advance(hass, freezer, timedelta(hours=1, minutes=1))

    # Rows sent while the clock was ahead are rewritten as their days come;
    # up to today, the graph shows what was counted.
    today = right.date().isoformat()
    changes = (await _daily_changes(hass)).get("printernizer_usage:jobs_completed", {})
    assert {day: change for day, change in changes.items() if day <= today} == {
        today: 1
    }
