"""The consent switch: share the weekly anonymized report or not."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import CONF_SHARE_STATISTICS
from .entity import PrinternizerUsageEntity
from .runtime import PrinternizerUsageConfigEntry

PARALLEL_UPDATES = 0

SHARE_STATISTICS = SwitchEntityDescription(
    key=CONF_SHARE_STATISTICS,
    translation_key=CONF_SHARE_STATISTICS,
    entity_category=EntityCategory.CONFIG,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerUsageConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the consent switch."""
    async_add_entities([ShareStatisticsSwitch(entry, SHARE_STATISTICS)])


class ShareStatisticsSwitch(PrinternizerUsageEntity, SwitchEntity):
    """Mirrors the `share_statistics` option; the options flow edits the same value.

    Turning it on is consent, which only an administrator may give in person;
    turning it off is allowed to anyone who may control the entity.
    """

    @property
    def is_on(self) -> bool:
        """Return whether sharing is on."""
        return self.runtime.consent.share

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Agree to share the weekly report, if an administrator asks."""
        await self.runtime.consent.async_turn_on(self._context or Context())

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Stop sharing."""
        self.runtime.consent.async_turn_off()
