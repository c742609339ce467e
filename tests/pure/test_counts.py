"""Daily counts in counts.py: days, local weeks, totals, label caps, retention.

These tests run against the pure module only; they need no `hass`.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta, tzinfo
import json
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.printernizer_usage.core.allowlist import (
    EVENT_TYPES,
    SanitizedEvent,
    sanitize_event,
)
from custom_components.printernizer_usage.core.counts import (
    DEFAULT_RETENTION_DAYS,
    LABEL_DETAIL_DAYS,
    LABEL_VALUES_PER_DAY,
    OTHER_LABEL,
    UsageCounts,
    local_week_start,
    utc_day,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# A Wednesday; the Berlin week started Monday 2026-11-23 00:00 CET (22 23:00 UTC).
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
JOB = sanitize_event("job_completed")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def event(event_type: str, **metadata: Any) -> SanitizedEvent:
    return sanitize_event(event_type, metadata or None)


def new_counts(tz: tzinfo = BERLIN, **kwargs: Any) -> UsageCounts:
    return UsageCounts(tz=tz, first_seen=date(2026, 11, 1), **kwargs)


def day_events(counts: UsageCounts) -> dict[str, dict[str, int]]:
    return {day: dict(c.events) for day, c in counts.days.items() if c.events}


def round_trip(counts: UsageCounts, tz: tzinfo) -> UsageCounts:
    return UsageCounts.from_dict(json.loads(json.dumps(counts.as_dict())), tz=tz)


# --- helpers -----------------------------------------------------------------


def test_constants() -> None:
    assert LABEL_VALUES_PER_DAY == 16
    assert OTHER_LABEL == "__other__"
    assert DEFAULT_RETENTION_DAYS == 400
    assert new_counts().retention_days == 400


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 11, 25, 0, 0), date(2026, 11, 25)),
        (utc(2026, 11, 24, 23, 59, 59), date(2026, 11, 24)),
        # 00:30 on the 25th in Berlin is still the 24th in UTC.
        (datetime(2026, 11, 25, 0, 30, tzinfo=BERLIN), date(2026, 11, 24)),
        # 20:00 on the 24th in New York is already the 25th in UTC.
        (datetime(2026, 11, 24, 20, 0, tzinfo=NEW_YORK), date(2026, 11, 25)),
    ],
)
def test_utc_day(moment: datetime, expected: date) -> None:
    assert utc_day(moment) == expected


@pytest.mark.parametrize(
    ("moment", "tz", "expected"),
    [
        (NOW, BERLIN, datetime(2026, 11, 23, tzinfo=BERLIN)),
        (utc(2026, 11, 22, 22, 59, 59), BERLIN, datetime(2026, 11, 16, tzinfo=BERLIN)),
        (utc(2026, 11, 22, 23, 0), BERLIN, datetime(2026, 11, 23, tzinfo=BERLIN)),
        (utc(2026, 11, 23, 4, 59), NEW_YORK, datetime(2026, 11, 16, tzinfo=NEW_YORK)),
        (utc(2026, 11, 23, 5, 0), NEW_YORK, datetime(2026, 11, 23, tzinfo=NEW_YORK)),
        (utc(2026, 11, 29, 23, 59), UTC, datetime(2026, 11, 23, tzinfo=UTC)),
    ],
)
def test_local_week_start(moment: datetime, tz: tzinfo, expected: datetime) -> None:
    start = local_week_start(moment, tz)
    assert start == expected
    assert start.astimezone(tz).weekday() == 0
    assert start.astimezone(tz).time().isoformat() == "00:00:00"
    assert start <= moment < start + timedelta(days=8)


# --- record --------------------------------------------------------------------


def test_record_counts_day_week_and_totals() -> None:
    counts = new_counts()
    counts.record(JOB, NOW)
    counts.record(JOB, NOW + timedelta(hours=1))
    counts.record(event("file_downloaded"), NOW)
    assert day_events(counts) == {
        "2026-11-25": {"job_completed": 2, "file_downloaded": 1}
    }
    assert counts.week_counts(NOW) == {"job_completed": 2, "file_downloaded": 1}
    assert counts.totals == {"job_completed": 2, "file_downloaded": 1}
    assert counts.week_start == datetime(2026, 11, 23, tzinfo=BERLIN)
    assert counts.week_start == utc(2026, 11, 22, 23, 0)
    assert counts.rejected_total == 0


def test_record_uses_the_utc_day() -> None:
    counts = new_counts()
    # 00:30 Wednesday in Berlin is 23:30 Tuesday in UTC.
    counts.record(JOB, utc(2026, 11, 24, 23, 30))
    counts.record(JOB, utc(2026, 11, 24, 23, 59, 59, 999999))
    counts.record(JOB, utc(2026, 11, 25, 0, 0))
    counts.record(JOB, datetime(2026, 11, 25, 0, 59, tzinfo=BERLIN))
    assert day_events(counts) == {
        "2026-11-24": {"job_completed": 3},
        "2026-11-25": {"job_completed": 1},
    }
    assert counts.week_counts(NOW) == {"job_completed": 4}
    assert counts.totals == {"job_completed": 4}


def test_berlin_week_starts_monday_local_midnight() -> None:
    counts = new_counts(BERLIN)
    sunday_late = utc(2026, 11, 22, 22, 59, 59)  # Sunday 23:59:59 CET
    monday = utc(2026, 11, 22, 23, 0)  # Monday 00:00 CET, still Sunday in UTC
    counts.record(JOB, sunday_late)
    counts.record(JOB, sunday_late)
    assert counts.week_counts(sunday_late) == {"job_completed": 2}
    counts.record(JOB, monday)
    assert counts.week_counts(monday) == {"job_completed": 1}
    assert counts.week_counts(sunday_late) == {}
    assert counts.week_start == datetime(2026, 11, 23, tzinfo=BERLIN)
    # Both moments are on the same UTC day.
    assert day_events(counts) == {"2026-11-22": {"job_completed": 3}}
    assert counts.totals == {"job_completed": 3}


def test_new_york_week_starts_monday_local_midnight() -> None:
    counts = new_counts(NEW_YORK)
    sunday_late = utc(2026, 11, 30, 4, 59, 59)  # Sunday 23:59:59 EST
    monday = utc(2026, 11, 30, 5, 0)  # Monday 00:00 EST
    counts.record(JOB, sunday_late)
    assert counts.week_counts(sunday_late) == {"job_completed": 1}
    assert counts.week_start == datetime(2026, 11, 23, tzinfo=NEW_YORK)
    counts.record(JOB, monday)
    counts.record(event("job_failed"), monday + timedelta(days=6, hours=23))
    assert counts.week_counts(monday) == {"job_completed": 1, "job_failed": 1}
    assert counts.week_start == datetime(2026, 11, 30, tzinfo=NEW_YORK)
    assert day_events(counts) == {
        "2026-11-30": {"job_completed": 2},
        "2026-12-07": {"job_failed": 1},
    }


# (tz, first instant of the week in UTC, first instant of the next week in UTC)
DST_WEEKS = [
    # Europe/Berlin: clocks go forward Sunday 2026-03-29 (a 167 hour week).
    pytest.param(
        BERLIN, utc(2026, 3, 22, 23), utc(2026, 3, 29, 22), id="berlin-spring"
    ),
    # Europe/Berlin: clocks go back Sunday 2026-10-25 (a 169 hour week).
    pytest.param(
        BERLIN, utc(2026, 10, 18, 22), utc(2026, 10, 25, 23), id="berlin-fall"
    ),
    # America/New_York: clocks go forward Sunday 2026-03-08.
    pytest.param(
        NEW_YORK, utc(2026, 3, 2, 5), utc(2026, 3, 9, 4), id="new-york-spring"
    ),
    # America/New_York: clocks go back Sunday 2026-11-01.
    pytest.param(
        NEW_YORK, utc(2026, 10, 26, 4), utc(2026, 11, 2, 5), id="new-york-fall"
    ),
]


@pytest.mark.parametrize(("tz", "start", "end"), DST_WEEKS)
def test_week_with_a_dst_change(tz: ZoneInfo, start: datetime, end: datetime) -> None:
    assert local_week_start(start, tz) == start
    assert local_week_start(end, tz) == end
    last = end - timedelta(microseconds=1)
    assert local_week_start(last, tz) == start
    assert (end - start) in (timedelta(hours=167), timedelta(hours=169))

    counts = new_counts(tz)
    counts.record(JOB, start - timedelta(microseconds=1))  # previous week
    counts.record(JOB, start)
    # Every hour of the week, across the change.
    moment = start
    hours = 0
    while moment < end:
        counts.record(event("job_created"), moment)
        moment += timedelta(hours=1)
        hours += 1
    counts.record(JOB, last)
    assert counts.week_counts(last) == {"job_completed": 2, "job_created": hours}
    assert counts.week_start == start
    counts.record(JOB, end)  # next week
    assert counts.week_counts(end) == {"job_completed": 1}
    assert counts.week_counts(last) == {}
    assert counts.week_start == end
    assert counts.totals == {"job_completed": 4, "job_created": hours}
    days = day_events(counts)
    assert sum(c.get("job_created", 0) for c in days.values()) == hours
    assert all(len(day) == 10 for day in days)


def test_fall_back_repeated_hour_is_one_week() -> None:
    counts = new_counts(BERLIN)
    first = utc(2026, 10, 25, 0, 30)  # 02:30 CEST
    second = utc(2026, 10, 25, 1, 30)  # 02:30 CET, the same wall clock time
    counts.record(JOB, first)
    counts.record(JOB, second)
    assert counts.week_counts(second) == {"job_completed": 2}
    assert day_events(counts) == {"2026-10-25": {"job_completed": 2}}


# --- labels ----------------------------------------------------------------------


def test_labels_are_counted_per_day() -> None:
    counts = new_counts()
    counts.record(event("job_completed", printer_type="prusa", duration_minutes=5), NOW)
    counts.record(event("job_completed", printer_type="prusa"), NOW)
    counts.record(event("job_completed", printer_type="klipper"), NOW)
    counts.record(event("job_failed", printer_type="prusa"), NOW)
    assert counts.days["2026-11-25"].labels == {
        "job_completed": {
            "printer_type": {"prusa": 2, "klipper": 1},
            "duration_bucket": {"<15m": 1},
        },
        "job_failed": {"printer_type": {"prusa": 1}},
    }


def _error(index: int) -> SanitizedEvent:
    # Letters only: a name with many digits would be refused as a serial.
    name = "kind_" + "abcdefghijklmnopqrstuvwxyz"[index % 26] * (1 + index // 26)
    result = event("error_occurred", error_type=name, component=f"component_{index}")
    assert len(result.labels) == 2
    return result


def test_label_cap_overflows_to_other() -> None:
    counts = new_counts()
    for index in range(20):
        counts.record(_error(index), NOW)
    labels = counts.days["2026-11-25"].labels["error_occurred"]
    for name in ("error_type", "component"):
        values = labels[name]
        assert len(values) == LABEL_VALUES_PER_DAY + 1
        assert values[OTHER_LABEL] == 4
        assert sum(values.values()) == 20
    # A value that is already counted keeps its own counter.
    counts.record(_error(0), NOW)
    assert labels["error_type"][dict(_error(0).labels)["error_type"]] == 2
    assert labels["error_type"][OTHER_LABEL] == 4
    # A new one still overflows.
    counts.record(_error(25), NOW)
    assert labels["error_type"][OTHER_LABEL] == 5
    assert len(labels["error_type"]) == 17
    # The event itself is always counted.
    assert counts.days["2026-11-25"].events == {"error_occurred": 22}
    assert counts.totals == {"error_occurred": 22}


def test_label_cap_exactly_sixteen_has_no_other() -> None:
    counts = new_counts()
    for index in range(16):
        counts.record(_error(index), NOW)
    values = counts.days["2026-11-25"].labels["error_occurred"]["error_type"]
    assert len(values) == 16
    assert OTHER_LABEL not in values


def test_label_cap_is_per_event_type() -> None:
    counts = new_counts()
    for index in range(16):
        counts.record(_error(index), NOW)
    failed = event("job_failed", error_type="late_comer")
    counts.record(failed, NOW)
    labels = counts.days["2026-11-25"].labels
    assert labels["job_failed"] == {"error_type": {"late_comer": 1}}


def test_label_cap_resets_next_utc_day() -> None:
    counts = new_counts()
    for index in range(20):
        counts.record(_error(index), NOW)
    tomorrow = utc(2026, 11, 26, 0, 0)
    for index in range(20, 36):
        counts.record(_error(index), tomorrow)
    values = counts.days["2026-11-26"].labels["error_occurred"]["error_type"]
    assert len(values) == 16
    assert OTHER_LABEL not in values
    counts.record(_error(36), tomorrow)
    assert values[OTHER_LABEL] == 1
    # Yesterday is untouched.
    assert (
        counts.days["2026-11-25"].labels["error_occurred"]["error_type"][OTHER_LABEL]
        == 4
    )


# --- features and rejected ---------------------------------------------------


def test_feature_events_set_the_days_features() -> None:
    counts = new_counts()
    counts.record(event("feature_enabled", feature="library"), NOW)
    counts.record(event("feature_enabled", feature="timelapse"), NOW)
    today = counts.days["2026-11-25"]
    assert today.features == {"library": True, "timelapse": True}
    counts.record(event("feature_disabled", feature="library"), NOW)
    assert today.features == {"library": False, "timelapse": True}
    counts.record(event("feature_enabled", feature="library"), NOW)
    assert today.features == {"library": True, "timelapse": True}
    assert counts.totals == {"feature_enabled": 3, "feature_disabled": 1}
    # Each day keeps the states seen on it, and only those.
    counts.record(event("feature_disabled", feature="library"), NOW + timedelta(1))
    assert counts.days["2026-11-26"].features == {"library": False}
    assert today.features == {"library": True, "timelapse": True}


def test_only_feature_events_with_a_feature_set_features() -> None:
    counts = new_counts()
    counts.record(event("feature_enabled"), NOW)
    counts.record(event("feature_disabled", printer_type="prusa"), NOW)
    counts.record(event("app_start", feature="library"), NOW)
    counts.record(event("job_completed", feature="timelapse"), NOW)
    counts.record(event("feature_enabled", feature="not_a_feature"), NOW)
    assert counts.days["2026-11-25"].features == {}
    assert counts.totals == {
        "feature_enabled": 2,
        "feature_disabled": 1,
        "app_start": 1,
        "job_completed": 1,
    }


def test_record_rejected() -> None:
    counts = new_counts()
    counts.record_rejected(NOW)
    counts.record_rejected(NOW)
    counts.record_rejected(utc(2026, 11, 26, 1))
    assert counts.days["2026-11-25"].rejected == 2
    assert counts.days["2026-11-26"].rejected == 1
    assert counts.rejected_total == 3
    assert counts.totals == {}
    assert counts.week_counts(NOW) == {}
    assert day_events(counts) == {}
    # A day with only rejected events is still exported.
    assert counts.as_dict()["days"]["2026-11-25"]["rejected"] == 2
    assert counts.as_dict()["rejected_total"] == 3


# --- week views ----------------------------------------------------------------


def test_week_counts_empty_in_a_new_week() -> None:
    counts = new_counts()
    counts.record(JOB, NOW)
    assert counts.week_counts(NOW) == {"job_completed": 1}
    next_monday = utc(2026, 11, 29, 23, 0)  # Monday 00:00 CET
    assert counts.week_counts(next_monday - timedelta(seconds=1)) == {
        "job_completed": 1
    }
    assert counts.week_counts(next_monday) == {}
    assert counts.week_counts(NOW + timedelta(days=30)) == {}
    assert counts.week_counts(NOW - timedelta(days=7)) == {}
    # Reading does not reset anything.
    assert counts.week_counts(NOW) == {"job_completed": 1}
    assert counts.totals == {"job_completed": 1}


def test_week_counts_empty_before_anything_was_recorded() -> None:
    assert new_counts().week_counts(NOW) == {}


# --- prune ---------------------------------------------------------------------


def test_prune_drops_old_days_and_keeps_totals() -> None:
    counts = new_counts()
    counts.record(event("feature_enabled", feature="library"), NOW - timedelta(500))
    for days_ago in (800, 500, 401, 399, 100, 0):
        counts.record(JOB, NOW - timedelta(days=days_ago))
        counts.record_rejected(NOW - timedelta(days=days_ago))
    before = counts.as_dict()
    assert len(before["days"]) == 6
    assert counts.prune(NOW) == 3
    kept = {(NOW - timedelta(days=n)).date().isoformat() for n in (399, 100, 0)}
    assert set(counts.days) == kept
    assert counts.totals == {"job_completed": 6, "feature_enabled": 1}
    assert counts.rejected_total == 6
    assert counts.week_counts(NOW) == {"job_completed": 1}
    assert counts.prune(NOW) == 0
    assert set(counts.days) == kept


def test_prune_drops_feature_states_with_the_labels() -> None:
    counts = new_counts()
    old = NOW - timedelta(days=LABEL_DETAIL_DAYS + 1)
    counts.record(event("feature_enabled", feature="library"), old)
    counts.record(event("feature_enabled", feature="timelapse"), NOW)
    assert counts.prune(NOW) == 1
    assert counts.days[old.date().isoformat()].features == {}
    assert counts.days[old.date().isoformat()].events == {"feature_enabled": 1}
    assert counts.days["2026-11-25"].features == {"timelapse": True}


def test_prune_with_a_short_retention() -> None:
    counts = new_counts(retention_days=7)
    for days_ago in range(20):
        counts.record(JOB, NOW - timedelta(days=days_ago))
    # Whether the day exactly 7 days back is kept is left open.
    removed = counts.prune(NOW)
    assert removed in (12, 13)
    assert len(counts.days) == 20 - removed
    assert min(counts.days) >= (NOW - timedelta(days=7)).date().isoformat()
    assert counts.totals == {"job_completed": 20}


def test_recording_after_prune_removed_the_current_day() -> None:
    counts = new_counts(retention_days=7)
    counts.record(JOB, NOW)
    assert counts.prune(NOW + timedelta(days=30)) == 1
    assert counts.days == {}
    # The clock comes back (or the same moment is recorded again).
    counts.record(JOB, NOW)
    assert day_events(counts) == {"2026-11-25": {"job_completed": 1}}
    assert counts.totals == {"job_completed": 2}


# --- clear -----------------------------------------------------------------------


def test_clear_returns_what_it_removed_and_empties_everything() -> None:
    counts = new_counts()
    counts.record(JOB, NOW - timedelta(days=1))
    counts.record(JOB, NOW)
    counts.record(event("feature_enabled", feature="library"), NOW)
    counts.record_rejected(NOW)
    counts.record_rejected(NOW - timedelta(days=2))
    later = NOW + timedelta(days=3)
    assert counts.clear(later) == {"days": 3, "events": 3, "rejected": 2}
    assert counts.days == {}
    assert counts.totals == {}
    assert counts.rejected_total == 0
    assert counts.week_counts(NOW) == {}
    assert counts.week_counts(later) == {}
    assert counts.first_seen == date(2026, 11, 28)
    data = counts.as_dict()
    assert data["days"] == {}
    assert data["totals"] == {}
    assert data["week"]["events"] == {}
    assert data["first_seen"] == "2026-11-28"
    assert counts.clear(later) == {"days": 0, "events": 0, "rejected": 0}


def test_recording_after_clear_on_the_same_day() -> None:
    counts = new_counts()
    counts.record(JOB, NOW)
    counts.record_rejected(NOW)
    counts.clear(NOW)
    counts.record(JOB, NOW)
    counts.record_rejected(NOW)
    assert day_events(counts) == {"2026-11-25": {"job_completed": 1}}
    assert counts.days["2026-11-25"].rejected == 1
    assert counts.week_counts(NOW) == {"job_completed": 1}
    assert counts.totals == {"job_completed": 1}
    assert counts.rejected_total == 1


# --- as_dict / from_dict -----------------------------------------------------------


def _busy_counts(tz: tzinfo) -> UsageCounts:
    counts = new_counts(tz, retention_days=90)
    # In time order: the Sunday before NOW is in the previous local week.
    counts.record(event("file_downloaded", file_size_mb=3), NOW - timedelta(days=3))
    counts.record_rejected(NOW - timedelta(days=2))
    counts.record(event("job_failed", error_type="HTTPError"), NOW - timedelta(1))
    counts.record(
        event("job_completed", printer_type="prusa", duration_minutes=70), NOW
    )
    counts.record(event("feature_enabled", feature="library"), NOW)
    counts.record(event("feature_disabled", feature="timelapse"), NOW)
    return counts


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK, UTC], ids=str)
def test_round_trip(tz: tzinfo) -> None:
    counts = _busy_counts(tz)
    data = counts.as_dict()
    loaded = round_trip(counts, tz)
    assert loaded.as_dict() == data
    assert loaded.first_seen == date(2026, 11, 1)
    assert loaded.retention_days == 90
    assert loaded.days["2026-11-25"].features == {"library": True, "timelapse": False}
    assert loaded.week_counts(NOW) == counts.week_counts(NOW)
    assert loaded.week_counts(NOW) != {}
    assert json.loads(json.dumps(data)) == data


def test_as_dict_layout() -> None:
    data = _busy_counts(BERLIN).as_dict()
    assert data["first_seen"] == "2026-11-01"
    assert data["retention_days"] == 90
    assert list(data["days"]) == sorted(data["days"])
    today = dict(data["days"]["2026-11-25"])
    # An empty part of a day may be left out.
    assert today.pop("rejected", 0) == 0
    assert today == {
        "events": {"job_completed": 1, "feature_enabled": 1, "feature_disabled": 1},
        "labels": {
            "job_completed": {
                "printer_type": {"prusa": 1},
                "duration_bucket": {"1-3h": 1},
            },
            "feature_enabled": {"feature": {"library": 1}},
            "feature_disabled": {"feature": {"timelapse": 1}},
        },
        "features": {"library": True, "timelapse": False},
    }
    assert data["days"]["2026-11-23"]["rejected"] == 1
    assert data["week"] == {
        "start": "2026-11-23T00:00:00+01:00",
        "events": {
            "job_failed": 1,
            "job_completed": 1,
            "feature_enabled": 1,
            "feature_disabled": 1,
        },
    }
    assert data["rejected_total"] == 1
    # No feature state outside a day: a report holds only its days' states.
    assert "features" not in data


def test_recording_continues_the_week_after_loading() -> None:
    counts = new_counts()
    counts.record(JOB, NOW)
    counts.record(JOB, NOW)
    loaded = round_trip(counts, BERLIN)
    loaded.record(JOB, NOW + timedelta(days=1))
    assert loaded.week_counts(NOW + timedelta(days=1)) == {"job_completed": 3}
    assert loaded.totals == {"job_completed": 3}
    assert day_events(loaded) == {
        "2026-11-25": {"job_completed": 2},
        "2026-11-26": {"job_completed": 1},
    }
    # A new week starts from zero.
    next_week = utc(2026, 11, 30, 12)
    loaded.record(JOB, next_week)
    assert loaded.week_counts(next_week) == {"job_completed": 1}
    assert loaded.totals == {"job_completed": 4}


def test_from_dict_minimal() -> None:
    loaded = UsageCounts.from_dict({"first_seen": "2026-11-01"}, tz=BERLIN)
    assert loaded.days == {}
    assert loaded.totals == {}
    assert loaded.retention_days == DEFAULT_RETENTION_DAYS
    assert loaded.week_counts(NOW) == {}
    assert loaded.as_dict() == new_counts().as_dict()


def test_from_dict_ignores_unknown_event_types() -> None:
    data = {
        "first_seen": "2026-11-01",
        "days": {
            "2026-11-25": {
                "events": {"job_completed": 2, "print_started": 5, "": 1},
                "labels": {
                    "job_completed": {"printer_type": {"prusa": 2}},
                    "print_started": {"printer_type": {"prusa": 5}},
                },
                "rejected": 1,
            }
        },
        "totals": {"job_completed": 7, "print_started": 9},
        "rejected_total": 1,
        "week": {
            "start": "2026-11-23T00:00:00+01:00",
            "events": {"job_completed": 2, "print_started": 5},
        },
        "features": {"library": True},
    }
    loaded = UsageCounts.from_dict(data, tz=BERLIN)
    assert loaded.days["2026-11-25"].events == {"job_completed": 2}
    assert loaded.days["2026-11-25"].labels == {
        "job_completed": {"printer_type": {"prusa": 2}}
    }
    assert loaded.totals == {"job_completed": 7}
    assert loaded.week_counts(NOW) == {"job_completed": 2}
    assert "print_started" not in json.dumps(loaded.as_dict())


@pytest.mark.parametrize(
    "day",
    ["", "not-a-day", "2026-13-01", "2026-02-30", "2026-11-25T10:00", "yesterday"],
)
def test_from_dict_rejects_bad_day_keys(day: str) -> None:
    data = {"first_seen": "2026-11-01", "days": {day: {"events": {"app_start": 1}}}}
    with pytest.raises(ValueError):  # noqa: PT011
        UsageCounts.from_dict(data, tz=BERLIN)


# --- clock moving backwards ----------------------------------------------------------


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param(timedelta(hours=1), id="same-day"),
        pytest.param(timedelta(days=1), id="day-before"),
        pytest.param(timedelta(days=3), id="previous-week"),
    ],
)
def test_clock_moving_backwards_counts_each_day(earlier: timedelta) -> None:
    counts = new_counts()
    t1 = NOW
    t0 = NOW - earlier
    counts.record(JOB, t1)
    counts.record(event("job_failed"), t0)
    counts.record(JOB, t1)
    counts.record_rejected(t0)
    expected: dict[str, Counter[str]] = {}
    for moment, event_type in ((t1, "job_completed"), (t0, "job_failed")):
        expected.setdefault(utc_day(moment).isoformat(), Counter())[event_type] += 1
    expected[utc_day(t1).isoformat()]["job_completed"] += 1
    assert day_events(counts) == {day: dict(c) for day, c in expected.items()}
    assert counts.days[utc_day(t0).isoformat()].rejected == 1
    assert counts.totals == {"job_completed": 2, "job_failed": 1}


def test_event_in_the_previous_week_on_the_same_utc_day() -> None:
    counts = new_counts(BERLIN)
    monday = utc(2026, 11, 22, 23, 30)  # Monday 00:30 CET
    sunday = utc(2026, 11, 22, 22, 30)  # Sunday 23:30 CET, same UTC day
    counts.record(JOB, monday)
    counts.record(JOB, sunday)
    assert day_events(counts) == {"2026-11-22": {"job_completed": 2}}
    # The Sunday event belongs to the previous week, never to this one.
    assert counts.week_counts(monday).get("job_completed", 0) <= 1
    assert counts.totals == {"job_completed": 2}


def test_clock_moving_backwards_within_the_week_keeps_the_week() -> None:
    counts = new_counts()
    counts.record(JOB, NOW)
    counts.record(JOB, NOW - timedelta(days=1))
    counts.record(JOB, NOW)
    assert counts.week_counts(NOW) == {"job_completed": 3}


def test_clock_moving_back_a_week_keeps_this_weeks_counts() -> None:
    counts = new_counts()
    t1 = utc(2026, 11, 23, 10)  # Monday
    t0 = utc(2026, 11, 22, 10)  # Sunday, the previous local week
    counts.record(JOB, t1)
    counts.record(JOB, t0)
    counts.record(JOB, t1)
    assert counts.week_counts(t1) == {"job_completed": 2}


@pytest.mark.parametrize(
    "ahead", [timedelta(days=5), timedelta(days=9), timedelta(days=365)]
)
def test_clock_put_back_from_a_week_ahead_counts_this_week_at_once(
    ahead: timedelta,
) -> None:
    counts = new_counts()
    counts.record(JOB, NOW + ahead)
    counts.record(JOB, NOW)
    assert counts.week_counts(NOW) == {"job_completed": 1}
    assert counts.week_counts(NOW + ahead) == {}


def test_clock_put_back_by_less_than_a_day_keeps_the_new_week() -> None:
    counts = new_counts(BERLIN)
    monday = utc(2026, 11, 30, 0)  # Monday 01:00 CET
    counts.record(JOB, monday)
    # Back across midnight by two hours: not counted into either week.
    counts.record(JOB, monday - timedelta(hours=2))
    assert counts.week_counts(monday) == {"job_completed": 1}


def test_follow_clock_drops_the_days_ahead_of_tomorrow() -> None:
    counts = new_counts()
    for ahead in (0, 1, 2, 400):
        counts.record(
            event("feature_enabled", feature="library"), NOW + timedelta(ahead)
        )
    assert counts.follow_clock(NOW) == 2
    assert set(counts.days) == {"2026-11-25", "2026-11-26"}
    # The lifetime totals keep what was counted.
    assert counts.totals == {"feature_enabled": 4}
    assert counts.follow_clock(NOW) == 0
    counts.record(JOB, NOW)
    assert day_events(counts)["2026-11-25"] == {
        "feature_enabled": 1,
        "job_completed": 1,
    }


def test_follow_clock_after_the_cached_day_was_dropped() -> None:
    counts = new_counts()
    counts.record(JOB, NOW + timedelta(days=30))
    assert counts.follow_clock(NOW) == 1
    counts.record(JOB, NOW + timedelta(days=30))
    assert day_events(counts) == {"2026-12-25": {"job_completed": 1}}


@pytest.mark.parametrize("day", ["20261125", "2026-W48-3", "2026W483"])
def test_from_dict_rejects_non_canonical_day_keys(day: str) -> None:
    data = {"first_seen": "2026-11-01", "days": {day: {"events": {"app_start": 1}}}}
    with pytest.raises(ValueError):  # noqa: PT011
        UsageCounts.from_dict(data, tz=BERLIN)


def test_from_dict_loads_only_allowlisted_labels() -> None:
    data = {
        "first_seen": "2026-11-01",
        "days": {
            "2026-11-25": {
                "events": {"job_failed": 1},
                "labels": {
                    "job_failed": {
                        "error_type": {"john.doe@example.com": 1},
                        "serial": {"SN123456789": 1},
                    }
                },
                "features": {"/home/john": True, "library": "yes", "timelapse": False},
            }
        },
        "features": {"/home/jane": True},
    }
    loaded = UsageCounts.from_dict(data, tz=BERLIN)
    assert loaded.days["2026-11-25"].features == {"timelapse": False}
    exported = json.dumps(loaded.as_dict())
    for value in ("john.doe@example.com", "SN123456789", "serial", "/home/j", "yes"):
        assert value not in exported


# --- properties --------------------------------------------------------------------

_PROPERTY_ZONES = [
    UTC,
    BERLIN,
    NEW_YORK,
    ZoneInfo("Australia/Lord_Howe"),  # 30 minute DST shift
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Kiritimati"),  # UTC+14
    ZoneInfo("Pacific/Pago_Pago"),  # UTC-11
]
_BASES = [
    NOW,
    utc(2026, 3, 26),  # around the spring change in Europe
    utc(2026, 10, 22),  # around the fall change in Europe
    utc(2026, 3, 5),  # around the spring change in the US
    utc(2026, 12, 30),  # around a year change
]
# Many distinct labels, so the cap of 16 is reached.
_EVENTS = [
    *(event(name) for name in sorted(EVENT_TYPES)),
    *(_error(index) for index in range(24)),
    *(
        event("job_completed", printer_type=kind, duration_minutes=m)
        for kind, m in (("prusa", 5), ("klipper", 100), ("bambu_lab", 2000))
    ),
    *(
        event(state, feature=name)
        for state in ("feature_enabled", "feature_disabled")
        for name in ("library", "timelapse")
    ),
    None,  # a rejected event
]
_steps = st.lists(
    st.tuples(
        st.sampled_from(_EVENTS),
        st.integers(min_value=-4 * 86_400, max_value=21 * 86_400),
    ),
    max_size=60,
)


def _apply(
    counts: UsageCounts, base: datetime, steps: list[tuple[SanitizedEvent | None, int]]
) -> list[datetime]:
    moments = []
    for item, offset in steps:
        moment = base + timedelta(seconds=offset)
        moments.append(moment)
        if item is None:
            counts.record_rejected(moment)
        else:
            counts.record(item, moment)
    return moments


def _assert_invariants(counts: UsageCounts) -> None:
    for day, day_counts in counts.days.items():
        assert date.fromisoformat(day).isoformat() == day
        assert day_counts.rejected >= 0
        assert all(n > 0 for n in day_counts.events.values())
        for event_type, by_name in day_counts.labels.items():
            assert event_type in day_counts.events
            for values in by_name.values():
                assert len(values) <= LABEL_VALUES_PER_DAY + 1
                if len(values) == LABEL_VALUES_PER_DAY + 1:
                    assert OTHER_LABEL in values
                assert all(n > 0 for n in values.values())
                assert sum(values.values()) <= day_counts.events[event_type]
    assert all(n > 0 for n in counts.totals.values())
    assert all(n > 0 for n in counts.week.values())
    assert counts.rejected_total >= 0


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(_PROPERTY_ZONES),
    base=st.sampled_from(_BASES),
    steps=_steps,
    monotonic=st.booleans(),
)
def test_property_counts_match_a_model(
    tz: tzinfo,
    base: datetime,
    steps: list[tuple[SanitizedEvent | None, int]],
    monotonic: bool,
) -> None:
    if monotonic:
        steps = sorted(steps, key=lambda step: step[1])
    counts = new_counts(tz)
    moments = _apply(counts, base, steps)
    _assert_invariants(counts)

    days: dict[str, Counter[str]] = {}
    rejected: Counter[str] = Counter()
    labels: dict[tuple[str, str, str], Counter[str]] = {}
    for (item, _), moment in zip(steps, moments, strict=True):
        day = moment.astimezone(UTC).date().isoformat()
        if item is None:
            rejected[day] += 1
            continue
        days.setdefault(day, Counter())[item.event_type] += 1
        for name, value in item.labels:
            labels.setdefault((day, item.event_type, name), Counter())[value] += 1
    assert day_events(counts) == {day: dict(c) for day, c in days.items()}
    assert {d: c.rejected for d, c in counts.days.items() if c.rejected} == dict(
        rejected
    )
    totals = sum(days.values(), Counter())
    assert counts.totals == dict(totals)
    assert sum(sum(c.events.values()) for c in counts.days.values()) == sum(
        counts.totals.values()
    )
    assert counts.rejected_total == sum(rejected.values())
    for (day, event_type, name), expected in labels.items():
        stored = counts.days[day].labels[event_type][name]
        assert sum(stored.values()) == sum(expected.values())
        if len(expected) <= LABEL_VALUES_PER_DAY:
            assert stored == dict(expected)

    if monotonic and moments:
        last = moments[-1]
        week = local_week_start(last, tz)
        in_week = Counter(
            item.event_type
            for (item, _), moment in zip(steps, moments, strict=True)
            if item is not None and local_week_start(moment, tz) == week
        )
        assert counts.week_counts(last) == dict(in_week)


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(_PROPERTY_ZONES),
    base=st.sampled_from(_BASES),
    steps=_steps,
    more=_steps,
)
def test_property_round_trip(
    tz: tzinfo,
    base: datetime,
    steps: list[tuple[SanitizedEvent | None, int]],
    more: list[tuple[SanitizedEvent | None, int]],
) -> None:
    counts = new_counts(tz)
    _apply(counts, base, steps)
    data = counts.as_dict()
    loaded = round_trip(counts, tz)
    assert loaded.as_dict() == data
    # The loaded copy behaves like the original from here on.
    _apply(counts, base, more)
    _apply(loaded, base, more)
    assert loaded.as_dict() == counts.as_dict()
    _assert_invariants(loaded)


@settings(max_examples=200, deadline=None)
@given(
    steps=_steps,
    retention=st.integers(min_value=1, max_value=30),
    prune_offset=st.integers(min_value=0, max_value=60),
)
def test_property_prune_keeps_totals(
    steps: list[tuple[SanitizedEvent | None, int]], retention: int, prune_offset: int
) -> None:
    counts = new_counts(retention_days=retention)
    _apply(counts, NOW, steps)
    totals = dict(counts.totals)
    rejected_total = counts.rejected_total
    days_before = set(counts.days)
    events_before = {day: dict(c.events) for day, c in counts.days.items()}
    when = NOW + timedelta(days=prune_offset)
    removed = counts.prune(when)
    # Days older than the retention go, newer ones stay; the day exactly
    # `retention` days back may go either way.
    edge = (when.date() - timedelta(days=retention)).isoformat()
    assert set(counts.days) <= days_before
    # Dropped days are counted (a day whose details were trimmed may be too).
    assert removed >= len(days_before - set(counts.days))
    for day in counts.days:
        assert counts.days[day].events == events_before[day]
    assert {day for day in days_before if day > edge} <= set(counts.days)
    assert all(day >= edge for day in counts.days)
    assert counts.totals == totals
    assert counts.rejected_total == rejected_total
    _assert_invariants(counts)
