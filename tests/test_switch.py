"""The consent switch: an administrator turns sharing on, anyone may turn it off."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer_usage.const import (
    CONF_CONSENT_VERSION,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DOMAIN,
)
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.auth.models import User
from homeassistant.components.switch import (
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from .helpers import SHARE_SWITCH, async_export, async_use_share_switch

SWITCH = SHARE_SWITCH
STATUS = "sensor.printernizer_usage_statistics_submission_status"
TURN_ON_ACTION = {"action": "switch.turn_on", "target": {ATTR_ENTITY_ID: SWITCH}}
# As a person reads them: HA drops the message's final full stop.
PERSON_NEEDED = (
    "Sharing can only be turned on by an administrator in person, not by an"
    " automation, a script or an add-on. Open the integration's options or use"
    " the switch yourself"
)
ADMIN_NEEDED = "Only an administrator can turn on sharing of usage statistics"


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


async def test_an_administrator_turns_sharing_on_from_the_frontend(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The switch's own path: a person's call over the websocket, as the UI makes it."""
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": "switch",
            "service": SERVICE_TURN_ON,
            "target": {ATTR_ENTITY_ID: SWITCH},
        }
    )
    assert (await client.receive_json())["success"]
    await hass.async_block_till_done()

    assert init_integration.options[CONF_SHARE_STATISTICS] is True
    assert hass.states.get(SWITCH).state == "on"
    assert await _installation_id(hass) is not None


async def _assert_nothing_changed(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert entry.options == {CONF_SHARE_STATISTICS: False}
    assert hass.states.get(SWITCH).state == "off"
    assert hass.states.get(STATUS).state == "disabled"
    assert await _installation_id(hass) is None


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("household member", ADMIN_NEEDED),
        ("system user", PERSON_NEEDED),
        ("nobody", PERSON_NEEDED),
    ],
)
async def test_only_an_administrator_can_turn_sharing_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_household_user: User,
    who: str,
    message: str,
) -> None:
    """Not a household member, not an add-on or HA Cloud, not a call without a user."""
    users = {
        "household member": hass_household_user,
        # The Supervisor's user, through which add-ons call; an administrator.
        "system user": await hass.auth.async_create_system_user(
            "Supervisor", group_ids=[GROUP_ID_ADMIN]
        ),
        "nobody": None,
    }
    for service in (SERVICE_TURN_ON, SERVICE_TOGGLE):
        with pytest.raises(ServiceValidationError) as err:
            await async_use_share_switch(hass, service, users[who])
        assert str(err.value) == message

    await _assert_nothing_changed(hass, init_integration)


async def test_a_script_started_by_an_administrator_cannot_turn_sharing_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    """A script calls with the context of whoever started it: still not a person."""
    assert await async_setup_component(
        hass, "script", {"script": {"consent": {"sequence": [TURN_ON_ACTION]}}}
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "script",
            "consent",
            blocking=True,
            context=Context(user_id=hass_admin_user.id),
        )
    assert str(err.value) == PERSON_NEEDED

    await _assert_nothing_changed(hass, init_integration)


async def test_an_automation_cannot_turn_sharing_on(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_admin_user: MockUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Not even one that an administrator's own act triggered."""
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "triggers": [{"trigger": "event", "event_type": "consent_please"}],
                "actions": [TURN_ON_ACTION],
            }
        },
    )
    hass.bus.async_fire("consent_please", context=Context(user_id=hass_admin_user.id))
    await hass.async_block_till_done()

    assert PERSON_NEEDED in caplog.text
    await _assert_nothing_changed(hass, init_integration)


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
