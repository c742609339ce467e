"""The bridge to the person's Printernizer: its version, printers and events.

Printernizer (usually the add-on next to Home Assistant) records its own usage
events. While an address is set, a DataUpdateCoordinator reads it once Home
Assistant has started and every 15 minutes: its health (the release for the
report), its printers (types only), its own statistics page (its sharing
choice, and its event total, which tells whether anything is new without
fetching every event again) and, when something is new, the export of its
events, read in a worker thread and counted in chunks.

Printernizer is optional: setup never waits for it or fails because of it
(no `async_config_entry_first_refresh`), and local counting goes on without
it. A poll fails with `UpdateFailed`: the coordinator logs it once and its
return once; after a day it becomes a repair issue. Printernizer's rate limit
(a 429) does not lose the round: it is read again after the wait Printernizer
asks for (bounded), a few times, before the round counts as failed.

A generation number fences what a poll in flight may still count: a new
address, `delete_all` or unload drop it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from http import HTTPStatus
from typing import Any, Final

from aiohttp import ClientResponse, ClientTimeout, hdrs

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .const import (
    CONF_PRINTERNIZER_URL,
    DOMAIN,
    ISSUE_PRINTERNIZER_UNREACHABLE,
    LOGGER,
)
from .core.allowlist import SanitizedEvent
from .core.printernizer import (
    NOT_CONNECTED,
    PRINTERS_PAGE_SIZE,
    BridgeState,
    ExportImport,
    LocalSummary,
    PrinternizerAnswerError,
    count_types,
    is_printernizer_error,
    parse_health,
    parse_local,
    parse_printer_page,
    read_export,
    retention_start,
)
from .core.rate_limit import retry_after

POLL_INTERVAL: Final = timedelta(minutes=15)
UNREACHABLE_ISSUE_AFTER: Final = timedelta(days=1)
# 200,000 events are about 56 MB; a larger answer is not read at all.
MAX_EXPORT_BYTES: Final = 128 * 1024 * 1024
MAX_ANSWER_BYTES: Final = 1024 * 1024
MAX_PRINTER_PAGES: Final = 10
# Counted on the event loop this many at a time, then the loop is free again.
IMPORT_CHUNK: Final = 2000
# A 429 is tried again this many times in a row (each after the wait it asks
# for) before the round counts as failed and the next one is a poll later.
RATE_LIMIT_RETRIES: Final = 3
# Printernizer's 429 body is about 200 bytes.
MAX_BUSY_ANSWER_BYTES: Final = 4096
SMALL_TIMEOUT: Final = ClientTimeout(total=15)
EXPORT_TIMEOUT: Final = ClientTimeout(total=300, sock_read=30)

STATUS_CONNECTED: Final = "connected"
STATUS_UNREACHABLE: Final = "unreachable"
STATUS_NOT_SET_UP: Final = "not_set_up"
CONNECTION_STATES: Final = [STATUS_CONNECTED, STATUS_UNREACHABLE, STATUS_NOT_SET_UP]

HEALTH_PATH: Final = "/api/v1/health"
PRINTERS_PATH: Final = "/api/v1/printers"
LOCAL_PATH: Final = "/api/v1/usage-stats/local"
EXPORT_PATH: Final = "/api/v1/usage-stats/export"
OPT_OUT_PATH: Final = "/api/v1/usage-stats/opt-out"

type EventRecorder = Callable[
    [list[tuple[datetime, SanitizedEvent, int]], list[tuple[datetime, int]]], None
]


class PrinternizerUnreachableError(Exception):
    """No usable answer came; the message is a short reason, never the address."""


class PrinternizerBusyError(PrinternizerUnreachableError):
    """Printernizer's rate limit answered (429): ask again after `wait` seconds."""

    def __init__(self, wait: float) -> None:
        """Keep the bounded wait Printernizer asked for."""
        super().__init__("rate_limited")
        self.wait = wait


async def async_fetch(
    hass: HomeAssistant,
    url: str,
    *,
    limit: int = MAX_ANSWER_BYTES,
    client_timeout: ClientTimeout = SMALL_TIMEOUT,
    method: str = "GET",
) -> bytearray:
    """Return the body of a 200 answer, at most `limit` bytes.

    Raises PrinternizerUnreachableError with a short reason otherwise (never
    the address or a message that may carry it). The body is read in pieces,
    so an endless answer stops at the limit.
    """
    session = async_get_clientsession(hass)
    try:
        async with session.request(
            method, url, timeout=client_timeout, allow_redirects=False
        ) as response:
            return await _async_read(response, limit)
    except TimeoutError:
        raise PrinternizerUnreachableError("timeout") from None
    except PrinternizerUnreachableError:
        raise
    except Exception as err:  # noqa: BLE001 - ClientError and friends; the class only
        raise PrinternizerUnreachableError(type(err).__name__) from None


async def _async_read(response: ClientResponse, limit: int) -> bytearray:
    if response.status == HTTPStatus.TOO_MANY_REQUESTS:
        try:
            body = await _async_body(response, MAX_BUSY_ANSWER_BYTES)
        except PrinternizerUnreachableError:
            # Not Printernizer's body (a proxy's page, say): still busy.
            body = bytearray()
        raise PrinternizerBusyError(
            retry_after(body, response.headers.get(hdrs.RETRY_AFTER))
        )
    if response.status != 200:
        raise PrinternizerUnreachableError(f"http_{response.status}")
    return await _async_body(response, limit)


async def _async_body(response: ClientResponse, limit: int) -> bytearray:
    """Return the body, at most `limit` bytes, or raise "too_large"."""
    if (response.content_length or 0) > limit:
        raise PrinternizerUnreachableError("too_large")
    body = bytearray()
    async for chunk in response.content.iter_chunked(256 * 1024):
        body += chunk
        if len(body) > limit:
            raise PrinternizerUnreachableError("too_large")
    # Not copied into bytes: 56 MB would hold the event loop for a while.
    return body


async def async_check_printernizer(hass: HomeAssistant, url: str) -> str | None:
    """Return why no working Printernizer answers at `url` (a form error key).

    Nothing answers; something else answers (another app, or Home Assistant
    itself with its 404); or Printernizer answers with its own error.
    """
    session = async_get_clientsession(hass)
    try:
        async with session.get(
            f"{url}{HEALTH_PATH}", timeout=SMALL_TIMEOUT, allow_redirects=False
        ) as response:
            status = response.status
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    break  # not an answer Printernizer gives
    except Exception:  # noqa: BLE001 - ClientError, TimeoutError: no answer at all
        return "printernizer_cannot_connect"
    if status != 200:
        return (
            "printernizer_error" if is_printernizer_error(body) else "not_printernizer"
        )
    try:
        parse_health(body)
    except PrinternizerAnswerError:
        return "not_printernizer"
    return None


@dataclass(frozen=True, slots=True)
class PrinternizerReading:
    """One complete read of Printernizer; polls that read the same change nothing."""

    version: str
    printer_types: dict[str, int]
    sharing: bool  # Printernizer's own report
    total_events: int


@dataclass(frozen=True, slots=True)
class PrinternizerConnection:
    """The connection as a person reads it (options step, diagnostics)."""

    status: str | None  # connected, unreachable, not_set_up; None: not known yet
    unreachable_since: datetime | None
    version: str | None  # its release, when it last answered
    events: int | None  # its event total at the last import
    last_import: datetime | None


class PrinternizerCoordinator(DataUpdateCoordinator[PrinternizerReading | None]):
    """Polls the configured Printernizer and hands over what is new.

    `data` is the last complete read (None: nothing read from this address
    yet); what is kept across restarts (the ledger, version, fleet, outage
    start) lives in `state`, which the runtime stores.
    """

    config_entry: ConfigEntry[Any]

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        state: BridgeState,
        *,
        record: EventRecorder,
        retention_days: Callable[[], int],
        on_change: Callable[[], None],
    ) -> None:
        """Keep `state` current; `record` counts, `on_change` saves and refreshes."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name="Printernizer",
            # Set while an address is; None polls nothing.
            update_interval=None,
            always_update=False,
        )
        self.state = state
        self._record = record
        self._retention_days = retention_days
        self._on_change = on_change
        self._url: str | None = None
        self._generation = 0
        self._lock = asyncio.Lock()
        self._busy_retries = 0
        # A rate-limited round's next try while polling is disabled.
        self._retry: CALLBACK_TYPE | None = None
        self._unsubs: list[CALLBACK_TYPE] = []

    # --- what the rest of the integration reads

    @property
    def url(self) -> str | None:
        """Return the configured address (None: no Printernizer)."""
        return self.config_entry.options.get(CONF_PRINTERNIZER_URL) or None

    @property
    def status(self) -> str | None:
        """Return connected, unreachable or not_set_up (None: no answer yet)."""
        if self.url is None:
            return STATUS_NOT_SET_UP
        if not self.last_update_success:
            return STATUS_UNREACHABLE
        return None if self.data is None else STATUS_CONNECTED

    @property
    def connection(self) -> PrinternizerConnection:
        """Return the connection's state, read-only."""
        state = self.state
        return PrinternizerConnection(
            status=self.status,
            unreachable_since=state.unreachable_since,
            version=state.version,
            events=state.total_events,
            last_import=state.last_import,
        )

    @property
    def printernizer_sharing(self) -> bool | None:
        """Return whether Printernizer sends its own report (None: not known)."""
        return None if self.data is None else self.data.sharing

    @property
    def app_version(self) -> str:
        """Return the report's app_version: Printernizer's release, or NOT_CONNECTED."""
        if self.url is None or self.state.version is None:
            return NOT_CONNECTED
        return self.state.version

    # --- lifecycle

    @callback
    def async_follow_options(self) -> None:
        """Start, restart or stop polling when the address is set or changed."""
        if not self._unsubs:
            self._unsubs.append(self.async_add_listener(self._on_change))
        if self.url == self._url:
            return
        if self._url is not None:
            # Another Printernizer, or none: its outage is not this one's.
            # (At start `_url` is None and the stored outage goes on.)
            self.state.unreachable_since = None
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_PRINTERNIZER_UNREACHABLE)
        self._url = self.url
        self.async_fence()
        self._async_cancel_retry()
        self._busy_retries = 0
        self.update_interval = None if self._url is None else POLL_INTERVAL
        # Forgets the old address's answer and its timer; tells the listeners.
        self.async_set_updated_data(None)
        if self._url is not None:
            # At start, the add-on may come up after Home Assistant: the
            # first poll runs once Home Assistant has started.
            self._unsubs.append(async_at_started(self.hass, self._async_started))

    @callback
    def async_fence(self) -> None:
        """Drop whatever a poll in flight would still count or store."""
        self._generation += 1

    @callback
    def async_close(self) -> None:
        """Stop polling for good (unload)."""
        self.async_fence()
        self._async_cancel_retry()
        while self._unsubs:
            self._unsubs.pop()()

    @callback
    def _async_started(self, _hass: HomeAssistant) -> None:
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} Printernizer first poll"
        )

    # --- one poll

    async def _async_update_data(self) -> PrinternizerReading | None:
        async with self._lock:
            if (url := self._url) is None:
                return None
            self.update_interval = POLL_INTERVAL
            try:
                reading = await self._async_poll(url)
            except PrinternizerBusyError as err:
                if url != self._url:
                    return self.data
                return self._async_busy(err.wait)
            except (PrinternizerUnreachableError, PrinternizerAnswerError) as err:
                if url != self._url:
                    return self.data
                self._busy_retries = 0
                self._async_unreachable(str(err))
                raise UpdateFailed(str(err)) from None
            except Exception:
                if url != self._url:
                    return self.data
                # A bug must not end polling: the coordinator logs it.
                self._busy_retries = 0
                self._async_unreachable("unexpected_error")
                raise
            if url != self._url:
                return self.data
            self._busy_retries = 0
            self.state.unreachable_since = None
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_PRINTERNIZER_UNREACHABLE)
            return reading

    @callback
    def _async_busy(self, wait: float) -> PrinternizerReading | None:
        """Read again after `wait`; fail the round after RATE_LIMIT_RETRIES."""
        if self._busy_retries < RATE_LIMIT_RETRIES:
            self._busy_retries += 1
            self.update_interval = timedelta(seconds=wait)
            if self.config_entry.pref_disable_polling:
                # The coordinator's timer is off then; the round goes on anyway.
                self._async_cancel_retry()
                self._retry = async_call_later(
                    self.hass,
                    wait,
                    HassJob(self._async_retry_round, cancel_on_shutdown=True),
                )
            if self.last_update_success:
                # Not an outage: nothing is logged or shown, the round waits.
                return self.data
        else:
            self._busy_retries = 0
        self._async_unreachable("rate_limited")
        raise UpdateFailed("rate_limited")

    @callback
    def _async_retry_round(self, _now: datetime) -> None:
        self._retry = None
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} Printernizer read after a 429"
        )

    @callback
    def _async_cancel_retry(self) -> None:
        if self._retry is not None:
            self._retry()
            self._retry = None

    async def _async_poll(self, url: str) -> PrinternizerReading:
        generation = self._generation
        version = parse_health(await async_fetch(self.hass, f"{url}{HEALTH_PATH}"))
        types = await self._async_printer_types(url)
        summary = parse_local(await async_fetch(self.hass, f"{url}{LOCAL_PATH}"))
        if generation == self._generation:
            self.state.version = version
            self.state.printer_types = types
            # The ledger and the total are saved too when an import ran.
            if summary.total_events != self.state.total_events:
                await self._async_import(url, summary, generation)
        return PrinternizerReading(
            version, types, summary.sharing, summary.total_events
        )

    async def _async_printer_types(self, url: str) -> dict[str, int]:
        types: list[str] = []
        for page in range(1, MAX_PRINTER_PAGES + 1):
            answer = parse_printer_page(
                await async_fetch(
                    self.hass,
                    f"{url}{PRINTERS_PATH}?page={page}&limit={PRINTERS_PAGE_SIZE}",
                )
            )
            types += answer.types
            if not answer.types or len(types) >= answer.total:
                break
        return count_types(types)

    async def _async_import(
        self, url: str, summary: LocalSummary, generation: int
    ) -> None:
        body = await async_fetch(
            self.hass,
            f"{url}{EXPORT_PATH}",
            limit=MAX_EXPORT_BYTES,
            client_timeout=EXPORT_TIMEOUT,
        )
        if generation != self._generation:
            return
        now = dt_util.utcnow()
        ledger = self.state.ledger
        batch: ExportImport = await self.hass.async_add_executor_job(
            partial(
                read_export,
                body,
                ledger,
                now=now,
                oldest=retention_start(now, self._retention_days()),
                tz=dt_util.get_default_time_zone(),
            )
        )
        if generation != self._generation or self.state.ledger is not ledger:
            return
        # What is taken is written down before it is counted: a poll cut
        # short may count less, never twice.
        self.state.ledger = batch.ledger
        self.state.total_events = summary.total_events
        self.state.last_import = now
        if batch.unreadable:
            LOGGER.debug(
                "%s Printernizer events without a usable time were skipped",
                batch.unreadable,
            )
        counted, rejected = batch.counted, batch.rejected
        self._record([], rejected)
        for start in range(0, len(counted), IMPORT_CHUNK):
            if generation != self._generation:
                return
            self._record(counted[start : start + IMPORT_CHUNK], [])
            await asyncio.sleep(0)

    # --- an outage

    @callback
    def _async_unreachable(self, reason: str) -> None:
        """Keep when the outage began; after a day, raise the repair issue."""
        now = dt_util.utcnow()
        since = self.state.unreachable_since
        if since is None or since > now:  # a clock that went back starts again
            self.state.unreachable_since = since = now
        if now - since >= UNREACHABLE_ISSUE_AFTER:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_PRINTERNIZER_UNREACHABLE,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_PRINTERNIZER_UNREACHABLE,
                translation_placeholders={"reason": reason},
            )

    # --- Printernizer's own sharing (only on the person's explicit choice)

    async def async_stop_printernizer_sharing(self) -> bool:
        """Turn Printernizer's own report off; return whether it confirmed."""
        if (url := self.url) is None:
            return False
        try:
            await async_fetch(self.hass, f"{url}{OPT_OUT_PATH}", method="POST")
        except PrinternizerUnreachableError:
            return False
        if self.data is not None:
            self.async_set_updated_data(replace(self.data, sharing=False))
        return True
