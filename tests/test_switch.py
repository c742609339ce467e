"""The consent switch: an administrator turns sharing on, anyone may turn it off."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.printernizer_usage.const import (
    CONF_CONSENT_VERSION,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DOMAIN,
)
from homeassistant.auth.models import User
from homeassistant.components.switch import (
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er

from .helpers import SHARE_SWITCH, async_export, async_use_share_switch

SWITCH = SHARE_SWITCH
STATUS = "sensor.printernizer_usage_statistics_submission_status"


async def _installation_id(hass: HomeAssistant) -> str | None:
    installation_id: str | None = (await async_export(hass))["installation"][
        "installation_id"
    ]
    return installation_id


async def test_switch_turns_sharing_on_and_off(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    hass_admin_user: MockUser,
) -> None:
    registry_entry = entity_registry.async_get(SWITCH)
    assert registry_entry is not None
    assert registry_entry.entity_category is er.EntityCategory.CONFIG
    assert hass.states.get(SWITCH).state == "off"
    assert await _installation_id(hass) is None

    await async_use_share_switch(hass, SERVICE_TURN_ON, hass_admin_user)

    assert init_integration.options == {
        CONF_SHARE_STATISTICS: True,
        CONF_CONSENT_VERSION: CONSENT_VERSION,
    }
    assert hass.states.get(SWITCH).state == "on"
    assert hass.states.get(STATUS).state == "scheduled"
    first_id = await _installation_id(hass)
    assert first_id is not None
    # Consent starts today: the first report covers nothing from before.
    export = await async_export(hass)
    assert export["installation"]["consent_start"] == "2026-11-25"

    await async_use_share_switch(hass, SERVICE_TURN_OFF, hass_admin_user)

    assert init_integration.options[CONF_SHARE_STATISTICS] is False
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(STATUS).state == "disabled"
    assert await _installation_id(hass) is None

    # Opting in again gives a new random id.
    await async_use_share_switch(hass, SERVICE_TOGGLE, hass_admin_user)
    assert await _installation_id(hass) not in (None, first_id)


@pytest.mark.parametrize(
    ("who", "translation_key"),
    [("user", "consent_needs_admin"), ("nobody", "consent_needs_person")],
)
async def test_only_an_administrator_can_turn_sharing_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_household_user: User,
    who: str,
    translation_key: str,
) -> None:
    """A household member or an automation cannot give consent for the admin."""
    user = hass_household_user if who == "user" else None
    for service in (SERVICE_TURN_ON, SERVICE_TOGGLE):
        with pytest.raises(HomeAssistantError) as err:
            await async_use_share_switch(hass, service, user)
        assert err.value.translation_domain == DOMAIN
        assert err.value.translation_key == translation_key

    assert init_integration.options == {CONF_SHARE_STATISTICS: False}
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(STATUS).state == "disabled"
    assert await _installation_id(hass) is None


@pytest.mark.parametrize("share_statistics", [True])
async def test_anyone_may_turn_sharing_off(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_household_user: User,
) -> None:
    """Stopping is the safe direction: a non-admin user and an automation may."""
    await async_use_share_switch(hass, SERVICE_TURN_OFF, hass_household_user)
    assert init_integration.options[CONF_SHARE_STATISTICS] is False
    assert hass.states.get(SWITCH).state == "off"

    await async_use_share_switch(hass, SERVICE_TURN_OFF, None)
    assert hass.states.get(SWITCH).state == "off"


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
