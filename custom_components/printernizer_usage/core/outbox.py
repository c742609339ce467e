"""The report that is due, and what an answer to it means.

Pure Python, no Home Assistant imports. A report is built once, when its
period is due, and kept here: every retry sends the same bytes with the same
idempotency key, so a retry after a lost answer cannot count twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
import hashlib
from http import HTTPStatus
from typing import Any, Final

from . import stored
from .payload import Period, day_start

# A report that could not be sent for this long is dropped; its days would be
# outside the 28-day window of the next one anyway.
OUTBOX_MAX_AGE: Final = timedelta(days=28)


class Verdict(StrEnum):
    """What an answer means for the request that got it."""

    DONE = "done"  # accepted (a report sent, a deletion confirmed)
    KEY_REFUSED = "key_refused"  # 401/403: stop until the key is replaced
    RETRY = "retry"  # no answer, 429, 5xx or a redirect: try again later
    DROP = "drop"  # a report refused, or too old: give up on it


@dataclass(frozen=True, slots=True)
class Response:
    """What came back from the statistics service."""

    status: int | None  # None: no answer (timeout, connection error, a bug)
    retry_after: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether the answer is a 2xx."""
        return self.status is not None and 200 <= self.status < 300

    @property
    def key_refused(self) -> bool:
        """Return whether the server refused the API key."""
        return self.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN)

    @property
    def retryable(self) -> bool:
        """Return whether the same request may succeed later.

        Redirects are never followed (an https endpoint must not be turned
        into http); like an outage, they keep the request for a later try.
        """
        status = self.status
        return (
            status is None
            or status == HTTPStatus.TOO_MANY_REQUESTS
            or status >= 500
            or 300 <= status < 400
        )

    def describe(self) -> str:
        """Return the status for logs and the audit log (never a URL or body)."""
        return f"http_{self.status}" if self.status else str(self.error)


def idempotency_key(installation_id: str, period: Period) -> str:
    """Return the same key for every attempt of one report, and only for it."""
    text = f"{installation_id}/{period.start}/{period.end}"
    return hashlib.sha256(text.encode()).hexdigest()


def optional_iso(moment: datetime | None) -> str | None:
    """Return the stored form of an optional moment."""
    return moment.isoformat() if moment else None


@dataclass
class Outbox:
    """A report that is due: built once, then sent byte for byte until it is done."""

    body: str
    start: date
    end: date
    installation_id: str
    key: str
    attempts: int = 0
    next_attempt: datetime | None = None

    @property
    def period(self) -> Period:
        """Return the days the report covers."""
        return Period(self.start, self.end)

    def verdict(self, response: Response, now: datetime) -> Verdict:
        """Return what `response` means for this report."""
        if response.ok:
            return Verdict.DONE
        if response.key_refused:
            return Verdict.KEY_REFUSED
        if response.retryable and now - day_start(self.end) < OUTBOX_MAX_AGE:
            return Verdict.RETRY
        return Verdict.DROP

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "body": self.body,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "installation_id": self.installation_id,
            "key": self.key,
            "attempts": self.attempts,
            "next_attempt": optional_iso(self.next_attempt),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outbox:
        """Build from the JSON form."""
        return cls(
            body=stored.text(data["body"]),
            start=stored.day(data["start"]),
            end=stored.day(data["end"]),
            installation_id=stored.text(data["installation_id"]),
            key=stored.text(data["key"]),
            attempts=stored.count(data["attempts"]),
            next_attempt=stored.optional_moment(data.get("next_attempt")),
        )
