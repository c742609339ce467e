"""Stored values are read back checked: in range, or ValueError/TypeError."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import math
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.printernizer_usage.core import stored
from custom_components.printernizer_usage.core.counts import (
    MAX_RETENTION_DAYS,
    UsageCounts,
)
from custom_components.printernizer_usage.core.installation import Destination
from custom_components.printernizer_usage.core.schedule import (
    MAX_SEND_OFFSET,
    SubmissionState,
)

# Any JSON value, numbers of every size and kind included.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
NUMBERS = (
    st.integers()
    | st.floats()
    | st.sampled_from([1e10, 1e15, -1, 10**400, True, "7", None])
)
LEGACY = Destination("https://stats.example", None)


@given(NUMBERS)
def test_count_is_an_integer_in_range_or_refused(value: Any) -> None:
    try:
        result = stored.count(value)
    except ValueError:
        return
    assert type(result) is int
    assert 0 <= result <= stored.MAX_COUNT


@given(JSON)
def test_flag_is_true_or_false_or_refused(value: Any) -> None:
    if type(value) is bool:
        assert stored.flag(value) is value
    else:
        with pytest.raises(TypeError):
            stored.flag(value)


@pytest.mark.parametrize(
    "value", [True, 1.0, "1", -1, stored.MAX_COUNT + 1, 10**400, math.nan]
)
def test_count_refuses_what_is_not_a_count(value: object) -> None:
    with pytest.raises(ValueError, match="out of range"):
        stored.count(value)


@pytest.mark.parametrize(
    "value",
    [
        # Valid ISO 8601, but not convertible to UTC.
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "1969-12-31T23:59:59+00:00",
        "2026-11-25T10:00:00",  # no time zone
    ],
)
def test_moment_refuses_impossible_times(value: str) -> None:
    with pytest.raises(ValueError, match="stored moment"):
        stored.moment(value)


@given(st.datetimes(timezones=st.just(UTC)) | st.text(max_size=40) | JSON)
def test_moment_is_usable_or_refused(value: Any) -> None:
    if isinstance(value, datetime):
        value = value.isoformat()
    try:
        result = stored.moment(value)
    except (TypeError, ValueError):
        return
    # Every later computation (to UTC, a year ahead) works.
    assert result.astimezone(UTC) + timedelta(days=366) > result


@given(st.dates() | JSON)
def test_day_is_usable_or_refused(value: Any) -> None:
    if isinstance(value, date):
        value = value.isoformat()
    try:
        result = stored.day(value)
    except (TypeError, ValueError):
        return
    assert result + timedelta(days=MAX_RETENTION_DAYS) > result


@given(
    retention=NUMBERS,
    count=NUMBERS,
    first_seen=st.dates().map(date.isoformat),
)
def test_counts_load_in_range_or_refuse(
    retention: Any, count: Any, first_seen: str
) -> None:
    data = {
        "first_seen": first_seen,
        "retention_days": retention,
        "days": {"2026-11-24": {"events": {"job_completed": count}}},
        "totals": {"job_completed": count},
    }
    try:
        counts = UsageCounts.from_dict(data, tz=UTC)
    except (TypeError, ValueError):
        return
    assert 1 <= counts.retention_days <= MAX_RETENTION_DAYS
    # What the loader keeps can be used: retention runs without an overflow.
    counts.prune(datetime(2026, 11, 25, tzinfo=UTC))
    assert 0 <= counts.totals["job_completed"] <= stored.MAX_COUNT


@given(offset=NUMBERS, attempts=NUMBERS, data=JSON)
def test_submission_loads_in_range_or_refuses(
    offset: Any, attempts: Any, data: Any
) -> None:
    stored_state = {
        "send_offset": offset,
        "deletions": [
            {
                "installation_id": "old",
                "endpoint": "https://stats.example",
                "attempts": attempts,
                "next_attempt": data,
            }
        ],
    }
    try:
        state = SubmissionState.from_dict(stored_state, legacy=LEGACY)
    except (TypeError, ValueError):
        return
    assert 0 <= state.send_offset < MAX_SEND_OFFSET
    now = datetime(2026, 11, 25, tzinfo=UTC)
    # Planning the next wake-up works on whatever was loaded.
    state.next_wakeup(now, date(2026, 11, 1))


def test_retention_and_offset_from_the_review_are_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        UsageCounts.from_dict(
            {"first_seen": "2026-11-01", "retention_days": 1e10}, tz=UTC
        )
    with pytest.raises(ValueError, match="out of range"):
        SubmissionState.from_dict({"send_offset": 1e15}, legacy=LEGACY)


@pytest.mark.parametrize(
    "entry",
    [
        {},
        {"day": "2026-11-25", "kind": "report"},
        {"day": "2026-11-25", "kind": "report", "status": "sent", "size": -1},
        {"day": "9999-12-31", "kind": "report", "status": "sent"},
        {"day": "2026-11-25", "kind": "report", "status": "sent", "period": "x"},
        {"day": "2026-11-25", "kind": "report", "status": 5},
    ],
)
def test_audit_entries_the_privacy_center_cannot_show_are_refused(
    entry: dict[str, Any],
) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        SubmissionState.from_dict({"audit_log": [entry]}, legacy=LEGACY)


def test_a_sound_audit_entry_loads() -> None:
    entry = {
        "day": "2026-11-25",
        "kind": "report",
        "status": "sent",
        "period": {"start": "2026-11-01", "end": "2026-11-08"},
        "size": 1234,
        "payload": {"schema_version": "1.0.0"},
    }
    state = SubmissionState.from_dict({"audit_log": [entry]}, legacy=LEGACY)
    assert state.audit.entries == [entry]
