"""Faults of a real HTTPS statistics server on 127.0.0.1.

For each fault: no period counted twice, none lost, at most one request an
hour. A server slower than the timeout is in test_endpoint_timeout.py, which
needs a clock that runs.
"""

from __future__ import annotations

from datetime import timedelta
import json
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
import trustme

from homeassistant.core import HomeAssistant

from .helpers import (
    async_advance,
    async_export,
    async_setup_sharing_entry,
    async_submit_now,
)
from .statistics_server import FIFTY_MEGABYTES, StatisticsServer, run_statistics_server

STATUS = "sensor.printernizer_usage_statistics_submission_status"


async def _submission(hass: HomeAssistant) -> dict[str, Any]:
    submission: dict[str, Any] = (await async_export(hass))["submission"]
    return submission


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        ("reset", "retrying: ClientPayloadError"),
        ("redirect_http", "retrying: http_302"),
        ("429", "retrying: http_429"),
    ],
)
@pytest.mark.usefixtures("trusted_client_context")
async def test_faults_keep_the_report_for_a_later_try(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    statistics_server: StatisticsServer,
    mode: str,
    outcome: str,
) -> None:
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, endpoint=statistics_server.url
    )
    statistics_server.mode = mode

    result = await async_submit_now(hass)

    assert result in (outcome, "sent")
    submission = await _submission(hass)
    if result == "sent":
        # A reset after the status line arrived is still a delivered report.
        assert mode == "reset"
        assert submission["last_period_end"] == "2026-11-25"
        return
    assert hass.states.get(STATUS).state == "retrying"
    assert submission["outbox"]["start"] == "2026-11-01"
    assert submission["last_period_end"] is None
    # At most one request an hour, whatever is asked.
    assert await async_submit_now(hass) == "rate_limited"
    assert len(statistics_server.submissions) == 1

    statistics_server.mode = "ok"
    await async_advance(hass, freezer, timedelta(hours=1, minutes=1))
    assert len(statistics_server.submissions) == 2
    assert statistics_server.submissions[0][1] == statistics_server.submissions[1][1]
    submission = await _submission(hass)
    assert submission["outbox"] is None
    assert submission["last_period_end"] == "2026-11-25"
    # The redirect was never followed to plain http.
    assert all(
        headers.get("Host", "").startswith("127.0.0.1")
        for headers, _ in statistics_server.submissions
    )


@pytest.mark.usefixtures("trusted_client_context")
async def test_huge_answer_is_not_read(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    statistics_server: StatisticsServer,
) -> None:
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, endpoint=statistics_server.url
    )
    statistics_server.mode = "huge"

    assert await async_submit_now(hass) == "sent"
    await hass.async_block_till_done()

    # The client hung up long before 50 MB; only the status was used.
    assert statistics_server.bytes_sent < FIFTY_MEGABYTES / 4
    assert (await _submission(hass))["last_period_end"] == "2026-11-25"


@pytest.mark.usefixtures("trusted_client_context")
async def test_garbage_body_with_200_counts_as_delivered(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    statistics_server: StatisticsServer,
) -> None:
    # The contract: only the status matters (the body is never read).
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, endpoint=statistics_server.url
    )
    statistics_server.mode = "garbage"
    assert await async_submit_now(hass) == "sent"
    assert hass.states.get(STATUS).state == "ok"


async def test_certificate_for_another_host_is_refused(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    socket_enabled: None,
    certificate_authority: trustme.CA,
    trusted_client_context: None,
) -> None:
    with run_statistics_server(
        certificate_authority, hostname="stats.example.org"
    ) as server:
        await async_setup_sharing_entry(
            hass, hass_storage, stored_data, endpoint=server.url
        )
        result = await async_submit_now(hass)
        assert result == "retrying: ClientConnectorCertificateError"
        assert server.submissions == []
        assert (await _submission(hass))["outbox"]["attempts"] == 1


@pytest.mark.usefixtures("trusted_client_context")
async def test_429_storm_backs_off(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    statistics_server: StatisticsServer,
) -> None:
    await async_setup_sharing_entry(
        hass, hass_storage, stored_data, endpoint=statistics_server.url
    )
    statistics_server.mode = "429"
    await async_submit_now(hass)
    for _ in range(48):
        await async_advance(hass, freezer, timedelta(hours=1))

    # Two days of 429s: 1, 2, 4, 8, 16 hours apart, not 48 requests.
    assert len(statistics_server.submissions) == 6
    bodies = {body for _, body in statistics_server.submissions}
    assert len(bodies) == 1
    keys = {headers["Idempotency-Key"] for headers, _ in statistics_server.submissions}
    assert len(keys) == 1
    payload = json.loads(next(iter(bodies)))
    assert payload["period"]["start"] == "2026-11-01T00:00:00+00:00"
