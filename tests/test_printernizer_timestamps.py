"""Any time Printernizer can hold, through the stand-in Printernizer and HA.

A valid ISO 8601 time that cannot be put in UTC (`0001-01-01T00:00:00+01:00`),
one at the end of time, and any text or metadata at all: the poll goes on, the
connection stays `connected`, nothing is logged as an error, each event is
counted once or counted as rejected, and a time far ahead holds nothing back.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
import logging
from typing import Any
import uuid

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.printernizer_usage.const import (
    DOMAIN,
    ISSUE_PRINTERNIZER_UNREACHABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from .printernizer_server import StandInPrinternizer, run_printernizer
from .test_printernizer import (
    CONNECTION,
    NOW,
    TODAY,
    _events,
    _poll,
    _rejected,
    _setup,
)

# What Printernizer's own code cannot turn into UTC, or is at the end of time.
EXTREME_TIMES = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59.999999",
    "9999-12-31T23:59:59+14:00",
]


@pytest.fixture
def stand_in(socket_enabled: None) -> Generator[StandInPrinternizer]:
    """Serve a stand-in Printernizer for one test."""
    with run_printernizer() as server:
        yield server


def _raw(timestamp: Any, metadata: Any = None, event_type: Any = "job_failed") -> Any:
    return {
        "id": str(uuid.uuid4()),
        "event_type": event_type,
        "timestamp": timestamp,
        "metadata": metadata,
        "submitted": 0,
    }


def _assert_nothing_went_wrong(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    assert hass.states.get(CONNECTION).state == "connected"
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, ISSUE_PRINTERNIZER_UNREACHABLE)
        is None
    )
    assert "Traceback" not in caplog.text
    assert not [
        record
        for record in caplog.records
        if record.name.startswith("custom_components.printernizer_usage")
        and record.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("timestamp", EXTREME_TIMES)
async def test_a_time_at_either_end_of_time_stops_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
    timestamp: str,
) -> None:
    stand_in.add_raw_event(_raw(timestamp))
    stand_in.add_event("job_completed", NOW - timedelta(hours=1))
    await _setup(hass, stand_in.url)
    for _ in range(3):
        await _poll(hass, freezer)
    # The polls go on: what comes later is counted too.
    stand_in.add_event("file_uploaded", NOW + timedelta(minutes=30))
    for _ in range(3):
        await _poll(hass, freezer)

    far_ahead = timestamp.startswith("9999")
    expected = {"job_completed": 1, "file_uploaded": 1}
    if far_ahead:
        # Counted once, now: its own day is not one of ours.
        expected["job_failed"] = 1
    assert await _events(hass) == {TODAY: expected}
    assert await _rejected(hass) == 0
    _assert_nothing_went_wrong(hass, caplog)


async def test_a_far_future_event_holds_nothing_back_and_counts_nothing_twice(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    stand_in.add_raw_event(_raw("9999-12-31T23:59:59-01:00"))
    await _setup(hass, stand_in.url)
    # More events within a day than the ledger remembers one by one.
    stand_in.add_many(600, start=NOW, step=timedelta(seconds=30))
    for _ in range(8):
        await _poll(hass, freezer)

    assert await _events(hass) == {TODAY: {"job_failed": 1, "job_completed": 600}}
    _assert_nothing_went_wrong(hass, caplog)


def _hostile_events(examples: int) -> list[Any]:
    """Collect events with any time and any metadata, from hypothesis.

    Collected first: a hypothesis test cannot share HA's per-test fixtures.
    """
    json_values = st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=12),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=12), children, max_size=3)
        ),
        max_leaves=8,
    )
    events: list[Any] = []

    @settings(max_examples=examples, suppress_health_check=list(HealthCheck))
    # Printernizer keeps the time and the type as text, the metadata as JSON.
    @given(
        st.one_of(
            st.datetimes().map(datetime.isoformat),
            st.sampled_from(EXTREME_TIMES),
            st.text(max_size=45),
        ),
        json_values
        | st.dictionaries(
            st.sampled_from(["printer_type", "duration_minutes", "error_type"]),
            json_values,
        ),
        st.sampled_from(["job_completed", "error_occurred"]) | st.text(max_size=20),
    )
    def collect(timestamp: Any, metadata: Any, event_type: Any) -> None:
        events.append(_raw(timestamp, metadata, event_type))

    collect()
    return events


async def test_any_time_and_metadata_keep_the_poll_going(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    hostile = _hostile_events(150)
    for event in hostile:
        stand_in.add_raw_event(event)
    marker = stand_in.add_event("file_downloaded", NOW - timedelta(minutes=1))
    await _setup(hass, stand_in.url)
    totals = await _export_totals(hass)

    # Each counted or rejected once at most; the marker counted exactly once.
    assert totals["file_downloaded"] == 1
    assert totals["events"] + totals["rejected"] <= len(hostile) + 1
    for _ in range(3):
        await _poll(hass, freezer)
    assert await _export_totals(hass) == totals
    assert marker["id"]
    _assert_nothing_went_wrong(hass, caplog)


async def _export_totals(hass: HomeAssistant) -> dict[str, int]:
    counts = (
        await hass.services.async_call(
            DOMAIN, "export", blocking=True, return_response=True
        )
    )["counts"]
    return {
        "events": sum(counts["totals"].values()),
        "rejected": counts["rejected_total"],
        "file_downloaded": counts["totals"].get("file_downloaded", 0),
    }
