"""Rows of long-term statistics in long_term.py: running totals per local day.

These tests run against the pure module only; they need no `hass`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import given, strategies as st

from custom_components.printernizer_usage.core.allowlist import sanitize_event
from custom_components.printernizer_usage.core.counts import UsageCounts
from custom_components.printernizer_usage.core.long_term import (
    LONG_TERM_STATISTICS,
    daily_sums,
    row_start,
)

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FIRST_SEEN = TODAY - timedelta(days=500)

# Per day (days before TODAY) and statistic name: how many events to count.
day_counts = st.dictionaries(
    st.integers(min_value=0, max_value=420),
    st.dictionaries(
        st.sampled_from(sorted(LONG_TERM_STATISTICS)),
        st.integers(min_value=1, max_value=50),
        min_size=1,
    ),
    max_size=30,
)


def counted(
    per_day: dict[int, dict[str, int]], retention_days: int = 1000
) -> UsageCounts:
    """Count the events on their days, first seen on FIRST_SEEN, and prune."""
    counts = UsageCounts(
        tz=BERLIN, first_seen=FIRST_SEEN, retention_days=retention_days
    )
    for days_ago, by_name in per_day.items():
        moment = NOW - timedelta(days=days_ago)
        for name, times in by_name.items():
            counts.record(sanitize_event(LONG_TERM_STATISTICS[name]), moment, times)
    counts.prune(NOW)
    return counts


def changes(rows: list[tuple[datetime, int]]) -> list[int]:
    return [after - before for (_, before), (_, after) in pairwise(rows)]


def test_a_few_days_of_counts() -> None:
    counts = UsageCounts(tz=BERLIN, first_seen=date(2026, 11, 22))
    job = sanitize_event("job_completed")
    counts.record(job, datetime(2026, 11, 22, 12, tzinfo=UTC), 2)
    counts.record(sanitize_event("job_failed"), datetime(2026, 11, 23, 8, tzinfo=UTC))
    counts.record(job, datetime(2026, 11, 25, 9, tzinfo=UTC), 3)

    rows = daily_sums(counts, BERLIN, TODAY)

    assert set(rows) == set(LONG_TERM_STATISTICS)
    # From the day before the first day seen (sum 0) to today, one row a day,
    # at 00:00 Berlin time (23:00 UTC the day before).
    assert rows["jobs_completed"] == [
        (datetime(2026, 11, 20, 23, tzinfo=UTC), 0),
        (datetime(2026, 11, 21, 23, tzinfo=UTC), 2),
        (datetime(2026, 11, 22, 23, tzinfo=UTC), 2),
        (datetime(2026, 11, 23, 23, tzinfo=UTC), 2),
        (datetime(2026, 11, 24, 23, tzinfo=UTC), 5),
    ]
    assert [total for _, total in rows["jobs_failed"]] == [0, 0, 1, 1, 1]
    assert [total for _, total in rows["errors"]] == [0] * 5
    assert daily_sums(counts, BERLIN, TODAY, since=date(2026, 11, 24)) == {
        name: name_rows[-3:] for name, name_rows in rows.items()
    }


def test_an_imported_day_before_the_first_day_seen() -> None:
    counts = UsageCounts(tz=BERLIN, first_seen=TODAY)
    counts.record(sanitize_event("job_failed"), NOW - timedelta(days=2))

    rows = daily_sums(counts, BERLIN, TODAY)

    assert [total for _, total in rows["jobs_failed"]] == [0, 1, 1, 1]


def test_no_counts_at_all() -> None:
    counts = UsageCounts(tz=BERLIN, first_seen=TODAY)

    rows = daily_sums(counts, BERLIN, TODAY)

    assert rows["jobs_completed"] == [
        (datetime(2026, 11, 23, 23, tzinfo=UTC), 0),
        (datetime(2026, 11, 24, 23, tzinfo=UTC), 0),
    ]


@given(day_counts)
def test_each_day_changes_by_its_count(per_day: dict[int, dict[str, int]]) -> None:
    counts = counted(per_day)

    rows = daily_sums(counts, BERLIN, TODAY)

    days = [FIRST_SEEN + timedelta(days=n) for n in range(501)]
    for name, event_type in LONG_TERM_STATISTICS.items():
        assert [start for start, _ in rows[name]] == [
            row_start(day, BERLIN) for day in [FIRST_SEEN - timedelta(days=1), *days]
        ]
        assert changes(rows[name]) == [
            counts.days[day.isoformat()].events.get(event_type, 0)
            if day.isoformat() in counts.days
            else 0
            for day in days
        ]
        assert rows[name][-1][1] == counts.totals.get(event_type, 0)


@given(day_counts, st.integers(min_value=1, max_value=499))
def test_a_day_keeps_its_sum_when_older_days_are_pruned(
    per_day: dict[int, dict[str, int]], retention_days: int
) -> None:
    before = daily_sums(counted(per_day), BERLIN, TODAY)
    assert before["jobs_completed"][0][0] == row_start(
        FIRST_SEEN - timedelta(days=1), BERLIN
    )

    pruned = counted(per_day, retention_days)
    after = daily_sums(pruned, BERLIN, TODAY)

    for name, rows in after.items():
        # Rows start the day before the oldest kept day; every row sent again
        # carries the sum it had, and the rows of pruned days are not sent.
        assert rows == before[name][-(retention_days + 2) :]
        # The row before the first kept day holds what was pruned.
        assert rows[0][1] == sum(
            by_name.get(name, 0)
            for days_ago, by_name in per_day.items()
            if (TODAY - timedelta(days=days_ago)).isoformat() not in pruned.days
        )


@given(
    st.sampled_from(sorted(available_timezones())),
    st.dates(min_value=date(1980, 1, 1), max_value=date(2037, 12, 31)),
)
def test_a_row_starts_in_the_first_hour_of_its_local_day(zone: str, day: date) -> None:
    tz = ZoneInfo(zone)

    start = row_start(day, tz)

    assert start.tzinfo is UTC
    assert (start.minute, start.second, start.microsecond) == (0, 0, 0)
    local = start.astimezone(tz)
    assert local.date() == day
    assert local.hour <= 1 or (start - timedelta(hours=1)).astimezone(tz).date() < day


def test_rows_in_zones_with_half_hours() -> None:
    assert row_start(TODAY, ZoneInfo("Asia/Kolkata")) == datetime(
        2026, 11, 24, 19, tzinfo=UTC
    )
    assert row_start(TODAY, ZoneInfo("America/St_Johns")) == datetime(
        2026, 11, 25, 4, tzinfo=UTC
    )
    assert row_start(TODAY, ZoneInfo("Pacific/Kiritimati")) == datetime(
        2026, 11, 24, 10, tzinfo=UTC
    )
