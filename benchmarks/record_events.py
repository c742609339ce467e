"""Measure what recording usage events costs a real Home Assistant.

Usage: scripts/benchmark  (or: .venvs/min/bin/python benchmarks/record_events.py)

Starts a real Home Assistant core in-process (HA's own bootstrap, a throwaway
config directory, real storage on disk), adds the integration through its
config flow and prints, side by side with two peers doing the same job (HA's
`counter.increment`, the way people count things in HA today, and one SQLite
row per event with JSON metadata, the way the original Printernizer design
stores events):
- events/s through the Python method, the bus event and the record_event service;
- storage writes and bytes written for 100,000 events;
- file size on disk and in-memory size after a simulated year of heavy use;
- time to build and validate a 28-day report from that year, and setup time;
- what sending that year to HA's recorder as long-term statistics costs;
- how the figures grow when events, days and distinct labels grow tenfold.
Writes a chart to docs/benchmark.png.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
import json
import os
from pathlib import Path
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.printernizer_usage.core.allowlist import (
    PRINTER_TYPES,
    sanitize_event,
)
from custom_components.printernizer_usage.core.counts import UsageCounts
from custom_components.printernizer_usage.core.long_term import daily_sums
from custom_components.printernizer_usage.core.payload import (
    MAX_PERIOD_DAYS,
    InstallationFacts,
    Period,
    build_payload,
    validate_payload,
)
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant import bootstrap, runner
from homeassistant.core import HomeAssistant
from homeassistant.helpers.recorder import async_initialize_recorder, get_instance
from homeassistant.setup import async_setup_component

DOMAIN = "printernizer_usage"
CONFIGURATION = """
homeassistant:
  name: Benchmark
  time_zone: Europe/Berlin
  country: DE
counter:
  benchmark:
    initial: 0
    step: 1
"""
JOB = {"printer_type": "prusa", "duration_minutes": 95}
FACTS = InstallationFacts(
    installation_id="6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b",
    first_seen=date(2026, 1, 1),
    app_version="2.41.5",
    integration_version="0.4.0",
    python_version="3.13",
    platform="linux",
    ha_version="2025.4.4",
    installation_type="Home Assistant Core",
    country_code="DE",
)
CHART = ROOT / "docs" / "benchmark.png"


def _timed(count: int, action: Callable[[], object]) -> float:
    """Return events per second for `count` calls of `action`."""
    start = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - start)


# --- peers


def sqlite_per_event(count: int, path: Path) -> tuple[float, int, int]:
    """One row per event with JSON metadata, committed per event.

    A faithful minimal baseline of the original Printernizer design. Returns
    events/s, commits and bytes on disk.
    """
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, event_type TEXT,"
        " timestamp TEXT, metadata TEXT, submitted INTEGER DEFAULT 0)"
    )
    db.commit()

    def insert() -> None:
        db.execute(
            "INSERT INTO usage_events (event_type, timestamp, metadata)"
            " VALUES (?, ?, ?)",
            ("job_completed", datetime.now(UTC).isoformat(), json.dumps(JOB)),
        )
        db.commit()

    rate = _timed(count, insert)
    db.close()
    return rate, count, path.stat().st_size


# --- Home Assistant


async def _start_hass(config_dir: Path) -> HomeAssistant:
    (config_dir / "configuration.yaml").write_text(CONFIGURATION)
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / DOMAIN).symlink_to(
        ROOT / "custom_components" / DOMAIN
    )
    hass = await bootstrap.async_setup_hass(
        runner.RuntimeConfig(config_dir=str(config_dir), skip_pip=True)
    )
    if hass is None:
        raise RuntimeError("Home Assistant did not start")
    await hass.async_start()
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": "user"}
    )
    await hass.config_entries.flow.async_configure(
        result["flow_id"], {"share_statistics": False}
    )
    await hass.async_block_till_done()
    return hass


def _runtime(hass: HomeAssistant) -> Any:
    return hass.config_entries.async_entries(DOMAIN)[0].runtime_data


async def _throughput(hass: HomeAssistant, sqlite_path: Path) -> dict[str, float]:
    runtime = _runtime(hass)
    rates = {
        "Python method": _timed(
            200_000, lambda: runtime.record_event("job_completed", JOB)
        ),
        "Python method, no metadata": _timed(
            200_000, lambda: runtime.record_event("app_start")
        ),
    }
    data = {"event_type": "job_completed", "metadata": JOB}
    start = time.perf_counter()
    for _ in range(100_000):
        hass.bus.async_fire(f"{DOMAIN}_event", data)
    await hass.async_block_till_done()
    rates["bus event"] = 100_000 / (time.perf_counter() - start)

    async def calls(domain: str, service: str, service_data: dict[str, Any]) -> float:
        start = time.perf_counter()
        for _ in range(20_000):
            await hass.services.async_call(domain, service, service_data, blocking=True)
        return 20_000 / (time.perf_counter() - start)

    rates["record_event service"] = await calls(DOMAIN, "record_event", data)
    rates["peer: counter.increment"] = await calls(
        "counter", "increment", {"entity_id": "counter.benchmark"}
    )
    rates["peer: SQLite row per event"] = sqlite_per_event(10_000, sqlite_path)[0]
    return rates


async def _writes(hass: HomeAssistant, path: Path) -> tuple[int, int, float]:
    """Spread 100,000 events over 25 s; return writes, bytes written, seconds."""
    runtime = _runtime(hass)
    await runtime.store.async_save_now(runtime.stored_data)
    writes_before = runtime.store.writes
    start = time.perf_counter()
    for _ in range(250):
        for _ in range(400):
            runtime.record_event("file_downloaded", {"file_size_mb": 12})
        await asyncio.sleep(0.1)
    await asyncio.sleep(SAVE_DELAY + 1)
    writes = runtime.store.writes - writes_before
    return writes, writes * path.stat().st_size, time.perf_counter() - start


def simulated_counts(
    days: int, jobs_per_day: int = 200, error_types_per_day: int = 30
) -> UsageCounts:
    """Count heavy use: 50 printers, `jobs_per_day`, `error_types_per_day`."""
    rng = random.Random(42)
    first = date(2025, 11, 26)
    counts = UsageCounts(tz=UTC, first_seen=first)
    printer_types = sorted(PRINTER_TYPES)
    error_pool = [f"ErrorKind{n}x" for n in range(error_types_per_day * 2)]
    components = [f"component_{chr(97 + n)}" for n in range(20)]
    for day in range(days):
        moment = datetime.combine(first, datetime.min.time(), tzinfo=UTC) + timedelta(
            days=day, hours=12
        )
        printer = {"printer_type": "prusa"}
        size = {"file_size_mb": 1.0}
        for _ in range(jobs_per_day):
            printer = {"printer_type": rng.choice(printer_types)}
            counts.record(sanitize_event("job_created", printer), moment)
            outcome = "job_completed" if rng.random() < 0.9 else "job_failed"
            job = {**printer, "duration_minutes": rng.uniform(5, 2000)}
            counts.record(sanitize_event(outcome, job), moment)
            size = {"file_size_mb": rng.uniform(0.1, 400)}
            counts.record(sanitize_event("file_downloaded", size), moment)
        for _ in range(50):
            counts.record(sanitize_event("printer_connected", printer), moment)
            counts.record(sanitize_event("file_uploaded", size), moment)
        for error_type in rng.sample(error_pool, error_types_per_day):
            error = {"error_type": error_type, "component": rng.choice(components)}
            counts.record(sanitize_event("error_occurred", error), moment)
        counts.add_uptime(moment - timedelta(hours=12), moment + timedelta(hours=12))
        counts.prune(moment)  # what the integration does every local midnight
    return counts


def deep_size(value: Any, seen: set[int] | None = None) -> int:
    """Return the memory a structure holds, counting shared objects once."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple | set):
        size += sum(deep_size(item, seen) for item in value)
    elif hasattr(value, "__slots__"):
        size += sum(deep_size(getattr(value, name), seen) for name in value.__slots__)
    elif hasattr(value, "__dict__"):
        size += deep_size(vars(value), seen)
    return size


def file_size(counts: UsageCounts) -> int:
    """Return the bytes HA's storage writes for these counts (indented JSON)."""
    document = {
        "version": 1,
        "minor_version": 1,
        "key": DOMAIN,
        "data": counts.as_dict(),
    }
    return len(json.dumps(document, indent=2).encode())


def report_time(counts: UsageCounts, repeat: int = 200) -> float:
    """Return milliseconds to build and validate a 28-day report."""
    end = max(date.fromisoformat(day) for day in counts.days) + timedelta(days=1)
    period = Period(end - timedelta(days=MAX_PERIOD_DAYS), end)
    printers = {"prusa": 20, "bambu_lab": 20, "klipper": 10}
    start = time.perf_counter()
    for _ in range(repeat):
        validate_payload(build_payload(counts, FACTS, period, printers, 1))
    return (time.perf_counter() - start) / repeat * 1000


async def _year(hass: HomeAssistant, path: Path) -> dict[str, float]:
    runtime = _runtime(hass)
    year = simulated_counts(365)
    runtime.counts = year
    await runtime.store.async_save_now(runtime.stored_data)
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await hass.config_entries.async_unload(entry.entry_id)
    start = time.perf_counter()
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("the integration did not set up with a year of data")
    setup_ms = (time.perf_counter() - start) * 1000
    await hass.async_block_till_done()
    return {
        "file_kb": path.stat().st_size / 1024,
        "memory_mb": (deep_size(year) - deep_size(year.tz)) / 1024 / 1024,
        "report_ms": report_time(year),
        "setup_ms": setup_ms,
        **await _long_term_statistics(hass),
    }


async def _long_term_statistics(hass: HomeAssistant) -> dict[str, float]:
    """Set up HA's recorder; measure what sending the year's statistics costs.

    Last, so that no other figure pays for recording every state change.
    """
    database = Path(hass.config.path("benchmark.db"))
    # What bootstrap does when the configuration names the recorder.
    async_initialize_recorder(hass)
    if not await async_setup_component(
        hass, "recorder", {"recorder": {"db_url": f"sqlite:///{database}"}}
    ):
        raise RuntimeError("the recorder did not set up")
    recorder = get_instance(hass)
    await recorder.async_db_ready
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    await hass.config_entries.async_unload(entry.entry_id)
    await recorder.async_block_till_done()
    start = time.perf_counter()
    if not await hass.config_entries.async_setup(entry.entry_id):
        raise RuntimeError("the integration did not set up with the recorder")
    setup_ms = (time.perf_counter() - start) * 1000
    # The rows sent at setup, written in the recorder's own thread.
    await recorder.async_block_till_done()
    written_ms = (time.perf_counter() - start) * 1000
    runtime = _runtime(hass)
    holds = []
    for _ in range(5):
        start = time.perf_counter()
        runtime.long_term.async_push(runtime.counts)
        holds.append((time.perf_counter() - start) * 1000)
        await recorder.async_block_till_done()
    today = datetime.now(UTC).date()
    days = len(daily_sums(runtime.counts, runtime.counts.tz, today)["jobs_completed"])
    return {
        "recorder_setup_ms": setup_ms,
        "statistics_hold_ms": max(holds),
        "statistics_written_ms": written_ms,
        "statistics_days": days,
    }


def growth() -> list[tuple[str, float, float, str]]:
    """Return (what, base, tenfold, why) for work that grows tenfold."""
    counts = UsageCounts(tz=UTC, first_seen=date(2026, 1, 1))
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    event = sanitize_event("job_completed", JOB)

    def per_event(n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            counts.record(event, now)
        return (time.perf_counter() - start) / n * 1e6

    return [
        (
            "µs per event, 100k -> 1M events",
            per_event(100_000),
            per_event(1_000_000),
            "flat: counters are updated in place",
        ),
        (
            "KB on disk, 36 -> 365 days",
            file_size(simulated_counts(36)) / 1024,
            file_size(simulated_counts(365)) / 1024,
            "sub-linear: days older than 35 keep their event counts but no labels",
        ),
        (
            "KB on disk, 30 -> 300 error types/day (one year)",
            file_size(simulated_counts(365, error_types_per_day=30)) / 1024,
            file_size(simulated_counts(365, error_types_per_day=300)) / 1024,
            "flat: at most 16 values per label per day, the rest is __other__",
        ),
        (
            "ms per 28-day report, 30 -> 300 error types/day",
            report_time(simulated_counts(40, error_types_per_day=30), 50),
            report_time(simulated_counts(40, error_types_per_day=300), 50),
            "near flat: the report reads capped labels of at most 28 days",
        ),
    ]


def chart(rates: dict[str, float]) -> None:
    """Draw the throughput comparison."""
    import matplotlib as mpl  # noqa: PLC0415 - only the chart needs it

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    names = list(rates)
    values = [rates[name] for name in names]
    colors = ["#e67e22" if name.startswith("peer") else "#16a085" for name in names]
    figure, axes = plt.subplots(figsize=(8, 3.6), dpi=100)
    axes.barh(names[::-1], values[::-1], color=colors[::-1])
    axes.set_xscale("log")
    axes.set_xlabel("events per second (log scale, higher is better)")
    axes.set_title("Recording one usage event in Home Assistant 2025.4.4")
    for index, value in enumerate(values[::-1]):
        axes.text(value, index, f" {value:,.0f}", va="center", fontsize=8)
    figure.tight_layout()
    CHART.parent.mkdir(exist_ok=True)
    figure.savefig(CHART)


async def _run(config_dir: Path) -> dict[str, float]:
    hass = await _start_hass(config_dir)
    path = config_dir / ".storage" / DOMAIN
    try:
        version = hass.config.as_dict()["version"]
        print(f"Home Assistant {version}, Python {sys.version.split()[0]}\n")
        rates = await _throughput(hass, config_dir / "peer.sqlite")
        ours = rates["record_event service"]
        print("| Recording one event | events/s | µs/event |")
        print("|---|---:|---:|")
        for name, rate in rates.items():
            print(f"| {name} | {rate:,.0f} | {1e6 / rate:.1f} |")
        sqlite = rates["peer: SQLite row per event"]
        counter = rates["peer: counter.increment"]
        print(
            f"\nservice / counter.increment: {ours / counter:.1f}x"
            f"; Python method / SQLite row: {rates['Python method'] / sqlite:.0f}x"
            f"; service / SQLite row: {ours / sqlite:.0f}x"
        )
        writes, written, seconds = await _writes(hass, path)
        _, commits, db_bytes = sqlite_per_event(10_000, config_dir / "peer2.sqlite")
        print(
            f"\n100,000 events over {seconds:.0f} s: {writes} storage writes "
            f"(one per {SAVE_DELAY:.0f} s window), {written:,} bytes written."
            f"\nPeer, SQLite row per event: {commits * 10:,} commits and about "
            f"{db_bytes * 10:,} bytes for 100,000 events (measured on 10,000)."
            "\nPeer, counter.increment: state kept in memory; HA's restore_state"
            " saves it every 15 minutes."
        )
        year = await _year(hass, path)
        print(
            "\nA simulated heavy year (50 printers, 200 jobs/day, 30 error types/day):"
            f"\n  file on disk {year['file_kb']:,.0f} KB (target <= 256 KB),"
            f" in memory {year['memory_mb']:.2f} MB (target <= 2 MB)"
            f"\n  28-day report built and validated in {year['report_ms']:.2f} ms"
            f" (target <= 5 ms); setup with that file {year['setup_ms']:.1f} ms"
            " (target <= 50 ms)"
            f"\n  with HA's recorder: setup {year['recorder_setup_ms']:.1f} ms"
            f" ({year['recorder_setup_ms'] - year['setup_ms']:+.1f} ms, target <= +50"
            f" ms); sending 5 long-term statistics x {year['statistics_days']:.0f} days"
            " holds the"
            f" loop {year['statistics_hold_ms']:.1f} ms at most (target <= 50 ms);"
            " the recorder has written them"
            f" {year['statistics_written_ms']:.0f} ms after setup began, in its thread"
        )
        print("\n| Tenfold work | base | x10 | growth | why |")
        print("|---|---:|---:|---:|---|")
        for what, base, tenfold, why in growth():
            ratio = tenfold / base
            print(f"| {what} | {base:,.2f} | {tenfold:,.2f} | {ratio:.1f}x | {why} |")
        return rates
    finally:
        await hass.async_stop()
        # In a thread: HA reports blocking calls made from the event loop.
        await asyncio.to_thread(shutil.rmtree, config_dir)


def main() -> None:
    """Run the benchmark in a throwaway config directory."""
    os.environ.setdefault("TZ", "UTC")
    rates = asyncio.run(
        _run(Path(tempfile.mkdtemp(prefix="printernizer-usage-bench-")))
    )
    # Outside the event loop: drawing imports and writes files.
    chart(rates)
    print(f"\nChart: {CHART.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
