"""No generated personal data reaches storage, export, states or diagnostics.

Hypothesis generates the values; they then go through every way of recording
an event (service, bus, Python method) under every metadata key, allowed or not.
"""

from __future__ import annotations

from datetime import timedelta
import json
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    DEFAULT_ENDPOINT,
    DOMAIN,
    EVENT_USAGE,
)
from custom_components.printernizer_usage.core.allowlist import METADATA_RULES
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant.core import HomeAssistant

from .helpers import (
    async_advance,
    async_call,
    async_export,
    async_submit_now,
    logged_records,
)

_WORD = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    min_size=1,
    max_size=10,
)
_HEX = "0123456789abcdefABCDEF"

EMAILS = st.builds(lambda user, host: f"{user}@{host}.com", _WORD, _WORD)
IPV4 = st.ip_addresses(v=4).map(str)
IPV6 = st.ip_addresses(v=6).map(lambda address: address.exploded)
MACS = st.lists(
    st.text(alphabet=_HEX, min_size=2, max_size=2), min_size=6, max_size=6
).flatmap(lambda parts: st.sampled_from([":".join(parts), "-".join(parts)]))
POSIX_PATHS = st.lists(_WORD, min_size=2, max_size=4).map(
    lambda parts: "/" + "/".join(parts)
)
WINDOWS_PATHS = st.lists(_WORD, min_size=2, max_size=4).map(
    lambda parts: "C:\\" + "\\".join(parts)
)
URLS = st.builds(lambda host, path: f"https://{host}.example/{path}", _WORD, _WORD)
FILE_NAMES = st.builds(
    lambda stem, ext: f"{stem}.{ext}",
    _WORD,
    st.sampled_from(["3mf", "gcode", "stl", "bgcode"]),
)
SERIALS = st.integers(min_value=100_000, max_value=10**12).map(lambda n: f"SN{n}")
# Look-alikes that would pass an ASCII-only pattern after normalization.
LOOK_ALIKES = st.builds(
    lambda user, host: f"{user}\uff20{host}\uff0ecom",  # full-width @ and .
    _WORD,
    _WORD,
)
PII = st.one_of(
    EMAILS,
    IPV4,
    IPV6,
    MACS,
    POSIX_PATHS,
    WINDOWS_PATHS,
    URLS,
    FILE_NAMES,
    SERIALS,
    LOOK_ALIKES,
)
EXAMPLES = 10_000
KEYS = st.sampled_from([*METADATA_RULES, "file_name", "email", "hostname", "message"])


def _generated_cases() -> list[tuple[str, str, str]]:
    """Collect (key, value, personal part) triples from hypothesis."""
    cases: list[tuple[str, str, str]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        key=KEYS,
        pii=PII,
        before=st.sampled_from(["", "Error ", "x_"]),
        after=st.sampled_from(["", " failed", "Timeout"]),
    )
    def collect(key: str, pii: str, before: str, after: str) -> None:
        cases.append((key, f"{before}{pii}{after}", pii))

    collect()
    return cases


@pytest.mark.parametrize("share_statistics", [True])
async def test_generated_pii_never_stored_or_shown(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    hass_client: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Weeks of history, so that a report can be sent without waiting.
    hass_storage[DOMAIN] = stored_data
    init_integration = mock_config_entry
    init_integration.add_to_hass(hass)
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    runtime = init_integration.runtime_data
    cases = _generated_cases()
    assert len(cases) == EXAMPLES
    # Settings are entry points too: the country and the API key.
    hass.config.country = cases[0][1]  # type: ignore[assignment]
    hass.config_entries.async_update_entry(
        init_integration,
        options={**init_integration.options, CONF_API_KEY: cases[1][1]},
    )
    for number, (key, value, _pii) in enumerate(cases):
        metadata = {key: value}
        match number % 3:
            case 0:
                await hass.services.async_call(
                    DOMAIN,
                    "record_event",
                    {"event_type": "error_occurred", "metadata": metadata},
                    blocking=True,
                )
            case 1:
                hass.bus.async_fire(
                    EVENT_USAGE, {"event_type": "job_failed", "metadata": metadata}
                )
            case _:
                assert runtime.record_event("file_uploaded", metadata)
    await hass.async_block_till_done()
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))
    preview = await async_call(hass, "preview")
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=200)
    assert await async_submit_now(hass) == "sent"
    sent = aioclient_mock.mock_calls[0][2].decode()

    export = await async_export(hass)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, init_integration
    )
    states = [
        (state.state, state.attributes)
        for state in hass.states.async_all()
        if state.entity_id.startswith(("sensor.printernizer", "switch.printernizer"))
    ]
    surfaces = {
        "storage": json.dumps(hass_storage[DOMAIN]),
        "export": json.dumps(export),
        "diagnostics": json.dumps(diagnostics),
        "states": repr(states),
        "preview": json.dumps(preview),
        "sent report": sent,
        "logs": "\n".join(
            f"{record.getMessage()} {record.exc_text or ''}"
            for record in logged_records(caplog.records)
        ),
    }
    # Every event was counted, only its personal data was not.
    stored_before = sum(stored_data["data"]["counts"]["totals"].values())
    assert sum(export["counts"]["totals"].values()) == stored_before + len(cases)
    # The API key is the person's own credential, not data about them: the
    # private storage file keeps it beside each installation ID it was sent
    # with, so that a deletion request reaches that service with that key.
    stored_key = f'"api_key": {json.dumps(cases[1][1])}'
    assert stored_key in surfaces["storage"]
    surfaces["storage"] = surfaces["storage"].replace(stored_key, '"api_key": "…"')
    for key, value, pii in cases:
        for surface, text in surfaces.items():
            assert pii not in text, (
                f"{pii!r} (under {key!r}, as {value!r}) in {surface}"
            )
            assert json.dumps(pii)[1:-1] not in text, f"{pii!r} escaped in {surface}"
