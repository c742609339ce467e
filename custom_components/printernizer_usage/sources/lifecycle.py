"""app_start and app_shutdown from Home Assistant's own start and stop."""

from __future__ import annotations

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers.start import async_at_started

from ..runtime import PrinternizerUsageConfigEntry


@callback
def async_setup_lifecycle(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> None:
    """Count HA starting (not the integration being added or reloaded) and stopping."""
    runtime = entry.runtime_data

    @callback
    def _async_started(_hass: HomeAssistant) -> None:
        runtime.async_record("app_start")

    @callback
    def _async_stopping(_event: Event) -> None:
        runtime.async_record("app_shutdown")

    if hass.state is not CoreState.running:
        entry.async_on_unload(async_at_started(hass, _async_started))
    # A plain listener: HA stops once, and unsubscribing a fired one-shot
    # listener on a later unload would log an error.
    entry.async_on_unload(
        hass.bus.async_listen(EVENT_HOMEASSISTANT_STOP, _async_stopping)
    )
