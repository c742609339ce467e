"""The authenticated download of all local data."""

from __future__ import annotations

from http import HTTPStatus
import json

from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.const import EVENT_USAGE
from homeassistant.core import HomeAssistant

URL = "/api/printernizer_usage/export"


async def test_download_matches_export_service(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    hass.bus.async_fire(
        EVENT_USAGE, {"event_type": "job_created", "metadata": {"feature": "library"}}
    )
    await hass.async_block_till_done()
    client = await hass_client()

    response = await client.get(URL)

    assert response.status == HTTPStatus.OK
    assert response.content_type == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="printernizer_usage_export_2026-11-25.json"'
    )
    body = json.loads(await response.read())
    service = await hass.services.async_call(
        "printernizer_usage", "export", blocking=True, return_response=True
    )
    assert body == service
    assert body["counts"]["totals"] == {"job_created": 1}


async def test_download_needs_an_admin(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    hass_read_only_access_token: str,
) -> None:
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(URL)).status == HTTPStatus.UNAUTHORIZED

    read_only = await hass_client(hass_read_only_access_token)
    assert (await read_only.get(URL)).status == HTTPStatus.UNAUTHORIZED


async def test_download_when_not_loaded(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    client = await hass_client()
    response = await client.get(URL)
    assert response.status == HTTPStatus.NOT_FOUND
