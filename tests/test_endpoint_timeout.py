"""A statistics server slower than the request timeout, on a clock that runs.

The other tests freeze time; a timeout needs the event loop's clock to move.
"""

from __future__ import annotations

from typing import Any

from aiohttp import ClientTimeout
import pytest

from custom_components.printernizer_usage import uploader
from homeassistant.core import HomeAssistant

from .helpers import (
    async_export,
    async_setup_sharing_entry,
    async_submit_now,
)
from .statistics_server import StatisticsServer


@pytest.fixture(autouse=True)
async def time_zone(hass: HomeAssistant) -> None:
    """Replace the frozen clock of the other tests with the real one."""
    await hass.config.async_set_time_zone("Europe/Berlin")


@pytest.mark.usefixtures("trusted_client_context")
async def test_slow_server_times_out_and_keeps_the_report(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    statistics_server: StatisticsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One second instead of thirty; the server answers after five.
    monkeypatch.setattr(uploader, "REQUEST_TIMEOUT", ClientTimeout(total=1))
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, endpoint=statistics_server.url
    )
    statistics_server.mode = "slow"

    assert await async_submit_now(hass) == "retrying: timeout"

    submission = (await async_export(hass))["submission"]
    assert submission["outbox"]["attempts"] == 1
    assert submission["last_period_end"] is None
    assert len(statistics_server.submissions) == 1
    assert await async_submit_now(hass) == "rate_limited"
