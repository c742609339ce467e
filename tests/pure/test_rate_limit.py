"""Printernizer's 429 in core/rate_limit.py: the wait it asks for, bounded."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, strategies as st
import pytest

from custom_components.printernizer_usage.core.rate_limit import (
    RETRY_DEFAULT,
    RETRY_MAX,
    RETRY_MIN,
    retry_after,
)


def _body(seconds: Any) -> bytes:
    """Printernizer's 429 body (src/utils/middleware.py, RateLimitMiddleware)."""
    return json.dumps(
        {
            "status": "error",
            "message": "Too many requests. Please try again later.",
            "error_code": "RATE_LIMIT_EXCEEDED",
            "details": {"retry_after_seconds": seconds, "rate_limit_per_minute": 100},
        }
    ).encode()


@pytest.mark.parametrize(
    ("body", "header", "wait"),
    [
        (_body(12.5), "13", 12.5),  # the body's exact wait wins
        (_body(0.6), "1", RETRY_MIN),  # one token is back; a poll needs more
        (_body(86400), "86401", RETRY_MAX),
        (b"<html>Too Many Requests</html>", "7", 7.0),
        (b"", " 7 ", 7.0),
        (b"", "2", RETRY_MIN),
        (_body("soon"), None, RETRY_DEFAULT),
        (_body(-3), None, RETRY_DEFAULT),
        (_body(True), None, RETRY_DEFAULT),
        (_body(None), "NaN", RETRY_DEFAULT),
        (b"", "Wed, 21 Oct 2026 07:28:00 GMT", RETRY_DEFAULT),
        (b"", "9" * 5000, RETRY_DEFAULT),
        (b'{"details": {"retry_after_seconds": ' + b"9" * 400 + b"}}", None, RETRY_MAX),
        (b"[1, 2]", None, RETRY_DEFAULT),
    ],
)
def test_the_wait_is_read_and_bounded(
    body: bytes, header: str | None, wait: float
) -> None:
    assert retry_after(body, header) == wait


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    seconds=_JSON,
    header=st.none() | st.text(max_size=64),
    raw=st.binary(max_size=256),
)
def test_any_answer_gives_a_bounded_wait(
    seconds: Any, header: str | None, raw: bytes
) -> None:
    """Whatever a 429 carries, the wait is a number within the bounds."""
    for body in (_body(seconds), raw):
        wait = retry_after(body, header)
        assert RETRY_MIN <= wait <= RETRY_MAX
