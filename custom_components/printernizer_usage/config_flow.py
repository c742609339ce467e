"""Consent dialog (config flow) and the options to change that choice later."""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback

from .const import CONF_SHARE_STATISTICS, DOMAIN

TITLE = "Printernizer Usage Statistics"


class PrinternizerUsageConfigFlow(ConfigFlow, domain=DOMAIN):
    """Show what is collected and ask whether the weekly report may be sent."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the disclosure; counting stays local unless sharing is ticked."""
        if user_input is not None:
            return self.async_create_entry(
                title=TITLE,
                data={},
                options={CONF_SHARE_STATISTICS: user_input[CONF_SHARE_STATISTICS]},
            )
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {vol.Required(CONF_SHARE_STATISTICS, default=False): bool}
            ),
        )

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: ConfigEntry,
    ) -> PrinternizerUsageOptionsFlow:
        """Return the options flow."""
        return PrinternizerUsageOptionsFlow()


class PrinternizerUsageOptionsFlow(OptionsFlow):
    """Change the consent; the switch entity edits the same option."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the current choice."""
        if user_input is not None:
            return self.async_create_entry(
                data={**self.config_entry.options, **user_input}
            )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_SHARE_STATISTICS): bool}),
                self.config_entry.options,
            ),
        )
