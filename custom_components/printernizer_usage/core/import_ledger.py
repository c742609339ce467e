"""Which of Printernizer's events were already counted: each one once, ever.

Pure Python, no Home Assistant imports. Printernizer keeps every event it ever
recorded and hands all of them over on each poll, so this record decides what
is new. It is bounded: events at or before a watermark (`after`) are never
counted again, and only the newest events are remembered, each by a short
hash of Printernizer's own id and timestamp (a reused id after a Printernizer
reinstall is a new event; the id itself is never kept).

The watermark follows Printernizer's clock, not ours, so a jump of Home
Assistant's clock changes nothing. It stays OVERLAP behind the newest event
seen, which leaves room for events written slightly out of order. An event
more than OVERLAP ahead of our clock (Printernizer's clock ran ahead, or a
time such as 9999-12-31) cannot place the watermark: it would hold back every
event after it. Such an event is remembered on its own instead, as long as it
is ahead, and at most MAX_AHEAD of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import hashlib
import heapq
from operator import itemgetter
from typing import Any, Final

from . import stored

OVERLAP: Final = timedelta(days=1)
_OVERLAP_SECONDS: Final = int(OVERLAP.total_seconds())
# The newest events are remembered, at most this many (about 14 KB stored);
# anything older is at or before the watermark.
MAX_REMEMBERED: Final = 500
# Events ahead of our clock remembered besides them, at most this many.
MAX_AHEAD: Final = 500
# What is stored of a time at most: a later one is "ahead" as much.
_LAST_SECOND: Final = int(stored.LATEST.timestamp())


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

    def ahead(self, now: datetime) -> int:
        """Return how many remembered events are more than OVERLAP ahead of `now`."""
        horizon = _second(now) + _OVERLAP_SECONDS
        return sum(1 for second in self.seen.values() if second > horizon)

    def rewound(self, now: datetime) -> ImportLedger:
        """Return the ledger for a clock that was corrected back past the watermark.

        Printernizer stamps events with its host's clock; after that clock ran
        days ahead and was put right, new events would sit before the
        watermark until the clock caught up. The remembered events keep their
        place; `read_export` remembers the others it still finds between the
        corrected clock and the old watermark, so none is counted again.
        """
        second = _second(now)
        if self.after is None or self.after <= second:
            return self
        return ImportLedger(second - _OVERLAP_SECONDS, self.seen)

    def advanced(
        self, counted: Iterable[tuple[str, datetime]], now: datetime
    ) -> ImportLedger:
        """Return the ledger once `counted` (keys and times) are counted too.

        The watermark moves to OVERLAP before the newest event that is not
        ahead of `now`, never back, and up to the newest event forgotten when
        more than MAX_REMEMBERED are known. Events ahead are all kept (the
        caller takes at most MAX_AHEAD of them).
        """
        horizon = _second(now) + _OVERLAP_SECONDS
        seen = dict(self.seen)
        for key, timestamp in counted:
            seen[key] = min(_second(timestamp), _LAST_SECOND)
        ahead = {key: second for key, second in seen.items() if second > horizon}
        if len(ahead) == len(seen):
            return ImportLedger(self.after, ahead)
        # Not sorted(): a pure-Python selection lets the event loop's thread
        # run while 200,000 events are looked at.
        newest = heapq.nlargest(
            MAX_REMEMBERED + 1,
            (item for item in seen.items() if item[1] <= horizon),
            key=itemgetter(1),
        )
        after = newest[0][1] - _OVERLAP_SECONDS
        if len(newest) > MAX_REMEMBERED:
            after = max(after, newest.pop()[1])
        if self.after is not None:
            after = max(after, self.after)
        return ImportLedger(after, {**dict(newest), **ahead})

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
        return cls(
            None if after is None else _stored_second(after),
            {
                stored.text(key): _stored_second(when)
                for key, when in stored.mapping(data.get("seen", {})).items()
            },
        )


def _stored_second(value: object) -> int:
    return stored.integer(value, _second(stored.EARLIEST), _second(stored.LATEST))
