"""Measure what the Printernizer bridge costs a real Home Assistant's event loop.

Usage: .venvs/min/bin/python benchmarks/printernizer_import.py [EVENTS]
(scripts/benchmark runs it after record_events.py.)

Starts a real Home Assistant core in-process and the stand-in Printernizer of
the tests (tests/printernizer_server.py, the real API's shapes) holding EVENTS
recorded events (default 200,000 over 300 days), connects the two through the
options flow and prints, side by side with the same Home Assistant without a
bridge over the same time:
- the event loop's CPU time and its longest hold (the longest a 1 ms timer
  was late) during the first import and during a poll that finds nothing new;
- the wall time, the export's size and how many events were counted.
Targets (issue 10): no hold above 50 ms during the first import, under 5 ms
of loop time for a poll with nothing new.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
import multiprocessing
from multiprocessing.connection import Connection
import os
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import Any
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from record_events import DOMAIN, _start_hass

from homeassistant.core import HomeAssistant
from tests.printernizer_server import EXPORT, run_printernizer


class LoopWatch:
    """The loop thread's CPU time, and how late a 1 ms timer got at worst."""

    def __init__(self) -> None:
        """Watch nothing yet."""
        self.longest_hold = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            late = time.perf_counter() - before - 0.001
            self.longest_hold = max(self.longest_hold, late)

    async def measure(
        self, work: Callable[[], Awaitable[Any]], *, watch: bool = True
    ) -> dict[str, float]:
        """Run `work` on the loop; return loop CPU ms, longest hold ms, wall s.

        Without `watch`, the CPU time is the work's alone (the watcher's
        wake-ups cost loop time too), and no hold is measured.
        """
        self.longest_hold = 0.0
        if watch:
            self._task = asyncio.create_task(self._watch())
            await asyncio.sleep(0.01)
        cpu, wall = time.thread_time(), time.perf_counter()
        await work()
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
        if self._task is not None:
            self._task.cancel()
            self._task = None
        # The watcher's own wake-ups (about 1,000 a second) are not the bridge's.
        return {
            "cpu_ms": cpu * 1000,
            "hold_ms": self.longest_hold * 1000,
            "wall_s": wall,
        }


def _runtime(hass: HomeAssistant) -> Any:
    return hass.config_entries.async_entries(DOMAIN)[0].runtime_data


async def _connect(hass: HomeAssistant, url: str) -> None:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "printernizer"}
    )
    await hass.config_entries.options.async_configure(
        result["flow_id"], {"printernizer_url": url}
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def _poll(hass: HomeAssistant) -> None:
    # What the coordinator's 15-minute timer does.
    await _runtime(hass).bridge.async_refresh()
    await hass.async_block_till_done(wait_background_tasks=True)


async def _idle(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _export_size(url: str) -> int:
    with urllib.request.urlopen(f"{url}{EXPORT}") as answer:  # noqa: S310 - loopback
        return len(answer.read())


def _table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print("| Case | loop CPU (ms) | longest loop hold (ms) | wall (s) |")
    print("|---|---:|---:|---:|")
    for name, row in rows:
        hold = f"{row['hold_ms']:,.1f}" if row["hold_ms"] else "(not watched)"
        print(f"| {name} | {row['cpu_ms']:,.1f} | {hold} | {row['wall_s']:,.2f} |")


def _serve_printernizer(events: int, pipe: Connection) -> None:
    """Run the stand-in in its own process, as the real Printernizer runs.

    In the benchmark's process its JSON encoding would hold the interpreter
    lock and be measured as Home Assistant's.
    """
    with run_printernizer() as server:
        server.add_many(
            events,
            start=datetime.now(UTC) - timedelta(days=300),
            step=timedelta(days=300) / events,
        )
        pipe.send(server.url)
        while (command := pipe.recv()) != "stop":
            server.add_many(1, start=datetime.now(UTC) - timedelta(seconds=1))
            pipe.send(command)


async def _run(config_dir: Path, events: int, pipe: Connection) -> None:
    hass = await _start_hass(config_dir)
    watch = LoopWatch()
    url = pipe.recv()
    try:
        version = hass.config.as_dict()["version"]
        print(f"Home Assistant {version}, Python {sys.version.split()[0]}")
        first = await watch.measure(lambda: _connect(hass, url))
        counted = sum(_runtime(hass).counts.totals.values())
        steady = await watch.measure(lambda: _poll(hass), watch=False)
        steady_hold = await watch.measure(lambda: _poll(hass))
        # A poll that fetches the whole export again (its total changed) and
        # finds one new event: the cost of reading it all, counting one.
        pipe.send("add one")
        pipe.recv()
        refetch = await watch.measure(lambda: _poll(hass))
        idle = await watch.measure(lambda: _idle(steady["wall_s"]), watch=False)
        size = await asyncio.to_thread(_export_size, url)
        print(
            f"\nStand-in Printernizer (its own process) with {events:,} events; "
            f"its export is {size / 1e6:,.1f} MB; counted {counted:,} "
            "(Printernizer's events within our 400-day retention)."
        )
        print()
        _table(
            [
                ("First import (connect through the options flow) *", first),
                ("Poll, nothing new (its total unchanged)", steady),
                ("The same poll, watched *", steady_hold),
                ("Poll, whole export again, 1 new event *", refetch),
                ("No bridge: the same HA idle as long as that poll", idle),
            ]
        )
        print(
            "\n* with a 1 ms timer on the loop that measures the longest hold;"
            " its own wake-ups add to the loop CPU of those rows."
        )
        print(
            f"\nTargets: first import holds the loop <= 50 ms at a time "
            f"({first['hold_ms']:.1f} ms); a poll with nothing new < 5 ms of "
            f"loop time ({steady['cpu_ms']:.1f} ms; idle: {idle['cpu_ms']:.1f} ms)."
        )
    finally:
        await hass.async_stop()
        await asyncio.to_thread(shutil.rmtree, config_dir)


def main() -> None:
    """Run the benchmark in a throwaway config directory."""
    os.environ.setdefault("TZ", "UTC")
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve_printernizer, args=(events, theirs), daemon=True
    )
    server.start()
    try:
        asyncio.run(
            _run(
                Path(tempfile.mkdtemp(prefix="printernizer-bridge-bench-")),
                events,
                ours,
            )
        )
    finally:
        ours.send("stop")
        server.join(30)


if __name__ == "__main__":
    main()
