"""Base entity: one service device, names from translations, coalesced updates."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription

from .const import DOMAIN
from .runtime import PrinternizerUsageConfigEntry, UsageRuntime


class PrinternizerUsageEntity(Entity):
    """An entity of the Printernizer Usage Statistics service device."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: PrinternizerUsageConfigEntry, description: EntityDescription
    ) -> None:
        """Attach the entity to the entry's device."""
        self.entity_description = description
        self.runtime: UsageRuntime = entry.runtime_data
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry.entry_id)},
            # The name comes from translations (device.service.name).
            translation_key="service",
            manufacturer="Printernizer",
            entry_type=DeviceEntryType.SERVICE,
        )

    async def async_added_to_hass(self) -> None:
        """Follow the counts; updates arrive at most about once per second."""
        await super().async_added_to_hass()
        self.async_on_remove(self.runtime.async_add_listener(self.async_write_ha_state))
