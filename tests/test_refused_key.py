"""A refused API key stops sending until the service accepts a key again.

Against the statistics stand-in on 127.0.0.1, which refuses every key, and
later accepts them again: only a key check the service passes (HA's
reauthentication or the options) ends the stop; other changes do not, and
nothing more is sent with the refused key.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONF_ENDPOINT,
    CONF_PRINTERNIZER_URL,
    CONF_SHARE_STATISTICS,
    DOMAIN,
)
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from .helpers import (
    async_advance,
    async_export,
    async_setup_sharing_entry,
    async_submit_now,
)
from .statistics_server import StatisticsServer

STATUS = "sensor.printernizer_usage_statistics_submission_status"
KEY = "k-1"
AN_HOUR = timedelta(hours=1, minutes=1)

pytestmark = pytest.mark.usefixtures("trusted_client_context")


@pytest.fixture
async def refused(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    statistics_server: StatisticsServer,
) -> MockConfigEntry:
    """Share with KEY, and let the service refuse it once."""
    entry = await async_setup_sharing_entry(
        hass,
        hass_storage,
        stored_data,
        **{CONF_ENDPOINT: statistics_server.url, CONF_API_KEY: KEY},
    )
    statistics_server.refusing = True
    assert await async_submit_now(hass) == "key_refused: http_401"
    assert hass.states.get(STATUS).state == "failed"
    assert _sent_keys(statistics_server) == [KEY]
    return entry


def _sent_keys(server: StatisticsServer) -> list[str | None]:
    return [headers.get("X-API-Key") for headers, _ in server.submissions]


async def _reauth_flow_id(hass: HomeAssistant) -> str:
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    return str(flow["flow_id"])


async def _assert_delivered(
    hass: HomeAssistant, server: StatisticsServer, freezer: FrozenDateTimeFactory
) -> None:
    """Check that the waiting report goes out at the next allowed hour, and is taken."""
    await async_advance(hass, freezer, AN_HOUR)
    submission = (await async_export(hass))["submission"]
    assert submission["outbox"] is None
    assert submission["last_period_end"] == "2026-11-25"
    assert hass.states.get(STATUS).state == "ok"
    # The same report, byte for byte, as the refused one.
    assert server.submissions[-1][1] == server.submissions[0][1]


async def test_reauthentication_with_the_same_key_resumes_sending(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    refused: MockConfigEntry,
    statistics_server: StatisticsServer,
) -> None:
    """The service had a fault and takes the key again: the person re-enters it."""
    statistics_server.refusing = False
    result = await hass.config_entries.flow.async_configure(
        await _reauth_flow_id(hass), {CONF_API_KEY: KEY}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert statistics_server.key_checks == [KEY]
    assert refused.options[CONF_API_KEY] == KEY
    assert hass.states.get(STATUS).state == "scheduled"
    await _assert_delivered(hass, statistics_server, freezer)
    assert _sent_keys(statistics_server) == [KEY, KEY]


async def test_a_key_the_service_still_refuses_changes_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    refused: MockConfigEntry,
    statistics_server: StatisticsServer,
) -> None:
    result = await hass.config_entries.flow.async_configure(
        await _reauth_flow_id(hass), {CONF_API_KEY: KEY}
    )

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    await async_advance(hass, freezer, timedelta(days=2))
    assert hass.states.get(STATUS).state == "failed"
    assert _sent_keys(statistics_server) == [KEY]


@pytest.mark.parametrize("new_key", [KEY, "k-2"])
async def test_the_options_key_check_resumes_sending(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    refused: MockConfigEntry,
    statistics_server: StatisticsServer,
    new_key: str,
) -> None:
    """The same key typed again, or a new one: tried, taken, and used."""
    statistics_server.refusing = False
    result = await hass.config_entries.options.async_init(refused.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "sharing"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {
            CONF_SHARE_STATISTICS: True,
            CONF_ENDPOINT: statistics_server.url,
            CONF_API_KEY: new_key,
        },
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert statistics_server.key_checks == [new_key]
    # HA no longer asks for a key.
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    await _assert_delivered(hass, statistics_server, freezer)
    assert _sent_keys(statistics_server) == [KEY, new_key]


async def test_other_changes_send_nothing_with_the_refused_key(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    refused: MockConfigEntry,
    statistics_server: StatisticsServer,
) -> None:
    """Only the Printernizer address changes: the key is still the refused one."""
    result = await hass.config_entries.options.async_init(refused.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "printernizer"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_PRINTERNIZER_URL: ""}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert refused.options[CONF_PRINTERNIZER_URL] == ""

    # Even once the service would take the key again: no check, no request.
    statistics_server.refusing = False
    await async_advance(hass, freezer, timedelta(days=2))
    assert hass.states.get(STATUS).state == "failed"
    assert _sent_keys(statistics_server) == [KEY]
    assert await async_submit_now(hass) == "api_key_refused"
    # HA still asks for the key.
    assert await _reauth_flow_id(hass)


async def test_a_key_accepted_before_is_no_proof_after_a_new_refusal(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    refused: MockConfigEntry,
    statistics_server: StatisticsServer,
) -> None:
    statistics_server.refusing = False
    await hass.config_entries.flow.async_configure(
        await _reauth_flow_id(hass), {CONF_API_KEY: KEY}
    )
    await _assert_delivered(hass, statistics_server, freezer)

    # A week later the service refuses the key again; a change that is not a
    # key check (sharing settings saved without a new key) does not end it.
    statistics_server.refusing = True
    await async_advance(hass, freezer, timedelta(days=8))
    assert hass.states.get(STATUS).state == "failed"
    refused_count = len(statistics_server.submissions)
    hass.config_entries.async_update_entry(
        refused, options={**refused.options, CONF_PRINTERNIZER_URL: ""}
    )
    statistics_server.refusing = False
    await async_advance(hass, freezer, timedelta(days=1))
    assert hass.states.get(STATUS).state == "failed"
    assert len(statistics_server.submissions) == refused_count
