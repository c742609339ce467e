"""Small helpers shared by the test modules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.printernizer_usage.const import DOMAIN
from homeassistant.core import HomeAssistant


async def async_call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    """Call one of the integration's services and return its response."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert response is not None
    return response


async def async_export(hass: HomeAssistant) -> dict[str, Any]:
    """Return everything stored, through the export service."""
    return await async_call(hass, "export")


async def async_advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the clock on, fire what is due, and wait for it to finish."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
