"""Diagnostics never contain the installation id."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.const import CONSENT_VERSION, EVENT_USAGE
from homeassistant.core import HomeAssistant

from .helpers import async_export


@pytest.mark.parametrize("share_statistics", [True])
async def test_diagnostics(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    hass.bus.async_fire(
        EVENT_USAGE,
        {"event_type": "error_occurred", "metadata": {"error_type": "TimeoutError"}},
    )
    await hass.async_block_till_done()
    installation_id = (await async_export(hass))["installation"]["installation_id"]
    assert installation_id is not None

    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )

    assert installation_id not in str(diagnostics)
    assert diagnostics["options"] == {
        "share_statistics": True,
        "consent_version": CONSENT_VERSION,
    }
    data = diagnostics["data"]
    assert data["installation"] == {
        "installation_id": "**REDACTED**",
        "consent_start": "2026-11-25",
        "submitted_ids": "**REDACTED**",
        "sent": "**REDACTED**",
    }
    assert data["counts"]["days"]["2026-11-25"] == {
        "events": {"error_occurred": 1},
        "labels": {"error_occurred": {"error_type": {"timeout_error": 1}}},
    }
    assert data["counts"]["totals"] == {"error_occurred": 1}
    assert data["submission"]["outbox"] is None
    assert diagnostics["storage"] == {"read_only": False, "writes_since_start": 0}
    assert diagnostics["submission"]["status"] == "scheduled"
    assert diagnostics["submission"]["consent_current"] is True
