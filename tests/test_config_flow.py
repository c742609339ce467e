"""The consent dialog and the options flow."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.const import CONF_SHARE_STATISTICS, DOMAIN
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType


@pytest.mark.parametrize("share", [False, True])
async def test_user_step_creates_entry(hass: HomeAssistant, share: bool) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    schema = result["data_schema"]
    assert schema is not None
    # The box is unticked unless the person ticks it.
    assert schema({}) == {CONF_SHARE_STATISTICS: False}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SHARE_STATISTICS: share}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Printernizer Usage Statistics"
    assert result["data"] == {}
    assert result["options"] == {CONF_SHARE_STATISTICS: share}
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.options == {CONF_SHARE_STATISTICS: share}


async def test_single_instance(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_options_flow_changes_consent(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    switch = "switch.printernizer_usage_statistics_share_anonymous_statistics"
    assert hass.states.get(switch).state == "off"

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SHARE_STATISTICS: True}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {CONF_SHARE_STATISTICS: True}
    assert hass.states.get(switch).state == "on"
