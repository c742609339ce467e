"""The privacy center: the options menu, driven through HA's HTTP flow API.

Every step is opened as the frontend opens it (`/api/config/config_entries/
options/flow`), with an administrator's session.
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
import json
import re
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.const import (
    CONSENT_VERSION,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from custom_components.printernizer_usage.core.privacy_center import grouped
from homeassistant.auth.models import User
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component

from .conftest import AGREED_ID
from .helpers import (
    async_advance,
    async_call,
    async_render_step,
    async_setup_sharing_entry,
    async_shown,
    async_submit_now,
)

FLOW_URL = "/api/config/config_entries/options/flow"
CLIENT_ID = "https://example.com/app"
SUBMIT_URL = f"{DEFAULT_ENDPOINT}/submit"
PLACEHOLDER_ID = "00000000-0000-4000-8000-000000000000"


class PrivacyCenter:
    """The options dialog as the frontend drives it, with an administrator's session."""

    def __init__(
        self,
        hass: HomeAssistant,
        hass_client: ClientSessionGenerator,
        access_token: str,
        entry: MockConfigEntry,
    ) -> None:
        """Sign in as the administrator who owns `access_token`."""
        refresh_token = hass.auth.async_validate_access_token(access_token)
        assert refresh_token is not None
        self.hass = hass
        self.refresh_token = refresh_token
        self.hass_client = hass_client
        self.entry = entry
        self.client: Any = None

    async def open(self, step: str) -> dict[str, Any]:
        """Open the menu and pick `step`; return the step's result."""
        # A fresh access token: the clock of these tests moves by days.
        token = self.hass.auth.async_create_access_token(self.refresh_token)
        self.client = await self.hass_client(token)
        response = await self.client.post(
            FLOW_URL, json={"handler": self.entry.entry_id}
        )
        assert response.status == HTTPStatus.OK
        menu = await response.json()
        assert menu["type"] == "menu"
        assert menu["menu_options"] == [
            "sharing",
            "printernizer",
            "preview",
            "history",
            "download",
            "delete_all",
        ]
        return await self.send(menu["flow_id"], {"next_step_id": step})

    async def send(self, flow_id: str, data: dict[str, Any]) -> dict[str, Any]:
        """Submit a step."""
        response = await self.client.post(f"{FLOW_URL}/{flow_id}", json=data)
        assert response.status == HTTPStatus.OK
        result: dict[str, Any] = await response.json()
        return result


@pytest.fixture
async def center(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, hass_access_token: str
) -> PrivacyCenter:
    """Return the privacy center of the entry set up by the test's fixtures."""
    assert await async_setup_component(hass, "config", {})
    entries = hass.config_entries.async_entries(DOMAIN)
    return PrivacyCenter(hass, hass_client, hass_access_token, entries[0])


@pytest.fixture
async def sharing_entry(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored_data: dict[str, Any]
) -> MockConfigEntry:
    """Set up an entry sharing since 1 November."""
    return await async_setup_sharing_entry(hass, hass_storage, stored_data)


def _report(description_placeholders: dict[str, str]) -> dict[str, Any]:
    block = description_placeholders["report"]
    assert block.startswith("```json\n")
    assert block.endswith("\n```")
    report: dict[str, Any] = json.loads(block.removeprefix("```json\n")[:-4])
    return report


async def _assert_back_to_menu(
    center: PrivacyCenter, result: dict[str, Any], options: dict[str, Any]
) -> None:
    """Submit an information step: back to the menu, nothing changed."""
    runtime = center.entry.runtime_data
    back = await center.send(result["flow_id"], {})
    assert back["type"] == "menu"
    assert dict(center.entry.options) == options
    assert center.entry.state is ConfigEntryState.LOADED
    assert center.entry.runtime_data is runtime  # not reloaded


@pytest.mark.usefixtures("sharing_entry")
async def test_preview_is_what_is_sent(
    hass: HomeAssistant,
    center: PrivacyCenter,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    options = dict(center.entry.options)
    result = await center.open("preview")

    assert result["type"] == "form"
    assert result["step_id"] == "preview"
    shown = _report(result["description_placeholders"])
    action = await async_call(hass, "preview")
    assert shown == action["payload"]
    assert result["description_placeholders"]["size"] == grouped(action["size_bytes"])
    assert shown["installation"]["installation_id"] == AGREED_ID
    # Planned within the first hour after the start, in local time, zone named.
    text = await async_render_step(hass, result)
    assert re.search(r"planned for 2026-11-25 1\d:\d\d \(Europe/Berlin\)\.", text)
    assert "after midnight UTC, which is 2026-11-26 01:00 (Europe/Berlin)." in text
    await _assert_back_to_menu(center, result, options)

    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(minutes=61))
    sent = aioclient_mock.mock_calls[0][2]
    assert json.loads(sent) == shown
    assert len(sent) == action["size_bytes"]


@pytest.mark.usefixtures("init_integration")
async def test_preview_with_sharing_off_shows_the_shape(center: PrivacyCenter) -> None:
    result = await center.open("preview")

    assert result["step_id"] == "preview_sharing_off"
    shown = _report(result["description_placeholders"])
    assert shown["installation"]["installation_id"] == PLACEHOLDER_ID
    # Exactly what turning sharing on would send: the current consent version.
    assert shown["consent_version"] == CONSENT_VERSION == 2
    text = await async_render_step(center.hass, result)
    assert "No report is planned: sharing is off." in text
    assert "refused" not in text
    assert "changed since you agreed" not in text
    await _assert_back_to_menu(center, result, dict(center.entry.options))


async def test_preview_names_the_one_reason_no_report_is_planned(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Agreed to an older report: that reason; a refused key: that one."""
    entry = await async_setup_sharing_entry(
        hass, hass_storage, stored_data, consent_version=1
    )
    assert await async_setup_component(hass, "config", {})
    center = PrivacyCenter(hass, hass_client, hass_access_token, entry)

    result = await center.open("preview")

    assert result["step_id"] == "preview_consent_needed"
    text = await async_render_step(hass, result)
    assert "No report is planned: the report changed since you agreed" in text
    assert "sharing is off" not in text
    assert "refused" not in text

    hass.config_entries.async_update_entry(
        entry, options={**entry.options, "consent_version": CONSENT_VERSION}
    )
    aioclient_mock.post(SUBMIT_URL, status=401)
    assert await async_submit_now(hass) == "key_refused: http_401"

    result = await center.open("preview")

    assert result["step_id"] == "preview_key_refused"
    text = await async_render_step(hass, result)
    assert "No report is planned: the statistics service refused the API key." in text
    assert "changed since you agreed" not in text
    # What goes out once a key is accepted: the report waiting in the outbox.
    assert _report(result["description_placeholders"]) == json.loads(
        aioclient_mock.mock_calls[0][2]
    )


@pytest.mark.usefixtures("sharing_entry")
async def test_history_lists_every_attempt_newest_first(
    hass: HomeAssistant,
    center: PrivacyCenter,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=503)
    await async_advance(hass, freezer, timedelta(minutes=61))
    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(hours=1))
    aioclient_mock.clear_requests()
    aioclient_mock.post(SUBMIT_URL, status=400)
    await async_advance(hass, freezer, timedelta(days=8))

    result = await center.open("history")

    assert result["step_id"] == "history"
    rows = result["description_placeholders"]["attempts"].splitlines()
    assert len(rows) == 3
    assert "`dropped: http_400`" in rows[0]
    assert "2026-12-03" in rows[0]
    assert "`sent`" in rows[1]
    assert "2026-11-01 \u2013 2026-11-25" in rows[1]
    assert "`retrying: http_503`" in rows[2]
    assert re.search(r"\| [\d,]+ \|$", rows[1])
    text = await async_render_step(hass, result)
    assert text.endswith("No deletion request is waiting.")
    assert "| \u2013 | \u2013 | \u2013 |" not in text
    await _assert_back_to_menu(center, result, dict(center.entry.options))


@pytest.mark.usefixtures("sharing_entry")
async def test_history_shows_pending_deletions(
    hass: HomeAssistant,
    center: PrivacyCenter,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(minutes=61))
    hass.config_entries.async_update_entry(
        center.entry, options={**center.entry.options, "share_statistics": False}
    )
    await hass.async_block_till_done()

    result = await center.open("history")

    assert result["step_id"] == "history_deletions"
    text = await async_render_step(hass, result)
    assert (
        "**Deletion requests still to be sent**\n\n"
        "| Service | Tries | Next try |\n|---|---:|---|\n"
        f"| {DEFAULT_ENDPOINT} | 0 | \u2013 |"
    ) in text


@pytest.mark.usefixtures("sharing_entry")
async def test_download_link_is_signed_for_a_few_minutes(
    hass: HomeAssistant,
    center: PrivacyCenter,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    result = await center.open("download")

    assert result["step_id"] == "download"
    placeholders = result["description_placeholders"]
    assert placeholders["minutes"] == "5"
    anchor = re.fullmatch(
        r'<a href="([^"]+)" target="_self">'
        r"printernizer_usage_export_2026-11-25\.json</a>",
        placeholders["link"],
    )
    assert anchor is not None
    link = anchor.group(1)
    assert link.startswith("/api/printernizer_usage/export?authSig=")

    # Nothing but the link: no header, no cookie.
    anonymous = await hass_client_no_auth()
    response = await anonymous.get(link)
    assert response.status == HTTPStatus.OK
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="printernizer_usage_export_2026-11-25.json"'
    )
    export = await response.json()
    assert export["installation"]["installation_id"] == AGREED_ID
    assert export == await async_call(hass, "export")

    # Only for its own path...
    other = link.replace(
        "/api/printernizer_usage/export?", "/api/config/config_entries/entry?"
    )
    assert (await anonymous.get(other)).status == HTTPStatus.UNAUTHORIZED
    assert (await anonymous.get("/api/printernizer_usage/export")).status == (
        HTTPStatus.UNAUTHORIZED
    )
    # ... and only for a few minutes.
    freezer.tick(timedelta(minutes=6))
    assert (await anonymous.get(link)).status == HTTPStatus.UNAUTHORIZED
    await _assert_back_to_menu(center, result, dict(center.entry.options))


@pytest.mark.usefixtures("sharing_entry")
async def test_download_link_belongs_to_the_session_that_opened_it(
    hass: HomeAssistant,
    center: PrivacyCenter,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Signing out (the session's token revoked) ends the link at once."""
    anchor = (await center.open("download"))["description_placeholders"]["link"]
    link = anchor.split('"')[1]
    anonymous = await hass_client_no_auth()
    assert (await anonymous.get(link)).status == HTTPStatus.OK

    hass.auth.async_remove_refresh_token(center.refresh_token)

    assert (await anonymous.get(link)).status == HTTPStatus.UNAUTHORIZED


@pytest.mark.usefixtures("sharing_entry")
async def test_download_needs_a_persons_session(hass: HomeAssistant) -> None:
    """Started from code (no browser session), no link is made."""
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "download"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "download_needs_browser"
    assert (await async_shown(hass, result)).startswith(
        "The download link can only be made for a person signed in"
    )


@pytest.mark.usefixtures("sharing_entry")
async def test_delete_needs_the_box_then_removes_everything(
    hass: HomeAssistant,
    center: PrivacyCenter,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    anchor = (await center.open("download"))["description_placeholders"]["link"]
    link = anchor.split('"')[1]
    options = dict(center.entry.options)

    result = await center.open("delete_all")
    placeholders = result["description_placeholders"]
    assert placeholders["days"] == "1"
    assert placeholders["events"] == "14"
    # Nothing was sent yet: a sentence, not a list with a dash.
    assert result["step_id"] == "delete_all_nothing_sent"
    text = await async_render_step(hass, result)
    assert "- the random installation ID, which exists only while sharing is on" in text
    assert "No statistics service holds a report of this installation" in text
    assert "\u2013" not in text
    assert "(1)" not in text

    # Without the box: a translated error, and nothing removed.
    refused = await center.send(result["flow_id"], {"confirm": False})
    assert refused["type"] == "form"
    assert refused["errors"] == {"confirm": "confirm_delete"}
    assert await async_shown(hass, refused) == (
        "Tick the box to confirm; nothing was deleted."
    )
    export = await async_call(hass, "export")
    assert export["counts"]["totals"] == {"job_completed": 10, "file_downloaded": 4}
    assert export["installation"]["installation_id"] == AGREED_ID

    done = await center.send(result["flow_id"], {"confirm": True})
    assert done["type"] == "abort"
    assert done["reason"] == "deleted"
    assert done["description_placeholders"] == {
        "days": "1",
        "events": "14",
        "deletion_requests": "0",
    }
    assert (await async_shown(hass, done)).startswith(
        "Deleted: the counts and totals (14 events; days with counts: 1)"
    )
    assert dict(center.entry.options) == options

    anonymous = await hass_client_no_auth()
    after = await (await anonymous.get(link)).json()
    assert after["counts"]["totals"] == {}
    assert after["submission"]["audit_log"] == []
    assert after["installation"]["installation_id"] not in (None, AGREED_ID)


@pytest.mark.usefixtures("sharing_entry")
async def test_delete_lists_the_services_asked_to_delete(
    hass: HomeAssistant,
    center: PrivacyCenter,
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    aioclient_mock.post(SUBMIT_URL, status=201)
    await async_advance(hass, freezer, timedelta(minutes=61))

    result = await center.open("delete_all")

    assert result["step_id"] == "delete_all"
    assert result["description_placeholders"]["attempts"] == "1"
    text = await async_render_step(hass, result)
    assert (
        "These services will be asked to delete everything they received:\n"
        f"- {DEFAULT_ENDPOINT}\n"
    ) in text


async def test_steps_of_an_entry_that_is_not_loaded(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    center_client: PrivacyCenter,
) -> None:
    for step in ("preview", "history", "delete_all"):
        result = await center_client.open(step)
        assert result["type"] == "abort"
        assert result["reason"] == "not_loaded"
        assert await async_shown(hass, result) == (
            "Printernizer Usage Statistics is not loaded; reload it and try again."
        )


@pytest.fixture
async def center_client(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_access_token: str,
    mock_config_entry: MockConfigEntry,
) -> PrivacyCenter:
    """Return the privacy center of an entry that was added but not set up."""
    assert await async_setup_component(hass, "config", {})
    mock_config_entry.add_to_hass(hass)
    return PrivacyCenter(hass, hass_client, hass_access_token, mock_config_entry)


async def test_consent_dialog_shows_an_example_report(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )

    example = _report({"report": result["description_placeholders"]["example"]})
    assert example["installation"]["installation_id"] == PLACEHOLDER_ID
    assert example["period"]["duration_days"] == 7
    assert example["usage_stats"]["job_count"] == 0
    assert set(example) == {
        "schema_version",
        "consent_version",
        "submission_timestamp",
        "installation",
        "period",
        "printer_fleet",
        "usage_stats",
        "error_summary",
    }


@pytest.mark.usefixtures("sharing_entry")
async def test_only_administrators_open_the_privacy_center(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_household_user: User,
) -> None:
    """A household member cannot reach the preview, the link or the delete."""
    assert await async_setup_component(hass, "config", {})
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    credential = await hass.auth.async_create_refresh_token(
        hass_household_user, CLIENT_ID
    )
    client = await hass_client(hass.auth.async_create_access_token(credential))

    response = await client.post(FLOW_URL, json={"handler": entry.entry_id})

    assert response.status == HTTPStatus.UNAUTHORIZED
    export = await async_call(hass, "export")
    assert export["installation"]["installation_id"] == AGREED_ID
