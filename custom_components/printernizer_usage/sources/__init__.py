"""Where events come from: the bus event, HA itself, and HA's 3D-printer integrations.

Every source hands its events to the runtime, which passes them through the
same allowlist as the service and the Python method.
"""

from __future__ import annotations

from homeassistant.core import Event, HomeAssistant, callback

from ..const import ATTR_EVENT_TYPE, ATTR_METADATA, EVENT_USAGE
from ..core.allowlist import InvalidMetadataError, UnknownEventTypeError
from ..runtime import PrinternizerUsageConfigEntry
from .errors import OutageErrors, async_setup_error_counting
from .fleet import async_setup_fleet
from .jobs import PrinterWatcher
from .lifecycle import async_setup_lifecycle


@callback
def async_setup_sources(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> None:
    """Start every source; each stops when the entry unloads."""
    runtime = entry.runtime_data

    @callback
    def _async_handle_usage_event(event: Event) -> None:
        # Whoever fires the event cannot see an error, so a bad one is counted
        # as rejected instead of raising.
        try:
            runtime.async_record(
                event.data.get(ATTR_EVENT_TYPE), event.data.get(ATTR_METADATA)
            )
        except (UnknownEventTypeError, InvalidMetadataError):
            runtime.async_record_rejected()

    entry.async_on_unload(hass.bus.async_listen(EVENT_USAGE, _async_handle_usage_event))
    async_setup_lifecycle(hass, entry)
    async_setup_fleet(hass, entry)
    # Errors logged during a printer's outage are counted with the outage.
    outages = OutageErrors(hass, runtime)
    async_setup_error_counting(hass, entry, outages)
    entry.async_on_unload(PrinterWatcher(hass, runtime, outages).async_start())
