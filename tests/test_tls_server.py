"""The weekly report against a real HTTPS server on 127.0.0.1 (throwaway CA)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import timedelta
import json
import socket
import ssl
from typing import Any
from unittest.mock import patch
import uuid

from aiohttp import web
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
import trustme

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONF_ENDPOINT,
    DOMAIN,
)
from custom_components.printernizer_usage.runtime import consent_options
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.util import ssl as ssl_util

from .helpers import async_advance

SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"


@dataclass
class StatisticsServer:
    """A minimal Printernizer statistics service that records what it gets."""

    url: str
    submissions: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)


@pytest.fixture
def certificate_authority() -> trustme.CA:
    """Return a throwaway CA."""
    return trustme.CA()


@pytest.fixture
async def statistics_server(
    socket_enabled: None, certificate_authority: trustme.CA
) -> AsyncGenerator[StatisticsServer]:
    """Serve /submit and /installation/<id> over TLS on 127.0.0.1.

    Real sockets, on 127.0.0.1 only: the harness still refuses other hosts.
    """
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(server_context)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = StatisticsServer(url=f"https://127.0.0.1:{port}")

    async def submit(request: web.Request) -> web.Response:
        server.submissions.append((dict(request.headers), await request.read()))
        return web.json_response({"status": "accepted"}, status=201)

    async def delete(request: web.Request) -> web.Response:
        server.deletions.append(request.match_info["installation_id"])
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/submit", submit)
    app.router.add_delete("/installation/{installation_id}", delete)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock, ssl_context=server_context).start()
    yield server
    await runner.cleanup()


@pytest.fixture
def trusted_client_context(certificate_authority: trustme.CA) -> Any:
    """Make HA's shared client session trust the throwaway CA (and only here)."""
    context = ssl.create_default_context()
    certificate_authority.configure_trust(context)
    with patch.object(ssl_util, "client_context", lambda *args, **kwargs: context):
        yield


@pytest.mark.usefixtures("trusted_client_context")
async def test_report_and_deletion_over_tls(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    statistics_server: StatisticsServer,
) -> None:
    hass.config.country = "DE"
    hass_storage[DOMAIN] = stored_data
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options={
            **consent_options({}, share=True),
            CONF_ENDPOINT: statistics_server.url,
            CONF_API_KEY: "test-key",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

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
        "consent_version": 1,
        "submission_timestamp": "2026-11-25T00:00:00+00:00",
        "installation": {
            "installation_id": installation_id,
            "first_seen": "2026-11-01T00:00:00+00:00",
            "app_version": "0.2.0",
            "python_version": "3.13",
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
