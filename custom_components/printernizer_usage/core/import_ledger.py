"""Which of Printernizer's events were already counted: each one once, ever.

Pure Python, no Home Assistant imports. Printernizer keeps every event it ever
recorded and hands all of them over on each poll, so this record decides what
is new. It is bounded: events at or before a watermark (`after`) are never
counted again, and only the newest events are remembered, each by a short
hash of Printernizer's own id and timestamp (a reused id after a Printernizer
reinstall is a new event; the id itself is never kept).

The watermark follows Printernizer's clock, not ours, so a jump of Home
Assistant's clock changes nothing. It stays OVERLAP behind the newest event
seen, which leaves room for events written slightly out of order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import heapq
from operator import itemgetter
from typing import Any, Final

OVERLAP: Final = timedelta(days=1)
_OVERLAP_SECONDS: Final = int(OVERLAP.total_seconds())
# The newest events are remembered, at most this many (about 14 KB stored);
# anything older is at or before the watermark.
MAX_REMEMBERED: Final = 500


def event_key(event_id: object, timestamp: datetime) -> str:
    """Return the short hash that stands for one Printernizer event."""
    text = f"{event_id}|{timestamp.astimezone(UTC).isoformat()}"
    # 48 bits: a collision among the few hundred remembered is out of reach.
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def _second(timestamp: datetime) -> int:
    # Whole seconds, so that what is skipped and what is remembered agree.
    return int(timestamp.timestamp() // 1)


@dataclass(slots=True)
class ImportLedger:
    """The watermark and the newest events that were counted.

    Times are whole seconds since the epoch (UTC): an event in the second of
    the watermark counts as at it. Every event not remembered is at or
    before the watermark.
    """

    after: int | None = None
    seen: dict[str, int] = field(default_factory=dict)  # hash -> the event's second

    def is_new(self, key: str, timestamp: datetime) -> bool:
        """Return whether an event still has to be counted."""
        if self.after is not None and _second(timestamp) <= self.after:
            return False
        return key not in self.seen

    def rewound(self, now: datetime) -> ImportLedger:
        """Return the ledger for a clock that was corrected back past the watermark.

        Printernizer stamps events with its host's clock; after that clock ran
        days ahead and was put right, new events would sit before the
        watermark until the clock caught up. The remembered events keep their
        place, so only more than MAX_REMEMBERED events from the wrong time
        could be counted again.
        """
        second = _second(now)
        if self.after is None or self.after <= second:
            return self
        return ImportLedger(second - _OVERLAP_SECONDS, self.seen)

    def advanced(self, counted: Iterable[tuple[str, datetime]]) -> ImportLedger:
        """Return the ledger once `counted` (keys and times) are counted too.

        The watermark moves to OVERLAP before the newest event, never back,
        and up to the newest event forgotten when more than MAX_REMEMBERED are
        known.
        """
        seen = dict(self.seen)
        for key, timestamp in counted:
            seen[key] = _second(timestamp)
        if not seen:
            return ImportLedger(self.after, {})
        # Not sorted(): a pure-Python selection lets the event loop's thread
        # run while 200,000 events are looked at.
        newest = heapq.nlargest(MAX_REMEMBERED + 1, seen.items(), key=itemgetter(1))
        after = newest[0][1] - _OVERLAP_SECONDS
        if len(newest) > MAX_REMEMBERED:
            after = max(after, newest.pop()[1])
        if self.after is not None:
            after = max(after, self.after)
        return ImportLedger(after, dict(newest))

    def as_dict(self) -> dict[str, Any]:
        """Return the ledger as stored."""
        return {
            "after": self.after,
            "seen": dict(sorted(self.seen.items(), key=lambda item: item[1])),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportLedger:
        """Read a stored ledger; raises ValueError or TypeError on a broken one."""
        after = data.get("after")
        seen = data.get("seen", {})
        if not isinstance(seen, dict) or not (after is None or type(after) is int):
            raise TypeError("not an import ledger")
        return cls(after, {str(key): int(when) for key, when in seen.items()})
