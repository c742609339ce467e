"""What README, quality_scale.yaml and the consent dialog promise holds of the code."""

from __future__ import annotations

from collections.abc import Generator
import copy
from datetime import timedelta
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import (
    CLIENT_ID,
    MockConfigEntry,
    MockUser,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import DEFAULT_ENDPOINT, DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import storage

from .helpers import (
    async_advance,
    async_call,
    async_setup_sharing_entry,
    async_submit_now,
    leaves,
)
from .test_stored_values import REAL_STORE_LOAD


@pytest.fixture
def real_file(hass: HomeAssistant, tmp_path: Path) -> Generator[Path]:
    """Read the integration's file from a real, temporary config directory."""
    hass.config.config_dir = str(tmp_path)
    path = tmp_path / ".storage" / DOMAIN
    path.parent.mkdir()
    with patch.object(storage.Store, "_async_load", REAL_STORE_LOAD):
        yield path


OLD_ID = "0d5e0c8a-3c1f-4c55-9a57-2f1b8f6d7e11"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("share_statistics", [True])
async def test_diagnostics_name_no_day_of_a_deletion_request(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    hass_client: ClientSessionGenerator,
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
    hass_admin_user: MockUser,
) -> None:
    """A deletion request names the id; its day (next try - backoff) must not show."""
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=201)
    aioclient_mock.delete(re.compile(".*"), status=503)
    entry = await async_setup_sharing_entry(hass, hass_storage, stored_data)
    assert await async_submit_now(hass) == "sent"
    await async_call(hass, "delete_all")
    await async_advance(hass, freezer, timedelta(hours=1, minutes=1))
    assert any(call[0] == "DELETE" for call in aioclient_mock.mock_calls)

    # The fixture's access token expired with the hour; a fresh one.
    refresh = await hass.auth.async_create_refresh_token(hass_admin_user, CLIENT_ID)
    token = hass.auth.async_create_access_token(refresh)

    async def client(*_: Any) -> Any:
        return await hass_client(token)

    diagnostics = await get_diagnostics_for_config_entry(hass, client, entry)

    pending = diagnostics["submission"]["deletions_pending"]
    assert pending
    assert not [leaf for leaf in leaves(pending) if _DAY.search(str(leaf))]


def _collected_lists(text: str) -> str:
    start = text.index("**What is collected**")
    last = "stack traces"
    return text[start : text.index(last, start) + len(last)].replace("`", '"')


def test_readme_shows_the_consent_dialog_text() -> None:
    """README says its lists are "the same text the consent dialog shows"."""
    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    strings = json.loads(
        (root / "custom_components/printernizer_usage/translations/en.json").read_text(
            encoding="utf-8"
        )
    )
    dialog = strings["config"]["step"]["user"]["description"]
    assert " ".join(_collected_lists(readme).split()) == " ".join(
        _collected_lists(dialog).split()
    )


@pytest.mark.parametrize("share_statistics", [False])
async def test_an_unreadable_file_does_not_lose_an_owed_deletion(
    hass: HomeAssistant,
    real_file: Path,
    stored_data: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
    freezer: FrozenDateTimeFactory,
) -> None:
    """README: deletion requests are "never given up", also when counts are broken."""
    aioclient_mock.delete(re.compile(".*"), status=204)
    # Sharing was turned off; the deletion of the old id is owed.
    stored_data["data"]["submission"] = {
        "deletions": [
            {
                "installation_id": OLD_ID,
                "endpoint": DEFAULT_ENDPOINT,
                "api_key": None,
                "attempts": 1,
                "next_attempt": None,
            }
        ]
    }
    # Another part of the file is unreadable: it is set aside.
    stored_data["data"]["counts"]["retention_days"] = "many"
    await hass.async_add_executor_job(real_file.write_text, json.dumps(stored_data))
    entry = MockConfigEntry(domain=DOMAIN, options=consent_options({}, share=False))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await async_advance(hass, freezer, timedelta(days=2))

    assert [
        str(url) for method, url, *_ in aioclient_mock.mock_calls if method == "DELETE"
    ] == [f"{DEFAULT_ENDPOINT}/installation/{OLD_ID}"]


@pytest.mark.parametrize("share_statistics", [False])
async def test_removal_deletes_a_file_set_aside(
    hass: HomeAssistant,
    real_file: Path,
    stored_data: dict[str, Any],
) -> None:
    """README, Removal: deleting the integration deletes the stored counts."""
    stored_data["data"]["counts"]["retention_days"] = "many"
    await hass.async_add_executor_job(real_file.write_text, json.dumps(stored_data))
    entry = MockConfigEntry(domain=DOMAIN, options=consent_options({}, share=False))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    left = await hass.async_add_executor_job(
        lambda: sorted(path.name for path in real_file.parent.glob(f"{DOMAIN}*"))
    )
    assert left == []


@pytest.mark.parametrize("share_statistics", [False])
async def test_removal_asks_for_deletion_despite_a_bad_value(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """README: "Removing the integration sends the deletion requests at once"."""
    aioclient_mock.delete(re.compile(".*"), status=204)
    stored_data["data"]["installation"] = {
        "installation_id": None,
        "sent": [
            {"installation_id": OLD_ID, "endpoint": DEFAULT_ENDPOINT, "api_key": None}
        ],
    }
    # A hand-edited flag elsewhere in the file; the entry was never loaded since.
    stored_data["data"]["submission"] = {"auth_failed": "false"}
    hass_storage[DOMAIN] = stored_data
    entry = MockConfigEntry(domain=DOMAIN, options=consent_options({}, share=False))
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert [
        str(url) for method, url, *_ in aioclient_mock.mock_calls if method == "DELETE"
    ] == [f"{DEFAULT_ENDPOINT}/installation/{OLD_ID}"]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=16), inner, max_size=3)
    ),
    max_leaves=8,
)
_DELETION_KEYS = ("installation_id", "endpoint", "api_key", "attempts", "next_attempt")


def _hostile_parts() -> list[tuple[Any, Any]]:
    """Collect, from hypothesis, stored `submission` and `installation` parts."""
    cases: list[tuple[Any, Any]] = []
    deletion = st.fixed_dictionaries(
        {key: _JSON | st.just(OLD_ID) for key in _DELETION_KEYS}
    )

    @settings(
        max_examples=60,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        submission=_JSON
        | st.fixed_dictionaries({"deletions": _JSON | st.lists(deletion | _JSON)}),
        installation=_JSON
        | st.fixed_dictionaries({"sent": _JSON | st.lists(deletion | _JSON)}),
    )
    def collect(submission: Any, installation: Any) -> None:
        cases.append((submission, installation))

    collect()
    return cases


@pytest.mark.parametrize("share_statistics", [False])
async def test_any_stored_parts_never_stop_a_removal(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """Whatever the file holds, removal ends and sends only well-formed requests."""
    aioclient_mock.delete(re.compile(".*"), status=204)
    for submission, installation in _hostile_parts():
        data = copy.deepcopy(stored_data)
        data["data"]["submission"] = submission
        data["data"]["installation"] = installation
        hass_storage[DOMAIN] = data
        entry = MockConfigEntry(domain=DOMAIN, options=consent_options({}, share=False))
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
    for method, url, *_ in aioclient_mock.mock_calls:
        assert method == "DELETE"
        assert str(url).startswith(f"{DEFAULT_ENDPOINT}/installation/")
