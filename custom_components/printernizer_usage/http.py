"""Download of all local data as a JSON file ("Download my data")."""

from __future__ import annotations

from http import HTTPStatus
from typing import Final

from aiohttp import web

from homeassistant.components.http.decorators import require_admin
from homeassistant.helpers.http import KEY_HASS, HomeAssistantView
from homeassistant.helpers.json import json_bytes
from homeassistant.util import dt as dt_util

from .const import DOMAIN

EXPORT_URL: Final = f"/api/{DOMAIN}/export"


def export_filename() -> str:
    """Return the name of today's export file."""
    return f"{DOMAIN}_export_{dt_util.now():%Y-%m-%d}.json"


class UsageExportView(HomeAssistantView):
    """Serve the same JSON as the `export` service, as an attachment."""

    url = EXPORT_URL
    name = f"api:{DOMAIN}:export"
    requires_auth = True

    @require_admin
    async def get(self, request: web.Request) -> web.Response:
        """Return the export of the loaded entry."""
        hass = request.app[KEY_HASS]
        if not (entries := hass.config_entries.async_loaded_entries(DOMAIN)):
            return self.json_message(
                "Printernizer Usage Statistics is not loaded", HTTPStatus.NOT_FOUND
            )
        return web.Response(
            body=json_bytes(entries[0].runtime_data.export()),
            content_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="{export_filename()}"'
            },
        )
