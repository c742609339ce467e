"""The local audit log: the last attempts to reach the statistics service.

Pure Python, no Home Assistant imports. Every report attempt keeps the exact
payload it carried, so the person can see what left the machine; `delete_all`
clears it. It is bounded, so it never grows with time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from . import stored
from .counts import utc_day
from .payload import Period

AUDIT_LOG_SIZE: Final = 20

KIND_REPORT: Final = "report"
KIND_DELETION: Final = "deletion"


class AuditLog:
    """The last AUDIT_LOG_SIZE attempts, oldest first."""

    def __init__(self, entries: Iterable[dict[str, Any]] = ()) -> None:
        """Start from stored entries, keeping only the newest."""
        self.entries: list[dict[str, Any]] = list(entries)[-AUDIT_LOG_SIZE:]

    def add(
        self,
        now: datetime,
        *,
        kind: str,
        status: str,
        period: Period | None = None,
        size: int = 0,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Record one attempt (its day only, never its time)."""
        self.entries.append(
            {
                "day": utc_day(now).isoformat(),
                "kind": kind,
                "period": {
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                }
                if period
                else None,
                "status": status,
                "size": size,
                "payload": payload,
            }
        )
        del self.entries[:-AUDIT_LOG_SIZE]

    def clear(self) -> None:
        """Forget every attempt."""
        self.entries.clear()

    @classmethod
    def from_list(cls, entries: object) -> AuditLog:
        """Read the stored log; raises ValueError or TypeError on a broken one."""
        return cls(map(_stored_entry, stored.array(entries)))


def _stored_entry(value: object) -> dict[str, Any]:
    """Return a stored entry once every field the privacy center shows is sound."""
    entry = stored.mapping(value)
    stored.day(entry["day"])
    stored.text(entry["kind"])
    stored.text(entry["status"])
    if (period := entry.get("period")) is not None:
        stored.day(stored.mapping(period)["start"])
        stored.day(period["end"])
    stored.count(entry.get("size", 0))
    if (payload := entry.get("payload")) is not None:
        stored.mapping(payload)
    return entry
