"""When and what the integration sends: schedule, outbox, deletions, audit log.

These tests run against the pure modules only; they need no `hass`. Every
function there takes "now", so each test sets the clock it needs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
import json
import random
import re
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, strategies as st
import pytest

from custom_components.printernizer_usage.audit import (
    AUDIT_LOG_SIZE,
    KIND_DELETION,
    KIND_REPORT,
    AuditLog,
)
from custom_components.printernizer_usage.deletions import (
    MAX_DELETION_ATTEMPTS,
    Deletion,
    DeletionQueue,
    deletion_url,
)
from custom_components.printernizer_usage.installation import (
    Destination,
    Installation,
    Sent,
)
from custom_components.printernizer_usage.outbox import (
    OUTBOX_MAX_AGE,
    Outbox,
    Response,
    Verdict,
    idempotency_key,
)
from custom_components.printernizer_usage.payload import (
    MAX_PERIOD_DAYS,
    MIN_PERIOD_DAYS,
    Period,
    day_start,
)
from custom_components.printernizer_usage.schedule import (
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

BERLIN = ZoneInfo("Europe/Berlin")
INSTALLATION_ID = "6f1c2a9e-3b4d-4c5e-8f7a-9b0c1d2e3f40"
OTHER_ID = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
ENDPOINT = "https://stats.example.com/api/v1"
OTHER_ENDPOINT = "https://other.example.org/usage"
DESTINATION = Destination(ENDPOINT, "key-1")
OTHER_DESTINATION = Destination(OTHER_ENDPOINT, "key-2")
LEGACY = Destination("https://legacy.example.net/api", "legacy-key")
# Monday 16 November 2026: the day sharing was turned on.
CONSENT_START = date(2026, 11, 16)
PERIOD = Period(start=date(2026, 11, 16), end=date(2026, 11, 23))
BODY = '{"schema_version":"1.0"}'
HOUR = timedelta(hours=1)


def utc(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


NOW = utc(2026, 11, 25, 10, 30)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a send offset, not cryptography


def new_outbox(
    period: Period = PERIOD, *, attempts: int = 0, next_attempt: datetime | None = None
) -> Outbox:
    return Outbox(
        body=BODY,
        start=period.start,
        end=period.end,
        installation_id=INSTALLATION_ID,
        key=idempotency_key(INSTALLATION_ID, period),
        attempts=attempts,
        next_attempt=next_attempt,
    )


def full_state() -> SubmissionState:
    """Return a state with every field set to something other than its default."""
    state = SubmissionState(
        last_period_end=date(2026, 11, 16),
        last_submission=utc(2026, 11, 16, 3, 4, 5),
        last_request=utc(2026, 11, 24, 8),
        outbox=new_outbox(attempts=2, next_attempt=utc(2026, 11, 25, 12)),
        deletions=DeletionQueue(
            [
                Deletion(OTHER_ID, DESTINATION, 3, utc(2026, 11, 26)),
                Deletion(OTHER_ID, OTHER_DESTINATION),
            ]
        ),
        send_offset=12_345,
        result="ok",
        auth_failed=True,
    )
    state.audit.add(NOW, kind=KIND_REPORT, status="sent", period=PERIOD, size=24)
    return state


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


# --- answers and the outbox


@pytest.mark.parametrize(
    ("status", "ok", "key_refused", "retryable"),
    [
        (None, False, False, True),
        (200, True, False, False),
        (204, True, False, False),
        (301, False, False, True),
        (302, False, False, True),
        (400, False, False, False),
        (401, False, True, False),
        (403, False, True, False),
        (404, False, False, False),
        (429, False, False, True),
        (500, False, False, True),
        (503, False, False, True),
    ],
)
def test_response(
    status: int | None, ok: bool, key_refused: bool, retryable: bool
) -> None:
    response = Response(status)
    assert response.ok is ok
    assert response.key_refused is key_refused
    assert response.retryable is retryable


@pytest.mark.parametrize(
    ("response", "text"),
    [
        (Response(200), "http_200"),
        (Response(503, retry_after="120"), "http_503"),
        (Response(401, error="ignored"), "http_401"),
        (Response(None, error="TimeoutError"), "TimeoutError"),
    ],
)
def test_response_describe(response: Response, text: str) -> None:
    assert response.describe() == text


OUTBOX_NOW = day_start(PERIOD.end) + timedelta(days=1, hours=3)


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.DONE),
        (204, Verdict.DONE),
        (401, Verdict.KEY_REFUSED),
        (403, Verdict.KEY_REFUSED),
        (None, Verdict.RETRY),
        (301, Verdict.RETRY),
        (302, Verdict.RETRY),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (400, Verdict.DROP),
        (404, Verdict.DROP),
        (413, Verdict.DROP),
    ],
)
def test_outbox_verdict(status: int | None, verdict: Verdict) -> None:
    assert new_outbox().verdict(Response(status), OUTBOX_NOW) is verdict


@pytest.mark.parametrize(
    ("age", "verdict"),
    [
        (timedelta(0), Verdict.RETRY),
        (OUTBOX_MAX_AGE - timedelta(microseconds=1), Verdict.RETRY),
        (OUTBOX_MAX_AGE, Verdict.DROP),
        (OUTBOX_MAX_AGE + timedelta(days=30), Verdict.DROP),
    ],
)
@pytest.mark.parametrize("status", [None, 302, 429, 503])
def test_outbox_retry_turns_into_drop_when_too_old(
    status: int | None, age: timedelta, verdict: Verdict
) -> None:
    now = day_start(PERIOD.end) + age
    assert new_outbox().verdict(Response(status), now) is verdict


@pytest.mark.parametrize(
    ("status", "verdict"), [(200, Verdict.DONE), (401, Verdict.KEY_REFUSED)]
)
def test_outbox_age_does_not_change_other_verdicts(
    status: int, verdict: Verdict
) -> None:
    now = day_start(PERIOD.end) + OUTBOX_MAX_AGE * 2
    assert new_outbox().verdict(Response(status), now) is verdict


def test_idempotency_key() -> None:
    key = idempotency_key(INSTALLATION_ID, PERIOD)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == idempotency_key(INSTALLATION_ID, Period(PERIOD.start, PERIOD.end))
    others = {
        idempotency_key(OTHER_ID, PERIOD),
        idempotency_key(INSTALLATION_ID, Period(PERIOD.start, date(2026, 11, 24))),
        idempotency_key(INSTALLATION_ID, Period(date(2026, 11, 15), PERIOD.end)),
        idempotency_key(
            INSTALLATION_ID, Period(date(2026, 11, 23), date(2026, 11, 30))
        ),
    }
    assert len(others) == 4
    assert key not in others


def test_idempotency_key_does_not_contain_the_id() -> None:
    assert INSTALLATION_ID not in idempotency_key(INSTALLATION_ID, PERIOD)


@pytest.mark.parametrize("next_attempt", [None, utc(2026, 11, 25, 11, 0, 0, 123)])
def test_outbox_round_trip(next_attempt: datetime | None) -> None:
    outbox = new_outbox(attempts=3, next_attempt=next_attempt)
    data = json.loads(json.dumps(outbox.as_dict()))
    restored = Outbox.from_dict(data)
    assert restored == outbox
    assert restored.period == PERIOD
    assert restored.next_attempt == next_attempt


# --- deletions


def test_deletion_url() -> None:
    assert (
        deletion_url(ENDPOINT, INSTALLATION_ID)
        == f"https://stats.example.com/api/v1/installation/{INSTALLATION_ID}"
    )
    deletion = Deletion(OTHER_ID, OTHER_DESTINATION)
    assert deletion.url == f"{OTHER_ENDPOINT}/installation/{OTHER_ID}"


@pytest.mark.parametrize(
    "attempts", [1, MAX_DELETION_ATTEMPTS, MAX_DELETION_ATTEMPTS + 1]
)
@pytest.mark.parametrize("status", [200, 202, 204, 404])
def test_deletion_confirmed(status: int, attempts: int) -> None:
    deletion = Deletion(OTHER_ID, DESTINATION, attempts)
    assert deletion.verdict(Response(status)) is Verdict.DONE


@pytest.mark.parametrize("attempts", [1, MAX_DELETION_ATTEMPTS])
@pytest.mark.parametrize("status", [401, 403])
def test_deletion_key_refused(status: int, attempts: int) -> None:
    deletion = Deletion(OTHER_ID, DESTINATION, attempts)
    assert deletion.verdict(Response(status)) is Verdict.KEY_REFUSED


@pytest.mark.parametrize("status", [None, 301, 429, 500, 503])
def test_deletion_retried_up_to_the_limit(status: int | None) -> None:
    deletion = Deletion(OTHER_ID, DESTINATION)
    verdicts = []
    while True:
        deletion.attempts += 1
        verdicts.append(deletion.verdict(Response(status)))
        if verdicts[-1] is not Verdict.RETRY:
            break
    assert verdicts == [Verdict.RETRY] * (MAX_DELETION_ATTEMPTS - 1) + [Verdict.DROP]
    assert deletion.attempts == MAX_DELETION_ATTEMPTS


def test_deletion_other_answers_are_retried_too() -> None:
    """The module retries every unconfirmed answer until the limit."""
    assert Deletion(OTHER_ID, DESTINATION, 1).verdict(Response(400)) is Verdict.RETRY
    assert (
        Deletion(OTHER_ID, DESTINATION, MAX_DELETION_ATTEMPTS).verdict(Response(400))
        is Verdict.DROP
    )


def test_queue_keeps_one_request_per_id_and_service() -> None:
    queue = DeletionQueue()
    queue.queue(OTHER_ID, DESTINATION)
    queue.queue(OTHER_ID, Destination(ENDPOINT, "another-key"))
    assert len(queue.items) == 1
    assert queue.items[0].destination == DESTINATION
    queue.queue(OTHER_ID, OTHER_DESTINATION)
    queue.queue(INSTALLATION_ID, DESTINATION)
    assert len(queue.items) == 3
    assert [(item.installation_id, item.destination) for item in queue.items] == [
        (OTHER_ID, DESTINATION),
        (OTHER_ID, OTHER_DESTINATION),
        (INSTALLATION_ID, DESTINATION),
    ]
    assert all(item.attempts == 0 and item.next_attempt is None for item in queue.items)


def test_queue_due_returns_the_oldest_due() -> None:
    first = Deletion(OTHER_ID, DESTINATION, 1, NOW + HOUR)
    second = Deletion(OTHER_ID, OTHER_DESTINATION, 1, NOW - HOUR)
    third = Deletion(INSTALLATION_ID, DESTINATION)
    queue = DeletionQueue([first, second, third])
    assert queue.due(NOW - timedelta(hours=2)) is third
    assert queue.due(NOW) is second
    assert queue.due(NOW + HOUR) is first
    queue.remove(first)
    queue.remove(second)
    assert queue.due(NOW) is third
    queue.remove(third)
    assert queue.due(NOW) is None
    assert len(queue.items) == 0


def test_queue_due_none_while_all_wait() -> None:
    queue = DeletionQueue([Deletion(OTHER_ID, DESTINATION, 1, NOW + HOUR)])
    assert queue.due(NOW) is None
    assert queue.due(NOW + HOUR) is queue.items[0]


def test_queue_replace_key_only_for_its_endpoint() -> None:
    queue = DeletionQueue()
    queue.queue(OTHER_ID, DESTINATION)
    queue.queue(OTHER_ID, OTHER_DESTINATION)
    queue.queue(INSTALLATION_ID, DESTINATION)
    queue.replace_key(ENDPOINT, "new-key")
    assert [item.destination for item in queue.items] == [
        Destination(ENDPOINT, "new-key"),
        OTHER_DESTINATION,
        Destination(ENDPOINT, "new-key"),
    ]
    queue.replace_key(OTHER_ENDPOINT, None)
    assert queue.items[1].destination == Destination(OTHER_ENDPOINT, None)
    assert queue.items[0].destination == Destination(ENDPOINT, "new-key")


def test_deletion_round_trip() -> None:
    queue = DeletionQueue(
        [
            Deletion(OTHER_ID, DESTINATION, 5, utc(2026, 11, 26, 1, 2, 3)),
            Deletion(INSTALLATION_ID, Destination(OTHER_ENDPOINT, None)),
        ]
    )
    data = json.loads(json.dumps(queue.as_list()))
    restored = [Deletion.from_dict(item, legacy=LEGACY) for item in data]
    assert restored == queue.items


def test_legacy_deletion_goes_to_the_legacy_service() -> None:
    data = {"installation_id": OTHER_ID, "attempts": 2, "next_attempt": None}
    deletion = Deletion.from_dict(data, legacy=LEGACY)
    assert deletion == Deletion(OTHER_ID, LEGACY, 2, None)
    assert deletion.url == f"{LEGACY.endpoint}/installation/{OTHER_ID}"


# --- the audit log


def test_audit_log_records_the_utc_day_only() -> None:
    log = AuditLog()
    # 00:30 in Berlin is still the previous day in UTC.
    now = datetime(2026, 11, 17, 0, 30, 45, tzinfo=BERLIN)
    log.add(
        now,
        kind=KIND_REPORT,
        status="sent",
        period=PERIOD,
        size=42,
        payload={"a": 1},
    )
    log.add(now, kind=KIND_DELETION, status="deleted")
    assert log.entries == [
        {
            "day": "2026-11-16",
            "kind": KIND_REPORT,
            "period": {"start": "2026-11-16", "end": "2026-11-23"},
            "status": "sent",
            "size": 42,
            "payload": {"a": 1},
        },
        {
            "day": "2026-11-16",
            "kind": KIND_DELETION,
            "period": None,
            "status": "deleted",
            "size": 0,
            "payload": None,
        },
    ]
    text = json.dumps(log.entries)
    assert "23:30" not in text
    assert "00:30" not in text


def test_audit_log_keeps_the_newest() -> None:
    log = AuditLog()
    for i in range(AUDIT_LOG_SIZE + 5):
        log.add(NOW + timedelta(days=i), kind=KIND_REPORT, status=f"s{i}")
    assert len(log.entries) == AUDIT_LOG_SIZE
    assert [entry["status"] for entry in log.entries] == [
        f"s{i}" for i in range(5, AUDIT_LOG_SIZE + 5)
    ]


def test_audit_log_from_storage_keeps_the_newest() -> None:
    stored = [{"status": str(i)} for i in range(AUDIT_LOG_SIZE + 3)]
    log = AuditLog(stored)
    assert [entry["status"] for entry in log.entries] == [
        str(i) for i in range(3, AUDIT_LOG_SIZE + 3)
    ]
    assert len(AuditLog(stored[:2]).entries) == 2


def test_audit_log_clear() -> None:
    log = AuditLog()
    log.add(NOW, kind=KIND_REPORT, status="sent")
    log.clear()
    assert log.entries == []
    log.add(NOW, kind=KIND_DELETION, status="deleted")
    assert len(log.entries) == 1


# --- the installation


def test_submitted_ids_are_unique_in_order() -> None:
    installation = Installation(
        installation_id=INSTALLATION_ID,
        sent=[
            Sent(OTHER_ID, DESTINATION),
            Sent(INSTALLATION_ID, DESTINATION),
            Sent(OTHER_ID, OTHER_DESTINATION),
        ],
    )
    assert installation.submitted_ids == [OTHER_ID, INSTALLATION_ID]


def test_installation_round_trip() -> None:
    installation = Installation(
        installation_id=INSTALLATION_ID,
        consent_start=CONSENT_START,
        sent=[
            Sent(OTHER_ID, DESTINATION),
            Sent(OTHER_ID, Destination(OTHER_ENDPOINT, None)),
        ],
    )
    data = json.loads(json.dumps(installation.as_dict()))
    assert data["submitted_ids"] == [OTHER_ID]
    assert data["consent_start"] == "2026-11-16"
    assert Installation.from_dict(data, legacy=LEGACY) == installation


def test_installation_round_trip_of_defaults() -> None:
    data = Installation().as_dict()
    assert data == {
        "installation_id": None,
        "consent_start": None,
        "submitted_ids": [],
        "sent": [],
    }
    assert Installation.from_dict(data, legacy=LEGACY) == Installation()
    assert Installation.from_dict({}, legacy=LEGACY) == Installation()


def test_installation_from_a_legacy_release() -> None:
    data = {
        "installation_id": INSTALLATION_ID,
        "consent_start": "2026-11-16",
        "submitted_ids": [OTHER_ID, INSTALLATION_ID],
        "sent": [
            {
                "installation_id": OTHER_ID,
                "endpoint": OTHER_ENDPOINT,
                "api_key": "key-2",
            }
        ],
    }
    installation = Installation.from_dict(data, legacy=LEGACY)
    assert installation.consent_start == CONSENT_START
    assert installation.installation_id == INSTALLATION_ID
    # An id recorded with its service is not also sent to the legacy one.
    assert installation.sent == [
        Sent(OTHER_ID, OTHER_DESTINATION),
        Sent(INSTALLATION_ID, LEGACY),
    ]


def test_installation_with_ids_only() -> None:
    data = {"submitted_ids": [OTHER_ID, INSTALLATION_ID], "consent_start": None}
    installation = Installation.from_dict(data, legacy=LEGACY)
    assert installation.consent_start is None
    assert installation.installation_id is None
    assert installation.sent == [Sent(OTHER_ID, LEGACY), Sent(INSTALLATION_ID, LEGACY)]
