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
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .const import (
    CONF_API_KEY,
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from .payload import PayloadRejectedError, validate_endpoint
from .runtime import consent_options

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
                options=consent_options({}, share=user_input[CONF_SHARE_STATISTICS]),
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
    """Change the consent, the endpoint and the API key."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the current settings; only https endpoints are accepted."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                endpoint = validate_endpoint(user_input[CONF_ENDPOINT])
            except PayloadRejectedError:
                errors[CONF_ENDPOINT] = "invalid_endpoint"
            else:
                options = consent_options(
                    self.config_entry.options,
                    share=user_input[CONF_SHARE_STATISTICS],
                )
                options[CONF_ENDPOINT] = endpoint
                options[CONF_API_KEY] = user_input.get(CONF_API_KEY, "")
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema(
                    {
                        vol.Required(CONF_SHARE_STATISTICS): bool,
                        vol.Required(CONF_ENDPOINT): TextSelector(
                            TextSelectorConfig(type=TextSelectorType.URL)
                        ),
                        vol.Optional(CONF_API_KEY): TextSelector(
                            TextSelectorConfig(type=TextSelectorType.PASSWORD)
                        ),
                    }
                ),
                {
                    CONF_ENDPOINT: DEFAULT_ENDPOINT,
                    **self.config_entry.options,
                    **(user_input or {}),
                },
            ),
            errors=errors,
        )
