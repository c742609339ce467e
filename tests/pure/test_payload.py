"""The weekly report in payload.py: its period, its content and its rules.

These tests run against the pure module only; they need no `hass`. The report
is built from `UsageCounts` filled the way the integration fills them: every
event passes `sanitize_event` first, then `counts.record`.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, date, datetime, timedelta, tzinfo
import json
import random
from typing import Any
import uuid
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.printernizer_usage.core import payload as payload_module
from custom_components.printernizer_usage.core.allowlist import (
    DURATION_BUCKETS,
    ERROR_TYPE_MAX_LENGTH,
    EVENT_TYPES,
    FEATURES,
    METADATA_RULES,
    PRINTER_TYPES,
    sanitize_event,
    to_slug,
)
from custom_components.printernizer_usage.core.counts import OTHER_LABEL, UsageCounts
from custom_components.printernizer_usage.core.payload import (
    MAX_ERROR_TYPES,
    MAX_PAYLOAD_BYTES,
    MAX_PERIOD_DAYS,
    MIN_PERIOD_DAYS,
    OTHER_ERRORS,
    SCHEMA_VERSION,
    UNKNOWN_COUNTRY,
    InstallationFacts,
    PayloadRejectedError,
    Period,
    build_payload,
    day_start,
    midnight_utc,
    next_period,
    serialize,
    validate_endpoint,
    validate_payload,
)

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = [ZoneInfo("UTC"), BERLIN]
INSTALLATION_ID = "6f1c2a9e-3b4d-4c5e-8f7a-9b0c1d2e3f40"
FIRST_SEEN = date(2026, 11, 1)
# Monday 16 to Monday 23 November 2026: seven whole UTC days.
PERIOD = Period(start=date(2026, 11, 16), end=date(2026, 11, 23))
FACTS = InstallationFacts(
    installation_id=INSTALLATION_ID,
    first_seen=FIRST_SEEN,
    app_version="2.41.5",
    integration_version="0.4.0",
    python_version="3.13",
    platform="linux",
    ha_version="2026.11.0",
    installation_type="Home Assistant OS",
    country_code="de",
)
FLEET = {"prusa": 2, "bambu_lab": 1, "klipper": 0, "other": 3}
PII = "john@example.com"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def new_counts(tz: tzinfo = UTC) -> UsageCounts:
    return UsageCounts(tz=tz, first_seen=FIRST_SEEN)


def record(
    counts: UsageCounts, moment: datetime, event_type: str, **metadata: Any
) -> None:
    counts.record(sanitize_event(event_type, metadata or None), moment)


def build(
    counts: UsageCounts | None = None,
    *,
    facts: InstallationFacts = FACTS,
    period: Period = PERIOD,
    printer_types: dict[str, int] | None = None,
    consent_version: int = 1,
) -> dict[str, Any]:
    return build_payload(
        counts or new_counts(),
        facts,
        period,
        FLEET if printer_types is None else printer_types,
        consent_version,
    )


def errors_payload(counts_by_type: dict[str, int]) -> dict[str, Any]:
    """Build a report with each error type on its own day (no per-day overflow)."""
    counts = new_counts()
    for k, (error_type, n) in enumerate(counts_by_type.items()):
        moment = day_start(PERIOD.start + timedelta(days=k % PERIOD.days))
        for _ in range(n):
            record(counts, moment, "error_occurred", error_type=error_type)
    return build(counts)


def kind(n: int) -> str:
    """Return the n-th of some error class names that are their own slug."""
    return f"kind{chr(97 + n)}"


# --- next_period


def test_first_period_starts_on_first_seen() -> None:
    period = next_period(None, date(2026, 11, 1), date(2026, 11, 8))
    assert period == Period(start=date(2026, 11, 1), end=date(2026, 11, 8))
    assert period.days == 7
    assert period.is_due


def test_later_period_starts_where_the_last_one_ended() -> None:
    # first_seen is older, but what was already sent is not sent again.
    period = next_period(date(2026, 11, 8), date(2026, 11, 1), date(2026, 11, 14))
    assert period == Period(start=date(2026, 11, 8), end=date(2026, 11, 14))
    assert period.days == 6
    assert not period.is_due


@pytest.mark.parametrize(
    ("last_end", "first_seen"),
    [(date(2025, 1, 1), date(2024, 6, 1)), (None, date(2024, 6, 1))],
)
def test_long_gap_reports_only_the_most_recent_28_days(
    last_end: date | None, first_seen: date
) -> None:
    today = date(2026, 11, 25)
    period = next_period(last_end, first_seen, today)
    assert period == Period(start=date(2026, 10, 28), end=today)
    assert period.days == MAX_PERIOD_DAYS == 28


@pytest.mark.parametrize(("gap", "expected_days"), [(27, 27), (28, 28), (29, 28)])
def test_cap_boundary(gap: int, expected_days: int) -> None:
    today = date(2026, 11, 25)
    period = next_period(today - timedelta(days=gap), FIRST_SEEN, today)
    assert period.end == today
    assert period.days == expected_days


@pytest.mark.parametrize(
    ("last_end", "first_seen"),
    [
        (date(2026, 11, 25), FIRST_SEEN),  # clock went back after a send
        (None, date(2026, 11, 25)),  # clock went back before the first one
        (date(2026, 11, 20), FIRST_SEEN),  # nothing new yet
    ],
)
def test_clock_going_backwards_gives_an_empty_period(
    last_end: date | None, first_seen: date
) -> None:
    today = date(2026, 11, 20)
    period = next_period(last_end, first_seen, today)
    assert period == Period(start=today, end=today)
    assert period.days == 0
    assert not period.is_due


@pytest.mark.parametrize(
    ("days", "due"), [(0, False), (6, False), (7, True), (8, True)]
)
def test_period_days_and_is_due(days: int, due: bool) -> None:
    period = Period(start=date(2026, 11, 1), end=date(2026, 11, 1) + timedelta(days))
    assert period.days == days
    assert period.is_due is due
    assert MIN_PERIOD_DAYS == 7


@settings(max_examples=200, deadline=None)
@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    first_seen=st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 1, 1)),
    last_end=st.none()
    | st.dates(min_value=date(1990, 1, 1), max_value=date(2110, 1, 1)),
)
def test_next_period_property(
    today: date, first_seen: date, last_end: date | None
) -> None:
    period = next_period(last_end, first_seen, today)
    assert period.end == today
    assert 0 <= period.days <= MAX_PERIOD_DAYS
    base = last_end or first_seen
    if base > today:
        assert period.days == 0
    elif (today - base).days <= MAX_PERIOD_DAYS:
        # No day is lost or sent twice while the gap fits.
        assert period.start == base
    else:
        assert period.days == MAX_PERIOD_DAYS


# --- build_payload


def fill_week(tz: tzinfo) -> UsageCounts:
    """Record one week of activity, plus events just outside the period."""

    def at(*args: int) -> datetime:
        # Given in UTC; recorded in the counts' own zone half of the time, which
        # must not change the UTC day they are counted on.
        moment = utc(*args)
        return moment.astimezone(tz) if args[2] % 2 else moment

    counts = new_counts(tz)
    # Before the period: not counted.
    record(counts, utc(2026, 11, 15, 23, 59, 59), "job_completed", duration_minutes=5)
    record(counts, utc(2026, 11, 15, 12), "error_occurred", error_type="Early")
    counts.add_uptime(utc(2026, 11, 15, 12), utc(2026, 11, 16))
    # A Berlin midnight that is still the 15th in UTC: not counted.
    record(counts, datetime(2026, 11, 16, 0, 30, tzinfo=BERLIN), "job_created")
    # Inside the period.
    record(counts, utc(2026, 11, 16), "job_created")
    record(counts, utc(2026, 11, 16, 0, 0, 1), "job_completed", duration_minutes=10)
    record(counts, at(2026, 11, 17, 9), "job_created", printer_type="Prusa")
    record(counts, at(2026, 11, 17, 11), "job_completed", duration_minutes="90")
    record(counts, at(2026, 11, 18, 8), "job_failed", duration_minutes=500)
    record(counts, at(2026, 11, 18, 9), "job_failed")
    for _ in range(3):
        record(counts, at(2026, 11, 19, 10), "file_downloaded", file_size_mb=12)
    for _ in range(2):
        record(counts, at(2026, 11, 19, 11), "file_uploaded")
    for _ in range(4):
        record(counts, at(2026, 11, 20, 7), "printer_connected", printer_type="klipper")
    record(counts, at(2026, 11, 20, 8), "printer_disconnected")
    record(counts, at(2026, 11, 20, 9), "app_start")
    for _ in range(2):
        record(counts, at(2026, 11, 21, 1), "error_occurred", error_type="Timeout")
    record(counts, at(2026, 11, 21, 2), "error_occurred", error_type="ThermalRunaway")
    record(counts, at(2026, 11, 21, 3), "error_occurred", error_type=PII)
    record(counts, at(2026, 11, 21, 4), "feature_enabled", feature="timelapse")
    record(counts, at(2026, 11, 21, 5), "feature_disabled", feature="Timelapse")
    record(counts, at(2026, 11, 21, 6), "feature_enabled", feature=" library ")
    record(counts, at(2026, 11, 21, 7), "feature_enabled", feature="telemetry")
    # 5 h 40 min across midnight, and one 1 h 30 min block: 7 h 10 min in all.
    counts.add_uptime(utc(2026, 11, 20, 22), utc(2026, 11, 21, 3, 40))
    counts.add_uptime(at(2026, 11, 22, 10), at(2026, 11, 22, 11, 30))
    # Last second of the period; a Berlin 00:30 on the 23rd is 23:30 UTC on the 22nd.
    record(counts, utc(2026, 11, 22, 23, 59, 59), "job_created")
    record(counts, datetime(2026, 11, 23, 0, 30, tzinfo=BERLIN), "job_created")
    # On the end day: not counted.
    record(counts, utc(2026, 11, 23), "job_completed", duration_minutes=2000)
    record(counts, utc(2026, 11, 23, 1), "error_occurred", error_type="Late")
    counts.add_uptime(utc(2026, 11, 23), utc(2026, 11, 23, 10))
    return counts


@pytest.mark.parametrize("tz", ZONES, ids=str)
def test_build_payload_every_field(tz: tzinfo) -> None:
    payload = build(fill_week(tz), consent_version=3)
    assert payload == {
        "schema_version": "1.0",
        "consent_version": 3,
        "submission_timestamp": "2026-11-23T00:00:00+00:00",
        "installation": {
            "installation_id": INSTALLATION_ID,
            "first_seen": "2026-11-01T00:00:00+00:00",
            "app_version": "2.41.5",
            "integration_version": "0.4.0",
            "python_version": "3.13",
            "platform": "linux",
            "deployment_mode": "homeassistant",
            "country_code": "DE",
            "ha_version": "2026.11.0",
            "installation_type": "Home Assistant OS",
        },
        "period": {
            "start": "2026-11-16T00:00:00+00:00",
            "end": "2026-11-23T00:00:00+00:00",
            "duration_days": 7,
        },
        "printer_fleet": {
            "printer_count": 6,
            "printer_types": ["bambu_lab", "other", "prusa"],
            "printer_type_counts": {"bambu_lab": 1, "other": 3, "prusa": 2},
        },
        "usage_stats": {
            "job_count": 4,
            "file_count": 3,
            "upload_count": 2,
            "uptime_hours": 7,
            "feature_usage": {"library": True, "timelapse": False},
            "jobs_created": 4,
            "jobs_completed": 2,
            "jobs_failed": 2,
            "printer_connections": 4,
            # job_failed's 500 minutes is not a completed job's duration.
            "job_duration_buckets": {"<15m": 1, "1-3h": 1},
        },
        "error_summary": {"thermal_runaway": 1, "timeout": 2},
    }
    assert PII not in serialize(payload).decode()
    assert validate_payload(payload) == serialize(payload)


def test_build_payload_of_an_empty_period_of_counts() -> None:
    payload = build(printer_types={})
    assert payload["printer_fleet"] == {
        "printer_count": 0,
        "printer_types": [],
        "printer_type_counts": {},
    }
    assert payload["usage_stats"] == {
        "job_count": 0,
        "file_count": 0,
        "upload_count": 0,
        "uptime_hours": 0,
        "feature_usage": {},
        "jobs_created": 0,
        "jobs_completed": 0,
        "jobs_failed": 0,
        "printer_connections": 0,
        "job_duration_buckets": {},
    }
    assert payload["error_summary"] == {}
    validate_payload(payload)


def test_schema_version_constant() -> None:
    assert SCHEMA_VERSION == "1.0"
    assert build()["schema_version"] == "1.0"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("de", "DE"),
        ("DE", "DE"),
        ("Ch", "CH"),
        (None, UNKNOWN_COUNTRY),
        ("", "XX"),
        ("deu", "XX"),
        ("d", "XX"),
        ("d1", "XX"),
        ("DE ", "XX"),
        ("DE\n", "XX"),
        ("é1", "XX"),
        (PII, "XX"),
        # Upper-cased, these become "SS" and "FF".
        ("ß", "XX"),
        ("\ufb00", "XX"),  # the ligature 'ff'
    ],
)
def test_country_code(code: str | None, expected: str) -> None:
    facts = dataclasses.replace(FACTS, country_code=code)
    assert build(facts=facts)["installation"]["country_code"] == expected


def test_installation_facts_pass_through() -> None:
    facts = InstallationFacts(
        installation_id=str(uuid.uuid4()),
        first_seen=FIRST_SEEN,
        app_version="1.2.3b0",
        integration_version="0.4.0b1",
        python_version="3.14",
        platform="darwin",
        ha_version="2027.1.0.dev0",
        installation_type="Home Assistant Container",
        country_code="fr",
    )
    installation = build(facts=facts)["installation"]
    assert installation == {
        "installation_id": facts.installation_id,
        "first_seen": "2026-11-01T00:00:00+00:00",
        "app_version": "1.2.3b0",
        "integration_version": "0.4.0b1",
        "python_version": "3.14",
        "platform": "darwin",
        "deployment_mode": "homeassistant",
        "country_code": "FR",
        "ha_version": "2027.1.0.dev0",
        "installation_type": "Home Assistant Container",
    }


def test_first_seen_is_the_consent_start_not_the_first_counting_day() -> None:
    counts = UsageCounts(tz=BERLIN, first_seen=date(2024, 1, 1))
    facts = dataclasses.replace(FACTS, first_seen=date(2025, 3, 30))
    payload = build(
        counts, facts=facts, period=Period(date(2026, 3, 23), date(2026, 3, 30))
    )
    assert payload["installation"]["first_seen"] == "2025-03-30T00:00:00+00:00"
    assert payload["submission_timestamp"] == "2026-03-30T00:00:00+00:00"
    assert payload["period"] == {
        "start": "2026-03-23T00:00:00+00:00",
        "end": "2026-03-30T00:00:00+00:00",
        "duration_days": 7,
    }
    assert midnight_utc(date(2026, 3, 30)) == "2026-03-30T00:00:00+00:00"
    assert day_start(date(2026, 3, 30)) == utc(2026, 3, 30)


@pytest.mark.parametrize(
    ("printer_types", "fleet"),
    [
        (
            {"prusa": 2, "bambu_lab": 1, "klipper": 0, "other": 3},
            (6, ["bambu_lab", "other", "prusa"]),
        ),
        ({"klipper": 0, "prusa": 0}, (0, [])),
        ({"octoprint": 1000, "anycubic": 1}, (1001, ["anycubic", "octoprint"])),
    ],
)
def test_printer_fleet(
    printer_types: dict[str, int], fleet: tuple[int, list[str]]
) -> None:
    result = build(printer_types=printer_types)["printer_fleet"]
    count, types = fleet
    assert result["printer_count"] == count
    assert result["printer_types"] == types
    assert result["printer_type_counts"] == {t: printer_types[t] for t in types}
    assert list(result["printer_type_counts"]) == types


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [(0, 0), (29 * 60, 0), (31 * 60, 1), (7 * 86400, 168), (100 * 60, 2)],
)
def test_uptime_hours_rounded(seconds: int, hours: int) -> None:
    counts = new_counts()
    start = day_start(PERIOD.start)
    counts.add_uptime(start, start + timedelta(seconds=seconds))
    uptime = build(counts)["usage_stats"]["uptime_hours"]
    assert type(uptime) is int
    assert uptime == hours


def test_uptime_only_inside_the_period() -> None:
    counts = new_counts()
    # Starts 2 h before the period and ends 3 h after it: 7 * 24 h counted.
    counts.add_uptime(utc(2026, 11, 15, 22), utc(2026, 11, 23, 3))
    assert build(counts)["usage_stats"]["uptime_hours"] == 7 * 24


def test_feature_usage_is_the_last_state_seen() -> None:
    counts = new_counts()
    moment = utc(2026, 11, 18, 12)
    record(counts, moment, "feature_disabled", feature="library")
    record(counts, moment, "feature_enabled", feature="library")
    record(counts, moment, "feature_enabled", feature="watch_folders")
    record(
        counts, moment + timedelta(hours=1), "feature_disabled", feature="WATCH_FOLDERS"
    )
    # Other event types with a feature label do not change the state.
    record(
        counts, moment + timedelta(hours=2), "app_start", feature="german_compliance"
    )
    record(counts, moment + timedelta(hours=2), "feature_enabled", feature="nope")
    usage = build(counts)["usage_stats"]["feature_usage"]
    assert usage == {"library": True, "watch_folders": False}
    assert list(usage) == sorted(usage)


def test_feature_usage_only_from_the_periods_days() -> None:
    """A state seen before the period (before consent) is not the period's."""
    counts = new_counts()
    period_start = utc(2026, 11, 16)
    record(
        counts, period_start - timedelta(days=30), "feature_enabled", feature="library"
    )
    record(
        counts,
        period_start - timedelta(seconds=1),
        "feature_enabled",
        feature="timelapse",
    )
    record(counts, period_start, "feature_disabled", feature="watch_folders")
    # And after it: the next period's.
    record(counts, utc(2026, 11, 23), "feature_disabled", feature="library")
    assert build(counts)["usage_stats"]["feature_usage"] == {"watch_folders": False}


def test_duration_buckets_only_from_completed_jobs() -> None:
    counts = new_counts()
    moment = utc(2026, 11, 18, 12)
    minutes = {0: "<15m", 15: "15-60m", 60: "1-3h", 180: "3-8h", 480: "8-24h"}
    for value in [*minutes, 1440, 99999, "1440"]:
        record(counts, moment, "job_completed", duration_minutes=value)
    for event_type in EVENT_TYPES - {"job_completed"}:
        record(counts, moment, event_type, duration_minutes=30)
    # Refused values: the job still counts, its duration does not.
    for value in (-1, "soon", True, float("nan")):
        record(counts, moment, "job_completed", duration_minutes=value)
    stats = build(counts)["usage_stats"]
    assert stats["job_duration_buckets"] == {
        "<15m": 1,
        "15-60m": 1,
        "1-3h": 1,
        "3-8h": 1,
        "8-24h": 1,
        ">24h": 3,
    }
    assert list(stats["job_duration_buckets"]) == list(DURATION_BUCKETS)
    assert stats["jobs_completed"] == 12
    assert stats["job_count"] == 12 + 1
    assert stats["jobs_failed"] == 1


def test_job_count_is_completed_plus_failed() -> None:
    counts = new_counts()
    for day in range(7):
        moment = day_start(PERIOD.start + timedelta(days=day)) + timedelta(hours=day)
        for _ in range(day):
            record(counts, moment, "job_completed")
        for _ in range(2 * day):
            record(counts, moment, "job_failed")
        record(counts, moment, "job_created")
    stats = build(counts)["usage_stats"]
    assert stats["jobs_completed"] == 21
    assert stats["jobs_failed"] == 42
    assert stats["job_count"] == 63
    assert stats["jobs_created"] == 7


def test_only_days_inside_the_period_are_counted() -> None:
    counts = new_counts()
    for offset in range(-3, 10):
        moment = day_start(PERIOD.start + timedelta(days=offset))
        for _ in range(offset + 4):  # a different number each day
            record(counts, moment + timedelta(hours=12), "file_uploaded")
            record(
                counts, moment + timedelta(hours=12), "error_occurred", error_type="E"
            )
    inside = sum(offset + 4 for offset in range(7))
    payload = build(counts)
    assert payload["usage_stats"]["upload_count"] == inside
    assert payload["error_summary"] == {"e": inside}


def test_error_summary_top_15_and_other() -> None:
    # 20 types with distinct counts 1..20: the top 15 stay, 5 + 4 + ... + 1 is "other".
    payload = errors_payload({kind(n): n + 1 for n in range(20)})
    summary = payload["error_summary"]
    assert len(summary) == MAX_ERROR_TYPES == 16
    assert summary[OTHER_ERRORS] == 1 + 2 + 3 + 4 + 5
    assert summary == {
        **{kind(n): n + 1 for n in range(5, 20)},
        "other": 15,
    }
    assert sum(summary.values()) == sum(range(1, 21))
    validate_payload(payload)


def test_error_summary_ties_are_broken_by_name() -> None:
    payload = errors_payload({kind(n): 1 for n in reversed(range(17))})
    summary = payload["error_summary"]
    assert summary == {
        **{kind(n): 1 for n in range(15)},
        "other": 2,
    }


def test_error_summary_exactly_16_types_needs_no_other() -> None:
    types = {kind(n): n + 1 for n in range(16)}
    summary = errors_payload(types)["error_summary"]
    assert len(summary) == 16
    assert OTHER_ERRORS not in summary
    assert sum(summary.values()) == sum(types.values())


def test_per_day_overflow_label_is_folded_into_other() -> None:
    # 20 distinct types on one day: the counts keep 16 and "__other__" for the rest.
    counts = new_counts()
    moment = utc(2026, 11, 18, 12)
    for n in range(20):
        record(counts, moment, "error_occurred", error_type=kind(n))
    day = counts.days["2026-11-18"].labels["error_occurred"]["error_type"]
    assert day[OTHER_LABEL] == 4
    summary = build(counts)["error_summary"]
    assert OTHER_LABEL not in summary
    assert len(summary) == 16
    assert summary[OTHER_ERRORS] == 5  # four overflowed plus the 16th kept type
    assert sum(summary.values()) == 20


def test_one_overflowed_type_on_a_day_still_caps_at_16() -> None:
    # 17 types on one day: 16 kept plus one "__other__"; then 15 + "other".
    counts = new_counts()
    for n in range(17):
        record(counts, utc(2026, 11, 17), "error_occurred", error_type=kind(n))
    summary = build(counts)["error_summary"]
    assert summary == {**{kind(n): 1 for n in range(15)}, "other": 2}
    assert len(summary) == 16


def test_error_type_named_other_joins_other() -> None:
    payload = errors_payload({"Other": 3, "Timeout": 1})
    assert payload["error_summary"] == {"other": 3, "timeout": 1}
    validate_payload(payload)


def test_errors_spread_over_days_are_summed() -> None:
    payload = errors_payload({"ConnectionTimeout": 14, "BedLeveling": 3})
    assert payload["error_summary"] == {"bed_leveling": 3, "connection_timeout": 14}


# --- validate_payload


def valid() -> dict[str, Any]:
    counts = fill_week(UTC)
    return build(counts)


def test_valid_payload_returns_serialized_bytes() -> None:
    payload = valid()
    body = validate_payload(payload)
    assert isinstance(body, bytes)
    assert body == serialize(payload)
    assert body == json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    assert b" " not in body.replace(b"Home Assistant OS", b"")
    assert b"\n" not in body
    assert json.loads(body) == payload
    assert list(json.loads(body)) == sorted(payload)
    assert body.startswith(b'{"consent_version":1,"error_summary":')


def test_serialize_is_stable_for_equal_payloads() -> None:
    payload = valid()
    shuffled = dict(reversed(list(copy.deepcopy(payload).items())))
    assert serialize(shuffled) == serialize(payload)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 22), date(2026, 11, 23)),
        (date(2026, 10, 26), date(2026, 11, 23)),
    ],
)
def test_period_of_1_and_28_days_is_valid(start: date, end: date) -> None:
    payload = build(period=Period(start, end))
    assert validate_payload(payload) == serialize(payload)


def test_z_suffix_is_accepted_as_utc() -> None:
    payload = valid()
    payload["submission_timestamp"] = "2026-11-23T00:00:00Z"
    assert validate_payload(payload) == serialize(payload)


def _keys(path: str | tuple[str, ...]) -> tuple[str, ...]:
    return tuple(path.split(".")) if isinstance(path, str) else path


def _set(path: str | tuple[str, ...], value: Any) -> Any:
    def change(payload: dict[str, Any]) -> None:
        *parents, key = _keys(path)
        target = payload
        for parent in parents:
            target = target[parent]
        target[key] = value

    return change


def _delete(path: str) -> Any:
    def change(payload: dict[str, Any]) -> None:
        *parents, key = _keys(path)
        target = payload
        for parent in parents:
            target = target[parent]
        del target[key]

    return change


def _period(start: str, end: str, days: int) -> Any:
    return _set("period", {"start": start, "end": end, "duration_days": days})


UUID1 = str(uuid.UUID("6f1c2a9e-3b4d-1c5e-8f7a-9b0c1d2e3f40"))
NOT_RFC_VARIANT = "6f1c2a9e-3b4d-4c5e-0f7a-9b0c1d2e3f40"
MIDNIGHT = "2026-11-23T00:00:00+00:00"
SEVENTEEN = {f"error_{n}": 1 for n in range(17)}
REJECTED = {
    # default deny: keys
    "extra top-level key": _set("extra", 1),
    "extra installation key": _set("installation.hostname", "printer-1"),
    "extra usage key": _set("usage_stats.ip", "10.0.0.1"),
    "extra period key": _set("period.timezone", "Europe/Berlin"),
    "extra fleet key": _set("printer_fleet.names", []),
    "missing top-level key": _delete("error_summary"),
    "missing installation key": _delete("installation.country_code"),
    "missing usage key": _delete("usage_stats.job_count"),
    "missing period key": _delete("period.duration_days"),
    "installation not an object": _set("installation", [INSTALLATION_ID]),
    "usage not an object": _set("usage_stats", None),
    # types and ranges of counts
    "bool consent_version": _set("consent_version", True),
    "negative consent_version": _set("consent_version", -1),
    "float consent_version": _set("consent_version", 1.0),
    "str consent_version": _set("consent_version", "1"),
    "huge count": _set("usage_stats.job_count", 10**9 + 1),
    "bool job_count": _set("usage_stats.job_count", False),
    "negative file_count": _set("usage_stats.file_count", -3),
    "float uptime_hours": _set("usage_stats.uptime_hours", 7.0),
    "none upload_count": _set("usage_stats.upload_count", None),
    "bool printer_count": _set("printer_fleet.printer_count", True),
    "float type count": _set("printer_fleet.printer_type_counts.prusa", 2.0),
    "negative type count": _set("printer_fleet.printer_type_counts.prusa", -2),
    "bool error count": _set("error_summary.timeout", True),
    "float bucket count": _set("usage_stats.job_duration_buckets.1-3h", 1.5),
    "bool duration_days": _set("period.duration_days", True),
    "float duration_days": _set("period.duration_days", 7.0),
    "int feature flag": _set("usage_stats.feature_usage.library", 1),
    "str feature flag": _set("usage_stats.feature_usage.library", "true"),
    "feature_usage a list": _set("usage_stats.feature_usage", ["library"]),
    "error_summary a list": _set("error_summary", [["timeout", 2]]),
    "printer_types a dict": _set("printer_fleet.printer_types", {"prusa": 1}),
    # installation_id
    "id not a uuid": _set("installation.installation_id", "not-a-uuid"),
    "id empty": _set("installation.installation_id", ""),
    "id an int": _set("installation.installation_id", 4),
    "id a UUID object": _set(
        "installation.installation_id", uuid.UUID(INSTALLATION_ID)
    ),
    "id version 1": _set("installation.installation_id", UUID1),
    "id not RFC variant": _set("installation.installation_id", NOT_RFC_VARIANT),
    "id upper case": _set("installation.installation_id", INSTALLATION_ID.upper()),
    "id in braces": _set("installation.installation_id", f"{{{INSTALLATION_ID}}}"),
    "id as urn": _set("installation.installation_id", f"urn:uuid:{INSTALLATION_ID}"),
    "id without dashes": _set(
        "installation.installation_id", INSTALLATION_ID.replace("-", "")
    ),
    # timestamps
    "submission at 01:00": _set("submission_timestamp", "2026-11-23T01:00:00+00:00"),
    "submission with seconds": _set("submission_timestamp", "2026-11-23T00:00:01Z"),
    "submission microseconds": _set(
        "submission_timestamp", "2026-11-23T00:00:00.000001+00:00"
    ),
    "submission +01:00": _set("submission_timestamp", "2026-11-23T00:00:00+01:00"),
    "submission -05:00": _set("submission_timestamp", "2026-11-23T00:00:00-05:00"),
    "submission naive": _set("submission_timestamp", "2026-11-23T00:00:00"),
    "submission date only": _set("submission_timestamp", "2026-11-23"),
    "submission text": _set("submission_timestamp", "yesterday"),
    "submission epoch": _set("submission_timestamp", 1795392000),
    "submission datetime": _set("submission_timestamp", utc(2026, 11, 23)),
    "first_seen at noon": _set("installation.first_seen", "2026-11-01T12:00:00+00:00"),
    "first_seen +02:00": _set("installation.first_seen", "2026-11-01T00:00:00+02:00"),
    "period start not midnight": _period("2026-11-16T06:00:00+00:00", MIDNIGHT, 7),
    "period end +01:00": _period(
        "2026-11-16T00:00:00+00:00", "2026-11-23T00:00:00+01:00", 7
    ),
    # country and other fact patterns
    "country lower case": _set("installation.country_code", "de"),
    "country 3 letters": _set("installation.country_code", "DEU"),
    "country 1 letter": _set("installation.country_code", "D"),
    "country empty": _set("installation.country_code", ""),
    "country none": _set("installation.country_code", None),
    "country non-ascii": _set("installation.country_code", "ÄÖ"),
    "country with newline": _set("installation.country_code", "DE\n"),
    "python 2": _set("installation.python_version", "2.7"),
    "python full": _set("installation.python_version", "3.13.0"),
    "platform upper case": _set("installation.platform", "Linux"),
    "app_version space": _set("installation.app_version", "0.1 beta"),
    "integration_version space": _set("installation.integration_version", "0.4 b"),
    "ha_version too long": _set("installation.ha_version", "1" * 33),
    "installation_type too long": _set("installation.installation_type", "a" * 49),
    "installation_type empty": _set("installation.installation_type", ""),
    "deployment_mode docker": _set("installation.deployment_mode", "docker"),
    "schema_version 1.1": _set("schema_version", "1.1"),
    "schema_version float": _set("schema_version", 1.0),
    # enums
    "unknown printer type": lambda p: p["printer_fleet"].update(
        {"printer_types": ["makerbot"], "printer_type_counts": {"makerbot": 1}}
    ),
    "printer alias not mapped": lambda p: p["printer_fleet"].update(
        {"printer_types": ["prusa_core"], "printer_type_counts": {"prusa_core": 1}}
    ),
    "unknown feature": _set("usage_stats.feature_usage.telemetry", True),
    "feature upper case": _set("usage_stats.feature_usage.Library", True),
    "unknown duration bucket": _set("usage_stats.job_duration_buckets.2-3h", 1),
    "file size bucket as duration": _set("usage_stats.job_duration_buckets.1-10", 1),
    # error keys
    "error key with space": _set("error_summary.Connection Timeout", 1),
    "error key upper case": _set("error_summary.Timeout", 1),
    "error key e-mail": _set(("error_summary", PII), 1),
    "error key with dash": _set("error_summary.bed-leveling", 1),
    "error key too long": _set("error_summary." + "a" * (ERROR_TYPE_MAX_LENGTH + 1), 1),
    "error key empty": _set("error_summary.", 1),
    "error key Other": _set("error_summary.Other", 1),
    "17 error types": _set("error_summary", SEVENTEEN),
    # cross-field rules
    "types missing one": _set("printer_fleet.printer_types", ["bambu_lab", "other"]),
    "types unsorted": _set(
        "printer_fleet.printer_types", ["prusa", "other", "bambu_lab"]
    ),
    "types duplicated": _set(
        "printer_fleet.printer_types", ["bambu_lab", "other", "prusa", "prusa"]
    ),
    "types extra": _set(
        "printer_fleet.printer_types", ["bambu_lab", "klipper", "other", "prusa"]
    ),
    "duration_days 6 for 7": _set("period.duration_days", 6),
    "duration_days 8 for 7": _set("period.duration_days", 8),
    "empty period": _period(MIDNIGHT, MIDNIGHT, 0),
    "29 days": _period("2026-10-25T00:00:00+00:00", MIDNIGHT, 29),
    "negative period": _period(MIDNIGHT, "2026-11-16T00:00:00+00:00", -7),
    "negative period with 7": _period(MIDNIGHT, "2026-11-16T00:00:00+00:00", 7),
}


@pytest.mark.parametrize("change", REJECTED.values(), ids=list(REJECTED))
def test_rule_violations_are_rejected(change: Any) -> None:
    payload = valid()
    validate_payload(payload)  # valid before the change
    change(payload)
    with pytest.raises(PayloadRejectedError):
        validate_payload(payload)


@pytest.mark.parametrize("report", [[], None, "{}", [("schema_version", "1.0")]])
def test_a_report_that_is_not_an_object_is_rejected(report: Any) -> None:
    with pytest.raises(PayloadRejectedError, match="not an object"):
        validate_payload(report)


@pytest.mark.parametrize(
    "value",
    [[["prusa"]], [{"prusa": 1}], [["bambu_lab", "other", "prusa"]]],
)
def test_unhashable_printer_type_is_rejected(value: list[Any]) -> None:
    payload = valid()
    payload["printer_fleet"]["printer_types"] = value
    with pytest.raises(PayloadRejectedError):
        validate_payload(payload)


FACT_PATHS = [
    "installation.country_code",
    "installation.installation_id",
    "installation.app_version",
    "installation.integration_version",
    "installation.ha_version",
    "installation.platform",
    "installation.python_version",
    "installation.installation_type",
    "installation.first_seen",
    "installation.deployment_mode",
    "submission_timestamp",
    "schema_version",
    "period.start",
]
IP = "192.168.1.20"
# The version and installation type patterns accept dotted digits: these facts
# come from our code, from HA and from Printernizer's release number (digits
# and dots only, see printernizer.release_of), never from the person.
DOTTED_OK = {
    "installation.app_version",
    "installation.integration_version",
    "installation.ha_version",
    "installation.installation_type",
}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (path, value)
        for path in FACT_PATHS
        for value in (PII, IP, "/home/john/benchy.gcode")
        if not (value == IP and path in DOTTED_OK)
    ],
)
def test_rejection_message_never_contains_the_value(path: str, value: str) -> None:
    payload = valid()
    _set(path, value)(payload)
    with pytest.raises(PayloadRejectedError) as err:
        validate_payload(payload)
    message = str(err.value)
    assert message
    assert value not in message
    assert "john" not in message
    assert "192.168" not in message
    assert "benchy" not in message


@pytest.mark.parametrize(
    "change",
    [
        _set(("error_summary", PII), 1),
        _set(("usage_stats", "feature_usage", PII), True),
        _set(("usage_stats", "job_duration_buckets", PII), 1),
        lambda p: p["printer_fleet"].update(
            {"printer_types": [PII], "printer_type_counts": {PII: 1}}
        ),
        _set("printer_fleet.printer_types", [PII]),
        _set("error_summary.timeout", PII),
        _set("usage_stats.feature_usage.library", PII),
        _set("usage_stats.job_count", PII),
        _set("consent_version", PII),
    ],
)
def test_rejection_message_never_contains_a_key_or_value_in_a_mapping(
    change: Any,
) -> None:
    payload = valid()
    change(payload)
    with pytest.raises(PayloadRejectedError) as err:
        validate_payload(payload)
    assert PII not in str(err.value)
    assert "john" not in str(err.value)


def test_unknown_key_message_names_the_place() -> None:
    payload = valid()
    payload["installation"]["hostname"] = "x"
    with pytest.raises(PayloadRejectedError, match="installation") as err:
        validate_payload(payload)
    assert "hostname" in str(err.value)


def test_size_cap_is_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    payload = valid()
    body = validate_payload(payload)
    assert MAX_PAYLOAD_BYTES == 10 * 1024
    monkeypatch.setattr(payload_module, "MAX_PAYLOAD_BYTES", len(body))
    assert validate_payload(payload) == body  # exactly at the cap is fine
    monkeypatch.setattr(payload_module, "MAX_PAYLOAD_BYTES", len(body) - 1)
    with pytest.raises(PayloadRejectedError, match="10 KB"):
        validate_payload(payload)
    monkeypatch.setattr(payload_module, "MAX_PAYLOAD_BYTES", 100)
    with pytest.raises(PayloadRejectedError, match="10 KB"):
        validate_payload(payload)


def test_largest_valid_report_fits_in_10_kb() -> None:
    """Every field at its longest still fits: the cap is a backstop, not a limit."""
    facts = InstallationFacts(
        installation_id=INSTALLATION_ID,
        first_seen=FIRST_SEEN,
        app_version="9" * 32,
        integration_version="9" * 32,
        python_version="3.99",
        platform="p" * 32,
        ha_version="1" * 32,
        installation_type="T" * 48,
        country_code="DE",
    )
    payload = build(
        facts=facts,
        period=Period(date(2026, 10, 26), date(2026, 11, 23)),
        printer_types=dict.fromkeys(PRINTER_TYPES, 10**9),
        consent_version=10**9,
    )
    big = 10**9
    payload["printer_fleet"]["printer_count"] = big
    payload["usage_stats"] = {
        key: ({} if isinstance(value, dict) else big)
        for key, value in payload["usage_stats"].items()
    }
    payload["usage_stats"]["feature_usage"] = dict.fromkeys(sorted(FEATURES), True)
    payload["usage_stats"]["job_duration_buckets"] = dict.fromkeys(
        DURATION_BUCKETS, big
    )
    payload["error_summary"] = {
        f"{n:02d}" + "e" * (ERROR_TYPE_MAX_LENGTH - 2): big for n in range(16)
    }
    body = validate_payload(payload)
    assert len(body) < MAX_PAYLOAD_BYTES / 2


# --- validate_endpoint


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://stats.printernizer.com", "https://stats.printernizer.com"),
        ("https://stats.printernizer.com/", "https://stats.printernizer.com"),
        ("https://stats.printernizer.com///", "https://stats.printernizer.com"),
        ("  https://stats.printernizer.com/ \n", "https://stats.printernizer.com"),
        ("https://example.com:8443/api/v1/", "https://example.com:8443/api/v1"),
        ("https://10.0.0.5", "https://10.0.0.5"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_https_endpoint_is_accepted(url: str, expected: str) -> None:
    assert validate_endpoint(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://stats.printernizer.com",
        "HTTP://stats.printernizer.com",
        "stats.printernizer.com",
        "//stats.printernizer.com",
        "ftp://stats.printernizer.com",
        "ws://stats.printernizer.com",
        "https://user@stats.printernizer.com",
        "https://user:secret@stats.printernizer.com",
        "https://stats.printernizer.com?key=1",
        "https://stats.printernizer.com/?x",
        "https://stats.printernizer.com#part",
        "https://",
        "https:///submit",
        "https://[",
        "https://[::1",
        "",
        "   ",
        "https:stats.printernizer.com",
    ],
)
def test_other_endpoints_are_refused(url: str) -> None:
    with pytest.raises(PayloadRejectedError) as err:
        validate_endpoint(url)
    assert "secret" not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        # The password would be sent as Basic auth; the user@host rule only
        # looks at the (empty) user name.
        "https://:secret@stats.printernizer.com",
        "https://@stats.printernizer.com",
        # An empty query or fragment passes, and "/submit" appended to it is
        # no longer a path: the POST goes to https://host/ with query "/submit".
        "https://stats.printernizer.com?",
        "https://stats.printernizer.com#",
        # An out-of-range port is kept, so every later request fails.
        "https://stats.printernizer.com:99999",
    ],
)
def test_endpoint_loopholes_are_refused(url: str) -> None:
    with pytest.raises(PayloadRejectedError):
        validate_endpoint(url)


# --- properties

START = date(2026, 10, 1)
# Distinct error class names, sanitized once (sanitize_event is pure).
BULK_ERRORS = [
    sanitize_event("error_occurred", {"error_type": f"BulkError{n}Kind"})
    for n in range(3000)
]


def test_bulk_error_names_are_distinct_slugs() -> None:
    labels = {event.labels for event in BULK_ERRORS}
    assert len(labels) == 3000
    assert all(len(label) == 1 for label in labels)
    assert BULK_ERRORS[2999].labels == (("error_type", "bulk_error2999_kind"),)


def emails() -> st.SearchStrategy[str]:
    return st.emails()


def ip_addresses() -> st.SearchStrategy[str]:
    return st.ip_addresses().map(str)


def paths() -> st.SearchStrategy[str]:
    segment = st.from_regex(r"[A-Za-z0-9_ -]{1,12}", fullmatch=True)
    return st.one_of(
        st.lists(segment, min_size=1, max_size=4).map(lambda p: "/" + "/".join(p)),
        st.lists(segment, min_size=1, max_size=4).map(
            lambda p: "C:\\Users\\" + "\\".join(p)
        ),
        segment.map(lambda s: f"~/{s}"),
    )


def file_names() -> st.SearchStrategy[str]:
    return st.from_regex(
        r"[A-Za-z0-9_ -]{1,20}\.(gcode|bgcode|3mf|stl|obj|txt|log)", fullmatch=True
    )


def serials() -> st.SearchStrategy[str]:
    return st.from_regex(r"[0-9A-F]{12,16}", fullmatch=True)


def pii_values() -> st.SearchStrategy[str]:
    return st.one_of(emails(), ip_addresses(), paths(), file_names(), serials())


def raw_values() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.text(max_size=40),
        pii_values(),
        st.sampled_from(
            sorted(PRINTER_TYPES | FEATURES | {"Prusa_Core", " Klipper ", "LIBRARY"})
        ),
        st.from_regex(r"[A-Z][a-z]{2,10}([A-Z][a-z]{2,10}){0,3}", fullmatch=True),
        st.integers(-10, 10**6),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
        st.none(),
        st.integers(0, 3000).map(str),
    )


metadata = st.dictionaries(
    st.one_of(st.sampled_from(sorted(METADATA_RULES)), st.text(max_size=10)),
    raw_values(),
    max_size=6,
)
events = st.lists(
    st.tuples(
        st.integers(-2, MAX_PERIOD_DAYS + 1),  # day offset from the period start
        st.integers(0, 86399),  # second of that day
        st.sampled_from(sorted(EVENT_TYPES)),
        metadata,
    ),
    max_size=60,
)


def _strings(value: Any) -> set[str]:
    """Every string in a JSON document, keys and values."""
    if isinstance(value, dict):
        return set(value).union(*(_strings(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(_strings(item) for item in value))
    return {value} if isinstance(value, str) else set()


@settings(max_examples=200, deadline=None)
@given(
    period_days=st.integers(1, MAX_PERIOD_DAYS),
    tz=st.sampled_from(ZONES),
    recorded=events,
    bulk_types=st.integers(0, 3000),
    bulk_extra=st.integers(0, 2000),
    seed=st.integers(0, 2**32),
    features=st.lists(
        st.tuples(st.sampled_from(sorted(FEATURES)), st.booleans()), max_size=20
    ),
    printer_types=st.dictionaries(
        st.sampled_from(sorted(PRINTER_TYPES)), st.integers(0, 1000)
    ),
    uptime=st.lists(
        st.tuples(st.integers(-2, 30), st.integers(0, 3 * 86400)), max_size=8
    ),
    country=st.none() | st.text(max_size=3),
    consent_version=st.integers(0, 10**6),
)
def test_any_recorded_activity_gives_a_valid_report(
    period_days: int,
    tz: tzinfo,
    recorded: list[tuple[int, int, str, dict[Any, Any]]],
    bulk_types: int,
    bulk_extra: int,
    seed: int,
    features: list[tuple[str, bool]],
    printer_types: dict[str, int],
    uptime: list[tuple[int, int]],
    country: str | None,
    consent_version: int,
) -> None:
    period = Period(START, START + timedelta(days=period_days))
    counts = UsageCounts(tz=tz, first_seen=START - timedelta(days=3))
    expected_errors = 0
    expected_jobs = 0
    expected_features: dict[str, bool] = {}

    def inside(moment: datetime) -> bool:
        return period.start <= moment.date() < period.end

    for offset, second, event_type, data in recorded:
        moment = day_start(START + timedelta(days=offset)) + timedelta(seconds=second)
        event = sanitize_event(event_type, data)
        counts.record(event, moment.astimezone(tz))
        if inside(moment):
            expected_jobs += event_type in {"job_completed", "job_failed"}
            expected_errors += event_type == "error_occurred" and any(
                name == "error_type" for name, _ in event.labels
            )
        if event_type in {"feature_enabled", "feature_disabled"}:
            for name, value in event.labels:
                if name == "feature":
                    expected_features[value] = event_type == "feature_enabled"
    # Thousands of distinct error types, some of them repeated, on random days
    # (a seeded generator: drawing each choice from hypothesis would be slow).
    rng = random.Random(seed)  # noqa: S311 - test data, not cryptography
    picks = list(range(bulk_types)) + [
        rng.randrange(bulk_types) for _ in range(bulk_extra if bulk_types else 0)
    ]
    for n in picks:
        moment = day_start(START + timedelta(days=rng.randrange(-1, period_days + 1)))
        counts.record(BULK_ERRORS[n], moment + timedelta(hours=12))
        expected_errors += inside(moment)
    for n, (feature, state) in enumerate(features):
        event_type = "feature_enabled" if state else "feature_disabled"
        moment = day_start(START) + timedelta(minutes=n)
        counts.record(sanitize_event(event_type, {"feature": feature}), moment)
        expected_features[feature] = state
    for offset, seconds in uptime:
        begin = day_start(START + timedelta(days=offset))
        counts.add_uptime(begin, begin + timedelta(seconds=seconds))
    facts = dataclasses.replace(FACTS, country_code=country)

    payload = build_payload(counts, facts, period, printer_types, consent_version)
    body = validate_payload(payload)

    assert body == serialize(payload)
    assert len(body) <= 10 * 1024
    assert len(payload["error_summary"]) <= MAX_ERROR_TYPES
    assert sum(payload["error_summary"].values()) == expected_errors
    assert payload["usage_stats"]["job_count"] == expected_jobs
    assert payload["period"]["duration_days"] == period_days
    feature_usage = payload["usage_stats"]["feature_usage"]
    assert feature_usage == expected_features
    assert list(feature_usage) == sorted(feature_usage)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(max_size=30), max_size=8),
    pii=st.lists(pii_values(), min_size=1, max_size=8),
    names=st.lists(
        st.from_regex(r"[A-Z][a-z]{1,8}( [A-Z][a-z]{1,8})?", fullmatch=True),
        max_size=3,
    ),
    tz=st.sampled_from(ZONES),
)
def test_no_raw_metadata_string_reaches_the_report(
    texts: list[str], pii: list[str], names: list[str], tz: tzinfo
) -> None:
    raw = [*texts, *pii, *names]
    counts = UsageCounts(tz=tz, first_seen=START)
    for n, value in enumerate(raw):
        # Few values per day, so that the per-day label cap hides none of them.
        moment = day_start(START + timedelta(days=n % 7)) + timedelta(hours=12)
        for event_type in sorted(EVENT_TYPES):
            # The value under every metadata key, and as a key of its own.
            counts.record(
                sanitize_event(event_type, dict.fromkeys(METADATA_RULES, value)),
                moment.astimezone(tz),
            )
            counts.record(sanitize_event(event_type, {value: value}), moment)
    period = Period(START, START + timedelta(days=7))
    payload = build_payload(counts, FACTS, period, FLEET, 1)
    body = validate_payload(payload)
    text = body.decode()
    in_body = _strings(json.loads(body))
    # Strings that come from our code rather than from metadata.
    structure = _strings(build_payload(new_counts(), FACTS, period, FLEET, 1))
    allowed = (
        structure | PRINTER_TYPES | FEATURES | set(DURATION_BUCKETS) | {OTHER_ERRORS}
    )
    for value in raw:
        if value in in_body:
            assert value in allowed or value == to_slug(value, ERROR_TYPE_MAX_LENGTH)
    for value in pii:
        # Not as a string of its own, and not even inside another string.
        assert value not in in_body
        assert value not in text
    # Nothing but slugs in the error summary, and only from what was recorded.
    slugs = {to_slug(value, ERROR_TYPE_MAX_LENGTH) for value in raw}
    assert set(payload["error_summary"]) <= slugs | {OTHER_ERRORS}


def test_privacy_check_would_notice_a_leak() -> None:
    """The property above can fail: a raw value placed in the report is seen."""
    payload = valid()
    payload["error_summary"] = {"john_smith": 1}
    in_body = _strings(json.loads(serialize(payload)))
    assert "john_smith" in in_body
    assert "JohnSmith" not in in_body
    assert to_slug("JohnSmith", ERROR_TYPE_MAX_LENGTH) == "john_smith"
    assert to_slug(PII, ERROR_TYPE_MAX_LENGTH) is None
