"""Fix flow: agree again to a report that gained fields, or stop sharing."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult

from .consent import Consent
from .const import DOMAIN


class ConsentRepairFlow(RepairsFlow):
    """Show what the report gained and ask again; declining turns sharing off."""

    def __init__(self, consent: Consent, new_fields: str) -> None:
        """Remember whose consent this is and what changed since it was given."""
        self._consent = consent
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
        """Agree to the current report (repair flows are for administrators)."""
        self._consent.async_agree_current_version()
        return self.async_create_entry(data={})

    async def async_step_decline(
        self, user_input: dict[str, str] | None = None
    ) -> FlowResult:
        """Stop sharing (which also asks the server to delete what it has)."""
        self._consent.async_turn_off()
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Return the fix flow of the consent issue (raised only while loaded)."""
    entry = hass.config_entries.async_loaded_entries(DOMAIN)[0]
    return ConsentRepairFlow(
        entry.runtime_data.consent, str((data or {}).get("new_fields", ""))
    )
