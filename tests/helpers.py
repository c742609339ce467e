"""Small helpers shared by the test modules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
import logging
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import DOMAIN
from homeassistant.auth.models import User
from homeassistant.components.repairs import RepairsFlowManager, repairs_flow_manager
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.data_entry_flow import FlowResult
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component

from .conftest import agreed_installation

# Loggers of the test set-up itself (its mock storage logs whole files, and
# asyncio's debug mode reports each jump of the frozen clock as a slow step)
# and of the machine (no fast zlib), not of Home Assistant or the integration.
HARNESS_LOGGERS = (
    "pytest_homeassistant_custom_component",
    "asyncio",
    "aiohttp_fast_zlib",
)


def leaves(value: Any) -> list[Any]:
    """Return every value inside nested JSON objects and lists."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item)]
    return [value]


def logged_records(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """Return the records of Home Assistant and the integration, not the harness's."""
    return [record for record in records if not record.name.startswith(HARNESS_LOGGERS)]


SHARE_SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"


async def async_use_share_switch(
    hass: HomeAssistant, service: str, user: User | None = None
) -> None:
    """Call a switch action on the consent switch, as `user` (None: an automation)."""
    await hass.services.async_call(
        "switch",
        service,
        {ATTR_ENTITY_ID: SHARE_SWITCH},
        blocking=True,
        context=Context(user_id=user.id if user else None),
    )
    await hass.async_block_till_done()


async def async_call(hass: HomeAssistant, service: str, **data: Any) -> dict[str, Any]:
    """Call one of the integration's services and return its response."""
    response = await hass.services.async_call(
        DOMAIN, service, data, blocking=True, return_response=True
    )
    assert response is not None
    return response


async def async_submit_now(hass: HomeAssistant) -> str:
    """Send now; return "sent" or "nothing_to_send", or why not as "<why>: <status>".

    Every other outcome must be a translated error of this integration.
    """
    try:
        response = await async_call(hass, "submit_now")
    except HomeAssistantError as err:
        error = err
    else:
        return str(response["result"])
    assert error.translation_domain == DOMAIN
    assert error.translation_key is not None
    # What the person reads is the sentence, filled, not the key.
    assert str(error) not in ("", error.translation_key)
    assert "{" not in str(error)
    why = error.translation_key.removeprefix("submit_")
    status = (error.translation_placeholders or {}).get("status")
    return f"{why}: {status}" if status else why


async def async_export(hass: HomeAssistant) -> dict[str, Any]:
    """Return everything stored, through the export service."""
    return await async_call(hass, "export")


async def async_advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Move the clock on, fire what is due, and wait for it to finish."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    # Requests run as background tasks of the entry.
    await hass.async_block_till_done(wait_background_tasks=True)


async def async_setup_sharing_entry(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    **options: Any,
) -> MockConfigEntry:
    """Set up an entry with sharing on, weeks of stored history and `options`."""
    stored_data["data"]["installation"] = agreed_installation()
    hass_storage[DOMAIN] = stored_data
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options={**consent_options({}, share=True), **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def async_render(
    hass: HomeAssistant,
    key: str,
    placeholders: Mapping[str, str] | None = None,
    language: str = "en",
) -> str:
    """Return the text at `key` ("options.step.preview.title"), as a person reads it.

    Filled like the frontend fills it; a placeholder without a value fails.
    """
    category = key.split(".", 1)[0]
    strings = await async_get_translations(hass, language, category, [DOMAIN])
    text = strings[f"component.{DOMAIN}.{key}"]
    values = placeholders or {}

    def fill(match: re.Match[str]) -> str:
        assert match.group(1) in values, f"{match.group(0)} unfilled in {key}"
        return values[match.group(1)]

    return re.sub(r"\{(\w+)\}", fill, text)


async def async_render_step(
    hass: HomeAssistant,
    result: Mapping[str, Any],
    category: str = "options",
    language: str = "en",
) -> str:
    """Return a form step's title and description as a person reads them."""
    step = f"{category}.step.{result['step_id']}"
    placeholders = result.get("description_placeholders") or {}
    title = await async_render(hass, f"{step}.title", placeholders, language)
    description = await async_render(
        hass, f"{step}.description", placeholders, language
    )
    return f"{title}\n\n{description}"


async def async_shown(hass: HomeAssistant, result: Mapping[str, Any]) -> str:
    """Return what a finished flow or a form's errors say, as a person reads it.

    An abort says its reason; a form says the error under each field, in order.
    """
    category = "config" if result["handler"] == DOMAIN else "options"
    placeholders = result.get("description_placeholders")
    if result["type"] == "abort":
        return await async_render(
            hass, f"{category}.abort.{result['reason']}", placeholders
        )
    errors = [
        await async_render(hass, f"{category}.error.{error}", placeholders)
        for error in result["errors"].values()
    ]
    return " ".join(errors)


async def async_start_repair_flow(
    hass: HomeAssistant, issue_id: str
) -> tuple[RepairsFlowManager, FlowResult]:
    """Open the fix flow of one of the integration's repair issues."""
    assert await async_setup_component(hass, "repairs", {})
    manager = repairs_flow_manager(hass)
    assert manager is not None
    return manager, await manager.async_init(DOMAIN, data={"issue_id": issue_id})
