"""The Printernizer bridge at its edges: 429s, polling off, a clock put back.

Each test here failed on the code under review and proves one finding; all
go through Home Assistant's public interfaces.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.bridge import EXPORT_PATH
from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import CONF_PRINTERNIZER_URL, DOMAIN

# Imported at collection, before any clock is frozen (see conftest).
import homeassistant.components.hassio  # noqa: F401
from homeassistant.core import HomeAssistant

from . import printernizer_server
from .helpers import async_advance, async_export
from .printernizer_server import StandInPrinternizer, run_printernizer

CONNECTION = "sensor.printernizer_usage_statistics_printernizer_connection"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = "2026-11-25"


async def _async_setup_rate_limited_without_polling(
    hass: HomeAssistant, stand_in: StandInPrinternizer
) -> MockConfigEntry:
    """Set up with polling off; the one read at start is answered 429 (12.5 s)."""
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    stand_in.fault = "rate_limited"
    stand_in.fault_paths = {EXPORT_PATH}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options={
            **consent_options({}, share=False),
            CONF_PRINTERNIZER_URL: stand_in.url,
        },
        pref_disable_polling=True,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert stand_in.requests[EXPORT_PATH] == 1
    return entry


@pytest.fixture
def stand_in(socket_enabled: None) -> Generator[StandInPrinternizer]:
    """Serve a stand-in Printernizer for one test."""
    with run_printernizer() as server:
        yield server


async def _events(hass: HomeAssistant) -> dict[str, dict[str, int]]:
    days: dict[str, Any] = (await async_export(hass))["counts"]["days"]
    return {
        day: dict(value.get("events", {}))
        for day, value in days.items()
        if value.get("events")
    }


async def test_a_rate_limited_first_read_is_retried_with_polling_disabled(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    """Issue 19 item 15: a 429 loses no round, also without polling.

    With "Enable polling for changes" off, Printernizer is read at start only
    (README); a 429 to that one read must still be read again after the wait,
    not lost until the next restart.
    """
    await _async_setup_rate_limited_without_polling(hass, stand_in)
    assert await _events(hass) == {}
    stand_in.fault = None

    await async_advance(hass, freezer, timedelta(seconds=14))
    assert stand_in.requests[EXPORT_PATH] == 2
    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    assert hass.states.get(CONNECTION).state == "connected"

    # Polling stays off: no further read a poll later.
    await async_advance(hass, freezer, timedelta(minutes=16))
    assert stand_in.requests[EXPORT_PATH] == 2


async def _reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Reload the entry; its first read of Printernizer has run."""
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_clock_put_back_counts_no_event_twice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    """README: clock changes count nothing twice, also past the newest 500 events.

    Home Assistant's clock is put back three days (a wrong time source) and
    then right again, while Printernizer holds 600 events of the last two
    days and records one more meanwhile.
    """
    stand_in.add_many(
        600, start=NOW - timedelta(minutes=5 * 600), step=timedelta(minutes=5)
    )
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
    await hass.async_block_till_done(wait_background_tasks=True)
    totals = (await async_export(hass))["counts"]["totals"]
    assert totals == {"job_completed": 600}

    freezer.move_to(NOW - timedelta(days=3))
    stand_in.add_event("file_downloaded", NOW + timedelta(minutes=1))
    await _reload(hass, entry)
    freezer.move_to(NOW + timedelta(minutes=30))
    stand_in.add_event("file_uploaded", NOW + timedelta(minutes=20))
    await _reload(hass, entry)

    totals = (await async_export(hass))["counts"]["totals"]
    assert totals == {"job_completed": 600, "file_downloaded": 1, "file_uploaded": 1}


async def test_a_429_with_a_proxys_large_page_is_read_again_after_the_wait(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 19 item 15: any 429 is a busy Printernizer, whatever its body.

    A reverse proxy in front of Printernizer answers its own 429 with an HTML
    page of several kilobytes and a `Retry-After` header; the round is read
    again after that wait, not failed as an outage.
    """

    def proxy_429(_wait: Any) -> web.Response:
        page = "<html><body>" + "Too many requests. " * 400 + "</body></html>"
        return web.Response(
            status=429,
            text=page,
            content_type="text/html",
            headers={"Retry-After": "12"},
        )

    monkeypatch.setattr(printernizer_server, "_rate_limited", proxy_429)
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
    await hass.async_block_till_done(wait_background_tasks=True)
    stand_in.add_event("job_completed", NOW + timedelta(minutes=1))
    stand_in.fault = "rate_limited"
    stand_in.fault_paths = {EXPORT_PATH}
    await async_advance(hass, freezer, timedelta(minutes=15, seconds=1))
    assert hass.states.get(CONNECTION).state == "connected"
    stand_in.fault = None

    await async_advance(hass, freezer, timedelta(seconds=13))
    assert await _events(hass) == {TODAY: {"job_completed": 1}}
    assert hass.states.get(CONNECTION).state == "connected"


async def test_an_unload_during_the_wait_of_a_429_reads_nothing_more(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    """The retry of a rate-limited round belongs to the entry; unload cancels it."""
    entry = await _async_setup_rate_limited_without_polling(hass, stand_in)
    stand_in.fault = None
    asked = sum(stand_in.requests.values())

    assert await hass.config_entries.async_unload(entry.entry_id)
    await async_advance(hass, freezer, timedelta(seconds=14))
    assert sum(stand_in.requests.values()) == asked
