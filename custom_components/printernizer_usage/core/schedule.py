"""When to send: rate limit, backoff, Retry-After, send offsets and clock jumps.

Pure Python, no Home Assistant imports; every function takes "now". The
state here is everything about sending that must survive a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
import random
from typing import Any, Final

from . import stored
from .audit import KIND_REPORT, AuditLog
from .counts import first_day_after_correction, utc_day
from .deletions import Deletion, DeletionQueue
from .installation import Destination
from .outbox import Outbox, optional_iso
from .payload import MIN_PERIOD_DAYS, Period, day_start, next_period

MIN_REQUEST_INTERVAL: Final = timedelta(hours=1)
FIRST_BACKOFF: Final = timedelta(hours=1)
MAX_BACKOFF: Final = timedelta(hours=24)
# A server asking for more than this is ignored beyond it.
MAX_RETRY_AFTER: Final = timedelta(days=7)
_MAX_RETRY_AFTER_SECONDS: Final = str(int(MAX_RETRY_AFTER.total_seconds()))
MAX_SEND_OFFSET: Final = 24 * 60 * 60  # seconds, per installation
# Nothing goes out in the first minutes after a start, a reload or an opt-in
# (seconds, drawn at random): a busy start stays quiet, and restarts of many
# installations at once do not reach the service at once.
START_DELAY: Final = (5 * 60, 60 * 60)


def backoff(attempts: int) -> timedelta:
    """Return the wait after `attempts` failed tries: 1 h doubling up to 24 h."""
    # The exponent is capped before it is used: 2**5 hours is past the cap,
    # and any number of attempts must give a time, never an overflow.
    wait: timedelta = FIRST_BACKOFF * 2 ** min(max(attempts - 1, 0), 5)
    return min(wait, MAX_BACKOFF)


def retry_after(header: str | None, now: datetime) -> timedelta:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date).

    Whatever the server sends, the answer is between no wait and
    MAX_RETRY_AFTER; anything that is neither form asks for no wait.
    """
    if not header:
        return timedelta(0)
    wait: timedelta | None = None
    text = header.strip()
    if text.isascii() and text.isdigit():
        # Read by length first: `int()` refuses more than 4,300 digits, and
        # any number longer than the cap's is past it.
        digits = text.lstrip("0") or "0"
        if len(digits) > len(_MAX_RETRY_AFTER_SECONDS):
            return MAX_RETRY_AFTER
        wait = timedelta(seconds=int(digits))
    else:
        try:
            wait = parsedate_to_datetime(header) - now
        except (TypeError, ValueError, OverflowError):
            # OverflowError: a zone, year or time too large for a C integer.
            return timedelta(0)
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def retry_at(attempts: int, header: str | None, now: datetime) -> datetime:
    """Return when to try again: the backoff, or longer if the server asks."""
    return now + max(backoff(attempts), retry_after(header, now))


@dataclass
class SubmissionState:
    """Everything about sending that must survive a restart."""

    last_period_end: date | None = None
    last_submission: datetime | None = None
    last_request: datetime | None = None
    outbox: Outbox | None = None
    deletions: DeletionQueue = field(default_factory=DeletionQueue)
    audit: AuditLog = field(default_factory=AuditLog)
    send_offset: int = 0
    result: str | None = None
    auth_failed: bool = False

    # --- the rate limit and the clock

    def request_allowed_at(self, now: datetime) -> datetime:
        """Return when the next request may go out (at most one an hour)."""
        if (last := self.last_request) is None:
            return now
        return min(last, now) + MIN_REQUEST_INTERVAL

    def follow_clock(self, now: datetime) -> None:
        """Handle a clock that went backwards since the last request.

        The last request counts as made now, so the next one still waits a
        full hour, and every planned retry moves back by the same amount, so
        none waits for the old clock. The end of the last period, if a clock
        that ran ahead put it in the future, comes back too: the next report
        starts within days of the correction, not once that day comes.
        """
        fresh = first_day_after_correction(now)
        if self.last_period_end is not None and self.last_period_end > fresh:
            self.last_period_end = fresh
        if self.outbox is not None and self.outbox.end > fresh:
            # Built while the clock ran ahead: it names days that have not
            # come, whose counts left the daily counts, and would wait for
            # the old clock to expire. The next report covers the right days.
            self.audit.add(
                now,
                kind=KIND_REPORT,
                period=self.outbox.period,
                status="dropped: clock_corrected",
            )
            self.outbox = None
        last = self.last_request
        if last is None or last <= now:
            return
        jump = last - now
        planned: list[Outbox | Deletion | None] = [self.outbox, *self.deletions.items]
        for item in planned:
            if item is not None and item.next_attempt is not None:
                item.next_attempt -= jump
        self.last_request = now

    # --- the report

    def period(self, consent_start: date, today: date) -> Period:
        """Return the next period to report: never a day before consent."""
        start = max(self.last_period_end or consent_start, consent_start)
        return next_period(None, start, today)

    def report_time(self, consent_start: date, now: datetime) -> datetime:
        """Return when the next report (pending or not yet built) goes out."""
        if self.outbox is not None:
            when = self.outbox.next_attempt or now
        else:
            period = self.period(consent_start, utc_day(now))
            due_day = period.start + timedelta(days=MIN_PERIOD_DAYS)
            # A new installation waits at least a week, since its first
            # period starts on the consent-start day.
            when = day_start(due_day) + timedelta(seconds=self.send_offset)
        return max(when, self.request_allowed_at(now))

    def next_wakeup(
        self,
        now: datetime,
        consent_start: date | None,
        refused_endpoint: str | None = None,
    ) -> datetime | None:
        """Return when there is something to do; `consent_start` None: no report.

        Nothing goes to a service while it refuses the key (`refused_endpoint`,
        the configured one): its deletions wait for a new key like reports do.
        Deletions owed to other services, each with its own key, go on.
        """
        if self.auth_failed and refused_endpoint is None:
            return None
        skip = refused_endpoint if self.auth_failed else None
        candidates = [
            item.next_attempt or now
            for item in self.deletions.items
            if item.destination.endpoint != skip
        ]
        if consent_start is not None:
            candidates.append(self.report_time(consent_start, now))
        if not candidates:
            return None
        return max(min(candidates), self.request_allowed_at(now))

    # --- consent changes

    def start(self, rng: random.Random) -> None:
        """Start a new installation with its own send offset."""
        self.send_offset = rng.randrange(MAX_SEND_OFFSET)
        self.last_period_end = None
        self.outbox = None
        self.auth_failed = False
        self.result = None

    def stop(self) -> None:
        """Stop reporting: nothing pending is sent under any id."""
        self.outbox = None
        self.last_period_end = None
        self.result = None

    def wipe(self) -> None:
        """Forget the report and every attempt (`delete_all`)."""
        self.stop()
        self.last_submission = None
        self.audit.clear()

    # --- storage

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "last_period_end": self.last_period_end.isoformat()
            if self.last_period_end
            else None,
            "last_submission": optional_iso(self.last_submission),
            "last_request": optional_iso(self.last_request),
            "outbox": self.outbox.as_dict() if self.outbox else None,
            "deletions": self.deletions.as_list(),
            "audit_log": self.audit.entries,
            "send_offset": self.send_offset,
            "result": self.result,
            "auth_failed": self.auth_failed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, legacy: Destination) -> SubmissionState:
        """Build from the JSON form; `legacy` is where older releases sent to."""
        outbox = data.get("outbox")
        return cls(
            last_period_end=stored.optional_day(data.get("last_period_end")),
            last_submission=stored.optional_moment(data.get("last_submission")),
            last_request=stored.optional_moment(data.get("last_request")),
            outbox=None if outbox is None else Outbox.from_dict(stored.mapping(outbox)),
            deletions=DeletionQueue(
                Deletion.from_dict(stored.mapping(item), legacy=legacy)
                for item in stored.array(data.get("deletions", []))
            ),
            audit=AuditLog.from_list(data.get("audit_log", [])),
            send_offset=stored.integer(
                data.get("send_offset", 0), 0, MAX_SEND_OFFSET - 1
            ),
            result=stored.optional_text(data.get("result")),
            auth_failed=stored.flag(data.get("auth_failed", False)),
        )
