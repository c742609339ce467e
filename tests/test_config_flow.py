"""The consent dialog and the options flow."""

from __future__ import annotations

from http import HTTPStatus
import json

from aiohttp import ClientError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
import voluptuous as vol

from custom_components.printernizer_usage.config_flow import CONF_CLEAR_API_KEY
from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONF_CONSENT_VERSION,
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component

from .helpers import async_shown

SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"
# The form errors as a person reads them.
REFUSED_KEY = "The statistics service refused this API key."
NOT_CHECKED = (
    "The key could not be checked: the statistics service did not answer as"
    " expected. Try again later."
)
NOT_HTTPS = "Enter an address that starts with https://"
SHOWN = {
    "invalid_api_key": REFUSED_KEY,
    "cannot_connect": NOT_CHECKED,
    "invalid_endpoint": NOT_HTTPS,
}


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
    assert await async_shown(hass, result) == (
        "Printernizer Usage Statistics is already set up; only one instance is"
        " possible."
    )


async def test_options_flow_changes_consent_endpoint_and_key(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.get("https://stats.example.org/v1/stats/summary", status=200)
    assert hass.states.get(SWITCH).state == "off"

    result = await _async_open_sharing(hass, init_integration)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sharing"

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
    result = await _async_open_sharing(hass, init_integration)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SHARE_STATISTICS: True, CONF_ENDPOINT: endpoint},
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ENDPOINT: "invalid_endpoint"}
    assert (await async_shown(hass, result)).startswith(NOT_HTTPS)
    # Nothing was changed by the refused input.
    assert init_integration.options == {CONF_SHARE_STATISTICS: False}

    # The form can still be completed after the error.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SHARE_STATISTICS: False, CONF_ENDPOINT: "https://stats.printernizer.com"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_API_KEY not in init_integration.options


# --- reauthentication and the API key in the options flow

STORED_KEY = "stored-secret"
KEYED_ENDPOINT = "https://stats.example.org/v1"
KEYED_SUMMARY_URL = f"{KEYED_ENDPOINT}/stats/summary"
OTHER_ENDPOINT = "https://other.example.net"
OTHER_SUMMARY_URL = f"{OTHER_ENDPOINT}/stats/summary"
OPTIONS_FLOW_URL = "/api/config/config_entries/options/flow"

# Keys that could not be sent in an HTTP header; surrounding whitespace is
# stripped first, so the control characters sit inside the key.
UNSENDABLE_KEYS = [
    "k-1\nX-Injected: 1",
    "k-1\r\nk-2",
    "k-1\tk-2",
    "k-1\x00",
    "schlüssel",
    "key-\u2028-sep",
]
# Every way the service can fail to say yes or no about a key.
NO_ANSWER = [
    pytest.param({"exc": ClientError()}, id="client_error"),
    pytest.param({"exc": TimeoutError()}, id="timeout"),
    pytest.param({"status": 500}, id="500"),
    pytest.param({"status": 404}, id="404"),
    pytest.param({"status": 302}, id="redirect"),
]


async def _async_open_sharing(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    """Open the options (a menu) and pick the sharing settings, as a person does."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "sharing"}
    )


@pytest.fixture
async def keyed_entry(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Set up the entry with its own endpoint and a stored API key."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        data={},
        options={
            **mock_config_entry.options,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            CONF_API_KEY: STORED_KEY,
        },
        entry_id=mock_config_entry.entry_id,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _start_reauth(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Start reauthentication as the integration does; return the flow's id."""
    entry.async_start_reauth(hass)
    await hass.async_block_till_done()
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["context"]["entry_id"] == entry.entry_id
    assert flow["step_id"] == "reauth_confirm"
    return flow["flow_id"]


def _suggested(result: ConfigFlowResult) -> dict[str, object]:
    """Return the suggested value of every field of a form that has one."""
    schema = result["data_schema"]
    assert schema is not None
    return {
        str(key): key.description["suggested_value"]
        for key in schema.schema
        if key.description and "suggested_value" in key.description
    }


@pytest.mark.parametrize("share_statistics", [True, False])
async def test_reauth_form_names_the_endpoint(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    flow_id = await _start_reauth(hass, keyed_entry)

    # Showing the form again (no input) is what the frontend gets.
    result = await hass.config_entries.flow.async_configure(flow_id)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["endpoint"] == KEYED_ENDPOINT
    assert result["errors"] == {}
    schema = result["data_schema"]
    assert schema is not None
    # The key is asked for, never suggested: the stored one stays on the server.
    assert _suggested(result) == {}
    assert STORED_KEY not in repr(schema.schema)
    with pytest.raises(vol.Invalid):
        schema({})
    # Opening the form asks nothing of the service.
    assert aioclient_mock.call_count == 0


async def test_reauth_from_the_harness_helper_uses_the_default_endpoint(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await init_integration.start_reauth_flow(hass)

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["endpoint"] == DEFAULT_ENDPOINT


@pytest.mark.parametrize("share_statistics", [True])
@pytest.mark.parametrize("status", [401, 403])
async def test_reauth_refused_key_is_not_stored(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: int,
) -> None:
    before = dict(keyed_entry.options)
    flow_id = await _start_reauth(hass, keyed_entry)
    aioclient_mock.get(KEYED_SUMMARY_URL, status=status)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "k-wrong"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == REFUSED_KEY
    assert result["description_placeholders"]["endpoint"] == KEYED_ENDPOINT
    assert keyed_entry.options == before
    # The key was tried against the entry's own service, in the header.
    assert aioclient_mock.call_count == 1
    method, url, _, headers = aioclient_mock.mock_calls[0]
    assert method == "GET"
    assert str(url) == KEYED_SUMMARY_URL
    assert headers["X-API-Key"] == "k-wrong"
    # The flow stays open for another try.
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["flow_id"] == flow_id


@pytest.mark.parametrize("share_statistics", [True])
@pytest.mark.parametrize("answer", NO_ANSWER)
async def test_reauth_without_an_answer_cannot_connect(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, object],
) -> None:
    before = dict(keyed_entry.options)
    flow_id = await _start_reauth(hass, keyed_entry)
    aioclient_mock.get(KEYED_SUMMARY_URL, **answer)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "k-new"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "cannot_connect"}
    assert await async_shown(hass, result) == NOT_CHECKED
    assert keyed_entry.options == before
    assert aioclient_mock.call_count == 1


@pytest.mark.parametrize("share_statistics", [True])
@pytest.mark.parametrize("api_key", UNSENDABLE_KEYS)
async def test_reauth_unsendable_key_is_refused_without_a_request(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    api_key: str,
) -> None:
    before = dict(keyed_entry.options)
    flow_id = await _start_reauth(hass, keyed_entry)
    # Would the key reach the service, the service would accept it.
    aioclient_mock.get(KEYED_SUMMARY_URL, status=200)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: api_key}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == REFUSED_KEY
    assert aioclient_mock.call_count == 0
    assert keyed_entry.options == before


@pytest.mark.parametrize("share_statistics", [True, False])
async def test_reauth_accepted_key_is_stored_and_keeps_other_options(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    before = dict(keyed_entry.options)
    flow_id = await _start_reauth(hass, keyed_entry)
    # First a refused key, then the right one in the same flow.
    aioclient_mock.get(KEYED_SUMMARY_URL, status=401)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "k-wrong"}
    )
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == REFUSED_KEY
    aioclient_mock.clear_requests()
    aioclient_mock.get(KEYED_SUMMARY_URL, status=204)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: " \tk-new \n"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert await async_shown(hass, result) == (
        "The new API key was accepted; sending resumes."
    )
    assert keyed_entry.options == {**before, CONF_API_KEY: "k-new"}
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == "k-new"
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    # The entry stays loaded: no reload was needed.
    assert keyed_entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize("share_statistics", [True, False])
async def test_options_flow_never_sends_the_stored_key_to_the_browser(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    share_statistics: bool,
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()

    response = await client.post(
        OPTIONS_FLOW_URL, json={"handler": keyed_entry.entry_id}
    )
    assert response.status == HTTPStatus.OK
    menu = await response.json()
    assert menu["type"] == "menu"
    response = await client.post(
        f"{OPTIONS_FLOW_URL}/{menu['flow_id']}", json={"next_step_id": "sharing"}
    )

    assert response.status == HTTPStatus.OK
    text = await response.text()
    assert STORED_KEY not in text
    body = json.loads(text)
    assert body["type"] == "form"
    assert body["step_id"] == "sharing"
    fields = {field["name"]: field for field in body["data_schema"]}
    assert set(fields) == {
        CONF_SHARE_STATISTICS,
        CONF_ENDPOINT,
        CONF_API_KEY,
        CONF_CLEAR_API_KEY,
    }
    # The other settings are suggested, so suggestions do reach the browser...
    assert fields[CONF_ENDPOINT]["description"] == {"suggested_value": KEYED_ENDPOINT}
    assert fields[CONF_SHARE_STATISTICS]["description"] == {
        "suggested_value": share_statistics
    }
    # ... but the key field is empty, a password field, with nothing suggested.
    assert "description" not in fields[CONF_API_KEY]
    assert "default" not in fields[CONF_API_KEY]
    assert fields[CONF_API_KEY]["selector"]["text"]["type"] == "password"
    assert fields[CONF_CLEAR_API_KEY]["default"] is False

    # A refused new key is not echoed back either, nor the stored one.
    aioclient_mock.get(KEYED_SUMMARY_URL, status=401)
    response = await client.post(
        f"{OPTIONS_FLOW_URL}/{body['flow_id']}",
        json={
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            CONF_API_KEY: "typed-secret",
        },
    )
    assert response.status == HTTPStatus.OK
    text = await response.text()
    assert STORED_KEY not in text
    assert "typed-secret" not in text
    assert json.loads(text)["errors"] == {CONF_API_KEY: "invalid_api_key"}

    # Saving without touching the key keeps it, and says nothing about it.
    response = await client.post(
        f"{OPTIONS_FLOW_URL}/{body['flow_id']}",
        json={CONF_SHARE_STATISTICS: share_statistics, CONF_ENDPOINT: KEYED_ENDPOINT},
    )
    assert response.status == HTTPStatus.OK
    text = await response.text()
    assert STORED_KEY not in text
    assert json.loads(text)["type"] == "create_entry"
    await hass.async_block_till_done()
    assert keyed_entry.options[CONF_API_KEY] == STORED_KEY


@pytest.mark.parametrize("share_statistics", [True, False])
@pytest.mark.parametrize(
    "key_input",
    [
        pytest.param({}, id="omitted"),
        pytest.param({CONF_API_KEY: ""}, id="empty"),
        pytest.param({CONF_API_KEY: "   "}, id="blank"),
        pytest.param({CONF_API_KEY: "", CONF_CLEAR_API_KEY: False}, id="unticked"),
    ],
)
async def test_options_flow_empty_key_field_keeps_the_stored_key(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    share_statistics: bool,
    key_input: dict[str, object],
) -> None:
    before = dict(keyed_entry.options)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: share_statistics,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            **key_input,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert keyed_entry.options == before
    assert keyed_entry.options[CONF_API_KEY] == STORED_KEY
    # Nothing new to try.
    assert aioclient_mock.call_count == 0


@pytest.mark.parametrize("share_statistics", [True, False])
async def test_options_flow_clear_api_key_removes_it(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    share_statistics: bool,
) -> None:
    before = dict(keyed_entry.options)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: share_statistics,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            CONF_CLEAR_API_KEY: True,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert keyed_entry.options[CONF_API_KEY] == ""
    assert keyed_entry.options == {**before, CONF_API_KEY: ""}
    # The box is not an option of its own.
    assert CONF_CLEAR_API_KEY not in keyed_entry.options
    assert aioclient_mock.call_count == 0


async def test_options_flow_new_key_is_tried_against_the_new_endpoint(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # Sharing is turned on in the same step as the key and endpoint change.
    aioclient_mock.get(KEYED_SUMMARY_URL, status=401)
    aioclient_mock.get(OTHER_SUMMARY_URL, status=200)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: f"{OTHER_ENDPOINT}/",
            CONF_API_KEY: " k-other ",
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert aioclient_mock.call_count == 1
    method, url, _, headers = aioclient_mock.mock_calls[0]
    assert (method, str(url)) == ("GET", OTHER_SUMMARY_URL)
    assert headers["X-API-Key"] == "k-other"
    assert keyed_entry.options == {
        CONF_SHARE_STATISTICS: True,
        CONF_CONSENT_VERSION: CONSENT_VERSION,
        CONF_ENDPOINT: OTHER_ENDPOINT,
        CONF_API_KEY: "k-other",
    }


@pytest.mark.parametrize("share_statistics", [True, False])
@pytest.mark.parametrize("status", [401, 403])
async def test_options_flow_refused_key_changes_nothing(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    status: int,
) -> None:
    before = dict(keyed_entry.options)
    aioclient_mock.get(OTHER_SUMMARY_URL, status=status)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: OTHER_ENDPOINT,
            CONF_API_KEY: "k-wrong",
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "sharing"
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == REFUSED_KEY
    # Neither the key, nor the endpoint, nor the share choice was saved.
    assert keyed_entry.options == before
    assert aioclient_mock.call_count == 1
    assert str(aioclient_mock.mock_calls[0][1]) == OTHER_SUMMARY_URL
    assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == "k-wrong"


@pytest.mark.parametrize("share_statistics", [True])
@pytest.mark.parametrize("answer", NO_ANSWER)
async def test_options_flow_key_without_an_answer_cannot_connect(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    answer: dict[str, object],
) -> None:
    before = dict(keyed_entry.options)
    aioclient_mock.get(KEYED_SUMMARY_URL, **answer)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            CONF_API_KEY: "k-new",
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "cannot_connect"}
    assert await async_shown(hass, result) == NOT_CHECKED
    assert keyed_entry.options == before
    assert aioclient_mock.call_count == 1

    # Once the service answers, the same form saves the key.
    aioclient_mock.clear_requests()
    aioclient_mock.get(KEYED_SUMMARY_URL, status=200)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            CONF_API_KEY: "k-new",
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert keyed_entry.options == {**before, CONF_API_KEY: "k-new"}
    assert aioclient_mock.call_count == 1


async def test_options_flow_new_key_with_sharing_off_is_saved_without_a_request(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # Would the key be tried, the service would refuse it.
    aioclient_mock.get(OTHER_SUMMARY_URL, status=401)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: False,
            CONF_ENDPOINT: OTHER_ENDPOINT,
            CONF_API_KEY: " k-later ",
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert aioclient_mock.call_count == 0
    assert keyed_entry.options == {
        CONF_SHARE_STATISTICS: False,
        CONF_ENDPOINT: OTHER_ENDPOINT,
        CONF_API_KEY: "k-later",
    }


@pytest.mark.parametrize("share_statistics", [True, False])
@pytest.mark.parametrize("share", [True, False])
@pytest.mark.parametrize("api_key", UNSENDABLE_KEYS)
async def test_options_flow_unsendable_key_is_refused_even_with_sharing_off(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    share: bool,
    api_key: str,
) -> None:
    before = dict(keyed_entry.options)
    aioclient_mock.get(KEYED_SUMMARY_URL, status=200)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: share,
            CONF_ENDPOINT: KEYED_ENDPOINT,
            CONF_API_KEY: api_key,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == REFUSED_KEY
    assert aioclient_mock.call_count == 0
    assert keyed_entry.options == before


@pytest.mark.parametrize(
    ("user_input", "errors"),
    [
        pytest.param(
            {
                CONF_SHARE_STATISTICS: True,
                CONF_ENDPOINT: f" {OTHER_ENDPOINT}/ ",
                CONF_API_KEY: "k-wrong",
            },
            {CONF_API_KEY: "invalid_api_key"},
            id="refused_key",
        ),
        pytest.param(
            {
                CONF_SHARE_STATISTICS: True,
                CONF_ENDPOINT: "http://other.example.net",
                CONF_API_KEY: "k-new",
            },
            {CONF_ENDPOINT: "invalid_endpoint"},
            id="invalid_endpoint",
        ),
        pytest.param(
            {
                CONF_SHARE_STATISTICS: True,
                CONF_ENDPOINT: OTHER_ENDPOINT,
                CONF_API_KEY: "k\nnew",
            },
            {CONF_API_KEY: "invalid_api_key"},
            id="unsendable_key",
        ),
    ],
)
async def test_options_flow_error_keeps_the_persons_choices(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    user_input: dict[str, object],
    errors: dict[str, str],
) -> None:
    # Stored: sharing off, KEYED_ENDPOINT; the person chose otherwise.
    assert keyed_entry.options[CONF_SHARE_STATISTICS] is False
    aioclient_mock.get(OTHER_SUMMARY_URL, status=401)
    result = await _async_open_sharing(hass, keyed_entry)
    assert _suggested(result) == {
        CONF_SHARE_STATISTICS: False,
        CONF_ENDPOINT: KEYED_ENDPOINT,
    }

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    assert (await async_shown(hass, result)).startswith(
        SHOWN[next(iter(errors.values()))]
    )
    # What the person chose is shown again; the key they typed is not.
    assert _suggested(result) == {
        CONF_SHARE_STATISTICS: True,
        CONF_ENDPOINT: user_input[CONF_ENDPOINT],
    }
    assert keyed_entry.options[CONF_SHARE_STATISTICS] is False
    assert keyed_entry.options[CONF_ENDPOINT] == KEYED_ENDPOINT
    assert keyed_entry.options[CONF_API_KEY] == STORED_KEY


async def test_options_flow_without_stored_settings_suggests_the_defaults(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    result = await _async_open_sharing(hass, init_integration)

    assert _suggested(result) == {
        CONF_SHARE_STATISTICS: False,
        CONF_ENDPOINT: DEFAULT_ENDPOINT,
    }


@pytest.mark.parametrize("share_statistics", [True])
async def test_reauth_refuses_an_empty_key(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A blank key would send no key at all; it is not a replacement."""
    flow_id = await _start_reauth(hass, keyed_entry)
    aioclient_mock.get(KEYED_SUMMARY_URL, status=200)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_API_KEY: "   "}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == REFUSED_KEY
    assert aioclient_mock.call_count == 0
    assert keyed_entry.options[CONF_API_KEY] == STORED_KEY


@pytest.mark.parametrize(("share_statistics", "tried"), [(True, 1), (False, 0)])
async def test_options_flow_kept_key_is_tried_against_a_new_endpoint(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
    share_statistics: bool,
    tried: int,
) -> None:
    """The stored key goes to another service only once that service took it."""
    aioclient_mock.get(OTHER_SUMMARY_URL, status=401)
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SHARE_STATISTICS: share_statistics, CONF_ENDPOINT: OTHER_ENDPOINT},
    )

    assert aioclient_mock.call_count == tried
    if tried:
        assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == STORED_KEY
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
        assert await async_shown(hass, result) == REFUSED_KEY
        assert keyed_entry.options[CONF_ENDPOINT] == KEYED_ENDPOINT
    else:
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert keyed_entry.options[CONF_ENDPOINT] == OTHER_ENDPOINT


@pytest.mark.parametrize("share_statistics", [True])
async def test_options_flow_clear_wins_over_a_typed_key(
    hass: HomeAssistant,
    keyed_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    result = await _async_open_sharing(hass, keyed_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: OTHER_ENDPOINT,
            CONF_API_KEY: "typed-anyway",
            CONF_CLEAR_API_KEY: True,
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert keyed_entry.options[CONF_API_KEY] == ""
    assert aioclient_mock.call_count == 0


async def test_options_key_check_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Its options can be changed; the accepted key waits for the next setup."""
    mock_config_entry.add_to_hass(hass)
    aioclient_mock.get(OTHER_SUMMARY_URL, status=200)
    result = await _async_open_sharing(hass, mock_config_entry)

    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: OTHER_ENDPOINT,
            CONF_API_KEY: "k-new",
        },
    )

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert aioclient_mock.call_count == 1
    assert mock_config_entry.state is ConfigEntryState.NOT_LOADED
    assert mock_config_entry.options[CONF_API_KEY] == "k-new"
