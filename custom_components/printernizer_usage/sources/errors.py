"""error_occurred from the printer integrations' own error log records.

A logging handler on those integrations' loggers reads one thing from a
record: the class of the exception it carries. Messages, tracebacks, file
names and paths are never read. (HA's `system_log_event` would need
`system_log: fire_event: true` in configuration.yaml; a handler needs nothing.)

A record is not counted on its own when a printer of the same integration
drops out around it: HA's coordinators log once per failed update, one record
per coordinator (PrusaLink has three), and their entities go unavailable. Such
records belong to the outage, and the connectivity watcher (`jobs.py`) counts
one `error_occurred` per outage of a printer once the outage has lasted
`CONNECTIVITY_SETTLE`; a shorter flap counts none. A record with no outage
around it counts once `CONNECTIVITY_SETTLE` has passed without one.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from functools import partial
import logging
from typing import Any, Final

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..core.printer_rules import PRINTER_TYPE_BY_DOMAIN
from ..runtime import PrinternizerUsageConfigEntry, UsageRuntime

# A connection change counts only once it has lasted this long, so a
# flapping connection counts once, and an outage's errors with it.
CONNECTIVITY_SETTLE: Final = timedelta(minutes=1)
# The error type when HA logged the failure without an exception: what HA's
# DataUpdateCoordinator does for UpdateFailed ("Error fetching ... data").
UPDATE_FAILED: Final = "update_failed"


class OutageErrors:
    """The integrations' error records, folded into the printers' outages."""

    def __init__(self, hass: HomeAssistant, runtime: UsageRuntime) -> None:
        """Count into this runtime."""
        self._hass = hass
        self.runtime = runtime
        # Per domain: recent records (when, exception class name or None).
        self._records: dict[str, list[tuple[datetime, str | None]]] = {}
        # Per domain: the printers offline now, and when one last went offline.
        self._offline: dict[str, set[str]] = {}
        self._last_offline: dict[str, datetime] = {}
        self._timers: set[CALLBACK_TYPE] = set()
        self._stopped = False

    @callback
    def async_note(self, domain: str, error_type: str | None) -> None:
        """Hold one ERROR record; count it alone if no outage explains it."""
        if self._stopped:
            # Logged in another thread just before the entry unloaded.
            return
        now = dt_util.utcnow()
        records = self._records.setdefault(domain, [])
        records[:] = [r for r in records if now - r[0] <= 2 * CONNECTIVITY_SETTLE]
        records.append((now, error_type))
        if self._offline.get(domain):
            # Coordinators log every failed poll; the outage counts them once.
            return
        cancel: CALLBACK_TYPE | None = None

        @callback
        def _async_check(_now: Any) -> None:
            if cancel is not None:
                self._timers.discard(cancel)
            if self._offline.get(domain):
                return  # the outage counts it
            last = self._last_offline.get(domain)
            if last is not None and last >= now - CONNECTIVITY_SETTLE:
                return  # part of a flap, or of an outage already counted
            self.runtime.record_event(
                "error_occurred",
                {"component": domain, "error_type": error_type or UPDATE_FAILED},
            )

        cancel = async_call_later(
            self._hass,
            CONNECTIVITY_SETTLE,
            HassJob(_async_check, cancel_on_shutdown=True),
        )
        self._timers.add(cancel)

    @callback
    def async_set_online(self, domain: str, printer: str, online: bool) -> None:
        """Note what the connectivity watcher sees of a printer, at once."""
        offline = self._offline.setdefault(domain, set())
        if online:
            offline.discard(printer)
            return
        offline.add(printer)
        self._last_offline[domain] = dt_util.utcnow()

    @callback
    def async_outage(self, domain: str, since: datetime) -> None:
        """Count one error for an outage of one printer that began at `since`.

        Its type is the first exception class logged around the outage's
        start, else `update_failed`.
        """
        error_type = next(
            (
                name
                for moment, name in self._records.get(domain, [])
                if name is not None and moment >= since - CONNECTIVITY_SETTLE
            ),
            UPDATE_FAILED,
        )
        self.runtime.record_event(
            "error_occurred", {"component": domain, "error_type": error_type}
        )

    @callback
    def async_stop(self) -> None:
        """Cancel what is still waiting; count nothing more."""
        self._stopped = True
        for cancel in self._timers:
            cancel()
        self._timers.clear()


class PrinterErrorHandler(logging.Handler):
    """Hand ERROR records of one integration to its outages."""

    def __init__(self, hass: HomeAssistant, outages: OutageErrors, domain: str) -> None:
        """Count errors logged by `domain`."""
        super().__init__(logging.ERROR)
        self._hass = hass
        self._outages = outages
        self._domain = domain

    def emit(self, record: logging.LogRecord) -> None:
        """Hand the class name and domain to the event loop (any thread may log)."""
        error_type: str | None = None
        if record.exc_info and record.exc_info[0] is not None:
            error_type = record.exc_info[0].__name__
        # A closed event loop raises: Home Assistant has stopped (entries are
        # not unloaded then), and there is nothing left to count into.
        with suppress(RuntimeError):
            self._hass.loop.call_soon_threadsafe(
                self._outages.async_note, self._domain, error_type
            )


def integration_loggers(domain: str) -> tuple[str, ...]:
    """Return the logger names a core or a custom integration logs under."""
    return (f"homeassistant.components.{domain}", f"custom_components.{domain}")


@callback
def async_setup_error_counting(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry, outages: OutageErrors
) -> None:
    """Attach a handler to every known printer integration's loggers."""
    entry.async_on_unload(outages.async_stop)
    for domain in PRINTER_TYPE_BY_DOMAIN:
        handler = PrinterErrorHandler(hass, outages, domain)
        for name in integration_loggers(domain):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            entry.async_on_unload(partial(logger.removeHandler, handler))
