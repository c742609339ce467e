"""The import ledger in core/import_ledger.py: each event counted once, ever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.printernizer_usage.core.import_ledger import (
    MAX_REMEMBERED,
    OVERLAP,
    ImportLedger,
    event_key,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


# --- ImportLedger


def test_ledger_remembers_what_it_counted() -> None:
    ledger = ImportLedger()
    key = event_key("a", NOW)
    assert ledger.is_new(key, NOW)
    ledger = ledger.advanced([(key, NOW)], NOW)
    assert not ledger.is_new(key, NOW)
    assert ledger.is_new(event_key("b", NOW), NOW)
    assert ledger.after == int(NOW.timestamp()) - int(OVERLAP.total_seconds())


def test_event_at_or_before_the_watermark_is_never_new() -> None:
    ledger = ImportLedger(after=int(NOW.timestamp()))
    assert not ledger.is_new(event_key("x", NOW), NOW)
    assert not ledger.is_new(event_key("y", NOW), NOW + timedelta(microseconds=999))
    assert not ledger.is_new(event_key("z", NOW), NOW - timedelta(days=30))
    assert ledger.is_new(event_key("w", NOW), NOW + timedelta(seconds=1))


def test_event_key_depends_on_id_and_time_and_hides_the_id() -> None:
    key = event_key("bambu_werkstatt_001", NOW)
    assert key == event_key(
        "bambu_werkstatt_001", NOW.astimezone(timezone(timedelta(hours=2)))
    )
    assert key != event_key("bambu_werkstatt_001", NOW + timedelta(seconds=1))
    assert key != event_key("bambu_werkstatt_002", NOW)
    assert "werkstatt" not in key
    assert len(key) == 12


@given(
    st.lists(
        st.lists(st.integers(min_value=-5_000_000, max_value=5_000_000), max_size=300),
        min_size=1,
        max_size=5,
    )
)
def test_ledger_is_bounded_and_its_watermark_never_moves_back(
    batches: list[list[int]],
) -> None:
    ledger = ImportLedger()
    previous: int | None = None
    for batch in batches:
        ledger = ledger.advanced(
            (
                (event_key(i, NOW + timedelta(seconds=s)), NOW + timedelta(seconds=s))
                for i, s in enumerate(batch)
            ),
            # Our clock at the latest of them: none is ahead.
            NOW + timedelta(seconds=5_000_000),
        )
        assert len(ledger.seen) <= MAX_REMEMBERED
        if previous is not None:
            assert ledger.after is not None
            assert ledger.after >= previous
        previous = ledger.after
        # What is remembered is the newest; everything else is at or before
        # the watermark, so it can never be new again.
        known = {
            event_key(i, NOW + timedelta(seconds=s)): s for i, s in enumerate(batch)
        }
        for key, s in known.items():
            assert not ledger.is_new(key, NOW + timedelta(seconds=s))


def test_ledger_never_keeps_more_than_max_remembered() -> None:
    start = NOW - timedelta(hours=1)
    moments = [
        start + timedelta(milliseconds=1500 * i) for i in range(3 * MAX_REMEMBERED)
    ]
    ledger = ImportLedger().advanced(
        ((event_key(i, moment), moment) for i, moment in enumerate(moments)), NOW
    )
    assert len(ledger.seen) <= MAX_REMEMBERED
    # Nothing it forgot is new again.
    assert not any(
        ledger.is_new(event_key(i, moment), moment) for i, moment in enumerate(moments)
    )


def test_ledger_round_trip() -> None:
    ledger = ImportLedger().advanced(
        [
            (event_key("a", NOW), NOW),
            (event_key("b", NOW - timedelta(hours=3)), NOW - timedelta(hours=3)),
        ],
        NOW,
    )
    stored = json.loads(json.dumps(ledger.as_dict()))
    again = ImportLedger.from_dict(stored)
    assert again == ledger
    assert ImportLedger.from_dict({}) == ImportLedger()


@pytest.mark.parametrize(
    "stored",
    [
        {"after": "yesterday"},
        {"after": 1.5},
        {"seen": ["a", "b"]},
        {"seen": {"a": "never"}},
        {"seen": {"a": None}},
        {"after": True},
    ],
)
def test_broken_ledger_raises(stored: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        ImportLedger.from_dict(stored)


def test_an_event_far_ahead_does_not_place_the_watermark() -> None:
    far = datetime.max.replace(tzinfo=UTC)
    ledger = ImportLedger().advanced(
        [(event_key("far", far), far), (event_key("a", NOW), NOW)], NOW
    )
    assert ledger.after == NOW.timestamp() - OVERLAP.total_seconds()
    assert ledger.ahead(NOW) == 1
    # Remembered while it is ahead, however many events come after it.
    later = NOW + timedelta(days=1)
    for batch in range(3):
        ledger = ledger.advanced(
            (
                (event_key((batch, i), later), later + timedelta(seconds=i))
                for i in range(MAX_REMEMBERED + 1)
            ),
            later + timedelta(hours=1),
        )
    assert not ledger.is_new(event_key("far", far), far)
    assert len(ledger.seen) == MAX_REMEMBERED + 1
    # And it is stored within what a stored ledger may hold.
    assert ImportLedger.from_dict(json.loads(json.dumps(ledger.as_dict()))) == ledger


def test_only_events_ahead_keep_the_watermark_where_it_was() -> None:
    ahead = NOW + timedelta(days=3)
    ledger = ImportLedger(after=100).advanced([(event_key("x", ahead), ahead)], NOW)
    assert ledger.after == 100
    assert not ledger.is_new(event_key("x", ahead), ahead)
