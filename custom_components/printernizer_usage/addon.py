"""The Printernizer add-on, found through the Supervisor (HA OS and Supervised)."""

from __future__ import annotations

from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.hassio import is_hassio

from .const import LOGGER

# Add-on slugs are "<repository hash>_printernizer" (or "local_printernizer");
# the hash depends on the URL the person added, so only the end is known.
ADDON_SLUG_END: Final = "_printernizer"
# printernizer-ha, printernizer/config.yaml (44f3a2a): `host_network: true`,
# the API on port 8000 (`ingress_port`), no authentication behind ingress.
ADDON_PORT: Final = 8000


async def async_find_addon_url(hass: HomeAssistant) -> str | None:
    """Return the installed Printernizer add-on's internal address, or None."""
    if not is_hassio(hass):
        return None
    # Loaded whenever the Supervisor is (is_hassio), so this imports nothing new.
    from homeassistant.components.hassio.handler import (  # noqa: PLC0415
        get_supervisor_client,
    )

    try:
        client = get_supervisor_client(hass)
        for addon in await client.addons.list():
            if addon.slug.endswith(ADDON_SLUG_END):
                info = await client.addons.addon_info(addon.slug)
                return f"http://{info.hostname}:{ADDON_PORT}"
    except Exception:  # noqa: BLE001 - only a suggestion: typing it in still works
        LOGGER.debug("Could not ask the Supervisor for add-ons", exc_info=True)
    return None
