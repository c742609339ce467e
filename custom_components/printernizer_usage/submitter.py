"""Sending the weekly report: schedule, outbox, retries, deletion requests, audit log.

Nothing here runs while sharing is off, except deletion requests for ids that
were used before. Every request goes through HA's shared aiohttp session, at
most one per hour (persisted, so restarts cannot cause bursts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
import hashlib
from http import HTTPStatus
import json
import random
import sys
from typing import TYPE_CHECKING, Any, Final

from aiohttp import ClientError, ClientTimeout

from homeassistant import const as ha_const
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.system_info import async_get_system_info
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .counts import utc_day
from .payload import (
    MIN_PERIOD_DAYS,
    InstallationFacts,
    PayloadRejectedError,
    Period,
    build_payload,
    day_start,
    next_period,
    serialize,
    validate_endpoint,
    validate_payload,
)

if TYPE_CHECKING:
    from .runtime import UsageRuntime

REQUEST_TIMEOUT: Final = ClientTimeout(total=30)
MIN_REQUEST_INTERVAL: Final = timedelta(hours=1)
FIRST_BACKOFF: Final = timedelta(hours=1)
MAX_BACKOFF: Final = timedelta(hours=24)
# A server asking for more than this is ignored beyond it.
MAX_RETRY_AFTER: Final = timedelta(days=7)
FIRST_SEND_DELAY: Final = (5 * 60, 60 * 60)  # seconds, after opting in
MAX_SEND_OFFSET: Final = 24 * 60 * 60  # seconds, per installation
MAX_DELETION_ATTEMPTS: Final = 12
AUDIT_LOG_SIZE: Final = 20
# A report that could not be sent for this long is dropped; its days would be
# outside the 28-day window of the next one anyway.
OUTBOX_MAX_AGE: Final = timedelta(days=28)
PLACEHOLDER_ID: Final = "00000000-0000-4000-8000-000000000000"

STATUS_DISABLED: Final = "disabled"
STATUS_SCHEDULED: Final = "scheduled"
STATUS_OK: Final = "ok"
STATUS_RETRYING: Final = "retrying"
STATUS_FAILED: Final = "failed"
STATUS_CONSENT_NEEDED: Final = "consent_needed"
SUBMISSION_STATES: Final = [
    STATUS_DISABLED,
    STATUS_SCHEDULED,
    STATUS_OK,
    STATUS_RETRYING,
    STATUS_FAILED,
    STATUS_CONSENT_NEEDED,
]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(moment: str | None) -> datetime | None:
    return dt_util.parse_datetime(moment) if moment else None


def backoff(attempts: int) -> timedelta:
    """Return the wait after `attempts` failed tries: 1 h doubling up to 24 h."""
    wait: timedelta = FIRST_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(wait, MAX_BACKOFF)


def retry_after(header: str | None, now: datetime) -> timedelta:
    """Return the wait a Retry-After header asks for (seconds or an HTTP date)."""
    if not header:
        return timedelta(0)
    wait: timedelta | None = None
    if header.strip().isdigit():
        wait = timedelta(seconds=int(header.strip()))
    else:
        try:
            wait = parsedate_to_datetime(header) - now
        except (TypeError, ValueError):
            return timedelta(0)
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def idempotency_key(installation_id: str, period: Period) -> str:
    """Return the same key for every attempt of one report, and only for it."""
    text = f"{installation_id}/{period.start}/{period.end}"
    return hashlib.sha256(text.encode()).hexdigest()


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

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "body": self.body,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "installation_id": self.installation_id,
            "key": self.key,
            "attempts": self.attempts,
            "next_attempt": _iso(self.next_attempt),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outbox:
        """Build from the JSON form."""
        return cls(
            body=data["body"],
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]),
            installation_id=data["installation_id"],
            key=data["key"],
            attempts=int(data["attempts"]),
            next_attempt=_parse(data.get("next_attempt")),
        )


@dataclass
class Deletion:
    """A request to delete everything the server holds for one old id."""

    installation_id: str
    attempts: int = 0
    next_attempt: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "installation_id": self.installation_id,
            "attempts": self.attempts,
            "next_attempt": _iso(self.next_attempt),
        }


@dataclass
class SubmissionState:
    """Everything about sending that must survive a restart."""

    last_period_end: date | None = None
    last_submission: datetime | None = None
    last_request: datetime | None = None
    outbox: Outbox | None = None
    deletions: list[Deletion] = field(default_factory=list)
    audit_log: list[dict[str, Any]] = field(default_factory=list)
    send_offset: int = 0
    first_send_after: datetime | None = None
    result: str | None = None
    auth_failed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "last_period_end": self.last_period_end.isoformat()
            if self.last_period_end
            else None,
            "last_submission": _iso(self.last_submission),
            "last_request": _iso(self.last_request),
            "outbox": self.outbox.as_dict() if self.outbox else None,
            "deletions": [deletion.as_dict() for deletion in self.deletions],
            "audit_log": self.audit_log,
            "send_offset": self.send_offset,
            "first_send_after": _iso(self.first_send_after),
            "result": self.result,
            "auth_failed": self.auth_failed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionState:
        """Build from the JSON form."""
        last_end = data.get("last_period_end")
        return cls(
            last_period_end=date.fromisoformat(last_end) if last_end else None,
            last_submission=_parse(data.get("last_submission")),
            last_request=_parse(data.get("last_request")),
            outbox=Outbox.from_dict(data["outbox"]) if data.get("outbox") else None,
            deletions=[
                Deletion(
                    installation_id=item["installation_id"],
                    attempts=int(item["attempts"]),
                    next_attempt=_parse(item.get("next_attempt")),
                )
                for item in data.get("deletions", [])
            ],
            audit_log=list(data.get("audit_log", []))[-AUDIT_LOG_SIZE:],
            send_offset=int(data.get("send_offset", 0)),
            first_send_after=_parse(data.get("first_send_after")),
            result=data.get("result"),
            auth_failed=bool(data.get("auth_failed", False)),
        )


@dataclass(frozen=True, slots=True)
class Response:
    """What came back from the statistics service."""

    status: int | None  # None: no answer (timeout, connection error)
    retry_after: str | None = None
    error: str | None = None


async def async_request(
    hass: HomeAssistant,
    method: str,
    url: str,
    *,
    api_key: str | None,
    version: str,
    body: bytes | None = None,
    key: str | None = None,
) -> Response:
    """Make one request to the statistics service through HA's shared session."""
    headers = {"User-Agent": f"printernizer-usage-ha/{version}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if key is not None:
        headers["Idempotency-Key"] = key
    if api_key:
        headers["X-API-Key"] = api_key
    session = async_get_clientsession(hass)
    try:
        # The body of the answer is never read: only the status matters, and
        # a huge or endless answer must cost nothing. Redirects are not
        # followed, so an https endpoint can never be turned into http.
        async with session.request(
            method,
            url,
            data=body,
            headers=headers,
            timeout=REQUEST_TIMEOUT,
            allow_redirects=False,
        ) as response:
            return Response(response.status, response.headers.get("Retry-After"))
    except TimeoutError:
        return Response(None, error="timeout")
    except ClientError as err:
        return Response(None, error=type(err).__name__)


def deletion_url(endpoint: str, installation_id: str) -> str:
    """Return the URL that deletes everything the server holds for an id."""
    return f"{endpoint}/installation/{installation_id}"


class Submitter:
    """Decides when to send, sends, and records every attempt."""

    def __init__(
        self,
        hass: HomeAssistant,
        runtime: UsageRuntime,
        state: SubmissionState,
        on_change: Callable[[], None],
    ) -> None:
        """Attach to the runtime whose counts and options it reports."""
        self.hass = hass
        self.runtime = runtime
        self.state = state
        self._on_change = on_change
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._job = HassJob(self._async_timer_fired, cancel_on_shutdown=True)
        self.next_wakeup: datetime | None = None

    # --- what the entities show

    @property
    def status(self) -> str:
        """Return the submission status shown by the sensor."""
        if not self.runtime.share_statistics:
            return STATUS_DISABLED
        if not self.runtime.consent_current:
            return STATUS_CONSENT_NEEDED
        if self.state.auth_failed:
            return STATUS_FAILED
        if self.state.outbox is not None and self.state.outbox.attempts:
            return STATUS_RETRYING
        if self.state.result in (STATUS_OK, STATUS_FAILED):
            return self.state.result
        return STATUS_SCHEDULED

    @property
    def next_submission(self) -> datetime | None:
        """Return when the next report is planned, if sharing is on."""
        if not self._may_send():
            return None
        return self._next_report_time(dt_util.utcnow())

    # --- scheduling

    def _may_send(self) -> bool:
        runtime = self.runtime
        return (
            runtime.share_statistics
            and runtime.consent_current
            and not self.state.auth_failed
            and runtime.installation.installation_id is not None
        )

    def _request_allowed_at(self, now: datetime) -> datetime:
        if (last := self.state.last_request) is None:
            return now
        return min(last, now) + MIN_REQUEST_INTERVAL

    @callback
    def _async_follow_clock(self, now: datetime) -> None:
        """Handle a clock that went backwards since the last request.

        The last request counts as made now, so the next one still waits a
        full hour, and every planned retry moves back by the same amount, so
        none waits for the old clock.
        """
        last = self.state.last_request
        if last is None or last <= now:
            return
        jump = last - now
        for item in (self.state.outbox, *self.state.deletions):
            if item is not None and item.next_attempt is not None:
                item.next_attempt -= jump
        self.state.last_request = now

    def _period(self, today: date) -> Period:
        return next_period(
            self.state.last_period_end, self.runtime.counts.first_seen, today
        )

    def _next_report_time(self, now: datetime) -> datetime:
        if (outbox := self.state.outbox) is not None:
            when = outbox.next_attempt or now
        else:
            period = self._period(utc_day(now))
            due_day = period.start + timedelta(days=MIN_PERIOD_DAYS)
            when = day_start(due_day) + timedelta(seconds=self.state.send_offset)
            if self.state.first_send_after:
                when = max(when, self.state.first_send_after)
        return max(when, self._request_allowed_at(now))

    @callback
    def async_schedule(self) -> None:
        """(Re)arm the one timer for the next thing to do, or none."""
        self.async_cancel()
        now = dt_util.utcnow()
        self._async_follow_clock(now)
        candidates = [deletion.next_attempt or now for deletion in self.state.deletions]
        if self._may_send():
            candidates.append(self._next_report_time(now))
        if not candidates:
            self.next_wakeup = None
            return
        when = max(min(candidates), self._request_allowed_at(now))
        self.next_wakeup = when
        self._unsub_timer = async_track_point_in_utc_time(self.hass, self._job, when)

    @callback
    def async_cancel(self) -> None:
        """Stop the timer (unload, opt-out, shutdown)."""
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None

    async def _async_timer_fired(self, now: datetime) -> None:
        self._unsub_timer = None
        await self.async_run(dt_util.utcnow())
        self.async_schedule()

    async def async_run(self, now: datetime) -> str | None:
        """Do the one request that is due now, if any; return its outcome."""
        self._async_follow_clock(now)
        if self._request_allowed_at(now) > now:
            return None
        due = [
            deletion
            for deletion in self.state.deletions
            if (deletion.next_attempt or now) <= now
        ]
        if due:
            return await self._async_send_deletion(due[0], now)
        if not self._may_send():
            return None
        if self.state.outbox is None:
            if now < self._next_report_time(now):
                return None
            period = self._period(utc_day(now))
            if not period.is_due or not await self._async_fill_outbox(period, now):
                return None
        elif (self.state.outbox.next_attempt or now) > now:
            return None
        return await self._async_send_outbox(now)

    async def async_submit_now(self) -> dict[str, Any]:
        """Send the pending report now, even before it is due, within the rate limit.

        The caller has checked that sharing is on and consented to.
        """
        now = dt_util.utcnow()
        self._async_follow_clock(now)
        if (allowed := self._request_allowed_at(now)) > now:
            self.async_schedule()
            return {
                "result": "rate_limited",
                "next_request_allowed": allowed.isoformat(),
            }
        if self.state.outbox is None:
            period = self._period(utc_day(now))
            if period.days < 1:
                return {"result": "nothing_to_send"}
            if not await self._async_fill_outbox(period, now):
                return {"result": "not_valid"}
        outcome = await self._async_send_outbox(now)
        self.async_schedule()
        return {"result": outcome}

    async def async_preview(self) -> dict[str, Any]:
        """Return exactly what the next report would send, and its size.

        The pending report when there is one; otherwise the report as it would
        be built if its period ended now.
        """
        if (outbox := self.state.outbox) is not None:
            body = outbox.body.encode()
            return {
                "pending": True,
                "payload": json.loads(body),
                "size_bytes": len(body),
            }
        period = self._period(utc_day(dt_util.utcnow()))
        installation_id = self.runtime.installation.installation_id
        payload = await self.async_build(period, installation_id or PLACEHOLDER_ID)
        preview: dict[str, Any] = {"pending": False, "payload": payload}
        try:
            preview["size_bytes"] = len(validate_payload(payload))
        except PayloadRejectedError as err:
            preview["size_bytes"] = len(serialize(payload))
            preview["not_sendable"] = str(err)
        if installation_id is None:
            preview["installation_id_note"] = (
                "a random id is created when sharing starts"
            )
        return preview

    # --- building the report

    async def async_facts(self, installation_id: str) -> InstallationFacts:
        """Collect what the report says about this installation."""
        system_info = await async_get_system_info(self.hass)
        return InstallationFacts(
            installation_id=installation_id,
            app_version=self.runtime.version,
            python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
            platform=sys.platform,
            ha_version=ha_const.__version__,
            installation_type=str(system_info.get("installation_type", "Unknown")),
            country_code=self.hass.config.country,
        )

    async def async_build(self, period: Period, installation_id: str) -> dict[str, Any]:
        """Build the report for a period from the counts kept locally."""
        self.runtime.async_account_uptime()
        return build_payload(
            self.runtime.counts,
            await self.async_facts(installation_id),
            period,
            self.runtime.printer_types,
            self.runtime.consent_version,
        )

    async def _async_fill_outbox(self, period: Period, now: datetime) -> bool:
        installation_id = self.runtime.installation.installation_id or PLACEHOLDER_ID
        payload = await self.async_build(period, installation_id)
        try:
            body = validate_payload(payload)
            validate_endpoint(self.runtime.endpoint)
        except PayloadRejectedError as err:
            # The message names the rule, never the value.
            LOGGER.error("The weekly report was not sent: %s", err)
            self.state.last_period_end = period.end
            self.state.result = STATUS_FAILED
            self._audit(now, kind="report", period=period, status=f"not sent: {err}")
            self._on_change()
            return False
        self.state.outbox = Outbox(
            body=body.decode(),
            start=period.start,
            end=period.end,
            installation_id=installation_id,
            key=idempotency_key(installation_id, period),
        )
        self._on_change()
        return True

    # --- sending

    async def _async_send(
        self, method: str, url: str, body: bytes | None = None, key: str | None = None
    ) -> Response:
        return await async_request(
            self.hass,
            method,
            url,
            api_key=self.runtime.api_key,
            version=self.runtime.version,
            body=body,
            key=key,
        )

    @staticmethod
    def _retryable(response: Response) -> bool:
        # Redirects are never followed (an https endpoint must not be turned
        # into http); like an outage, they keep the report for a later try.
        status = response.status
        return (
            status is None
            or status == HTTPStatus.TOO_MANY_REQUESTS
            or status >= 500
            or 300 <= status < 400
        )

    @staticmethod
    def _describe(response: Response) -> str:
        return f"http_{response.status}" if response.status else str(response.error)

    async def _async_send_outbox(self, now: datetime) -> str:
        if (outbox := self.state.outbox) is None:
            return "nothing to send"
        period = Period(outbox.start, outbox.end)
        if outbox.installation_id not in self.runtime.installation.submitted_ids:
            self.runtime.installation.submitted_ids.append(outbox.installation_id)
        body = outbox.body.encode()
        LOGGER.debug("Sending the weekly report: %s", outbox.body)
        self.state.last_request = now
        response = await self._async_send(
            "POST", f"{self.runtime.endpoint}/submit", body, outbox.key
        )
        status = self._describe(response)
        payload = json.loads(outbox.body)
        if response.status is not None and 200 <= response.status < 300:
            self.state.outbox = None
            self.state.last_period_end = outbox.end
            self.state.last_submission = now
            self.state.result = STATUS_OK
            self.runtime.async_clear_issue_api_key()
            outcome = "sent"
        elif response.status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            # Keep the report; it goes out once the key is fixed.
            self.state.auth_failed = True
            self.state.result = STATUS_FAILED
            self.runtime.async_raise_issue_api_key()
            outcome = f"refused: {status}"
            LOGGER.warning("The statistics server refused the API key (%s)", status)
        elif self._retryable(response) and now - day_start(outbox.end) < OUTBOX_MAX_AGE:
            outbox.attempts += 1
            wait = max(backoff(outbox.attempts), retry_after(response.retry_after, now))
            outbox.next_attempt = now + wait
            outcome = f"retrying: {status}"
            LOGGER.info(
                "Sending the weekly report failed (%s); next try at %s",
                status,
                outbox.next_attempt,
            )
        else:
            # Any other answer means this report will never be accepted.
            self.state.outbox = None
            self.state.last_period_end = outbox.end
            self.state.result = STATUS_FAILED
            outcome = f"dropped: {status}"
            LOGGER.warning("The weekly report was refused (%s) and dropped", status)
        self._audit(
            now,
            kind="report",
            period=period,
            status=outcome,
            size=len(body),
            payload=payload,
        )
        self._on_change()
        return outcome

    async def _async_send_deletion(self, deletion: Deletion, now: datetime) -> str:
        self.state.last_request = now
        response = await self._async_send(
            "DELETE", deletion_url(self.runtime.endpoint, deletion.installation_id)
        )
        status = self._describe(response)
        deletion.attempts += 1
        if response.status is not None and (
            200 <= response.status < 300 or response.status == HTTPStatus.NOT_FOUND
        ):
            self.state.deletions.remove(deletion)
            ids = self.runtime.installation.submitted_ids
            if deletion.installation_id in ids:
                ids.remove(deletion.installation_id)
            outcome = "deleted"
        elif deletion.attempts >= MAX_DELETION_ATTEMPTS:
            self.state.deletions.remove(deletion)
            outcome = f"given up: {status}"
            LOGGER.warning(
                "Deletion request given up after %s attempts", deletion.attempts
            )
        else:
            wait = max(
                backoff(deletion.attempts), retry_after(response.retry_after, now)
            )
            deletion.next_attempt = now + wait
            outcome = f"retrying: {status}"
        self._audit(now, kind="deletion", period=None, status=outcome)
        self._on_change()
        return outcome

    def _audit(
        self,
        now: datetime,
        *,
        kind: str,
        period: Period | None,
        status: str,
        size: int = 0,
        payload: dict[str, Any] | None = None,
    ) -> None:
        self.state.audit_log.append(
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
        del self.state.audit_log[:-AUDIT_LOG_SIZE]

    # --- consent changes

    @callback
    def async_opted_in(self, now: datetime) -> None:
        """Start a new installation: its own send offset and a short first wait."""
        self.state.send_offset = random.randrange(MAX_SEND_OFFSET)  # noqa: S311
        self.state.first_send_after = now + timedelta(
            seconds=random.randint(*FIRST_SEND_DELAY)  # noqa: S311
        )
        self.state.auth_failed = False
        self.state.result = None

    @callback
    def async_opted_out(self, old_id: str) -> None:
        """Stop at once; ask the server to delete the old id if it ever got it."""
        self.state.outbox = None
        self.state.first_send_after = None
        self.state.result = None
        if old_id in self.runtime.installation.submitted_ids:
            self.async_queue_deletion(old_id)

    @callback
    def async_queue_deletion(self, installation_id: str) -> None:
        """Ask for deletion of an id (once per id)."""
        if all(d.installation_id != installation_id for d in self.state.deletions):
            self.state.deletions.append(Deletion(installation_id))

    @callback
    def async_delete_all(self) -> None:
        """Forget the outbox and audit log; ask for deletion of every id ever sent."""
        for installation_id in self.runtime.installation.submitted_ids:
            self.async_queue_deletion(installation_id)
        self.state.outbox = None
        self.state.audit_log.clear()
        self.state.result = None
