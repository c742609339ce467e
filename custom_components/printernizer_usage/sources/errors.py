"""error_occurred from the printer integrations' own error log records.

A logging handler on those integrations' loggers reads one thing from a
record: the class of the exception it carries. Messages, tracebacks, file
names and paths are never read. (HA's `system_log_event` would need
`system_log: fire_event: true` in configuration.yaml; a handler needs nothing.)
"""

from __future__ import annotations

from functools import partial
import logging

from homeassistant.core import HomeAssistant, callback

from ..printers import PRINTER_TYPE_BY_DOMAIN
from ..runtime import PrinternizerUsageConfigEntry, UsageRuntime


class PrinterErrorHandler(logging.Handler):
    """Count ERROR records of one integration as error_occurred."""

    def __init__(self, hass: HomeAssistant, runtime: UsageRuntime, domain: str) -> None:
        """Count errors logged by `domain`."""
        super().__init__(logging.ERROR)
        self._hass = hass
        self._runtime = runtime
        self._domain = domain

    def emit(self, record: logging.LogRecord) -> None:
        """Hand the class name and domain to the event loop (any thread may log)."""
        metadata = {"component": self._domain}
        if record.exc_info and record.exc_info[0] is not None:
            metadata["error_type"] = record.exc_info[0].__name__
        self._hass.loop.call_soon_threadsafe(
            self._runtime.record_event, "error_occurred", metadata
        )


def integration_loggers(domain: str) -> tuple[str, ...]:
    """Return the logger names a core or a custom integration logs under."""
    return (f"homeassistant.components.{domain}", f"custom_components.{domain}")


@callback
def async_setup_error_counting(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> None:
    """Attach a handler to every known printer integration's loggers."""
    for domain in PRINTER_TYPE_BY_DOMAIN:
        handler = PrinterErrorHandler(hass, entry.runtime_data, domain)
        for name in integration_loggers(domain):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            entry.async_on_unload(partial(logger.removeHandler, handler))
