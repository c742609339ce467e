"""The one sender: one timer, one attempt at a time, owned by the entry.

Every network attempt runs as a task of the config entry, so unloading the
entry cancels it. A generation number fences every attempt: opting out,
`delete_all`, unload and removal move it on, and a result that arrives after
that is dropped, never written. Nothing is sent while sharing is off, except
deletion requests for ids that were sent before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
import json
import random
from typing import Any, Final, Protocol

from aiohttp import ClientTimeout

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .consent import checked_endpoint
from .const import DOMAIN, LOGGER
from .core.audit import KIND_DELETION, KIND_REPORT
from .core.counts import utc_day
from .core.deletions import Deletion
from .core.installation import Destination, Sent
from .core.outbox import Outbox, Response, Verdict, idempotency_key
from .core.payload import (
    PayloadRejectedError,
    Period,
    serialize,
    validate_payload,
)
from .core.schedule import FIRST_BACKOFF, START_DELAY, SubmissionState, retry_at
from .report import PLACEHOLDER_ID

REQUEST_TIMEOUT: Final = ClientTimeout(total=30)

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

type ReportBuilder = Callable[[Period, str, date], Awaitable[dict[str, Any]]]


class Outcome(StrEnum):
    """How one attempt ended."""

    SENT = "sent"
    NOTHING_TO_SEND = "nothing_to_send"
    RATE_LIMITED = "rate_limited"
    NOT_VALID = "not_valid"
    RETRYING = "retrying"
    KEY_REFUSED = "key_refused"
    DROPPED = "dropped"
    DELETION = "deletion"
    CANCELLED = "cancelled"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of an attempt, what the server said, and when to try next."""

    outcome: Outcome
    detail: str = ""
    next_try: datetime | None = None


class SendingConsent(Protocol):
    """What the sender needs from the owner of consent, and nothing more."""

    @property
    def share(self) -> bool:
        """Return whether sharing is on."""

    @property
    def current(self) -> bool:
        """Return whether the agreement covers the current report."""

    @property
    def may_send(self) -> bool:
        """Return whether a report may go out."""

    @property
    def installation_id(self) -> str | None:
        """Return the random id, while sharing is on."""

    @property
    def consent_start(self) -> date | None:
        """Return the first day a report may contain."""

    @property
    def destination(self) -> Destination:
        """Return the configured service and key."""

    def async_mark_sent(self, installation_id: str, destination: Destination) -> None:
        """Record that an id may now be held by a service."""

    def async_forget_sent(self, installation_id: str, endpoint: str) -> None:
        """Record that a service confirmed the deletion of an id."""


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
    """Make one request to the statistics service through HA's shared session.

    Never raises: any failure is an answer that did not come (its class name
    only, since a message may carry the URL or a header).
    """
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
    except Exception as err:  # noqa: BLE001 - ClientError, or a bug: retried alike
        return Response(None, error=type(err).__name__)


class Uploader:
    """Decides when to send, sends, and records every attempt."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        consent: SendingConsent,
        state: SubmissionState,
        *,
        build: ReportBuilder,
        version: str,
        on_change: Callable[[], None],
        save_now: Callable[[], Awaitable[None]],
        on_key_refused: Callable[[], None],
    ) -> None:
        """Send for `entry` what `consent` allows, keeping `state` current."""
        self.hass = hass
        self.entry = entry
        self.consent = consent
        self.state = state
        self._build = build
        self._version = version
        self._on_change = on_change
        self._save_now = save_now
        self._on_key_refused = on_key_refused
        self._lock = asyncio.Lock()
        self._generation = 0
        self._closed = False
        self._tasks: set[asyncio.Task[Attempt]] = set()
        self._unsub_timer: CALLBACK_TYPE | None = None
        self._job = HassJob(self._async_timer_fired, cancel_on_shutdown=True)
        self._unreachable = False
        # The destination whose key the service last accepted in a key check.
        self._accepted: Destination | None = None
        self._rng = random.SystemRandom()
        self._quiet_until = dt_util.utcnow()
        self.next_wakeup: datetime | None = None
        self._async_start_quiet_time()

    # --- what the entities show

    @property
    def status(self) -> str:
        """Return the submission status shown by the sensor."""
        if not self.consent.share:
            return STATUS_DISABLED
        if not self.consent.current:
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
        """Return when the next report is planned, if one may be sent."""
        if (consent_start := self._report_start()) is None:
            return None
        when = self.state.report_time(consent_start, dt_util.utcnow())
        return max(when, self._quiet_until)

    def _refused_endpoint(self) -> str | None:
        """Return the configured service while it refuses the key, else None."""
        return self.consent.destination.endpoint if self.state.auth_failed else None

    def _report_start(self) -> date | None:
        """Return the consent-start day when a report may go out, else None."""
        if not self.consent.may_send or self.state.auth_failed:
            return None
        return self.consent.consent_start

    # --- the timer and the fence

    @callback
    def _async_start_quiet_time(self) -> None:
        self._quiet_until = dt_util.utcnow() + timedelta(
            seconds=self._rng.randint(*START_DELAY)
        )

    @callback
    def async_schedule(self) -> None:
        """(Re)arm the one timer for the next thing to do, or none."""
        self._async_cancel_timer()
        if self._closed:
            return
        now = dt_util.utcnow()
        self._async_follow_clock(now)
        self.next_wakeup = self.state.next_wakeup(
            now, self._report_start(), self._refused_endpoint()
        )
        if self.next_wakeup is not None:
            self.next_wakeup = max(self.next_wakeup, self._quiet_until)
            self._unsub_timer = async_track_point_in_utc_time(
                self.hass, self._job, self.next_wakeup
            )

    @callback
    def _async_follow_clock(self, now: datetime) -> None:
        """Move every planned time back if the clock went backwards."""
        self.state.follow_clock(now)
        self._quiet_until = min(
            self._quiet_until, now + timedelta(seconds=START_DELAY[1])
        )

    @callback
    def _async_cancel_timer(self) -> None:
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None

    @callback
    def async_fence(self) -> None:
        """Drop whatever is in flight: its result will never be written."""
        self._generation += 1
        self._async_cancel_timer()
        for task in self._tasks:
            task.cancel()

    @callback
    def async_close(self) -> None:
        """Stop for good (unload, removal): no timer, no request, no write."""
        self._closed = True
        self.async_fence()
        self.next_wakeup = None

    @callback
    def _async_timer_fired(self, _now: datetime) -> None:
        self._unsub_timer = None
        self._async_start_attempt(forced=False)

    @callback
    def _async_start_attempt(self, *, forced: bool) -> asyncio.Task[Attempt]:
        task = self.entry.async_create_background_task(
            self.hass,
            self._async_guarded_attempt(self._generation, forced=forced),
            f"{DOMAIN} upload",
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _async_guarded_attempt(self, generation: int, *, forced: bool) -> Attempt:
        """Run one attempt; whatever happens, the timer is armed again."""
        try:
            return await self._async_attempt(generation, forced=forced)
        except Exception as err:  # noqa: BLE001 - sending must never stop for good
            # The class name only: a message may carry the id or the key.
            LOGGER.warning("Sending usage statistics failed (%s)", type(err).__name__)
            if generation == self._generation:
                # Wait like after a failed request, instead of trying again at once.
                self._quiet_until = dt_util.utcnow() + FIRST_BACKOFF
            return Attempt(Outcome.ERROR, type(err).__name__)
        finally:
            if generation == self._generation:
                self.async_schedule()

    # --- the person's "send now"

    async def async_submit_now(self) -> Attempt:
        """Send the pending report now, even before it is due, within the rate limit."""
        task = self._async_start_attempt(forced=True)
        await asyncio.wait([task])
        if task.cancelled():
            return Attempt(Outcome.CANCELLED)
        return task.result()

    # --- one attempt

    async def _async_attempt(self, generation: int, *, forced: bool) -> Attempt:
        async with self._lock:
            if generation != self._generation:
                return Attempt(Outcome.CANCELLED)
            state = self.state
            now = dt_util.utcnow()
            self._async_follow_clock(now)
            if (allowed := state.request_allowed_at(now)) > now:
                return Attempt(Outcome.RATE_LIMITED, next_try=allowed)
            if not forced and now < self._quiet_until:
                return Attempt(Outcome.NOTHING_TO_SEND)
            # "Send now" is about the report; deletions keep their own turn.
            # Nothing goes to a service that refuses the key; other services
            # still get their deletions, each with its own key.
            if not forced and (
                deletion := state.deletions.due(
                    now, skip_endpoint=self._refused_endpoint()
                )
            ):
                return await self._async_send_deletion(deletion, now, generation)
            if (consent_start := self._report_start()) is None:
                return Attempt(Outcome.NOTHING_TO_SEND)
            if state.outbox is None:
                period = state.period(consent_start, utc_day(now))
                if forced and period.days < 1:
                    return Attempt(Outcome.NOTHING_TO_SEND)
                if not forced and (
                    not period.is_due or now < state.report_time(consent_start, now)
                ):
                    return Attempt(Outcome.NOTHING_TO_SEND)
                if unsent := await self._async_fill_outbox(period, now, generation):
                    return unsent
            elif not forced and (state.outbox.next_attempt or now) > now:
                return Attempt(Outcome.NOTHING_TO_SEND)
            return await self._async_send_outbox(now, generation)

    async def _async_fill_outbox(
        self, period: Period, now: datetime, generation: int
    ) -> Attempt | None:
        """Build the report once; return why it cannot be sent, if it cannot."""
        installation_id = self.consent.installation_id or PLACEHOLDER_ID
        consent_start = self.consent.consent_start or period.start
        payload = await self._build(period, installation_id, consent_start)
        if generation != self._generation:
            # Built for an id or counts that are gone (opt-out, delete_all).
            return Attempt(Outcome.CANCELLED)
        try:
            body = validate_payload(payload)
            checked_endpoint(self.consent.destination.endpoint)
        except PayloadRejectedError as err:
            # The message names the rule, never the value.
            LOGGER.error("The weekly report was not sent: %s", err)
            self.state.last_period_end = period.end
            self.state.result = STATUS_FAILED
            self.state.audit.add(
                now, kind=KIND_REPORT, period=period, status=f"not sent: {err}"
            )
            self._on_change()
            return Attempt(Outcome.NOT_VALID, str(err))
        self.state.outbox = Outbox(
            body=body.decode(),
            start=period.start,
            end=period.end,
            installation_id=installation_id,
            key=idempotency_key(installation_id, period),
        )
        self._on_change()
        return None

    async def _async_send_outbox(self, now: datetime, generation: int) -> Attempt:
        state = self.state
        outbox = state.outbox
        assert outbox is not None  # noqa: S101 - checked by the caller
        destination = self.consent.destination
        # The server may keep the report even if its answer is lost.
        self.consent.async_mark_sent(outbox.installation_id, destination)
        state.last_request = now
        self._on_change()
        if not await self._async_saved(generation):
            return Attempt(Outcome.CANCELLED)
        body = outbox.body.encode()
        LOGGER.debug(
            "Sending the weekly report for %s to %s (%d bytes)",
            outbox.start,
            outbox.end,
            len(body),
        )
        response = await async_request(
            self.hass,
            "POST",
            f"{destination.endpoint}/submit",
            api_key=destination.api_key,
            version=self._version,
            body=body,
            key=outbox.key,
        )
        if generation != self._generation:
            return Attempt(Outcome.CANCELLED)
        self._note_reachability(response)
        status = response.describe()
        attempt = self._apply_report_verdict(outbox, response, now)
        state.audit.add(
            now,
            kind=KIND_REPORT,
            period=outbox.period,
            status=f"{_AUDIT_WORDS[attempt.outcome]}: {status}"
            if attempt.outcome is not Outcome.SENT
            else "sent",
            size=len(body),
            payload=json.loads(body),
        )
        self._on_change()
        return attempt

    def _apply_report_verdict(
        self, outbox: Outbox, response: Response, now: datetime
    ) -> Attempt:
        state = self.state
        status = response.describe()
        match outbox.verdict(response, now):
            case Verdict.DONE:
                state.outbox = None
                state.last_period_end = outbox.end
                state.last_submission = now
                state.result = STATUS_OK
                LOGGER.debug("The weekly report was sent")
                return Attempt(Outcome.SENT)
            case Verdict.KEY_REFUSED:
                # Keep the report; it goes out once the key is replaced.
                self._async_key_refused(status)
                return Attempt(Outcome.KEY_REFUSED, status)
            case Verdict.RETRY:
                outbox.attempts += 1
                outbox.next_attempt = retry_at(
                    outbox.attempts, response.retry_after, now
                )
                LOGGER.debug(
                    "Sending the weekly report failed (%s); next try at %s",
                    status,
                    outbox.next_attempt,
                )
                return Attempt(Outcome.RETRYING, status, outbox.next_attempt)
        # Any other answer means this report will never be accepted.
        state.outbox = None
        state.last_period_end = outbox.end
        state.result = STATUS_FAILED
        LOGGER.warning("The weekly report was refused (%s) and dropped", status)
        return Attempt(Outcome.DROPPED, status)

    async def _async_send_deletion(
        self, deletion: Deletion, now: datetime, generation: int
    ) -> Attempt:
        self.state.last_request = now
        if not await self._async_saved(generation):
            return Attempt(Outcome.CANCELLED)
        response = await async_request(
            self.hass,
            "DELETE",
            deletion.url,
            api_key=deletion.destination.api_key,
            version=self._version,
        )
        if generation != self._generation:
            return Attempt(Outcome.CANCELLED)
        self._note_reachability(response)
        status = response.describe()
        deletion.attempts += 1
        queue = self.state.deletions
        match deletion.verdict(response):
            case Verdict.DONE:
                queue.remove(deletion)
                self.consent.async_forget_sent(
                    deletion.installation_id, deletion.destination.endpoint
                )
                outcome = "deleted"
            case Verdict.KEY_REFUSED if (
                deletion.destination.endpoint == self.consent.destination.endpoint
            ):
                # The same reauthentication as for a report; the try does not
                # lengthen the wait.
                deletion.attempts -= 1
                self._async_key_refused(status)
                outcome = f"refused: {status}"
            case _:
                # Never given up, also when a service no longer configured
                # refuses the old key: the id may still be there. The wait is
                # bounded, so a service back after weeks still gets it.
                deletion.next_attempt = retry_at(
                    deletion.attempts, response.retry_after, now
                )
                outcome = f"retrying: {status}"
        self.state.audit.add(now, kind=KIND_DELETION, status=outcome)
        self._on_change()
        return Attempt(Outcome.DELETION, outcome)

    async def _async_saved(self, generation: int) -> bool:
        """Write the file before a request goes out; return whether to go on.

        The hourly budget then holds across a stop or a crash mid-request.
        """
        await self._save_now()
        return generation == self._generation

    @callback
    def _async_key_refused(self, status: str) -> None:
        # A key accepted before is no proof any more.
        self._accepted = None
        self.state.auth_failed = True
        self.state.result = STATUS_FAILED
        LOGGER.warning("The statistics service refused the API key (%s)", status)
        self._on_key_refused()

    def _note_reachability(self, response: Response) -> None:
        """Log once when the service stops answering, and once when it is back."""
        unreachable = response.status is None or response.status >= 500
        if unreachable and not self._unreachable:
            LOGGER.warning(
                "The statistics service is unreachable (%s); retrying later",
                response.describe(),
            )
        elif self._unreachable and not unreachable:
            LOGGER.info("The statistics service is reachable again")
        self._unreachable = unreachable

    # --- what the person sees before sending

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
        today = utc_day(dt_util.utcnow())
        consent_start = self.consent.consent_start or today
        period = self.state.period(consent_start, today)
        installation_id = self.consent.installation_id
        payload = await self._build(
            period, installation_id or PLACEHOLDER_ID, consent_start
        )
        preview: dict[str, Any] = {"pending": False, "payload": payload}
        try:
            preview["size_bytes"] = len(validate_payload(payload))
        except PayloadRejectedError as err:
            preview["size_bytes"] = len(serialize(payload))
            preview["not_sendable"] = str(err)
        if installation_id is None:
            preview["installation_id_note"] = (
                "a random id is created when sharing starts; the first report "
                "covers days from that day on"
            )
        return preview

    # --- consent changes

    @callback
    def async_started(self) -> None:
        """Start a new installation: nothing of an earlier one is carried over."""
        self.async_fence()
        self.state.start(self._rng)
        self._async_start_quiet_time()

    @callback
    def async_ended(self, ended: tuple[Sent, ...], *, wipe: bool = False) -> None:
        """Stop at once and ask each service to delete each id it may hold."""
        self.async_fence()
        if wipe:
            self.state.wipe()
        else:
            self.state.stop()
        for item in ended:
            self.state.deletions.queue(item.installation_id, item.destination)

    @callback
    def async_destination_changed(self, destination: Destination) -> None:
        """Follow new settings: queued deletions go out with the new key.

        A refused key stays refused: only the service, by accepting the key
        now configured, lifts the stop (see `async_key_accepted`).
        """
        self.state.deletions.replace_key(destination.endpoint, destination.api_key)
        self._async_lift_refusal()

    @callback
    def async_key_accepted(self, destination: Destination) -> None:
        """Note that the service just accepted `destination`'s key (a key check).

        Sending resumes once that is the configured destination: at once, or
        when the options that name it are saved.
        """
        self._accepted = destination
        self._async_lift_refusal()

    @callback
    def _async_lift_refusal(self) -> None:
        if self.state.auth_failed and self._accepted == self.consent.destination:
            self.state.auth_failed = False
            # The refusal is over: the waiting report is planned, not failed.
            self.state.result = None
            self._on_change()
            self.async_schedule()


_AUDIT_WORDS: Final = {
    Outcome.KEY_REFUSED: "refused",
    Outcome.RETRYING: "retrying",
    Outcome.DROPPED: "dropped",
}


async def async_check_api_key(
    hass: HomeAssistant, endpoint: str, api_key: str, version: str
) -> str | None:
    """Try a key against the service; return None if accepted, else an error key.

    The check reads the service's summary, which needs the key and sends
    nothing about this installation.
    """
    response = await async_request(
        hass, "GET", f"{endpoint}/stats/summary", api_key=api_key, version=version
    )
    if response.ok:
        return None
    if response.key_refused:
        return "invalid_api_key"
    return "cannot_connect"
