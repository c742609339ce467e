"""The weekly report against a real HTTPS server on 127.0.0.1 (throwaway CA)."""

from __future__ import annotations

from datetime import timedelta
import json
import sys
from typing import Any
import uuid

from freezegun.api import FrozenDateTimeFactory
import pytest

from custom_components.printernizer_usage.const import (
    CONSENT_VERSION,
    DOMAIN,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant

from .helpers import async_advance, async_setup_sharing_entry
from .statistics_server import StatisticsServer

SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"


@pytest.mark.usefixtures("trusted_client_context")
async def test_report_and_deletion_over_tls(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    statistics_server: StatisticsServer,
) -> None:
    hass.config.country = "DE"
    await async_setup_sharing_entry(
        hass,
        hass_storage,
        stored_data,
        endpoint=statistics_server.url,
        api_key="test-key",
    )

    result = await hass.services.async_call(
        DOMAIN, "submit_now", blocking=True, return_response=True
    )
    assert result == {"result": "sent"}

    assert len(statistics_server.submissions) == 1
    headers, body = statistics_server.submissions[0]
    assert headers["X-API-Key"] == "test-key"
    assert headers["Content-Type"] == "application/json"
    assert len(headers["Idempotency-Key"]) == 64
    payload = json.loads(body)
    installation_id = payload["installation"]["installation_id"]
    assert uuid.UUID(installation_id).version == 4
    assert payload == {
        "schema_version": "1.0",
        "consent_version": CONSENT_VERSION,
        "submission_timestamp": "2026-11-25T00:00:00+00:00",
        "installation": {
            "installation_id": installation_id,
            "first_seen": "2026-11-01T00:00:00+00:00",
            "app_version": "not-connected",
            "integration_version": "0.5.0",
            "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
            "platform": "linux",
            "deployment_mode": "homeassistant",
            "country_code": "DE",
            "ha_version": payload["installation"]["ha_version"],
            "installation_type": payload["installation"]["installation_type"],
        },
        "period": {
            "start": "2026-11-01T00:00:00+00:00",
            "end": "2026-11-25T00:00:00+00:00",
            "duration_days": 24,
        },
        "printer_fleet": {
            "printer_count": 0,
            "printer_types": [],
            "printer_type_counts": {},
        },
        "usage_stats": {
            "job_count": 3,
            "file_count": 2,
            "upload_count": 0,
            "uptime_hours": 0,
            "feature_usage": {"library": True},
            "jobs_created": 0,
            "jobs_completed": 3,
            "jobs_failed": 0,
            "printer_connections": 0,
            "job_duration_buckets": {},
        },
        "error_summary": {},
    }
    assert payload["installation"]["ha_version"].startswith("202")
    assert payload["installation"]["installation_type"]

    # Opting out asks the server to delete this id, an hour after the report.
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    await async_advance(hass, freezer, timedelta(minutes=61))

    assert statistics_server.deletions == [installation_id]
    assert len(statistics_server.submissions) == 1
