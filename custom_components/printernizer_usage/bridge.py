"""The bridge to the person's Printernizer: its version, printers and events.

Printernizer (usually the add-on next to Home Assistant) records its own usage
events. While an address is set, this polls it at start and every 15 minutes:
its health (the release for the report), its printers (types only), its own
statistics page (its sharing choice, and its event total, which tells whether
anything is new without fetching every event again) and, when something is
new, the export of its events, read in a worker thread and counted in chunks.

Every poll is a task of the entry, one at a time, fenced by a generation
number like the sender: a new address, `delete_all` or unload drop a poll in
flight. No failure is ever raised to Home Assistant: a Printernizer that does
not answer is logged once, and after a day it becomes a repair issue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Final

from aiohttp import ClientResponse, ClientTimeout

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started
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
    parse_health,
    parse_local,
    parse_printer_page,
    read_export,
    retention_start,
)

POLL_INTERVAL: Final = timedelta(minutes=15)
UNREACHABLE_ISSUE_AFTER: Final = timedelta(days=1)
# 200,000 events are about 56 MB; a larger answer is not read at all.
MAX_EXPORT_BYTES: Final = 128 * 1024 * 1024
MAX_ANSWER_BYTES: Final = 1024 * 1024
MAX_PRINTER_PAGES: Final = 10
# Counted on the event loop this many at a time, then the loop is free again.
IMPORT_CHUNK: Final = 2000
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
    if response.status != 200:
        raise PrinternizerUnreachableError(f"http_{response.status}")
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
    """Return why no Printernizer answers at `url` (a form error key), or None."""
    try:
        parse_health(await async_fetch(hass, f"{url}{HEALTH_PATH}"))
    except PrinternizerUnreachableError:
        return "printernizer_cannot_connect"
    except PrinternizerAnswerError:
        return "not_printernizer"
    return None


class PrinternizerBridge:
    """Polls the configured Printernizer and hands over what is new."""

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
        self.hass = hass
        self.entry = entry
        self.state = state
        self._record = record
        self._retention_days = retention_days
        self._on_change = on_change
        self._url: str | None = None
        self._reachable: bool | None = None
        # Printernizer's own sharing, as last read (None: not known).
        self.printernizer_sharing: bool | None = None
        self._generation = 0
        self._lock = asyncio.Lock()
        self._unsubs: list[CALLBACK_TYPE] = []

    # --- what the rest of the integration reads

    @property
    def url(self) -> str | None:
        """Return the configured address (None: no Printernizer)."""
        return self.entry.options.get(CONF_PRINTERNIZER_URL) or None

    @property
    def status(self) -> str | None:
        """Return connected, unreachable or not_set_up (None before the first poll)."""
        if self.url is None:
            return STATUS_NOT_SET_UP
        if self._reachable is None:
            return None
        return STATUS_CONNECTED if self._reachable else STATUS_UNREACHABLE

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
        if self.url == self._url:
            return
        if self._url is not None:
            # Another Printernizer, or none: its outage is not this one's.
            # (At start `_url` is None and the stored outage goes on.)
            self.state.unreachable_since = None
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_PRINTERNIZER_UNREACHABLE)
        self._url = self.url
        self.async_fence()
        self._reachable = None
        self.printernizer_sharing = None
        self._async_stop_timers()
        if self._url is not None:
            # At start, the add-on may come up after Home Assistant: first
            # poll once Home Assistant has started.
            self._unsubs = [
                async_track_time_interval(
                    self.hass, self._async_timer_fired, POLL_INTERVAL
                ),
                async_at_started(self.hass, self._async_started),
            ]
        self._on_change()

    @callback
    def async_fence(self) -> None:
        """Drop whatever a poll in flight would still count or store."""
        self._generation += 1

    @callback
    def async_close(self) -> None:
        """Stop polling for good (unload)."""
        self.async_fence()
        self._async_stop_timers()

    @callback
    def _async_stop_timers(self) -> None:
        while self._unsubs:
            self._unsubs.pop()()

    @callback
    def _async_started(self, _hass: HomeAssistant) -> None:
        self._async_start_poll()

    @callback
    def _async_timer_fired(self, _now: datetime) -> None:
        self._async_start_poll()

    @callback
    def _async_start_poll(self) -> None:
        self.entry.async_create_background_task(
            self.hass, self._async_poll(self._generation), f"{DOMAIN} Printernizer poll"
        )

    # --- one poll

    async def _async_poll(self, generation: int) -> None:
        async with self._lock:
            if generation != self._generation or (url := self.url) is None:
                return
            try:
                await self._async_poll_once(url, generation)
            except (PrinternizerUnreachableError, PrinternizerAnswerError) as err:
                if generation == self._generation:
                    self._async_unreachable(str(err))
            except Exception:  # noqa: BLE001 - a bug must not end polling
                if generation == self._generation:
                    LOGGER.exception("Unexpected error while reading Printernizer")
                    self._async_unreachable("unexpected_error")

    async def _async_poll_once(self, url: str, generation: int) -> None:
        version = parse_health(await async_fetch(self.hass, f"{url}{HEALTH_PATH}"))
        types = await self._async_printer_types(url)
        summary = parse_local(await async_fetch(self.hass, f"{url}{LOCAL_PATH}"))
        if generation != self._generation:
            return
        state = self.state
        known = (state.version, state.printer_types, self.printernizer_sharing)
        state.version = version
        state.printer_types = types
        self.printernizer_sharing = summary.sharing
        # The ledger and the total are saved too when an import ran.
        imported = summary.total_events != state.total_events
        if imported:
            await self._async_import(url, summary, generation)
        if generation == self._generation:
            self._async_reachable(
                changed=imported or known != (version, types, summary.sharing)
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

    # --- reachability

    @callback
    def _async_reachable(self, *, changed: bool) -> None:
        if self._reachable is False:
            LOGGER.info("Printernizer answers again")
        if self._reachable is not True or self.state.unreachable_since is not None:
            changed = True
        self._reachable = True
        self.state.unreachable_since = None
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_PRINTERNIZER_UNREACHABLE)
        if changed:
            # Saved and shown only when something changed, not every 15 minutes.
            self._on_change()

    @callback
    def _async_unreachable(self, reason: str) -> None:
        now = dt_util.utcnow()
        if self._reachable is not False:
            LOGGER.warning(
                "Printernizer cannot be read (%s); its events are counted once "
                "it answers again",
                reason,
            )
        self._reachable = False
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
        self._on_change()

    # --- Printernizer's own sharing (only on the person's explicit choice)

    async def async_stop_printernizer_sharing(self) -> bool:
        """Turn Printernizer's own report off; return whether it confirmed."""
        if (url := self.url) is None:
            return False
        try:
            await async_fetch(self.hass, f"{url}{OPT_OUT_PATH}", method="POST")
        except PrinternizerUnreachableError:
            return False
        self.printernizer_sharing = False
        self._on_change()
        return True
