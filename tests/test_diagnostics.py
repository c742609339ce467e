"""Diagnostics are posted in public: nothing in them matches a report on the server."""

from __future__ import annotations

from datetime import timedelta
import json
import re
from typing import Any

import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONSENT_VERSION,
    DEFAULT_ENDPOINT,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .helpers import (
    async_export,
    async_setup_sharing_entry,
    async_submit_now,
    leaves,
)


@pytest.mark.parametrize("share_statistics", [True])
async def test_diagnostics_match_no_record_on_the_server(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=201)
    # The report arrives at 10:21:31 UTC on its day.
    stored_data["data"]["submission"] = {"send_offset": 37_291}
    stored_data["data"]["counts"]["days"]["2026-11-24"] = {
        "events": {"job_completed": 23, "file_downloaded": 14, "error_occurred": 11},
        "labels": {"error_occurred": {"error_type": {"timeout_error": 11}}},
    }
    entry = await async_setup_sharing_entry(
        hass, hass_storage, stored_data, **{CONF_API_KEY: "secret-key-123"}
    )
    # The server keeps the report's body, its size and when it arrived.
    assert await async_submit_now(hass) == "sent"
    body: bytes = aioclient_mock.mock_calls[0][2]
    report = json.loads(body)
    export = await async_export(hass)
    arrived = export["submission"]["last_request"]

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    # What a maintainer needs: the state of storage, sending and Printernizer.
    assert diagnostics == {
        "options": {
            "share_statistics": True,
            "consent_version": CONSENT_VERSION,
            "api_key": "**REDACTED**",
        },
        "storage": {
            "read_only": False,
            "writes_since_start": 1,
            "retention_days": 400,
            "jobs_in_progress": 0,
        },
        "printernizer": {
            "status": "not_set_up",
            "app_version": "not-connected",
            "counts_printers": False,
            "remembered_events": 0,
            "unreachable_since": None,
        },
        "submission": {
            "status": "ok",
            "consent_current": True,
            "has_installation_id": True,
            "services_holding_an_id": 1,
            "last_submission": "within_a_week",
            "last_request": "within_a_week",
            "result": "ok",
            "auth_failed": False,
            "report_pending": False,
            "report_attempts": 0,
            "deletions_pending": [],
            "audit_log": [{"kind": "report", "status": "sent"}],
        },
    }
    text = json.dumps(diagnostics)
    # No time finer than a day: not the arrival, not the send offset.
    assert re.search(r"\d\d:\d\d", text) is None
    assert arrived not in text
    assert export["submission"]["send_offset"] == 37_291
    assert "37291" not in text
    # Not the size of the report, nor the days that set this installation
    # apart (its arrival day is shared with every report of that day).
    assert str(len(body)) not in text
    assert report["installation"]["first_seen"][:10] not in text
    assert report["period"]["start"][:10] not in text
    # Nor a day the report names: its period's end and its timestamp are the
    # day it arrived, and for a first report that is first_seen + 7 days.
    assert report["period"]["end"][:10] not in text
    assert report["submission_timestamp"][:10] not in text
    # No id, key or count of the report (small numbers are anybody's).
    assert report["installation"]["installation_id"] not in text
    assert "secret-key-123" not in text
    counts = {
        leaf
        for leaf in leaves(report["usage_stats"]) + leaves(report["error_summary"])
        if type(leaf) is int and leaf > 9
    }
    assert counts >= {23, 14, 11}
    assert not counts & {leaf for leaf in leaves(diagnostics) if type(leaf) is int}


@pytest.mark.parametrize("share_statistics", [True])
@pytest.mark.parametrize(
    ("days_ago", "age"),
    [(6, "within_a_week"), (10, "within_4_weeks"), (40, "longer_ago")],
)
async def test_diagnostics_give_requests_an_age_in_weeks(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    hass_client: ClientSessionGenerator,
    days_ago: int,
    age: str,
) -> None:
    moment = (dt_util.utcnow() - timedelta(days=days_ago, hours=1)).isoformat()
    stored_data["data"]["submission"] = {
        "last_submission": moment,
        "last_request": moment,
    }
    entry = await async_setup_sharing_entry(hass, hass_storage, stored_data)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["submission"]["last_submission"] == age
    assert diagnostics["submission"]["last_request"] == age
    assert moment[:10] not in json.dumps(diagnostics)
