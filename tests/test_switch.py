"""The consent switch mirrors the share option."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.const import (
    CONF_CONSENT_VERSION,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DOMAIN,
)
from homeassistant.components.switch import (
    DOMAIN as SWITCH_DOMAIN,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"
STATUS = "sensor.printernizer_usage_statistics_submission_status"


async def test_switch_turns_sharing_on_and_off(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    registry_entry = entity_registry.async_get(SWITCH)
    assert registry_entry is not None
    assert registry_entry.entity_category is er.EntityCategory.CONFIG
    assert hass.states.get(SWITCH).state == "off"
    runtime = init_integration.runtime_data
    assert runtime.installation.installation_id is None

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    await hass.async_block_till_done()

    assert init_integration.options == {
        CONF_SHARE_STATISTICS: True,
        CONF_CONSENT_VERSION: CONSENT_VERSION,
    }
    assert hass.states.get(SWITCH).state == "on"
    assert hass.states.get(STATUS).state == "scheduled"
    first_id = runtime.installation.installation_id
    assert first_id is not None

    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    await hass.async_block_till_done()

    assert init_integration.options[CONF_SHARE_STATISTICS] is False
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(STATUS).state == "disabled"
    assert runtime.installation.installation_id is None

    # Opting in again gives a new random id.
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    await hass.async_block_till_done()
    assert runtime.installation.installation_id not in (None, first_id)


@pytest.mark.parametrize("share_statistics", [True])
async def test_switch_follows_options_flow(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get(SWITCH).state == "on"
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_SHARE_STATISTICS: False}
    )
    await hass.async_block_till_done()
    assert hass.states.get(SWITCH).state == "off"
    assert hass.config_entries.async_entries(DOMAIN)[0].options == {
        CONF_SHARE_STATISTICS: False
    }
