"""Setting up, unloading, removing, and what survives in storage."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
import json
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.printernizer_usage.const import DOMAIN, EVENT_USAGE
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant import exceptions as ha_exceptions
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir, storage

from .helpers import async_advance

# Captured before the harness replaces Store loading with its in-memory mock, so
# that the tests about broken files can read a real file.
REAL_STORE_LOAD = storage.Store._async_load

JOBS_WEEK = "sensor.printernizer_usage_statistics_jobs_completed_this_week"
JOBS_TOTAL = "sensor.printernizer_usage_statistics_jobs_completed"


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _fire(hass: HomeAssistant, event_type: str, count: int = 1) -> None:
    for _ in range(count):
        hass.bus.async_fire(EVENT_USAGE, {"event_type": event_type})


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    # Nothing keeps listening once unloaded.
    _fire(hass, "job_completed")
    await hass.async_block_till_done()
    assert hass.states.get(JOBS_TOTAL).state == "unavailable"


async def test_loads_stored_counts(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    hass_storage[DOMAIN] = stored_data
    await _setup(hass, mock_config_entry)
    assert hass.states.get(JOBS_WEEK).state == "3"
    assert hass.states.get(JOBS_TOTAL).state == "10"


async def test_counts_survive_a_restart(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    _fire(hass, "job_completed", 5)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert hass_storage[DOMAIN]["data"]["counts"]["totals"] == {"job_completed": 5}
    assert hass.states.get(JOBS_TOTAL).state == "5"
    assert hass.states.get(JOBS_WEEK).state == "5"


async def test_event_storm_is_written_once_per_window(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    init_integration: MockConfigEntry,
) -> None:
    runtime = init_integration.runtime_data
    for second in range(int(SAVE_DELAY) - 1):
        _fire(hass, "file_downloaded", 100)
        await async_advance(hass, freezer, timedelta(seconds=1))
        assert DOMAIN not in hass_storage, f"written early, after {second} s"

    await async_advance(hass, freezer, timedelta(seconds=2))

    stored = hass_storage[DOMAIN]["data"]["counts"]
    assert stored["totals"] == {"file_downloaded": 900}
    assert runtime.store.writes == 1


async def test_pending_counts_are_written_on_stop(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    _fire(hass, "job_failed", 2)
    await hass.async_block_till_done()
    assert DOMAIN not in hass_storage

    hass.set_state(CoreState.stopping)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()

    assert hass_storage[DOMAIN]["data"]["counts"]["totals"] == {"job_failed": 2}
    hass.set_state(CoreState.running)


async def test_remove_entry_deletes_the_file(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    init_integration: MockConfigEntry,
) -> None:
    _fire(hass, "job_completed")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert DOMAIN in hass_storage

    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()

    assert DOMAIN not in hass_storage


async def test_old_days_expire_at_midnight(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
) -> None:
    stored_data["data"]["counts"]["retention_days"] = 1
    hass_storage[DOMAIN] = stored_data
    await _setup(hass, mock_config_entry)

    # Local midnight two days later: 2026-11-24 is then past a one-day retention.
    freezer.move_to("2026-11-26 23:00:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))

    stored = hass_storage[DOMAIN]["data"]["counts"]
    assert "2026-11-24" not in stored["days"]
    # Lifetime totals never go down.
    assert stored["totals"]["job_completed"] == 10
    assert hass.states.get(JOBS_TOTAL).state == "10"


async def test_unreadable_content_is_set_aside(
    hass: HomeAssistant,
    tmp_path: Path,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    hass.config.config_dir = str(tmp_path)
    path = tmp_path / ".storage" / DOMAIN
    path.parent.mkdir()
    content = {"version": 1, "key": DOMAIN, "data": {"counts": {"days": []}}}
    path.write_text(json.dumps(content))

    with patch.object(storage.Store, "_async_load", REAL_STORE_LOAD):
        await _setup(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(JOBS_TOTAL).state == "0"
    backups = list(path.parent.glob(f"{DOMAIN}.unreadable.*"))
    assert len(backups) == 1
    # What was there is kept, byte for byte.
    assert json.loads(backups[0].read_text()) == content
    assert "could not be read (KeyError)" in caplog.text
    issue = issue_registry.async_get_issue(DOMAIN, "unreadable_storage")
    assert issue is not None
    assert issue.translation_placeholders == {"backup_path": str(backups[0])}


@pytest.mark.parametrize(
    "content",
    [
        '{"version": 1, "data": {"counts": ',  # truncated by a power cut
        "\x00\x00\x00\x00",  # a block of zeros after a crash
        "",  # empty
    ],
)
async def test_corrupt_file_starts_empty(
    hass: HomeAssistant,
    tmp_path: Path,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
    content: str,
) -> None:
    hass.config.config_dir = str(tmp_path)
    path = tmp_path / ".storage" / DOMAIN
    path.parent.mkdir()
    path.write_text(content)

    with patch.object(storage.Store, "_async_load", REAL_STORE_LOAD):
        await _setup(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(JOBS_TOTAL).state == "0"
    # HA keeps the broken file and raises its own repair issue.
    assert len(list(path.parent.glob(f"{DOMAIN}.corrupt.*"))) == 1
    assert "Unrecoverable error decoding storage printernizer_usage" in caplog.text
    assert any(
        issue_id.startswith(f"storage_corruption_{DOMAIN}")
        for (_domain, issue_id) in issue_registry.issues
    )


class _RefusedStorageVersionError(HomeAssistantError):
    """HA 2026.3+'s UnsupportedStorageVersionError, for releases without it."""

    def __init__(
        self, storage_key: str, found_version: int, max_supported_version: int
    ) -> None:
        super().__init__(
            f"Storage file {storage_key} has version {found_version} which is "
            f"newer than the max supported version {max_supported_version}"
        )
        self.storage_key = storage_key
        self.found_version = found_version
        self.max_supported_version = max_supported_version


@pytest.fixture(params=["installed HA", "HA 2026.3+ refusal"])
def newer_file_handling(
    request: pytest.FixtureRequest, hass_storage: dict[str, Any]
) -> Generator[None]:
    """Load storage as the installed HA does, or as HA 2026.3+ does.

    Before 2026.3, HA hands a file of a newer major version to the store's
    migrate function; since 2026.3 it raises UnsupportedStorageVersionError
    (attribute found_version) before migrating. The second case makes any HA
    behave like that: HA's own error class where it exists, a stand-in with the
    same signature where it does not.
    """
    if request.param == "installed HA":
        yield
        return
    refused = getattr(
        ha_exceptions, "UnsupportedStorageVersionError", _RefusedStorageVersionError
    )
    real_load_data = storage.Store._async_load_data

    async def load_data(store: storage.Store[Any]) -> Any:
        found = int(hass_storage.get(store.key, {}).get("version", 0))
        if found > store.version:
            raise refused(store.key, found, store.version)
        return await real_load_data(store)

    with (
        patch.object(
            ha_exceptions, "UnsupportedStorageVersionError", refused, create=True
        ),
        patch.object(storage.Store, "_async_load_data", load_data),
    ):
        yield


@pytest.mark.usefixtures("newer_file_handling")
async def test_newer_storage_version_is_left_untouched(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    issue_registry: ir.IssueRegistry,
) -> None:
    stored_data["version"] = 2
    hass_storage[DOMAIN] = stored_data
    await _setup(hass, mock_config_entry)

    assert mock_config_entry.state is ConfigEntryState.LOADED
    _fire(hass, "job_completed")
    await hass.async_block_till_done()
    assert hass.states.get(JOBS_TOTAL).state == "1"
    await async_advance(hass, freezer, timedelta(seconds=SAVE_DELAY + 1))
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    assert hass_storage[DOMAIN] == stored_data
    assert "written by a newer release (storage version 2)" in caplog.text
    assert issue_registry.async_get_issue(DOMAIN, "newer_storage_version")


@pytest.mark.usefixtures("newer_file_handling")
async def test_remove_entry_with_a_newer_file(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    stored_data["version"] = 2
    hass_storage[DOMAIN] = stored_data
    await _setup(hass, mock_config_entry)
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)

    await hass.config_entries.async_remove(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    # Removing the integration removes its file, whoever wrote it.
    assert DOMAIN not in hass_storage
    assert issue_registry.async_get_issue(DOMAIN, "newer_storage_version") is None


async def test_older_minor_version_is_migrated(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    mock_config_entry: MockConfigEntry,
) -> None:
    stored_data["minor_version"] = 0
    hass_storage[DOMAIN] = stored_data
    await _setup(hass, mock_config_entry)

    assert hass.states.get(JOBS_TOTAL).state == "10"
    assert hass_storage[DOMAIN]["minor_version"] == 1
