"""Sending at its edges: a refused key, a report dated ahead, a stored flag."""

from __future__ import annotations

import copy
from datetime import timedelta
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from . import test_stored_values
from .helpers import async_advance, async_export, async_setup_sharing_entry
from .test_stored_values import _async_setup_sharing, _write

# A real file in a temporary config directory (a set-aside file is renamed).
storage_file = test_stored_values.storage_file

OLD_ENDPOINT = "https://old-stats.example.org/api/v1"
OLD_ID = "3f2b8c1e-9d4a-4e6b-8f0a-1c2d3e4f5a6b"


@pytest.mark.parametrize("share_statistics", [True])
async def test_a_refused_key_does_not_hold_back_another_services_deletion(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    # The configured service refused the key (HA asks for a new one); an id
    # sent to the service used before still waits to be deleted there.
    stored_data["data"]["submission"] = {
        "auth_failed": True,
        "result": "failed",
        "deletions": [
            {
                "installation_id": OLD_ID,
                "endpoint": OLD_ENDPOINT,
                "api_key": "old-key",
                "attempts": 0,
                "next_attempt": None,
            }
        ],
    }
    aioclient_mock.delete(f"{OLD_ENDPOINT}/installation/{OLD_ID}", status=204)
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=401)
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, **{CONF_API_KEY: "refused-key"}
    )

    await async_advance(hass, freezer, timedelta(hours=2))

    # The old service gets its deletion, with its own key; nothing goes to
    # the service that refused the key.
    assert [(method, str(url)) for method, url, _, _ in aioclient_mock.mock_calls] == [
        ("DELETE", f"{OLD_ENDPOINT}/installation/{OLD_ID}")
    ]
    assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == "old-key"
    submission = (await async_export(hass))["submission"]
    assert submission["deletions"] == []
    assert submission["auth_failed"] is True


@pytest.mark.parametrize("share_statistics", [True])
async def test_a_report_dated_ahead_is_not_sent_after_the_clock_is_put_back(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    await async_setup_sharing_entry(hass, hass_storage, stored_data)
    right = dt_util.utcnow()
    # The clock runs a year ahead; the report built then names days a year
    # away, and the service is down.
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=503)
    freezer.move_to(right + timedelta(days=365))
    await async_advance(hass, freezer, timedelta(hours=1, minutes=1))
    assert aioclient_mock.call_count == 1
    future = json.loads(aioclient_mock.mock_calls[0][2])["period"]["end"]
    assert future > f"{right.date() + timedelta(days=300)}"

    # Put back; the service is back too.
    corrected = right + timedelta(hours=3)
    freezer.move_to(corrected)
    async_fire_time_changed(hass, fire_all=True)
    await hass.async_block_till_done(wait_background_tasks=True)
    aioclient_mock.clear_requests()
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=200)
    for _ in range(10 * 24):
        await async_advance(hass, freezer, timedelta(hours=1))
        if aioclient_mock.call_count:
            break

    # What goes out names days of the corrected clock, never the year ahead,
    # and the report that did is kept out of the service, in the audit log.
    assert aioclient_mock.call_count == 1
    report = json.loads(aioclient_mock.mock_calls[0][2])
    assert report["period"]["end"] < f"{corrected.date() + timedelta(days=11)}"
    audit = (await async_export(hass))["submission"]["audit_log"]
    assert [entry["status"] for entry in audit] == [
        "retrying: http_503",
        "dropped: clock_corrected",
        "sent",
    ]


@pytest.mark.parametrize("flag", ["false", 0, 1, [], None])
async def test_a_stored_refusal_flag_that_is_not_true_or_false_is_set_aside(
    hass: HomeAssistant,
    storage_file: Path,
    stored_data: dict[str, Any],
    issue_registry: ir.IssueRegistry,
    flag: object,
) -> None:
    # A hand edit: `"false"` is not false, and no other value says "refused".
    data = copy.deepcopy(stored_data["data"])
    data["submission"] = {"auth_failed": flag}
    _write(storage_file, data)

    entry = await _async_setup_sharing(hass)

    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, "unreadable_storage")
    # Nothing asks for a new key that no service refused.
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert (await async_export(hass))["submission"]["auth_failed"] is False
