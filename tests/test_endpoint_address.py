"""The statistics service's address: only one a request can reach is saved."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.printernizer_usage.const import (
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    DOMAIN,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component

from .helpers import async_export, async_setup_sharing_entry, async_submit_now

FLOW_URL = "/api/config/config_entries/options/flow"
# As a person reads it under the field.
INVALID_ENDPOINT = (
    "Enter an address that starts with https:// followed by a host name or IP"
    " address (no spaces or other characters a host name cannot have), without"
    " user name, query or fragment."
)
# A host name as DNS knows it, for addresses that must be taken as typed.
LABEL = r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?"
HOST_NAME = rf"{LABEL}(\.{LABEL})*\.[a-z]{{2,6}}"


class SharingForm:
    """The sharing step of the options dialog, driven as the frontend does."""

    def __init__(
        self, hass: HomeAssistant, client: Any, entry: MockConfigEntry
    ) -> None:
        """Use `client`, an administrator's session, on `entry`."""
        self.hass = hass
        self.client = client
        self.entry = entry
        self.flow_id: str | None = None

    async def submit(self, endpoint: str) -> dict[str, Any]:
        """Enter `endpoint` (sharing stays off, so no key is tried)."""
        if self.flow_id is None:
            menu = await self._post(FLOW_URL, {"handler": self.entry.entry_id})
            form = await self._post(
                f"{FLOW_URL}/{menu['flow_id']}", {"next_step_id": "sharing"}
            )
            assert form["step_id"] == "sharing"
            self.flow_id = form["flow_id"]
        result = await self._post(
            f"{FLOW_URL}/{self.flow_id}",
            {CONF_SHARE_STATISTICS: False, CONF_ENDPOINT: endpoint},
        )
        if result["type"] != "form":
            self.flow_id = None  # saved: the next address needs a new dialog
        await self.hass.async_block_till_done()
        return result

    async def _post(self, url: str, data: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(url, json=data)
        assert response.status == HTTPStatus.OK
        result: dict[str, Any] = await response.json()
        return result


@pytest.fixture
async def form(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> SharingForm:
    """Return the sharing form of the set-up entry."""
    assert await async_setup_component(hass, "config", {})
    return SharingForm(hass, await hass_client(), init_integration)


async def _error_text(hass: HomeAssistant, result: dict[str, Any]) -> str:
    """Return the sentence shown under the address field."""
    assert result["type"] == "form"
    translations = await async_get_translations(hass, "en", "options", {DOMAIN})
    key = result["errors"][CONF_ENDPOINT]
    return translations[f"component.{DOMAIN}.options.error.{key}"]


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://stats printernizer.com",
        "https://stats.printernizer.com\x00",
        "https://st\x00ats.printernizer.com/v1",
        "https://%zz",
        "https://%41.example.org",
        "https://stats.printernizer.com\t/v1",
        "https://",
        "https:///submit",
        "https://.",
        "https://a..example.org",
        "https://-stats.example.org",
        "https://1.2.3.999",
        "https://[zz]",
        "https://stats.example.org\\submit",
    ],
)
async def test_an_address_no_request_can_reach_is_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    form: SharingForm,
    endpoint: str,
) -> None:
    result = await form.submit(endpoint)

    assert await _error_text(hass, result) == INVALID_ENDPOINT
    assert init_integration.options == {CONF_SHARE_STATISTICS: False}


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://stats.printernizer.com",
        "https://stats-eu.example.org:8443/api/v1",
        "https://statistics_server:8443",
        "https://10.0.0.5",
        "https://[::1]:8443",
        "https://xn--mnchen-3ya.de",
        "https://münchen.de",
        "https://stats.example.org.",
    ],
)
async def test_a_real_address_is_saved_as_typed(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    form: SharingForm,
    endpoint: str,
) -> None:
    result = await form.submit(f" {endpoint}/ ")

    assert result["type"] == "create_entry"
    assert init_integration.options[CONF_ENDPOINT] == endpoint


def _generated(strategy: st.SearchStrategy[str], examples: int) -> list[str]:
    """Collect strings from hypothesis.

    Collected first: a hypothesis test cannot share HA's per-test fixtures.
    """
    cases: list[str] = []

    @settings(max_examples=examples, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(text: str) -> None:
        cases.append(text)

    collect()
    return cases


# Anything, and addresses that are close to right: a host from any text, or a
# real host name with one character a host cannot have.
ANY_ENDPOINT = st.one_of(
    st.text(max_size=40),
    st.builds(
        "https://{}{}".format,
        st.text(max_size=24),
        st.sampled_from(["", "/", "/v1", ":8443"]),
    ),
    st.builds(
        "https://{}{}{}".format,
        st.from_regex(HOST_NAME, fullmatch=True),
        st.sampled_from([" ", "\x00", "%", "%zz", "\t", "\n", "\\", "\u00a0", "\x7f"]),
        st.sampled_from(["", "x.org", "/v1"]),
    ),
)


def _reachable(endpoint: str) -> bool:
    """Return whether aiohttp's parser reads a host a request can be sent to."""
    try:
        url = URL(f"{endpoint}/submit")
    except ValueError:
        return False
    host = url.raw_host or ""
    return (
        url.scheme == "https"
        and endpoint.isprintable()
        and host.isascii()
        and bool(host.strip(".:[]"))
        and not any(char in host for char in " %\\/@\x00")
    )


async def test_any_address_is_refused_or_reachable(
    hass: HomeAssistant, init_integration: MockConfigEntry, form: SharingForm
) -> None:
    """Whatever is typed: an error that says why, or an address a request reaches."""
    saved = 0
    for endpoint in _generated(ANY_ENDPOINT, 400):
        before = dict(init_integration.options)
        result = await form.submit(endpoint)
        if result["type"] == "form":
            assert await _error_text(hass, result) == INVALID_ENDPOINT
            assert init_integration.options == before
        else:
            saved += 1
            assert _reachable(init_integration.options[CONF_ENDPOINT]), endpoint
    # Both answers were explored.
    assert saved


async def test_any_host_name_is_saved(
    hass: HomeAssistant, init_integration: MockConfigEntry, form: SharingForm
) -> None:
    for host in _generated(st.from_regex(HOST_NAME, fullmatch=True), 100):
        result = await form.submit(f"https://{host}")
        assert result["type"] == "create_entry", host
        assert init_integration.options[CONF_ENDPOINT] == f"https://{host}"


async def test_an_address_saved_before_is_not_retried(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Saved by an older release: the report is not sent, and not tried for weeks."""
    await async_setup_sharing_entry(
        hass,
        hass_storage,
        stored_data,
        **{CONF_ENDPOINT: "https://stats printernizer.com"},
    )

    assert await async_submit_now(hass) == "not_valid: the endpoint has no valid host"
    assert aioclient_mock.call_count == 0
    assert (await async_export(hass))["submission"]["outbox"] is None
