"""Measure what recording usage events costs a real Home Assistant.

Usage: scripts/benchmark  (or: .venvs/min/bin/python benchmarks/record_events.py)

Starts a real Home Assistant core in-process (HA's own bootstrap, a throwaway
config directory, real storage on disk), adds the integration through its
config flow and prints:
- events/s through the Python method, the bus event and the record_event
  service, beside HA's `counter.increment` service as a familiar peer;
- storage writes and bytes written for 100,000 events spread over 25 s;
- file size on disk and in-memory size after a simulated year of heavy use.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import os
from pathlib import Path
import random
import shutil
import sys
import tempfile
import time
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.printernizer_usage.counts import UsageCounts
from custom_components.printernizer_usage.privacy import (
    PRINTER_TYPES,
    sanitize_event,
)
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant import bootstrap, runner
from homeassistant.core import HomeAssistant

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


def _rate(count: int, seconds: float) -> str:
    return (
        f"{count / seconds:>12,.0f} events/s  ({seconds * 1e6 / count:6.2f} µs/event)"
    )


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


async def _throughput(hass: HomeAssistant) -> dict[str, float]:
    runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    results: dict[str, float] = {}

    count = 200_000
    start = time.perf_counter()
    for _ in range(count):
        runtime.record_event("job_completed", JOB)
    results["python method, with metadata"] = count / (time.perf_counter() - start)
    print(f"python method (metadata)  {_rate(count, time.perf_counter() - start)}")

    start = time.perf_counter()
    for _ in range(count):
        runtime.record_event("app_start")
    print(f"python method (bare)      {_rate(count, time.perf_counter() - start)}")

    count = 100_000
    data = {"event_type": "job_completed", "metadata": JOB}
    start = time.perf_counter()
    for _ in range(count):
        hass.bus.async_fire(f"{DOMAIN}_event", data)
    await hass.async_block_till_done()
    results["bus event"] = count / (time.perf_counter() - start)
    print(f"bus event                 {_rate(count, time.perf_counter() - start)}")

    count = 20_000
    start = time.perf_counter()
    for _ in range(count):
        await hass.services.async_call(DOMAIN, "record_event", data, blocking=True)
    results["record_event service"] = count / (time.perf_counter() - start)
    print(f"record_event service      {_rate(count, time.perf_counter() - start)}")

    start = time.perf_counter()
    for _ in range(count):
        await hass.services.async_call(
            "counter", "increment", {"entity_id": "counter.benchmark"}, blocking=True
        )
    results["counter.increment (peer)"] = count / (time.perf_counter() - start)
    print(f"counter.increment (peer)  {_rate(count, time.perf_counter() - start)}")
    return results


async def _writes(hass: HomeAssistant, path: Path) -> None:
    runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    await runtime.store.async_save_now(runtime.stored_data)
    writes_before = runtime.store.writes
    mtimes: set[int] = set()
    batches, per_batch, pause = 250, 400, 0.1  # 100,000 events over 25 s
    start = time.perf_counter()
    for _ in range(batches):
        for _ in range(per_batch):
            runtime.record_event("file_downloaded", {"file_size_mb": 12})
        await asyncio.sleep(pause)
        mtimes.add(path.stat().st_mtime_ns)
    await asyncio.sleep(SAVE_DELAY + 1)
    mtimes.add(path.stat().st_mtime_ns)
    elapsed = time.perf_counter() - start
    writes = runtime.store.writes - writes_before
    windows = int(elapsed // SAVE_DELAY) + 1
    print(
        f"100,000 events over {elapsed:.0f} s: {writes} storage writes "
        f"(delay window {SAVE_DELAY:.0f} s, at most {windows} windows), "
        f"{writes * path.stat().st_size:,} bytes written"
    )


def _simulated_year() -> UsageCounts:
    """Count a heavy year: 50 printers, 200 jobs/day, 30 error types/day."""
    rng = random.Random(42)
    counts = UsageCounts(tz=UTC, first_seen=datetime(2025, 11, 25, tzinfo=UTC).date())
    printer_types = sorted(PRINTER_TYPES)
    error_types = [
        f"error_kind_{chr(97 + n // 26)}{chr(97 + n % 26)}" for n in range(60)
    ]
    components = [f"component_{chr(97 + n)}" for n in range(20)]
    start = datetime(2025, 11, 26, tzinfo=UTC)
    for day in range(365):
        moment = start + timedelta(days=day, hours=12)
        for _ in range(200):
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
        for error_type in rng.sample(error_types, 30):
            error = {"error_type": error_type, "component": rng.choice(components)}
            counts.record(sanitize_event("error_occurred", error), moment)
        counts.prune(moment)  # what the integration does every local midnight
    return counts


def _deep_size(value: Any, seen: set[int] | None = None) -> int:
    seen = set() if seen is None else seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        size += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in value.items())
    elif isinstance(value, list | tuple | set):
        size += sum(_deep_size(item, seen) for item in value)
    elif hasattr(value, "__slots__"):
        size += sum(_deep_size(getattr(value, name), seen) for name in value.__slots__)
    elif hasattr(value, "__dict__"):
        size += _deep_size(vars(value), seen)
    return size


async def _year(hass: HomeAssistant, path: Path) -> None:
    runtime = hass.config_entries.async_entries(DOMAIN)[0].runtime_data
    year = _simulated_year()
    runtime.counts = year
    await runtime.store.async_save_now(runtime.stored_data)
    memory = _deep_size(year) - _deep_size(year.tz)
    print(
        f"simulated heavy year: {len(year.days)} days, "
        f"{sum(year.totals.values()):,} events;"
        f" file {path.stat().st_size / 1024:,.0f} KB on disk (target <= 256 KB),"
        f" {memory / 1024 / 1024:.2f} MB in memory"
    )


async def _run(config_dir: Path) -> None:
    hass = await _start_hass(config_dir)
    path = config_dir / ".storage" / DOMAIN
    try:
        version = hass.config.as_dict()["version"]
        print(f"Home Assistant {version}, Python {sys.version.split()[0]}")
        await _throughput(hass)
        await _writes(hass, path)
        await _year(hass, path)
    finally:
        await hass.async_stop()
        # In a thread: HA reports blocking calls made from the event loop.
        await asyncio.to_thread(shutil.rmtree, config_dir)


def main() -> None:
    """Run the benchmark in a throwaway config directory."""
    os.environ.setdefault("TZ", "UTC")
    asyncio.run(_run(Path(tempfile.mkdtemp(prefix="printernizer-usage-bench-"))))


if __name__ == "__main__":
    main()
