"""Reading values back from the storage file: each checked for type and range.

Pure Python, no Home Assistant imports. The file may have been edited by hand,
written by another release or damaged; any JSON of the right shape must load
into values every later computation can use (no overflow, no negative wait),
or fail with ValueError so the file is set aside. Python's `int()` is not used:
it accepts text, floats and booleans alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

# The largest count a JSON reader in any language keeps exact.
MAX_COUNT: Final = 2**53
# Days and moments outside these years are not from a clock of this world;
# the margins keep every sum of a day and a period or retention in range.
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9000, 1, 1, tzinfo=UTC)


def integer(value: object, low: int, high: int) -> int:
    """Return `value` if it is a JSON integer within [low, high]."""
    if type(value) is not int or not low <= value <= high:
        raise ValueError("a stored number is out of range")
    return value


def count(value: object) -> int:
    """Return a stored count: an integer from 0 to MAX_COUNT."""
    return integer(value, 0, MAX_COUNT)


def counts(values: object) -> dict[str, int]:
    """Return a stored mapping of names to counts."""
    return {text(name): count(value) for name, value in mapping(values).items()}


def flag(value: object) -> bool:
    """Return `value` if it is a JSON true or false (`bool()` takes "false" as true)."""
    if type(value) is not bool:
        raise TypeError("a stored flag is not true or false")
    return value


def mapping(value: object) -> dict[str, Any]:
    """Return `value` if it is a JSON object."""
    if not isinstance(value, dict):
        raise TypeError("a stored value is not an object")
    return value


def array(value: object) -> list[Any]:
    """Return `value` if it is a JSON array."""
    if not isinstance(value, list):
        raise TypeError("a stored value is not an array")
    return value


def text(value: object) -> str:
    """Return `value` if it is a string."""
    if not isinstance(value, str):
        raise TypeError("a stored value is not text")
    return value


def optional_text(value: object) -> str | None:
    """Return a string, or None."""
    return None if value is None else text(value)


def day(value: object) -> date:
    """Return a stored day (YYYY-MM-DD) within EARLIEST and LATEST."""
    parsed = date.fromisoformat(text(value))
    if not EARLIEST.date() <= parsed <= LATEST.date():
        raise ValueError("a stored day is out of range")
    return parsed


def optional_day(value: object) -> date | None:
    """Return a stored day, or None."""
    return None if value is None else day(value)


def moment(value: object) -> datetime:
    """Return a stored moment: with a time zone, within EARLIEST and LATEST."""
    parsed = datetime.fromisoformat(text(value))
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("a stored moment has no time zone")
    # Compared as an offset from EARLIEST: converting to UTC first could overflow.
    if not timedelta(0) <= parsed - EARLIEST <= LATEST - EARLIEST:
        raise ValueError("a stored moment is out of range")
    return parsed


def optional_moment(value: object) -> datetime | None:
    """Return a stored moment, or None."""
    return None if value is None else moment(value)
