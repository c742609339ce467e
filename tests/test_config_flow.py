"""The consent dialog and the options flow."""

from __future__ import annotations

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONF_CONSENT_VERSION,
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DOMAIN,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"


@pytest.mark.parametrize(
    ("share", "options"),
    [
        (False, {CONF_SHARE_STATISTICS: False}),
        (True, {CONF_SHARE_STATISTICS: True, CONF_CONSENT_VERSION: CONSENT_VERSION}),
    ],
)
async def test_user_step_creates_entry(
    hass: HomeAssistant, share: bool, options: dict[str, object]
) -> None:
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
    assert result["options"] == options
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    assert entry.options == options


async def test_single_instance(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


async def test_options_flow_changes_consent_endpoint_and_key(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get("https://stats.example.org/v1/stats/summary", status=200)
    assert hass.states.get(SWITCH).state == "off"

    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: " https://stats.example.org/v1/ ",
            CONF_API_KEY: "secret-key",
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {
        CONF_SHARE_STATISTICS: True,
        CONF_CONSENT_VERSION: CONSENT_VERSION,
        CONF_ENDPOINT: "https://stats.example.org/v1",
        CONF_API_KEY: "secret-key",
    }
    assert hass.states.get(SWITCH).state == "on"
    # The new key was tried against the new service before it was saved.
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == "secret-key"


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://stats.printernizer.com",
        "stats.printernizer.com",
        "https://user@stats.printernizer.com",
        "https://stats.printernizer.com/?token=1",
        "https://[invalid",
    ],
)
async def test_options_flow_refuses_non_https_endpoints(
    hass: HomeAssistant, init_integration: MockConfigEntry, endpoint: str
) -> None:
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SHARE_STATISTICS: True, CONF_ENDPOINT: endpoint},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ENDPOINT: "invalid_endpoint"}
    # Nothing was changed by the refused input.
    assert init_integration.options == {CONF_SHARE_STATISTICS: False}

    # The form can still be completed after the error.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SHARE_STATISTICS: False, CONF_ENDPOINT: "https://stats.printernizer.com"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_API_KEY not in init_integration.options
