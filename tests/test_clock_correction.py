"""A clock that ran ahead (hours to a year) and is put back.

Home Assistant's own timers run on the monotonic clock, which a correction of
the wall clock does not move. The frozen test clock moves both, so after each
jump back the timers armed before are fired once, as they would fire on time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.printernizer_usage.const import DEFAULT_ENDPOINT, DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import async_advance, async_export, async_setup_sharing_entry

SUBMIT_URL = f"{DEFAULT_ENDPOINT}/submit"
JOBS_WEEK = "sensor.printernizer_usage_statistics_jobs_completed_this_week"
NEXT = "sensor.printernizer_usage_statistics_next_submission"


async def _record_jobs(hass: HomeAssistant, number: int) -> None:
    for _ in range(number):
        await hass.services.async_call(
            DOMAIN, "record_event", {"event_type": "job_completed"}, blocking=True
        )
    # The sensors are refreshed at most once a second.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=2))
    await hass.async_block_till_done()


async def _put_clock_back(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, to: datetime
) -> None:
    freezer.move_to(to)
    # The monotonic timers (the hourly one among them) come on time.
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
async def sharing_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored_data: dict[str, Any]
) -> MockConfigEntry:
    """Set up an entry sharing since 1 November, with a week of history."""
    return await async_setup_sharing_entry(hass, hass_storage, stored_data)


@pytest.mark.parametrize(
    "ahead",
    [timedelta(hours=30), timedelta(days=9), timedelta(days=365)],
    ids=["30 hours", "9 days", "a year"],
)
@pytest.mark.usefixtures("sharing_entry")
async def test_week_sensors_and_reports_recover_after_the_clock_is_put_back(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    ahead: timedelta,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=200)
    right = dt_util.utcnow()

    # The clock runs ahead: a report goes out for a period "in the future",
    # and jobs are counted in a week "in the future".
    freezer.move_to(right + ahead)
    await async_advance(hass, freezer, timedelta(hours=1, minutes=1))
    assert aioclient_mock.call_count == 1
    future_end = json.loads(aioclient_mock.mock_calls[0][2])["period"]["end"]
    assert future_end == f"{(right + ahead).date()}T00:00:00+00:00"
    await _record_jobs(hass, 2)

    # Put back, a few hours after it ran ahead.
    corrected = right + timedelta(hours=3)
    await _put_clock_back(hass, freezer, corrected)

    # The week sensor counts again at once. Jumping into another week
    # started a new week (the 3 jobs stored this week are gone from it).
    await _record_jobs(hass, 3)
    same_week = (right + ahead).date() < date(2026, 11, 30)
    assert hass.states.get(JOBS_WEEK).state == ("8" if same_week else "3")

    # Nothing is stored beyond tomorrow any more; the next report starts
    # after every day stored before the correction, and is days away, not
    # a year.
    export = await async_export(hass)
    latest = (corrected.date() + timedelta(days=1)).isoformat()
    assert max(export["counts"]["days"]) <= latest
    fresh = (corrected.date() + timedelta(days=2)).isoformat()
    assert export["submission"]["last_period_end"] <= fresh
    next_at = dt_util.parse_datetime(hass.states.get(NEXT).state)
    assert next_at is not None
    assert next_at - corrected < timedelta(days=10)

    # And it goes out then, with the days since the correction only.
    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=200)
    for _ in range(10 * 24):
        await async_advance(hass, freezer, timedelta(hours=1))
        if aioclient_mock.call_count:
            break
    assert aioclient_mock.call_count == 1
    report = json.loads(aioclient_mock.mock_calls[0][2])
    assert (
        f"{corrected.date()}T00:00:00+00:00"
        <= report["period"]["start"]
        <= f"{fresh}T00:00:00+00:00"
    )
