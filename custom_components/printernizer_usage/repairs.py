"""Fix flows: agree again to a changed report, or replace a refused API key."""

from __future__ import annotations

import voluptuous as vol

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_API_KEY,
    CONF_CONSENT_VERSION,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DOMAIN,
    ISSUE_CONSENT_NEEDED,
)


def _entry(hass: HomeAssistant) -> ConfigEntry:
    return hass.config_entries.async_entries(DOMAIN)[0]


def _update_options(hass: HomeAssistant, **changes: object) -> None:
    entry = _entry(hass)
    hass.config_entries.async_update_entry(entry, options={**entry.options, **changes})


class ConsentRepairFlow(RepairsFlow):
    """Show what the report gained and ask again; declining turns sharing off."""

    def __init__(self, new_fields: str) -> None:
        """Remember what changed since the person last agreed."""
        self._new_fields = new_fields

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Offer to agree or to stop sharing."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["agree", "decline"],
            description_placeholders={"new_fields": self._new_fields},
        )

    async def async_step_agree(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Agree to the current report."""
        _update_options(self.hass, **{CONF_CONSENT_VERSION: CONSENT_VERSION})
        return self.async_create_entry(data={})

    async def async_step_decline(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Stop sharing (which also asks the server to delete what it has)."""
        _update_options(self.hass, **{CONF_SHARE_STATISTICS: False})
        return self.async_create_entry(data={})


class ApiKeyRepairFlow(RepairsFlow):
    """Ask for a new API key after the server refused the old one."""

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Start with the key field (the manager passes its own data here)."""
        return await self.async_step_api_key()

    async def async_step_api_key(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Show the key field; saving it resumes sending."""
        if user_input is not None:
            _update_options(
                self.hass, **{CONF_API_KEY: user_input.get(CONF_API_KEY, "")}
            )
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="api_key",
            data_schema=vol.Schema(
                {
                    vol.Optional(CONF_API_KEY): TextSelector(
                        TextSelectorConfig(type=TextSelectorType.PASSWORD)
                    )
                }
            ),
        )


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Return the fix flow for one of this integration's issues."""
    if issue_id == ISSUE_CONSENT_NEEDED:
        issue_data = data or {}
        return ConsentRepairFlow(str(issue_data.get("new_fields", "")))
    return ApiKeyRepairFlow()
