"""Sending the weekly report: every outcome, driven by time and a mocked server."""

from __future__ import annotations

import asyncio
import copy
from datetime import datetime, timedelta
import json
from typing import Any
from unittest.mock import patch

from aiohttp import ClientConnectionError
from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
    AiohttpClientMockResponse,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.printernizer_usage.const import (
    CONF_API_KEY,
    CONF_CONSENT_VERSION,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DEFAULT_ENDPOINT,
    DOMAIN,
    ISSUE_CONSENT_NEEDED,
)
from custom_components.printernizer_usage.core.payload import (
    serialize,
    validate_payload,
)
from custom_components.printernizer_usage.core.schedule import backoff, retry_after
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from .helpers import (
    async_advance,
    async_call,
    async_export,
    async_render_step,
    async_shown,
    async_start_repair_flow,
    async_submit_now,
    async_use_share_switch,
)
from .test_privacy_center import PrivacyCenter

SUBMIT_URL = f"{DEFAULT_ENDPOINT}/submit"
SUMMARY_URL = f"{DEFAULT_ENDPOINT}/stats/summary"
STATUS = "sensor.printernizer_usage_statistics_submission_status"
LAST = "sensor.printernizer_usage_statistics_last_submission"
NEXT = "sensor.printernizer_usage_statistics_next_submission"
SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"


@pytest.fixture
def share_statistics() -> bool:
    """Sharing is on in this module unless a test says otherwise."""
    return True


@pytest.fixture(autouse=True)
def stored_counts(
    request: pytest.FixtureRequest,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
) -> None:
    """Start with three weeks of history, so a report is due at once.

    Parametrized with None, start with nothing stored instead.
    """
    if getattr(request, "param", True) is not None:
        hass_storage[DOMAIN] = stored_data


async def _setup_agreed_to_version_0(
    hass: HomeAssistant, entry: MockConfigEntry, *, share: bool
) -> None:
    """Set up an entry whose person answered an older consent dialog."""
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_SHARE_STATISTICS: share, CONF_CONSENT_VERSION: 0}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)


async def _preview(hass: HomeAssistant) -> dict[str, Any]:
    return await async_call(hass, "preview")


@pytest.mark.usefixtures("init_integration")
async def test_first_report_waits_after_a_start(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=201)
    assert hass.states.get(STATUS).state == "scheduled"
    assert hass.states.get(LAST).state == "unknown"
    # Nothing goes out in the first 5 to 60 minutes after a start.
    await async_advance(hass, freezer, timedelta(minutes=4))
    assert aioclient_mock.call_count == 0
    await async_advance(hass, freezer, timedelta(minutes=57))

    assert aioclient_mock.call_count == 1
    method, url, body, headers = aioclient_mock.mock_calls[0]
    assert (method, url) == ("POST", URL(SUBMIT_URL))
    payload = json.loads(body)
    assert validate_payload(payload) == body
    installation_id = payload["installation"]["installation_id"]
    assert headers["Content-Type"] == "application/json"
    assert len(headers["Idempotency-Key"]) == 64
    assert "X-API-Key" not in headers
    assert payload["period"] == {
        "start": "2026-11-01T00:00:00+00:00",
        "end": "2026-11-25T00:00:00+00:00",
        "duration_days": 24,
    }
    assert payload["submission_timestamp"] == "2026-11-25T00:00:00+00:00"
    assert payload["usage_stats"]["jobs_completed"] == 3
    assert payload["usage_stats"]["job_count"] == 3
    assert payload["usage_stats"]["file_count"] == 2
    assert payload["usage_stats"]["feature_usage"] == {"library": True}
    assert payload["installation"]["deployment_mode"] == "homeassistant"
    assert payload["installation"]["country_code"] == "XX"
    assert payload["consent_version"] == CONSENT_VERSION

    assert hass.states.get(STATUS).state == "ok"
    last = dt_util.parse_datetime(hass.states.get(LAST).state)
    assert last == datetime.fromisoformat("2026-11-25T11:01:00+00:00")
    # The next report covers the week from today; it is due next Wednesday.
    next_at = dt_util.parse_datetime(hass.states.get(NEXT).state)
    assert next_at is not None
    assert datetime.fromisoformat("2026-12-02T00:00:00+00:00") <= next_at
    assert next_at < datetime.fromisoformat("2026-12-03T00:00:00+00:00")

    export = await async_export(hass)
    assert export["installation"]["submitted_ids"] == [installation_id]
    audit = export["submission"]["audit_log"]
    assert [entry["status"] for entry in audit] == ["sent"]
    assert audit[0]["size"] == len(body)
    assert audit[0]["payload"] == payload

    # Nothing more until the next period is due (next Wednesday, plus the
    # installation's random offset of less than a day).
    await async_advance(hass, freezer, timedelta(days=6))
    assert aioclient_mock.call_count == 1
    await async_advance(hass, freezer, timedelta(days=2))
    assert aioclient_mock.call_count == 2
    second = json.loads(aioclient_mock.mock_calls[1][2])
    assert second["period"]["start"] == "2026-11-25T00:00:00+00:00"
    assert second["installation"]["installation_id"] == installation_id


@pytest.mark.usefixtures("init_integration")
async def test_bytes_sent_are_bytes_previewed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    preview = await _preview(hass)
    assert preview["pending"] is False

    await async_advance(hass, freezer, timedelta(minutes=61))
    first_body = aioclient_mock.mock_calls[0][2]
    assert first_body == serialize(preview["payload"])
    assert preview["size_bytes"] == len(first_body)

    pending = await _preview(hass)
    assert pending["pending"] is True
    assert serialize(pending["payload"]) == first_body

    # The retry, after midnight, sends the very same bytes with the same key.
    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=200)
    await async_advance(hass, freezer, timedelta(hours=14))
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][2] == first_body


async def test_retries_back_off_and_honor_retry_after(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
) -> None:
    responses: list[dict[str, Any]] = [
        {"status": 503},
        {"status": 500},
        {"status": 429},
        {"status": 429, "headers": {"Retry-After": str(10 * 3600)}},
        {"exc": TimeoutError()},
        {"exc": ClientConnectionError()},
        {"status": 200},
    ]
    # Waits after each failure: 1 h doubling, a longer Retry-After wins.
    waits = [1, 2, 4, 10, 16, 24]
    aioclient_mock.post(SUBMIT_URL, **responses[0])
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1
    keys = {aioclient_mock.mock_calls[0][3]["Idempotency-Key"]}
    bodies = {aioclient_mock.mock_calls[0][2]}

    for number, (response, wait) in enumerate(
        zip(responses[1:], waits, strict=True), start=2
    ):
        assert hass.states.get(STATUS).state == "retrying"
        calls = aioclient_mock.mock_calls[:]
        aioclient_mock.clear_requests()
        aioclient_mock.post(SUBMIT_URL, **response)
        aioclient_mock.mock_calls.extend(calls)
        await async_advance(hass, freezer, timedelta(hours=wait) - timedelta(minutes=1))
        assert aioclient_mock.call_count == number - 1, f"early retry {number}"
        await async_advance(hass, freezer, timedelta(minutes=2))
        assert aioclient_mock.call_count == number, f"retry {number} missing"
        keys.add(aioclient_mock.mock_calls[-1][3]["Idempotency-Key"])
        bodies.add(aioclient_mock.mock_calls[-1][2])

    assert len(keys) == 1
    assert len(bodies) == 1
    assert hass.states.get(STATUS).state == "ok"
    statuses = [
        entry["status"]
        for entry in (await async_export(hass))["submission"]["audit_log"]
    ]
    assert statuses == [
        "retrying: http_503",
        "retrying: http_500",
        "retrying: http_429",
        "retrying: http_429",
        "retrying: timeout",
        "retrying: ClientConnectionError",
        "sent",
    ]


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        # More digits than Python's int() reads: longer than the cap.
        ("9" * 5000, timedelta(days=7)),
        ("0" * 5000 + "36000", timedelta(hours=10)),
        ("Fri, 01 Jan 9999 00:00:00 GMT", timedelta(days=7)),
        ("soon", timedelta(hours=1)),
        # A zone or a field too large for a C integer: garbage too.
        ("Mon, 01 Jan 2024 00:00:00 +" + "9" * 30, timedelta(hours=1)),
        ("Mon, 01 Jan 2024 " + "9" * 30 + ":00:00 GMT", timedelta(hours=1)),
    ],
    ids=[
        "5000 digits",
        "leading zeros",
        "far date",
        "garbage",
        "huge zone",
        "huge hour",
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_any_retry_after_is_honoured_within_bounds(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    retry_after: str,
    wait: timedelta,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503, headers={"Retry-After": retry_after})
    assert await async_submit_now(hass) == "retrying: http_503"
    sent_at = dt_util.utcnow()
    export = await async_export(hass)
    assert export["submission"]["audit_log"][-1]["status"] == "retrying: http_503"
    assert dt_util.parse_datetime(export["submission"]["outbox"]["next_attempt"]) == (
        sent_at + wait
    )
    assert hass.states.get(STATUS).state == "retrying"

    await async_advance(hass, freezer, wait - timedelta(minutes=1))
    assert aioclient_mock.call_count == 1
    await async_advance(hass, freezer, timedelta(minutes=2))
    assert aioclient_mock.call_count == 2


@pytest.mark.parametrize("status", [400, 404, 413, 422])
@pytest.mark.usefixtures("init_integration")
async def test_refused_report_is_dropped(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    hass_storage: dict[str, Any],
    status: int,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=status)
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1

    assert hass.states.get(STATUS).state == "failed"
    export = await async_export(hass)
    assert export["submission"]["outbox"] is None
    assert export["submission"]["audit_log"][-1]["status"] == f"dropped: http_{status}"
    # The next report starts after the dropped one; counts are all still here.
    preview = await _preview(hass)
    assert preview["payload"]["period"]["start"] == "2026-11-25T00:00:00+00:00"
    assert export["counts"]["totals"] == {"job_completed": 10, "file_downloaded": 4}
    await async_advance(hass, freezer, timedelta(days=3))
    assert aioclient_mock.call_count == 1


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_api_key_stops_until_fixed(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    status: int,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=status)
    await async_advance(hass, freezer, timedelta(minutes=61))
    body = aioclient_mock.mock_calls[0][2]

    assert hass.states.get(STATUS).state == "failed"
    # HA's own reauthentication asks for a new key.
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["step_id"] == "reauth_confirm"
    await async_advance(hass, freezer, timedelta(days=3))
    assert aioclient_mock.call_count == 1
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "submit_now", blocking=True)
    assert err.value.translation_key == "api_key_refused"
    assert str(err.value) == (
        "The statistics service refused the API key. Enter a new key when Home"
        " Assistant asks for it (Settings > Devices & services)"
    )

    # A key the service refuses is not saved; one it accepts is, and sending
    # resumes with the same report.
    aioclient_mock.get(SUMMARY_URL, status=401)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: "k-wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_API_KEY: "invalid_api_key"}
    assert await async_shown(hass, result) == (
        "The statistics service refused this API key."
    )
    assert CONF_API_KEY not in init_integration.options
    aioclient_mock.clear_requests()
    aioclient_mock.get(SUMMARY_URL, status=200)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: " k-2 "}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert await async_shown(hass, result) == (
        "The new API key was accepted; sending resumes."
    )
    assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == "k-2"
    await hass.async_block_till_done()
    assert init_integration.options[CONF_API_KEY] == "k-2"

    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=200)
    await async_advance(hass, freezer, timedelta(minutes=1))
    assert aioclient_mock.call_count == 1
    assert aioclient_mock.mock_calls[0][2] == body
    assert aioclient_mock.mock_calls[0][3]["X-API-Key"] == "k-2"
    assert hass.states.get(STATUS).state == "ok"


async def test_restart_during_backoff_keeps_the_schedule(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    await async_advance(hass, freezer, timedelta(minutes=61))
    body = aioclient_mock.mock_calls[0][2]

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    # A restart neither sends at once nor forgets the pending report.
    await async_advance(hass, freezer, timedelta(minutes=50))
    assert aioclient_mock.call_count == 1
    assert hass.states.get(STATUS).state == "retrying"
    await async_advance(hass, freezer, timedelta(minutes=11))
    assert aioclient_mock.call_count == 2
    assert aioclient_mock.mock_calls[1][2] == body


@pytest.mark.usefixtures("init_integration")
async def test_clock_moving_backwards_causes_no_burst(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1

    freezer.move_to("2026-11-24 08:00:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert await async_submit_now(hass) == "rate_limited"
    await async_advance(hass, freezer, timedelta(minutes=59))
    assert aioclient_mock.call_count == 1
    await async_advance(hass, freezer, timedelta(hours=2))
    assert aioclient_mock.call_count == 2
    # The retry still sends the report built before the clock moved.
    assert aioclient_mock.mock_calls[1][2] == aioclient_mock.mock_calls[0][2]


async def test_opt_out_during_retry_stops_and_asks_for_deletion(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
    hass_admin_user: MockUser,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    await async_advance(hass, freezer, timedelta(minutes=61))
    installation_id = json.loads(aioclient_mock.mock_calls[0][2])["installation"][
        "installation_id"
    ]
    delete_url = f"{DEFAULT_ENDPOINT}/installation/{installation_id}"
    aioclient_mock.delete(delete_url, status=500)

    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    await hass.async_block_till_done()
    assert hass.states.get(STATUS).state == "disabled"
    assert hass.states.get(NEXT).state == "unknown"
    export = await async_export(hass)
    assert export["installation"]["installation_id"] is None
    assert export["submission"]["outbox"] is None

    # One request per hour still holds for the deletion request.
    await async_advance(hass, freezer, timedelta(minutes=58))
    assert aioclient_mock.call_count == 1
    await async_advance(hass, freezer, timedelta(minutes=2))
    assert [call[0] for call in aioclient_mock.mock_calls] == ["POST", "DELETE"]
    assert aioclient_mock.mock_calls[1][1] == URL(delete_url)

    # Refused deletions are retried (and survive a restart) until acknowledged.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    aioclient_mock.clear_requests()
    aioclient_mock.delete(delete_url, status=404)
    await async_advance(hass, freezer, timedelta(hours=1, minutes=1))
    assert [call[0] for call in aioclient_mock.mock_calls] == ["DELETE"]
    export = await async_export(hass)
    assert export["submission"]["deletions"] == []
    assert export["installation"]["submitted_ids"] == []
    assert [entry["status"] for entry in export["submission"]["audit_log"]] == [
        "retrying: http_503",
        "retrying: http_500",
        "deleted",
    ]
    # Nothing else goes out while sharing is off.
    await async_advance(hass, freezer, timedelta(days=10))
    assert aioclient_mock.call_count == 1

    # Opting in again (an administrator's act) creates a new id.
    await async_use_share_switch(hass, "turn_on", hass_admin_user)
    await hass.async_block_till_done()
    new_id = (await async_export(hass))["installation"]["installation_id"]
    assert new_id not in (None, installation_id)


@pytest.mark.parametrize("share_statistics", [False])
@pytest.mark.usefixtures("init_integration")
async def test_nothing_is_sent_while_sharing_is_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    await async_advance(hass, freezer, timedelta(days=15))
    assert aioclient_mock.call_count == 0
    assert hass.states.get(STATUS).state == "disabled"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "submit_now", blocking=True)
    assert err.value.translation_key == "sharing_off"
    assert str(err.value).startswith("Sharing is off, so nothing is sent. Turn on")
    # The person can still see what would be sent, before agreeing.
    preview = await _preview(hass)
    assert preview["payload"]["installation"]["installation_id"] == (
        "00000000-0000-4000-8000-000000000000"
    )
    assert "installation_id_note" in preview


async def test_week_without_events(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    mock_config_entry: MockConfigEntry,
) -> None:
    del hass_storage[DOMAIN]
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    aioclient_mock.post(SUBMIT_URL, status=200)
    # Due at 00:00 UTC seven days after the first day, plus this
    # installation's random offset of less than a day.
    next_at = dt_util.parse_datetime(hass.states.get(NEXT).state)
    assert next_at is not None
    assert datetime.fromisoformat("2026-12-02T00:00:00+00:00") <= next_at
    assert next_at < datetime.fromisoformat("2026-12-03T00:00:00+00:00")
    freezer.move_to(next_at - timedelta(seconds=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert aioclient_mock.call_count == 0
    await async_advance(hass, freezer, timedelta(seconds=1))

    assert aioclient_mock.call_count == 1
    payload = json.loads(aioclient_mock.mock_calls[0][2])
    assert payload["period"]["duration_days"] == 7
    assert payload["usage_stats"]["job_count"] == 0
    assert payload["error_summary"] == {}
    # Home Assistant ran from 10:00 on the first day: whole hours only.
    assert payload["usage_stats"]["uptime_hours"] == 24 * 7 - 10


@pytest.mark.usefixtures("init_integration")
async def test_report_that_fails_validation_is_not_sent(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=200)
    odd_type = "Home Assistant <b>john@example.com</b>"
    with patch(
        "custom_components.printernizer_usage.report.async_get_system_info",
        return_value={"installation_type": odd_type},
    ):
        await async_advance(hass, freezer, timedelta(minutes=61))

    assert aioclient_mock.call_count == 0
    assert hass.states.get(STATUS).state == "failed"
    assert "installation_type is malformed" in caplog.text
    assert "john@example.com" not in caplog.text
    audit = (await async_export(hass))["submission"]["audit_log"]
    assert audit[-1]["status"] == "not sent: installation_type is malformed"
    assert audit[-1]["payload"] is None


async def test_outdated_consent_pauses_and_asks_again(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    await _setup_agreed_to_version_0(hass, mock_config_entry, share=True)
    await hass.async_block_till_done()
    aioclient_mock.post(SUBMIT_URL, status=200)

    assert hass.states.get(STATUS).state == "consent_needed"
    issue = issue_registry.async_get_issue(DOMAIN, ISSUE_CONSENT_NEEDED)
    assert issue is not None
    assert issue.translation_placeholders == {
        "new_fields": "installation, period, printer_fleet, usage_stats, "
        "error_summary, integration_version, app_version"
    }
    await async_advance(hass, freezer, timedelta(days=2))
    assert aioclient_mock.call_count == 0
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(DOMAIN, "submit_now", blocking=True)
    assert err.value.translation_key == "consent_needed"
    assert str(err.value).startswith(
        "The weekly report changed since you agreed to share it."
    )

    manager, result = await async_start_repair_flow(hass, ISSUE_CONSENT_NEEDED)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["agree", "decline"]
    result = await manager.async_configure(result["flow_id"], {"next_step_id": "agree"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert mock_config_entry.options[CONF_CONSENT_VERSION] == CONSENT_VERSION
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_CONSENT_NEEDED) is None
    assert hass.states.get(STATUS).state == "scheduled"
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.call_count == 1


async def test_declining_new_consent_turns_sharing_off(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    await _setup_agreed_to_version_0(hass, mock_config_entry, share=True)
    manager, result = await async_start_repair_flow(hass, ISSUE_CONSENT_NEEDED)
    result = await manager.async_configure(
        result["flow_id"], {"next_step_id": "decline"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    assert mock_config_entry.options[CONF_SHARE_STATISTICS] is False
    assert hass.states.get(STATUS).state == "disabled"
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_CONSENT_NEEDED) is None


@pytest.mark.parametrize("share_statistics", [False])
async def test_people_who_never_opted_in_are_never_asked(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    await _setup_agreed_to_version_0(hass, mock_config_entry, share=False)
    assert issue_registry.async_get_issue(DOMAIN, ISSUE_CONSENT_NEEDED) is None
    assert hass.states.get(STATUS).state == "disabled"


@pytest.mark.usefixtures("init_integration")
async def test_submit_now(
    hass: HomeAssistant,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=200)
    result = await hass.services.async_call(
        DOMAIN, "submit_now", blocking=True, return_response=True
    )
    assert result == {"result": "sent"}
    assert aioclient_mock.call_count == 1

    # The period now starts today: nothing left to send, and anyway within the hour.
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(DOMAIN, "submit_now", blocking=True)
    assert err.value.translation_key == "submit_rate_limited"
    assert err.value.translation_placeholders == {
        "status": "",
        "next_try": "2026-11-25T11:00:00+00:00",
    }
    assert str(err.value) == (
        "Only one request per hour is allowed; the next one may go out at"
        " 2026-11-25T11:00:00+00:00"
    )
    assert aioclient_mock.call_count == 1


async def test_delete_all_asks_deletion_of_every_id(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=200)
    await async_advance(hass, freezer, timedelta(minutes=61))
    old_id = json.loads(aioclient_mock.mock_calls[0][2])["installation"][
        "installation_id"
    ]
    aioclient_mock.delete(f"{DEFAULT_ENDPOINT}/installation/{old_id}", status=204)

    removed = await hass.services.async_call(
        DOMAIN, "delete_all", blocking=True, return_response=True
    )
    assert removed is not None
    assert removed["deletion_requests"] == 1
    export = await async_export(hass)
    assert export["submission"]["audit_log"] == []
    assert export["installation"]["installation_id"] not in (None, old_id)

    await async_advance(hass, freezer, timedelta(minutes=61))
    assert aioclient_mock.mock_calls[-1][0] == "DELETE"
    assert aioclient_mock.mock_calls[-1][1] == URL(
        f"{DEFAULT_ENDPOINT}/installation/{old_id}"
    )


async def test_removing_the_integration_asks_for_deletion(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=200)
    await async_advance(hass, freezer, timedelta(minutes=61))
    old_id = json.loads(aioclient_mock.mock_calls[0][2])["installation"][
        "installation_id"
    ]
    delete_url = f"{DEFAULT_ENDPOINT}/installation/{old_id}"
    aioclient_mock.delete(delete_url, status=204)

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert aioclient_mock.mock_calls[-1][:2] == ("DELETE", URL(delete_url))
    assert DOMAIN not in hass_storage


def test_retry_after_header_forms() -> None:
    now = datetime.fromisoformat("2026-11-25T10:00:00+00:00")
    assert retry_after("120", now) == timedelta(minutes=2)
    assert retry_after("Wed, 25 Nov 2026 13:00:00 GMT", now) == timedelta(hours=3)
    assert retry_after("Tue, 24 Nov 2026 13:00:00 GMT", now) == timedelta(0)
    assert retry_after("next week", now) == timedelta(0)
    assert retry_after(None, now) == timedelta(0)
    # A server cannot silence an installation for longer than a week.
    assert retry_after(str(365 * 86400), now) == timedelta(days=7)
    assert [backoff(n) for n in range(1, 8)] == [
        timedelta(hours=h) for h in (1, 2, 4, 8, 16, 24, 24)
    ]


async def test_deletion_request_outlives_a_ten_day_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "config", {})
    center = PrivacyCenter(hass, hass_client, hass_access_token, init_integration)
    aioclient_mock.post(SUBMIT_URL, status=200)
    await async_advance(hass, freezer, timedelta(minutes=61))
    installation_id = json.loads(aioclient_mock.mock_calls[0][2])["installation"][
        "installation_id"
    ]
    delete_url = f"{DEFAULT_ENDPOINT}/installation/{installation_id}"
    aioclient_mock.delete(delete_url, status=503)
    await hass.services.async_call(
        "switch", "turn_off", {ATTR_ENTITY_ID: SWITCH}, blocking=True
    )
    outage_ends = dt_util.utcnow() + timedelta(days=10)
    while dt_util.utcnow() < outage_ends:
        await async_advance(hass, freezer, timedelta(hours=1))
    tries = [call for call in aioclient_mock.mock_calls if call[0] == "DELETE"]
    # 1 h doubling up to a day between tries: more than the old limit of 12.
    assert len(tries) == 14
    pending = (await async_export(hass))["submission"]["deletions"]
    assert [(item["endpoint"], item["attempts"]) for item in pending] == [
        (DEFAULT_ENDPOINT, 14)
    ]
    # The privacy center still lists it as pending.
    history = await async_render_step(hass, await center.open("history"))
    assert f"| {DEFAULT_ENDPOINT} | 14 | {pending[0]['next_attempt']} |" in history

    # The service is back: the request goes out within a day, and is done.
    aioclient_mock.clear_requests()
    aioclient_mock.delete(delete_url, status=204)
    await async_advance(hass, freezer, timedelta(days=1))
    assert [call[:2] for call in aioclient_mock.mock_calls] == [
        ("DELETE", URL(delete_url))
    ]
    export = await async_export(hass)
    assert export["submission"]["deletions"] == []
    statuses = [entry["status"] for entry in export["submission"]["audit_log"]]
    assert statuses[-15:] == ["retrying: http_503"] * 14 + ["deleted"]
    assert "given up" not in caplog.text


async def test_stale_report_is_dropped_after_four_weeks_of_failures(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    await async_advance(hass, freezer, timedelta(minutes=61))
    for _ in range(30):
        await async_advance(hass, freezer, timedelta(hours=24, minutes=1))

    export = await async_export(hass)
    statuses = [entry["status"] for entry in export["submission"]["audit_log"]]
    assert "dropped: http_503" in statuses
    # Later reports start where the dropped one ended.
    assert export["submission"]["last_period_end"] == "2026-11-25"


@pytest.mark.parametrize("stored_counts", [None])
async def test_submit_now_with_nothing_to_send(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await async_call(hass, "submit_now")
    assert err.value.translation_key == "submit_nothing_to_send"
    assert str(err.value) == (
        "There is nothing to send yet: a report covers whole days (UTC) from the"
        " day sharing was turned on, and today's counts go into it after"
        " midnight UTC"
    )
    assert aioclient_mock.call_count == 0


async def test_refused_key_stays_refused_after_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    init_integration: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=401)
    await async_advance(hass, freezer, timedelta(minutes=61))
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await async_advance(hass, freezer, timedelta(days=2))

    assert aioclient_mock.call_count == 1
    assert hass.states.get(STATUS).state == "failed"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize(
    ("share_statistics", "method", "url"),
    [
        (True, "POST", SUBMIT_URL),
        (False, "DELETE", f"{DEFAULT_ENDPOINT}/installation/old-id"),
    ],
    ids=["report", "deletion"],
)
async def test_request_budget_survives_a_crash_mid_request(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    method: str,
    url: str,
) -> None:
    """The time of a request is on disk before it goes out."""
    if method == "DELETE":
        stored_data["data"]["submission"] = {
            "deletions": [
                {
                    "installation_id": "old-id",
                    "endpoint": DEFAULT_ENDPOINT,
                    "attempts": 0,
                }
            ]
        }
    started = asyncio.Event()
    release = asyncio.Event()

    async def held(verb: str, target: URL, data: Any) -> AiohttpClientMockResponse:
        started.set()
        await release.wait()
        return AiohttpClientMockResponse(verb, target, status=500)

    aioclient_mock.request(method, url, side_effect=held)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    freezer.tick(timedelta(minutes=61))
    async_fire_time_changed(hass)
    await asyncio.wait_for(started.wait(), 10)
    sent_at = dt_util.utcnow()
    # What a crash now leaves on disk.
    on_disk = copy.deepcopy(hass_storage[DOMAIN])
    assert on_disk["data"]["submission"]["last_request"] == sent_at.isoformat()

    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    release.set()
    hass_storage[DOMAIN] = on_disk
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    for _ in range(11):
        await async_advance(hass, freezer, timedelta(minutes=5))
    assert dt_util.utcnow() - sent_at < timedelta(hours=1)
    assert aioclient_mock.call_count == 1

    # The budget holds the next request back, not forever.
    await async_advance(hass, freezer, timedelta(minutes=10))
    assert aioclient_mock.call_count == 2
