"""Fix flows: agree again to a report that gained fields; keep one report per home."""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant

from .compat import RepairsFlowResult
from .const import DOMAIN, ISSUE_TWO_REPORTS
from .runtime import UsageRuntime


class ConsentRepairFlow(RepairsFlow):
    """Show what the report gained and ask again; declining turns sharing off."""

    def __init__(self, runtime: UsageRuntime, new_fields: str) -> None:
        """Remember whose consent this is and what changed since it was given."""
        self._consent = runtime.consent
        self._new_fields = new_fields

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Offer to agree or to stop sharing."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["agree", "decline"],
            description_placeholders={"new_fields": self._new_fields},
        )

    async def async_step_agree(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Agree to the current report (repair flows are for administrators)."""
        self._consent.async_agree_current_version()
        return self.async_create_entry(data={})

    async def async_step_decline(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Stop sharing (which also asks the server to delete what it has)."""
        self._consent.async_turn_off()
        return self.async_create_entry(data={})


class TwoReportsRepairFlow(RepairsFlow):
    """Printernizer and this integration both send: the person keeps one.

    Printernizer's own setting is changed only here, on this explicit choice.
    """

    def __init__(self, runtime: UsageRuntime) -> None:
        """Remember the entry's consent and its Printernizer."""
        self._runtime = runtime

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Offer to stop one of the two reports."""
        return self.async_show_menu(
            step_id="init",
            menu_options=["stop_printernizer_sharing", "stop_our_sharing"],
        )

    async def async_step_stop_printernizer_sharing(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Turn Printernizer's own report off through its API."""
        if not await self._runtime.bridge.async_stop_printernizer_sharing():
            return self.async_abort(reason="cannot_connect")
        return self.async_create_entry(data={})

    async def async_step_stop_our_sharing(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Turn this integration's report off (and ask for deletion)."""
        self._runtime.consent.async_turn_off()
        return self.async_create_entry(data={})


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Return the fix flow of an issue (both are raised only while loaded)."""
    runtime: UsageRuntime = hass.config_entries.async_loaded_entries(DOMAIN)[
        0
    ].runtime_data
    if issue_id == ISSUE_TWO_REPORTS:
        return TwoReportsRepairFlow(runtime)
    return ConsentRepairFlow(runtime, str((data or {}).get("new_fields", "")))
