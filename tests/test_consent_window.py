"""No report holds anything from before its consent start, through HA's interfaces.

The invariant over random histories (days, events, opt-in and -out, restarts,
clock changes) is tests/pure/test_schedule.py's; this is the case the review
found, end to end: a feature turned on a month before sharing was.
"""

from __future__ import annotations

from datetime import timedelta
import json

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockUser
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.printernizer_usage.const import DEFAULT_ENDPOINT, DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import async_advance, async_use_share_switch

SUBMIT_URL = f"{DEFAULT_ENDPOINT}/submit"


async def _record(hass: HomeAssistant, event_type: str, **metadata: object) -> None:
    await hass.services.async_call(
        DOMAIN,
        "record_event",
        {"event_type": event_type, "metadata": metadata},
        blocking=True,
    )


@pytest.mark.usefixtures("init_integration")
async def test_first_report_holds_nothing_from_before_the_opt_in(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    hass_admin_user: MockUser,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=200)
    await _record(hass, "feature_enabled", feature="library")
    await _record(hass, "job_completed", printer_type="prusa")
    await _record(hass, "error_occurred", error_type="ConnectionTimeout")

    await async_advance(hass, freezer, timedelta(days=30))
    await async_use_share_switch(hass, "turn_on", hass_admin_user)
    opted_in = dt_util.utcnow().date()
    await _record(hass, "feature_enabled", feature="timelapse")
    await _record(hass, "job_completed", printer_type="klipper")
    for _ in range(9):
        await async_advance(hass, freezer, timedelta(days=1))

    assert aioclient_mock.call_count == 1
    report = json.loads(aioclient_mock.mock_calls[0][2])
    assert report["installation"]["first_seen"] == f"{opted_in}T00:00:00+00:00"
    assert report["period"]["start"] == f"{opted_in}T00:00:00+00:00"
    usage = report["usage_stats"]
    # Only the feature state seen after the opt-in: the month-old one is not.
    assert usage["feature_usage"] == {"timelapse": True}
    assert usage["jobs_completed"] == 1
    assert report["printer_fleet"]["printer_count"] == 0
    assert report["error_summary"] == {}
