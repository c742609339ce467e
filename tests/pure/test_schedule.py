"""The schedule in core/schedule.py: when the integration sends, and what it keeps.

Backoff, Retry-After, the rate limit, clock jumps, the report's period and time,
the next wakeup, consent changes and the stored state.

These tests need no `hass`; every function there takes "now", so each test sets
the clock it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import format_datetime
import json
from typing import Any
import uuid

from hypothesis import event, given, settings, strategies as st
import pytest

from custom_components.printernizer_usage.core.allowlist import (
    SanitizedEvent,
    sanitize_event,
)
from custom_components.printernizer_usage.core.counts import UsageCounts, utc_day
from custom_components.printernizer_usage.core.deletions import (
    Deletion,
    DeletionQueue,
)
from custom_components.printernizer_usage.core.installation import (
    Destination,
    Installation,
)
from custom_components.printernizer_usage.core.outbox import (
    Outbox,
)
from custom_components.printernizer_usage.core.payload import (
    MAX_PERIOD_DAYS,
    MIN_PERIOD_DAYS,
    InstallationFacts,
    Period,
    build_payload,
    day_start,
    midnight_utc,
    serialize,
)
from custom_components.printernizer_usage.core.schedule import (
    FIRST_BACKOFF,
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    MAX_SEND_OFFSET,
    MIN_REQUEST_INTERVAL,
    SubmissionState,
    backoff,
    retry_after,
    retry_at,
)

from .sending import (
    BERLIN,
    CONSENT_START,
    DESTINATION,
    ENDPOINT,
    HOUR,
    INSTALLATION_ID,
    LEGACY,
    NOW,
    OTHER_DESTINATION,
    OTHER_ENDPOINT,
    OTHER_ID,
    full_state,
    new_outbox,
    seeded,
    utc,
)

# --- backoff, Retry-After and retry_at


@pytest.mark.parametrize(
    ("attempts", "hours"),
    [(0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 24), (7, 24), (12, 24)],
)
def test_backoff_doubles_up_to_a_day(attempts: int, hours: int) -> None:
    assert backoff(attempts) == timedelta(hours=hours)


@given(st.integers(min_value=0, max_value=34))
def test_backoff_is_monotonic_and_capped(attempts: int) -> None:
    wait = backoff(attempts)
    assert FIRST_BACKOFF <= wait <= backoff(attempts + 1) <= MAX_BACKOFF


@pytest.mark.parametrize("attempts", [36, 100])
def test_backoff_stays_capped_for_many_attempts(attempts: int) -> None:
    assert backoff(attempts) == MAX_BACKOFF


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, timedelta(0)),
        ("", timedelta(0)),
        ("0", timedelta(0)),
        ("120", timedelta(seconds=120)),
        (" 3600 ", HOUR),
        # An HTTP date, one hour and a half from NOW.
        ("Wed, 25 Nov 2026 12:00:00 GMT", timedelta(hours=1, minutes=30)),
        # An HTTP date in the past asks for no wait at all.
        ("Wed, 25 Nov 2026 09:00:00 GMT", timedelta(0)),
    ],
)
def test_retry_after(header: str | None, expected: timedelta) -> None:
    assert retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    "header",
    [
        "soon",
        "-5",
        "-3600",
        "1.5",
        "0x10",
        "1e3",
        "Wed, 32 Nov 2026 12:00:00 GMT",
        "Wed, 25 Nov 2026 25:00:00 GMT",
        # A date without a zone cannot be compared with an aware "now".
        "Wed, 25 Nov 2026 12:00:00 -0000",
    ],
)
def test_retry_after_ignores_garbage_and_negative_values(header: str) -> None:
    assert retry_after(header, NOW) == timedelta(0)


@pytest.mark.parametrize(
    "header",
    [
        str(int(MAX_RETRY_AFTER.total_seconds()) + 1),
        "99999999999",
        "Fri, 01 Jan 2100 00:00:00 GMT",
    ],
)
def test_retry_after_is_capped(header: str) -> None:
    assert retry_after(header, NOW) == MAX_RETRY_AFTER


@pytest.mark.parametrize("header", ["²", "1" * 30, "99999999999999"])
def test_retry_after_never_raises_on_odd_digits(header: str) -> None:
    assert timedelta(0) <= retry_after(header, NOW) <= MAX_RETRY_AFTER


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # More digits than Python's int() reads (4,300): still a number.
        ("9" * 5000, MAX_RETRY_AFTER),
        ("0" * 5000 + "120", timedelta(seconds=120)),
        ("0" * 5000, timedelta(0)),
    ],
)
def test_retry_after_reads_numbers_of_any_length(
    header: str, expected: timedelta
) -> None:
    assert retry_after(header, NOW) == expected


@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789 ", min_size=4000, max_size=6000),
        st.builds(
            lambda day, month, year, rest: f"{day}, {month} {year} {rest}",
            st.text(max_size=5),
            st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
            st.integers(min_value=-(10**6), max_value=10**6),
            st.text(max_size=20),
        ),
    )
)
def test_retry_after_never_raises(header: str) -> None:
    assert timedelta(0) <= retry_after(header, NOW) <= MAX_RETRY_AFTER


@given(
    st.builds(
        lambda date, field, digits: date.replace(field, digits),
        st.just("Mon, 01 Jan 2024 00:00:00 +0000"),
        st.sampled_from(["01", "2024", "00:00:00", "+0000"]),
        st.from_regex(r"\A[+-]?[0-9]{1,40}\Z"),
    )
)
def test_retry_after_never_raises_on_huge_date_fields(header: str) -> None:
    # A zone, year or time too large for a C integer raised OverflowError.
    assert timedelta(0) <= retry_after(header, NOW) <= MAX_RETRY_AFTER


@given(st.integers(min_value=0, max_value=10**13))
def test_retry_after_seconds_are_capped(seconds: int) -> None:
    expected = min(timedelta(seconds=seconds), MAX_RETRY_AFTER)
    assert retry_after(str(seconds), NOW) == expected


@given(st.integers(min_value=-(10**7), max_value=10**9))
def test_retry_after_http_date_is_clamped(seconds: int) -> None:
    delta = timedelta(seconds=seconds)
    header = format_datetime(NOW + delta, usegmt=True)
    expected = min(max(delta, timedelta(0)), MAX_RETRY_AFTER)
    assert retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("attempts", "header", "expected"),
    [
        (3, None, timedelta(hours=4)),
        (3, "garbage", timedelta(hours=4)),
        # The server asks for longer than the backoff: it wins.
        (2, "36000", timedelta(hours=10)),
        # The server asks for less than the backoff: the backoff wins.
        (2, "60", timedelta(hours=2)),
        (9, str(30 * 24 * 3600), MAX_RETRY_AFTER),
    ],
)
def test_retry_at(attempts: int, header: str | None, expected: timedelta) -> None:
    assert retry_at(attempts, header, NOW) == NOW + expected


# --- the rate limit and the clock


@pytest.mark.parametrize(
    ("last_request", "expected"),
    [
        (None, NOW),
        (NOW - timedelta(minutes=30), NOW + timedelta(minutes=30)),
        (NOW - timedelta(hours=2), NOW - HOUR),
        # A request "in the future" (the clock went back): a full hour from now.
        (NOW + timedelta(hours=5), NOW + HOUR),
    ],
)
def test_request_allowed_at(last_request: datetime | None, expected: datetime) -> None:
    state = SubmissionState(last_request=last_request)
    assert state.request_allowed_at(NOW) == expected


def test_follow_clock_moves_every_planned_time_back_by_the_jump() -> None:
    state = SubmissionState(
        last_request=NOW + timedelta(hours=5),
        outbox=new_outbox(next_attempt=NOW + timedelta(hours=6)),
        deletions=DeletionQueue(
            [
                Deletion(INSTALLATION_ID, DESTINATION, 1, NOW + timedelta(hours=7)),
                Deletion(OTHER_ID, DESTINATION),
            ]
        ),
    )
    state.follow_clock(NOW)
    assert state.last_request == NOW
    assert state.outbox is not None
    assert state.outbox.next_attempt == NOW + HOUR
    assert [item.next_attempt for item in state.deletions.items] == [
        NOW + timedelta(hours=2),
        None,
    ]
    assert state.request_allowed_at(NOW) == NOW + MIN_REQUEST_INTERVAL


@pytest.mark.parametrize("last_request", [None, NOW, NOW - timedelta(hours=5)])
def test_follow_clock_ignores_a_clock_that_did_not_go_back(
    last_request: datetime | None,
) -> None:
    state = SubmissionState(
        last_request=last_request,
        outbox=new_outbox(next_attempt=NOW + timedelta(hours=6)),
        deletions=DeletionQueue(
            [Deletion(INSTALLATION_ID, DESTINATION, 1, NOW + timedelta(hours=7))]
        ),
    )
    before = state.as_dict()
    state.follow_clock(NOW)
    assert state.as_dict() == before


@pytest.mark.parametrize(
    ("ahead", "expected"),
    [(None, None), (-30, -30), (0, 0), (2, 2), (3, 2), (365, 2)],
)
def test_follow_clock_brings_back_a_period_end_in_the_future(
    ahead: int | None, expected: int | None
) -> None:
    """A clock that ran ahead and sent: the next period starts within days."""
    today = NOW.date()
    state = SubmissionState(
        last_period_end=None if ahead is None else today + timedelta(days=ahead)
    )
    state.follow_clock(NOW)
    assert state.last_period_end == (
        None if expected is None else today + timedelta(days=expected)
    )


OFFSETS = st.integers(min_value=-30 * 24 * 3600, max_value=30 * 24 * 3600)


@given(
    last_offset=OFFSETS,
    outbox_offset=st.none() | OFFSETS,
    deletion_offsets=st.lists(st.none() | OFFSETS, max_size=4),
)
def test_follow_clock_never_plans_later(
    last_offset: int, outbox_offset: int | None, deletion_offsets: list[int | None]
) -> None:
    def at(offset: int | None) -> datetime | None:
        return None if offset is None else NOW + timedelta(seconds=offset)

    state = SubmissionState(
        last_request=at(last_offset),
        outbox=new_outbox(next_attempt=at(outbox_offset)),
        deletions=DeletionQueue(
            Deletion(INSTALLATION_ID, Destination(f"{ENDPOINT}/{i}"), 1, at(offset))
            for i, offset in enumerate(deletion_offsets)
        ),
    )
    assert state.outbox is not None
    items: list[Outbox | Deletion] = [state.outbox, *state.deletions.items]
    before = [item.next_attempt for item in items]
    state.follow_clock(NOW)
    after = [item.next_attempt for item in items]
    jump = max(timedelta(seconds=last_offset), timedelta(0))
    for old, new in zip(before, after, strict=True):
        if old is None:
            assert new is None
        else:
            assert new is not None
            assert new <= old
            assert old - new == jump
    assert state.last_request == min(NOW + timedelta(seconds=last_offset), NOW)
    assert state.request_allowed_at(NOW) <= NOW + MIN_REQUEST_INTERVAL


# --- the report: its period and its time


@pytest.mark.parametrize(
    ("last_period_end", "today", "expected"),
    [
        # A new installation starts on its consent-start day.
        (None, date(2026, 11, 20), Period(CONSENT_START, date(2026, 11, 20))),
        # A report from before consent (an earlier opt-in) does not count.
        (
            date(2026, 10, 1),
            date(2026, 11, 20),
            Period(CONSENT_START, date(2026, 11, 20)),
        ),
        # The next report starts where the last one ended.
        (
            date(2026, 11, 23),
            date(2026, 11, 30),
            Period(date(2026, 11, 23), date(2026, 11, 30)),
        ),
        # After a long gap only the last MAX_PERIOD_DAYS days are reported.
        (
            date(2026, 11, 23),
            date(2027, 3, 1),
            Period(date(2027, 2, 1), date(2027, 3, 1)),
        ),
    ],
)
def test_period(last_period_end: date | None, today: date, expected: Period) -> None:
    state = SubmissionState(last_period_end=last_period_end)
    assert state.period(CONSENT_START, today) == expected


DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(
    consent_start=DAYS,
    last_period_end=st.none() | DAYS,
    days_after=st.integers(min_value=0, max_value=400),
)
def test_period_never_starts_before_consent_or_the_last_report(
    consent_start: date, last_period_end: date | None, days_after: int
) -> None:
    today = max(consent_start, last_period_end or consent_start) + timedelta(
        days=days_after
    )
    period = SubmissionState(last_period_end=last_period_end).period(
        consent_start, today
    )
    assert period.start >= consent_start
    if last_period_end is not None:
        assert period.start >= last_period_end
    assert period.end == today
    assert 0 <= period.days <= MAX_PERIOD_DAYS


def test_report_time_of_a_new_installation_is_a_week_after_consent() -> None:
    offset = 5 * 3600 + 17
    state = SubmissionState(send_offset=offset)
    now = utc(2026, 11, 18, 10)
    expected = day_start(CONSENT_START + timedelta(days=MIN_PERIOD_DAYS)) + timedelta(
        seconds=offset
    )
    assert expected == utc(2026, 11, 23, 5, 0, 17)
    assert state.report_time(CONSENT_START, now) == expected


def test_report_time_follows_the_last_period() -> None:
    state = SubmissionState(last_period_end=date(2026, 11, 23), send_offset=60)
    now = utc(2026, 11, 25, 10)
    assert state.report_time(CONSENT_START, now) == utc(2026, 11, 30, 0, 1)


def test_report_time_after_a_long_gap_is_not_in_the_future() -> None:
    state = SubmissionState(last_period_end=date(2026, 1, 5), send_offset=3600)
    assert state.report_time(date(2026, 1, 1), NOW) <= NOW


@pytest.mark.parametrize(
    "next_attempt", [NOW + timedelta(hours=3), NOW + timedelta(days=20)]
)
def test_report_time_of_an_outbox_is_its_next_attempt(next_attempt: datetime) -> None:
    state = SubmissionState(
        send_offset=7200, outbox=new_outbox(next_attempt=next_attempt)
    )
    assert state.report_time(CONSENT_START, NOW) == next_attempt


def test_report_time_of_an_outbox_without_a_planned_attempt_is_now() -> None:
    state = SubmissionState(outbox=new_outbox())
    assert state.report_time(CONSENT_START, NOW) == NOW


def test_report_time_respects_the_rate_limit() -> None:
    state = SubmissionState(
        outbox=new_outbox(), last_request=NOW - timedelta(minutes=10)
    )
    assert state.report_time(CONSENT_START, NOW) == NOW + timedelta(minutes=50)


# --- the next wakeup


def test_next_wakeup_none_without_anything_to_do() -> None:
    assert SubmissionState().next_wakeup(NOW, None) is None
    # A pending outbox is not sent without a consent-start day.
    assert SubmissionState(outbox=new_outbox()).next_wakeup(NOW, None) is None


def test_next_wakeup_none_when_auth_failed() -> None:
    state = SubmissionState(
        auth_failed=True,
        last_request=NOW - timedelta(hours=3),
        deletions=DeletionQueue([Deletion(OTHER_ID, DESTINATION)]),
    )
    assert state.next_wakeup(NOW, None) is None


def test_a_report_dated_ahead_is_dropped_when_the_clock_is_put_back() -> None:
    ahead = Period(date(2027, 11, 16), date(2027, 11, 23))
    state = SubmissionState(outbox=new_outbox(ahead, attempts=2))
    state.follow_clock(NOW)
    assert state.outbox is None
    assert state.audit.entries[-1]["status"] == "dropped: clock_corrected"
    # A report of days that have come stays.
    state = SubmissionState(outbox=new_outbox(attempts=2))
    state.follow_clock(NOW)
    assert state.outbox is not None
    assert state.audit.entries == []


def test_a_refused_key_holds_back_only_its_own_service() -> None:
    state = SubmissionState(
        auth_failed=True,
        last_request=NOW - timedelta(hours=3),
        deletions=DeletionQueue(
            [
                Deletion(OTHER_ID, DESTINATION),
                Deletion(OTHER_ID, OTHER_DESTINATION, 1, NOW + timedelta(hours=2)),
            ]
        ),
    )
    refused = DESTINATION.endpoint
    assert state.next_wakeup(NOW, None, refused) == NOW + timedelta(hours=2)
    assert state.deletions.due(NOW, skip_endpoint=refused) is None
    due = state.deletions.due(NOW + timedelta(hours=2), skip_endpoint=refused)
    assert due is not None
    assert due.destination == OTHER_DESTINATION


def test_next_wakeup_of_deletions_is_the_earliest() -> None:
    state = SubmissionState(
        deletions=DeletionQueue(
            [
                Deletion(OTHER_ID, DESTINATION, 2, NOW + timedelta(hours=5)),
                Deletion(OTHER_ID, OTHER_DESTINATION, 1, NOW + timedelta(hours=2)),
            ]
        )
    )
    assert state.next_wakeup(NOW, None) == NOW + timedelta(hours=2)
    # A deletion never tried is due now.
    state.deletions.queue(INSTALLATION_ID, DESTINATION)
    assert state.next_wakeup(NOW, None) == NOW


def test_next_wakeup_is_the_report_when_it_comes_first() -> None:
    state = SubmissionState(
        send_offset=600,
        deletions=DeletionQueue(
            [Deletion(OTHER_ID, DESTINATION, 2, utc(2026, 12, 24))]
        ),
    )
    now = utc(2026, 11, 18, 10)
    assert state.next_wakeup(now, CONSENT_START) == utc(2026, 11, 23, 0, 10)
    assert state.next_wakeup(now, None) == utc(2026, 12, 24)


def test_next_wakeup_is_a_deletion_when_it_comes_first() -> None:
    state = SubmissionState(
        deletions=DeletionQueue(
            [Deletion(OTHER_ID, DESTINATION, 2, utc(2026, 11, 19, 6))]
        )
    )
    assert state.next_wakeup(utc(2026, 11, 18, 10), CONSENT_START) == utc(
        2026, 11, 19, 6
    )


def test_next_wakeup_respects_the_rate_limit() -> None:
    state = SubmissionState(
        last_request=NOW - timedelta(minutes=15),
        outbox=new_outbox(next_attempt=NOW - HOUR),
        deletions=DeletionQueue([Deletion(OTHER_ID, DESTINATION)]),
    )
    assert state.next_wakeup(NOW, CONSENT_START) == NOW + timedelta(minutes=45)
    assert state.next_wakeup(NOW, None) == NOW + timedelta(minutes=45)


@given(
    last_offset=st.none() | OFFSETS,
    deletion_offsets=st.lists(st.none() | OFFSETS, max_size=4),
    with_report=st.booleans(),
)
def test_next_wakeup_is_never_before_the_rate_limit(
    last_offset: int | None, deletion_offsets: list[int | None], with_report: bool
) -> None:
    state = SubmissionState(
        last_request=None
        if last_offset is None
        else NOW + timedelta(seconds=last_offset),
        deletions=DeletionQueue(
            Deletion(
                OTHER_ID,
                Destination(f"{ENDPOINT}/{i}"),
                1,
                None if offset is None else NOW + timedelta(seconds=offset),
            )
            for i, offset in enumerate(deletion_offsets)
        ),
    )
    wakeup = state.next_wakeup(NOW, CONSENT_START if with_report else None)
    if not deletion_offsets and not with_report:
        assert wakeup is None
    else:
        assert wakeup is not None
        assert wakeup >= state.request_allowed_at(NOW)


# --- consent changes


def test_start_draws_an_offset_and_resets_the_report() -> None:
    state = full_state()
    deletions = state.deletions.as_list()
    audit = list(state.audit.entries)
    state.start(seeded(42))
    assert state.send_offset == seeded(42).randrange(MAX_SEND_OFFSET)
    assert state.last_period_end is None
    assert state.outbox is None
    assert state.auth_failed is False
    assert state.result is None
    # Old ids still have to be deleted; the history stays visible.
    assert state.deletions.as_list() == deletions
    assert state.audit.entries == audit


@given(st.integers())
def test_start_offset_is_within_a_day(seed: int) -> None:
    state = SubmissionState()
    state.start(seeded(seed))
    assert 0 <= state.send_offset < MAX_SEND_OFFSET


def test_start_offsets_are_spread() -> None:
    offsets = set()
    for seed in range(100):
        state = SubmissionState()
        state.start(seeded(seed))
        offsets.add(state.send_offset)
    assert len(offsets) > 90
    assert min(offsets) < MAX_SEND_OFFSET // 4
    assert max(offsets) > MAX_SEND_OFFSET * 3 // 4


def test_stop_drops_the_report_and_keeps_the_deletions() -> None:
    state = full_state()
    deletions = state.deletions.as_list()
    state.stop()
    assert state.outbox is None
    assert state.last_period_end is None
    assert state.result is None
    assert state.deletions.as_list() == deletions
    assert len(state.audit.entries) == 1
    assert state.last_submission == utc(2026, 11, 16, 3, 4, 5)
    assert state.send_offset == 12_345


def test_wipe_also_forgets_every_attempt() -> None:
    state = full_state()
    deletions = state.deletions.as_list()
    state.wipe()
    assert state.outbox is None
    assert state.last_period_end is None
    assert state.result is None
    assert state.last_submission is None
    assert state.audit.entries == []
    # The servers must still be asked to forget the old ids.
    assert state.deletions.as_list() == deletions


# --- storage of the state


def test_state_round_trip() -> None:
    state = full_state()
    data = json.loads(json.dumps(state.as_dict()))
    restored = SubmissionState.from_dict(data, legacy=LEGACY)
    assert restored.as_dict() == state.as_dict()
    assert restored.last_period_end == state.last_period_end
    assert restored.last_submission == state.last_submission
    assert restored.last_request == state.last_request
    assert restored.outbox == state.outbox
    assert [item.destination for item in restored.deletions.items] == [
        DESTINATION,
        OTHER_DESTINATION,
    ]
    assert restored.audit.entries == state.audit.entries
    assert restored.send_offset == 12_345
    assert restored.result == "ok"
    assert restored.auth_failed is True


def test_state_round_trip_of_defaults() -> None:
    data = SubmissionState().as_dict()
    assert SubmissionState.from_dict(data, legacy=LEGACY).as_dict() == data
    assert SubmissionState.from_dict({}, legacy=LEGACY).as_dict() == data


def test_state_from_legacy_deletions() -> None:
    data: dict[str, Any] = {
        "deletions": [
            {"installation_id": OTHER_ID, "attempts": 4, "next_attempt": None},
            {
                "installation_id": INSTALLATION_ID,
                "endpoint": OTHER_ENDPOINT,
                "api_key": None,
                "attempts": 0,
                "next_attempt": "2026-11-26T00:00:00+00:00",
            },
        ]
    }
    state = SubmissionState.from_dict(data, legacy=LEGACY)
    first, second = state.deletions.items
    assert first.installation_id == OTHER_ID
    assert first.destination == LEGACY
    assert first.attempts == 4
    assert first.next_attempt is None
    assert second.destination == Destination(OTHER_ENDPOINT, None)
    assert second.next_attempt == utc(2026, 11, 26)


# --- the consent window: an invariant over whole histories

# Few label values, so the per-day label cap never hides one (it would make the
# replay below differ for a reason other than a leak).
_EVENTS = [
    ("job_completed", {"printer_type": "prusa", "duration_minutes": 70}),
    ("job_failed", {"error_type": "ThermalRunaway"}),
    ("error_occurred", {"error_type": "ConnectionTimeout", "component": "octoprint"}),
    ("file_downloaded", {"file_size_mb": 12}),
    ("feature_enabled", {"feature": "library"}),
    ("feature_disabled", {"feature": "library"}),
    ("feature_enabled", {"feature": "timelapse"}),
    ("printer_connected", {"printer_type": "klipper"}),
]
_HOURS = st.integers(min_value=1, max_value=10 * 24)
_ACTION = st.one_of(
    st.tuples(st.just("advance"), _HOURS),
    # The clock is changed, forwards or back, by up to 400 days.
    st.tuples(
        st.just("jump"),
        st.integers(min_value=-400 * 24, max_value=400 * 24).filter(bool),
    ),
    st.tuples(st.just("event"), st.integers(0, len(_EVENTS) - 1)),
    st.tuples(st.just("send")),
    st.tuples(st.sampled_from(["opt_in", "opt_out", "restart", "hourly"])),
)
# A history before the first opt-in, the opt-in, and what follows.
_HISTORIES = st.builds(
    lambda before, after: [*before, ("opt_in",), *after],
    st.lists(_ACTION, max_size=20),
    st.lists(_ACTION, min_size=5, max_size=60),
)


@dataclass
class _Recorded:
    """One event as the model remembers it: when, and under which agreement."""

    event: SanitizedEvent
    at: datetime
    # How many opt-ins had happened when it was counted.
    agreement: int


@dataclass
class _Home:
    """The pure core of one installation, driven as the HA shell drives it."""

    now: datetime
    counts: UsageCounts = field(init=False)
    installation: Installation = field(default_factory=Installation)
    state: SubmissionState = field(default_factory=SubmissionState)
    # Everything that changes the counts, in order: events and maintenance.
    history: list[_Recorded | datetime] = field(default_factory=list)
    agreements: int = 0
    # The clock's day at the current opt-in.
    opted_in_on: date | None = None
    reports: int = 0

    def __post_init__(self) -> None:
        self.counts = UsageCounts(tz=BERLIN, first_seen=self.now.date())

    def apply(self, action: tuple[Any, ...]) -> None:
        match action:
            case ("advance" | "jump", hours):
                self.now += timedelta(hours=hours)
            case ("event", index):
                event = sanitize_event(*_EVENTS[index])
                self.counts.record(event, self.now)
                self.history.append(_Recorded(event, self.now, self.agreements))
            case ("opt_in",) if self.installation.installation_id is None:
                # As the shell does before it follows the options.
                self.maintain()
                self.agreements += 1
                self.opted_in_on = utc_day(self.now)
                self.installation.installation_id = str(uuid.uuid4())
                self.installation.consent_start = self.opted_in_on
                self.state.start(seeded(self.agreements))
            case ("opt_out",):
                self.installation.installation_id = None
                self.installation.consent_start = None
                self.state.stop()
            case ("restart",):
                self.counts = UsageCounts.from_dict(self.counts.as_dict(), tz=BERLIN)
                self.installation = Installation.from_dict(
                    json.loads(json.dumps(self.installation.as_dict())), legacy=LEGACY
                )
                self.state = SubmissionState.from_dict(
                    json.loads(json.dumps(self.state.as_dict())), legacy=LEGACY
                )
                self.maintain()
            case ("hourly",):
                self.maintain()
            case ("send",):
                self.send()

    def maintain(self) -> None:
        """Run what the shell runs at setup, hourly and at midnight."""
        self.counts.follow_clock(self.now)
        self.installation.follow_clock(self.now)
        self.counts.prune(self.now)
        self.history.append(self.now)

    def replay(self, allowed: Callable[[_Recorded], bool]) -> UsageCounts:
        """Return the counts as they would be had only `allowed` events happened."""
        counts = UsageCounts(tz=BERLIN, first_seen=self.counts.first_seen)
        for item in self.history:
            if isinstance(item, datetime):
                counts.follow_clock(item)
                counts.prune(item)
            elif allowed(item):
                counts.record(item.event, item.at)
        return counts

    def send(self) -> None:
        """Build the report as the sender does (`submit_now`), and check it."""
        self.state.follow_clock(self.now)
        consent_start = self.installation.consent_start
        if consent_start is None:
            return
        period = self.state.period(consent_start, utc_day(self.now))
        if period.days < 1:
            return
        assert period.start >= consent_start
        assert self.opted_in_on is not None
        # What was counted before the opt-in may be reported only on the
        # opt-in day (or the next: the clock may have stood up to a day ahead).
        first_day, last_day = self.opted_in_on, self.opted_in_on + timedelta(days=1)
        agreement = self.agreements

        def allowed(item: _Recorded) -> bool:
            return (
                item.agreement == agreement or first_day <= utc_day(item.at) <= last_day
            )

        facts = _facts(self.installation, consent_start)
        sent = build_payload(self.counts, facts, period, {}, 2)
        expected = build_payload(self.replay(allowed), facts, period, {}, 2)
        assert serialize(sent) == serialize(expected)
        assert sent["installation"]["first_seen"] == midnight_utc(consent_start)
        self.state.last_period_end = period.end
        self.reports += 1


def _facts(installation: Installation, first_seen: date) -> InstallationFacts:
    assert installation.installation_id is not None
    return InstallationFacts(
        installation_id=installation.installation_id,
        first_seen=first_seen,
        app_version="2.42.0",
        integration_version="1.0.0",
        python_version="3.13",
        platform="linux",
        ha_version="2025.4.4",
        installation_type="Home Assistant OS",
        country_code="DE",
    )


@settings(max_examples=300, deadline=None)
@given(actions=_HISTORIES)
def test_no_report_holds_a_day_from_before_its_consent(
    actions: list[tuple[Any, ...]],
) -> None:
    """Random days, events, opt-ins and -outs, restarts and clock changes.

    Every report is checked as it is built: its period starts on or after the
    consent start, which is its `first_seen`, and it is byte for byte the
    report of the same history without anything counted before the opt-in on
    an earlier day (the consent dialog's promise). Days are the days the
    clock gave when counting, as stored.
    """
    home = _Home(now=NOW)
    for action in actions:
        home.apply(action)
    event(f"reports: {min(home.reports, 3)}")


def test_the_consent_window_check_would_notice_a_leak() -> None:
    """The invariant above can fail: a day before the opt-in is seen."""
    home = _Home(now=NOW)
    for action in [("event", 0), ("advance", 48), ("opt_in",), ("advance", 24 * 8)]:
        home.apply(action)
    home.installation.consent_start = NOW.date()  # as if opted in two days earlier
    with pytest.raises(AssertionError):
        home.send()
    home.installation.consent_start = home.opted_in_on
    home.send()
    assert home.reports == 1
