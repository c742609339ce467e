"""Any stored file of the right shape loads or is set aside; a failed setup is inert."""

from __future__ import annotations

from collections.abc import Generator
import copy
from datetime import timedelta
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.test_util.aiohttp import (
    AiohttpClientMocker,
)

from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import DEFAULT_ENDPOINT, DOMAIN
from custom_components.printernizer_usage.uploader import SUBMISSION_STATES
from homeassistant.config_entries import ConfigEntries, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir, storage

from .conftest import agreed_installation
from .helpers import async_advance, async_export

# Captured before the harness replaces Store loading with its in-memory mock:
# these tests read a real file, and set it aside for real.
REAL_STORE_LOAD = storage.Store._async_load
STATUS = "sensor.printernizer_usage_statistics_submission_status"
JOBS_TOTAL = "sensor.printernizer_usage_statistics_jobs_completed"
EXAMPLES = 150

# Numbers of every kind a hand edit, another release or a damaged disk leaves.
NUMBERS = (
    st.integers()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([1e10, 1e15, -1, 0, 2**63, True, "12", None])
)
MOMENTS = st.sampled_from(
    [
        "2026-11-20T10:00:00+00:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "8999-12-31T23:59:59+14:00",
        "1970-01-01T00:00:00+00:00",
        "2026-11-20T10:00:00",
        "not a time",
        None,
    ]
)
# Where a number or a moment sits in the file.
NUMBER_PATHS = [
    ("counts", "retention_days"),
    ("counts", "rejected_total"),
    ("counts", "totals", "job_completed"),
    ("counts", "days", "2026-11-24", "events", "job_completed"),
    ("counts", "days", "2026-11-24", "uptime_seconds"),
    (
        "counts",
        "days",
        "2026-11-24",
        "labels",
        "job_completed",
        "printer_type",
        "prusa",
    ),
    ("submission", "send_offset"),
    ("submission", "outbox", "attempts"),
    ("submission", "deletions", 0, "attempts"),
    ("printernizer", "total_events"),
    ("printernizer", "import", "after"),
    ("printernizer", "printer_types", "prusa"),
]
MOMENT_PATHS = [
    ("counts", "week", "start"),
    ("submission", "last_request"),
    ("submission", "outbox", "next_attempt"),
    ("submission", "deletions", 0, "next_attempt"),
    ("printernizer", "unreachable_since"),
    ("jobs_in_progress", "device", "started_at"),
]


def _valid_data(stored_data: dict[str, Any]) -> dict[str, Any]:
    """Return a file that uses every part of the layout."""
    data = copy.deepcopy(stored_data["data"])
    data["installation"] = agreed_installation()
    data["submission"] = {
        "send_offset": 600,
        "last_request": "2026-11-20T10:00:00+00:00",
        "outbox": {
            "body": "{}",
            "start": "2026-11-01",
            "end": "2026-11-08",
            "installation_id": "old",
            "key": "k",
            "attempts": 1,
            "next_attempt": "2026-11-20T10:00:00+00:00",
        },
        "deletions": [
            {
                "installation_id": "older",
                "endpoint": DEFAULT_ENDPOINT,
                "attempts": 2,
                "next_attempt": "2026-11-20T10:00:00+00:00",
            }
        ],
    }
    data["printernizer"] = {
        "import": {"after": 1_790_000_000, "seen": {}},
        "printer_types": {"prusa": 1},
        "total_events": 12,
        "unreachable_since": None,
    }
    data["jobs_in_progress"] = {
        "device": {
            "printer_type": "prusa",
            "in_progress": True,
            "started_at": "2026-11-20T10:00:00+00:00",
            "last_state": "printing",
        }
    }
    return data


def _put(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps({"version": 1, "key": DOMAIN, "data": data}))


def _generated_changes() -> list[list[tuple[tuple[str | int, ...], Any]]]:
    """Collect, from hypothesis, which values of a valid file to replace."""
    cases: list[list[tuple[tuple[str | int, ...], Any]]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        numbers=st.lists(
            st.tuples(st.sampled_from(NUMBER_PATHS), NUMBERS), min_size=1, max_size=3
        ),
        moments=st.lists(st.tuples(st.sampled_from(MOMENT_PATHS), MOMENTS), max_size=2),
    )
    def collect(
        numbers: list[tuple[tuple[str | int, ...], Any]],
        moments: list[tuple[tuple[str | int, ...], Any]],
    ) -> None:
        cases.append(numbers + moments)

    collect()
    return cases


@pytest.fixture
def storage_file(hass: HomeAssistant, tmp_path: Path) -> Generator[Path]:
    """Read the integration's file from a real, temporary config directory."""
    hass.config.config_dir = str(tmp_path)
    path = tmp_path / ".storage" / DOMAIN
    path.parent.mkdir()
    with patch.object(storage.Store, "_async_load", REAL_STORE_LOAD):
        yield path


async def _async_setup_sharing(hass: HomeAssistant) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options=consent_options({}, share=True),
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_any_stored_numbers_load_or_are_set_aside(
    hass: HomeAssistant,
    storage_file: Path,
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=200)
    aioclient_mock.delete(f"{DEFAULT_ENDPOINT}/installation/older", status=200)
    cases = _generated_changes()
    assert len(cases) == EXAMPLES
    set_aside = 0
    for changes in cases:
        data = _valid_data(stored_data)
        for path, value in changes:
            _put(data, path, value)
        _write(storage_file, data)

        entry = await _async_setup_sharing(hass)
        # A day and a half of clock: midnight, the hourly save, a report.
        for _ in range(3):
            await async_advance(hass, freezer, timedelta(hours=13))

        assert entry.state is ConfigEntryState.LOADED, changes
        assert hass.states.get(STATUS).state in SUBMISSION_STATES, changes
        if issue_registry.async_get_issue(DOMAIN, "unreadable_storage"):
            set_aside += 1
            # Counting from zero, not from what could not be read.
            assert "job_completed" not in (await async_export(hass))["counts"]["totals"]
        assert await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done(wait_background_tasks=True)
        assert "Traceback" not in caplog.text, changes
    # Both ways are explored: files that load, and files set aside.
    assert 0 < set_aside < EXAMPLES


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("counts", "retention_days"), 1e10),
        (("counts", "retention_days"), 10**10),
        (("submission", "send_offset"), 1e15),
        (("submission", "send_offset"), 10**15),
        (("submission", "send_offset"), -1),
    ],
)
async def test_out_of_range_numbers_are_set_aside(
    hass: HomeAssistant,
    storage_file: Path,
    stored_data: dict[str, Any],
    issue_registry: ir.IssueRegistry,
    path: tuple[str, ...],
    value: Any,
) -> None:
    data = _valid_data(stored_data)
    _put(data, path, value)
    _write(storage_file, data)

    entry = await _async_setup_sharing(hass)

    assert entry.state is ConfigEntryState.LOADED
    assert issue_registry.async_get_issue(DOMAIN, "unreadable_storage") is not None
    assert hass.states.get(JOBS_TOTAL).state == "0"
    assert list(storage_file.parent.glob(f"{DOMAIN}.unreadable.*"))


async def test_failed_setup_leaves_no_sender(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    stored_data: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    aioclient_mock: AiohttpClientMocker,
) -> None:
    """A setup that fails after loading: nothing polls, listens or sends."""
    hass_storage[DOMAIN] = stored_data
    stored_data["data"]["installation"] = agreed_installation()
    aioclient_mock.post(f"{DEFAULT_ENDPOINT}/submit", status=200)

    with patch.object(
        ConfigEntries, "async_forward_entry_setups", side_effect=RuntimeError("boom")
    ):
        entry = await _async_setup_sharing(hass)
    assert entry.state is ConfigEntryState.SETUP_ERROR

    for _ in range(30):
        await async_advance(hass, freezer, timedelta(days=1))

    assert aioclient_mock.call_count == 0
