"""The printer fleet, from the device registry, kept current as devices change."""

from __future__ import annotations

from collections import Counter

from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from ..compat import registry_devices
from ..core.printer_rules import PRINTER_TYPE_BY_DOMAIN
from ..runtime import PrinternizerUsageConfigEntry


def count_printers(registry: dr.DeviceRegistry) -> dict[str, int]:
    """Count printer devices of known integrations, per printer type.

    Devices attached to another device (AMS units, external spools, hotend
    racks) are parts of a printer, not printers.
    """
    counts: Counter[str] = Counter()
    for device in registry_devices(registry):
        if device.via_device_id is not None:
            continue
        types = sorted(
            PRINTER_TYPE_BY_DOMAIN[domain]
            for domain, _ in device.identifiers
            if domain in PRINTER_TYPE_BY_DOMAIN
        )
        if types:
            counts[types[0]] += 1
    return dict(sorted(counts.items()))


@callback
def async_setup_fleet(hass: HomeAssistant, entry: PrinternizerUsageConfigEntry) -> None:
    """Count the fleet now and whenever a device is added, changed or removed."""
    runtime = entry.runtime_data
    registry = dr.async_get(hass)

    @callback
    def _async_update() -> None:
        fleet = count_printers(registry)
        if fleet != runtime.ha_printer_types:
            runtime.ha_printer_types = fleet
            runtime.async_update_listeners()

    @callback
    def _async_device_changed(event: Event[dr.EventDeviceRegistryUpdatedData]) -> None:
        # HA registers every device at start-up; recount only for printer ones
        # (and for removals, which no longer show what the device was).
        device = registry.async_get(event.data["device_id"])
        if device is None or any(
            domain in PRINTER_TYPE_BY_DOMAIN for domain, _ in device.identifiers
        ):
            _async_update()

    _async_update()
    entry.async_on_unload(
        hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, _async_device_changed)
    )
