"""The outbox in core/outbox.py: what an answer means, the idempotency key, storage.

These tests need no `hass`; every function there takes "now", so each test sets
the clock it needs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
import json
import re

import pytest

from custom_components.printernizer_usage.core.outbox import (
    OUTBOX_MAX_AGE,
    Outbox,
    Response,
    Verdict,
    idempotency_key,
)
from custom_components.printernizer_usage.core.payload import (
    Period,
    day_start,
)

from .sending import (
    INSTALLATION_ID,
    OTHER_ID,
    PERIOD,
    new_outbox,
    utc,
)

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
