"""Printernizer's rate limit: how long its 429 asks us to wait, bounded.

Pure Python, no Home Assistant imports. Printernizer limits each client
address with a token bucket (100 requests a minute; src/utils/middleware.py,
`RateLimitMiddleware`, at be0da09). Its 429 says in its JSON body how long
until the next request is allowed, `details.retry_after_seconds` (a float,
one decimal), and rounded up in the `Retry-After` header. Both are read as
numbers only; whatever they say, the wait stays between RETRY_MIN and
RETRY_MAX, so a hostile or broken answer can neither hammer Printernizer nor
put a poll off for long.

Printernizer's wait is the time one token takes to come back (0.6 s); a poll
needs a few (printers, its statistics page, the export), so it waits at least
RETRY_MIN, in which eight come back.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

RETRY_MIN: Final = 5.0
RETRY_MAX: Final = 300.0
# Without a usable number: as short as allowed.
RETRY_DEFAULT: Final = RETRY_MIN
# A longer header or body is not Printernizer's (its body is about 200 bytes).
_MAX_TEXT: Final = 4096


def retry_after(body: bytes | bytearray, header: str | None) -> float:
    """Return the seconds to wait after a 429, from its body or header."""
    for wait in (_from_body(body), _number(header)):
        if wait is not None:
            return min(max(wait, RETRY_MIN), RETRY_MAX)
    return RETRY_DEFAULT


def _from_body(body: bytes | bytearray) -> float | None:
    if len(body) > _MAX_TEXT:
        return None
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not isinstance(
        details := data.get("details"), dict
    ):
        return None
    return _number(details.get("retry_after_seconds"))


def _number(value: object) -> float | None:
    """Return a finite, non-negative number of seconds, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > 32:
            return None
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    try:
        seconds = float(value)
    except OverflowError:  # an int beyond float's range
        return RETRY_MAX
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds
