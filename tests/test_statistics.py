"""The counts in HA's long-term statistics, and deleted from HA's recorder with them.

Runs HA's real recorder (an SQLite database in memory) and reads it back
through its public query functions, as HA core's own tests of external
statistics do.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime, timedelta
import logging
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
)

from custom_components.printernizer_usage.bridge import POLL_INTERVAL
from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import CONF_PRINTERNIZER_URL, DOMAIN
from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.components.recorder.models import StatisticMeanType
from homeassistant.components.recorder.statistics import (
    get_metadata,
    statistics_during_period,
)
from homeassistant.components.sensor import ATTR_STATE_CLASS, SensorStateClass
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er, translation
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .helpers import async_advance, async_call, async_export, async_use_share_switch
from .printernizer_server import StandInPrinternizer, run_printernizer

# The frozen `now` of every test (conftest.NOW), a Wednesday in Berlin.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
STATISTICS = {
    "printernizer_usage:jobs_completed": "job_completed",
    "printernizer_usage:jobs_failed": "job_failed",
    "printernizer_usage:files_downloaded": "file_downloaded",
    "printernizer_usage:files_uploaded": "file_uploaded",
    "printernizer_usage:errors": "error_occurred",
}
# Everything a graph of the last year can ask for, and a little after.
YEAR_START = NOW - timedelta(days=400)
YEAR_END = NOW + timedelta(days=10)


@pytest.fixture(autouse=True)
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """Let the tests that ask for `recorder_mock` start HA's recorder."""


@pytest.fixture
def stand_in(socket_enabled: None) -> Generator[StandInPrinternizer]:
    """Serve a stand-in Printernizer for one test."""
    with run_printernizer() as server:
        yield server


async def _setup(hass: HomeAssistant, **options: Any) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        options={**consent_options({}, share=False), **options},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    return entry


async def _record(hass: HomeAssistant, event_type: str, times: int = 1) -> None:
    for _ in range(times):
        await async_call(hass, "record_event", event_type=event_type)


async def _statistics(
    hass: HomeAssistant,
    period: str = "day",
    types: frozenset[str] = frozenset({"change"}),
) -> dict[str, list[dict[str, Any]]]:
    """Return what a statistics graph card of the last year gets from the recorder."""
    await async_wait_recording_done(hass)
    result: dict[str, list[dict[str, Any]]] = await get_instance(
        hass
    ).async_add_executor_job(
        statistics_during_period,
        hass,
        YEAR_START,
        YEAR_END,
        set(STATISTICS),
        period,
        None,
        set(types),
    )
    return result


def _local_day(row: dict[str, Any]) -> str:
    return dt_util.as_local(dt_util.utc_from_timestamp(row["start"])).date().isoformat()


async def _daily_changes(hass: HomeAssistant) -> dict[str, dict[str, float]]:
    """Return, per statistic that changed, the change of each local day that had one."""
    changes = {
        statistic_id: {_local_day(row): row["change"] for row in rows if row["change"]}
        for statistic_id, rows in (await _statistics(hass)).items()
    }
    return {statistic_id: days for statistic_id, days in changes.items() if days}


async def _counted(hass: HomeAssistant) -> dict[str, dict[str, int]]:
    """Return, per statistic counted, the count of each day (from `export`)."""
    days = (await async_export(hass))["counts"]["days"]
    counted = {
        statistic_id: {
            day: counts["events"][event_type]
            for day, counts in days.items()
            if counts.get("events", {}).get(event_type)
        }
        for statistic_id, event_type in STATISTICS.items()
    }
    return {statistic_id: days for statistic_id, days in counted.items() if days}


async def _metadata(hass: HomeAssistant, **query: Any) -> set[str]:
    """Return the ids of the statistics the recorder's database holds."""
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, **query)
    )
    return set(found)


def _count_sensors(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """Return the sensors whose states are counts (a total state class)."""
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.domain == "sensor"
        and (entity.capabilities or {}).get(ATTR_STATE_CLASS)
        in (SensorStateClass.TOTAL, SensorStateClass.TOTAL_INCREASING)
    ]


async def _recorded_states(
    hass: HomeAssistant, entity_ids: list[str]
) -> dict[str, list[str]]:
    """Return every state the recorder holds of these entities."""
    await async_wait_recording_done(hass)
    found: dict[str, list[State]] = await get_instance(hass).async_add_executor_job(
        lambda: get_significant_states(
            hass,
            YEAR_START,
            None,
            entity_ids,
            include_start_time_state=False,
            significant_changes_only=False,
        )
    )
    return {
        entity_id: [state.state for state in states]
        for entity_id, states in found.items()
    }


async def _count_a_few_days(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Count on three days (25, 26 and 28 November), then let an hour pass."""
    await _record(hass, "job_completed", 2)
    await _record(hass, "error_occurred")
    await async_advance(hass, freezer, timedelta(days=1))
    await _record(hass, "job_failed")
    await _record(hass, "file_downloaded", 3)
    await async_advance(hass, freezer, timedelta(days=2))
    await _record(hass, "job_completed")
    await _record(hass, "file_uploaded")
    # The graphs follow within an hour, as HA's own long-term statistics do.
    await async_advance(hass, freezer, timedelta(hours=1))


async def test_a_few_days_of_counting_in_the_graphs(
    recorder_mock: Recorder, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass)

    await _count_a_few_days(hass, freezer)

    changes = await _daily_changes(hass)
    assert changes == {
        "printernizer_usage:jobs_completed": {"2026-11-25": 2, "2026-11-28": 1},
        "printernizer_usage:jobs_failed": {"2026-11-26": 1},
        "printernizer_usage:files_downloaded": {"2026-11-26": 3},
        "printernizer_usage:files_uploaded": {"2026-11-28": 1},
        "printernizer_usage:errors": {"2026-11-25": 1},
    }
    assert changes == await _counted(hass)
    # One row a day, from the day before the first day to today, also on
    # days without counts; a week graph sums them.
    rows = await _statistics(hass)
    assert [_local_day(row) for row in rows["printernizer_usage:jobs_failed"]] == [
        "2026-11-24",
        "2026-11-25",
        "2026-11-26",
        "2026-11-27",
        "2026-11-28",
    ]
    weeks = await _statistics(hass, "week")
    assert {
        statistic_id: [row["change"] for row in week_rows]
        for statistic_id, week_rows in weeks.items()
    } == {
        "printernizer_usage:jobs_completed": [3],
        "printernizer_usage:jobs_failed": [1],
        "printernizer_usage:files_downloaded": [3],
        "printernizer_usage:files_uploaded": [1],
        "printernizer_usage:errors": [1],
    }


async def test_export_names_the_statistics(
    recorder_mock: Recorder, hass: HomeAssistant
) -> None:
    await _setup(hass)

    export = await async_export(hass)

    assert export["long_term_statistics"] == STATISTICS
    await async_wait_recording_done(hass)
    metadata = await get_instance(hass).async_add_executor_job(
        lambda: get_metadata(hass, statistic_source=DOMAIN)
    )
    # Sums without a unit or a mean, on HA 2025.4 (no unit_class yet) as on
    # releases that require a unit_class.
    assert {
        statistic_id: (
            meta["name"],
            meta["has_sum"],
            meta["mean_type"],
            meta["unit_of_measurement"],
            meta.get("unit_class"),
        )
        for statistic_id, (_, meta) in metadata.items()
    } == {
        "printernizer_usage:jobs_completed": (
            "Printernizer jobs completed",
            True,
            StatisticMeanType.NONE,
            None,
            None,
        ),
        "printernizer_usage:jobs_failed": (
            "Printernizer jobs failed",
            True,
            StatisticMeanType.NONE,
            None,
            None,
        ),
        "printernizer_usage:files_downloaded": (
            "Printernizer files downloaded",
            True,
            StatisticMeanType.NONE,
            None,
            None,
        ),
        "printernizer_usage:files_uploaded": (
            "Printernizer files uploaded",
            True,
            StatisticMeanType.NONE,
            None,
            None,
        ),
        "printernizer_usage:errors": (
            "Printernizer errors",
            True,
            StatisticMeanType.NONE,
            None,
            None,
        ),
    }


async def test_printernizer_history_in_the_graphs_once(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    stand_in: StandInPrinternizer,
) -> None:
    for days_ago in range(1, 61):
        moment = NOW - timedelta(days=days_ago, hours=3)
        for _ in range(days_ago % 4):
            stand_in.add_event("job_completed", moment)
        if days_ago % 7 == 0:
            stand_in.add_event("job_failed", moment)
        if days_ago % 10 == 0:
            stand_in.add_event("file_downloaded", moment)

    entry = await _setup(hass, **{CONF_PRINTERNIZER_URL: stand_in.url})

    changes = await _daily_changes(hass)
    assert changes == await _counted(hass)
    assert sum(changes["printernizer_usage:jobs_completed"].values()) == sum(
        days_ago % 4 for days_ago in range(1, 61)
    )
    assert len(changes["printernizer_usage:jobs_failed"]) == 8
    assert len(changes["printernizer_usage:files_downloaded"]) == 6
    sums = await _statistics(hass, types=frozenset({"change", "sum"}))

    # A reload sends every day again and Printernizer's history is read
    # again: no day changes.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    await async_advance(hass, freezer, POLL_INTERVAL + timedelta(seconds=1))
    assert await _statistics(hass, types=frozenset({"change", "sum"})) == sums


async def test_delete_all_deletes_the_graphs_and_the_history(
    recorder_mock: Recorder, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await _setup(hass)
    sensors = _count_sensors(hass, entry)
    assert len(sensors) == 8
    await _count_a_few_days(hass, freezer)
    # HA's own statistics of the count sensors, compiled from their states.
    do_adhoc_statistics(hass, start=dt_util.utcnow() - timedelta(minutes=5))
    await async_advance(hass, freezer, timedelta(minutes=10))
    assert await _metadata(hass, statistic_ids=set(sensors)) == set(sensors)
    recorded = await _recorded_states(hass, sensors)
    assert "3" in {state for states in recorded.values() for state in states}

    response = await async_call(hass, "delete_all")

    assert set(response["statistic_ids"]) == {*STATISTICS, *sensors}
    assert await _metadata(hass, statistic_source=DOMAIN) == set()
    assert await _metadata(hass, statistic_ids=set(sensors)) == set()
    assert await _statistics(hass) == {}
    # Only what the sensors show after the deletion is recorded.
    assert {
        state
        for states in (await _recorded_states(hass, sensors)).values()
        for state in states
    } <= {"0"}

    # Counting goes on, and so do the graphs, from today.
    await _record(hass, "job_failed")
    await async_advance(hass, freezer, timedelta(hours=1))
    assert await _daily_changes(hass) == {
        "printernizer_usage:jobs_failed": {"2026-11-28": 1}
    }


async def test_removal_deletes_the_graphs_and_the_history(
    recorder_mock: Recorder, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    entry = await _setup(hass)
    sensors = _count_sensors(hass, entry)
    await _count_a_few_days(hass, freezer)
    await async_advance(hass, freezer, timedelta(minutes=10))
    assert await _metadata(hass, statistic_source=DOMAIN) == set(STATISTICS)

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert await _metadata(hass, statistic_source=DOMAIN) == set()
    assert await _statistics(hass) == {}
    # Left: the sensors going unavailable, then away ("") as they were
    # removed, recorded at the instant of the purge (this test's clock stands
    # still); no count.
    assert {
        state
        for states in (await _recorded_states(hass, sensors)).values()
        for state in states
    } <= {STATE_UNAVAILABLE, ""}


async def test_opting_out_keeps_the_graphs(
    recorder_mock: Recorder, hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    await _setup(hass, **consent_options({}, share=True))
    await _record(hass, "job_completed", 2)

    await async_use_share_switch(hass, "turn_off")
    await async_advance(hass, freezer, timedelta(hours=1))

    assert await _daily_changes(hass) == {
        "printernizer_usage:jobs_completed": {"2026-11-25": 2}
    }


async def test_without_the_recorder_nothing_is_said(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _setup(hass)
    await _record(hass, "job_completed")
    await async_advance(hass, freezer, timedelta(days=1, hours=1))

    response = await async_call(hass, "delete_all")

    assert response["statistic_ids"] == []
    assert "recorder" not in hass.config.components
    assert not [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING
        and record.name.startswith(("custom_components", "homeassistant.components"))
    ]


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        (
            "en",
            (
                "Home Assistant's recorded history and long-term statistics of "
                "these counts are deleted as well, so its graphs no longer show them."
            ),
        ),
        (
            "de",
            (
                "Auch der von Home Assistant aufgezeichnete Verlauf und die "
                "Langzeitstatistik dieser Zählungen werden gelöscht, sodass seine "
                "Graphen sie nicht mehr zeigen."
            ),
        ),
    ],
)
async def test_the_delete_dialog_says_so(
    hass: HomeAssistant, language: str, sentence: str
) -> None:
    entry = await _setup(hass)
    menu = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        menu["flow_id"], {"next_step_id": "delete_all"}
    )
    texts = await translation.async_get_translations(
        hass, language, "options", [DOMAIN]
    )

    shown = texts[f"component.{DOMAIN}.options.step.delete_all.description"].format(
        **result["description_placeholders"]
    )

    assert sentence in shown
