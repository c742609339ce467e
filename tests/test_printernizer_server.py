"""The stand-in Printernizer answers each route in Printernizer's own shapes."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
import json
from pathlib import Path
import re
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.request
import uuid

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from hypothesis import given, strategies as st
import pytest

from .printernizer_server import (
    ADD_EVENTS,
    ADDON_VERSION,
    EVENT_TYPES,
    EXPORT,
    HEALTH,
    LOCAL,
    OPT_OUT,
    PRINTER_TYPES,
    PRINTERS,
    REAL_METADATA,
    StandInPrinternizer,
    history,
    identifying_values,
    start_printernizer,
)

pytestmark = pytest.mark.usefixtures("socket_enabled")


async def _get(
    session: aiohttp.ClientSession, server: StandInPrinternizer, path: str
) -> tuple[int, bytes]:
    async with session.get(server.url + path) as response:
        return response.status, await response.read()


async def test_routes_answer_like_printernizer() -> None:
    server = await start_printernizer()
    try:
        event = server.add_event(
            "job_completed", datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)
        )
        server.add_event("job_failed", datetime(2026, 12, 1, 8, 0, tzinfo=UTC), {})
        server.add_event(
            "file_downloaded", datetime(2026, 12, 1, 9, 0, tzinfo=UTC), identifying=True
        )
        async with aiohttp.ClientSession() as session:
            status, body = await _get(session, server, HEALTH)
            health = json.loads(body)
            assert status == 200
            assert health["status"] == "healthy"
            assert health["version"] == "2.41.5"

            status, body = await _get(session, server, EXPORT)
            export = json.loads(body)
            assert status == 200
            assert set(export) == {
                "events",
                "settings",
                "exported_at",
                "export_version",
            }
            assert export["settings"] == {}
            assert export["export_version"] == "1.0"
            assert [e["event_type"] for e in export["events"]] == [
                "file_downloaded",
                "job_failed",
                "job_completed",
            ]
            completed = export["events"][2]
            assert uuid.UUID(completed["id"]) == uuid.UUID(event["id"])
            assert completed["timestamp"] == "2026-11-30T12:00:00.123456"
            assert completed["metadata"] == {"duration_minutes": 95}
            assert completed["submitted"] == 0
            assert export["events"][1]["metadata"] is None
            assert identifying_values() & set(export["events"][0]["metadata"].values())

            status, body = await _get(session, server, LOCAL)
            assert status == 200
            assert json.loads(body)["opt_in_status"] == "disabled"

            status, body = await _get(session, server, PRINTERS)
            printers = json.loads(body)
            assert status == 200
            assert [p["printer_type"] for p in printers["printers"]] == [
                "bambu_lab",
                "prusa_core",
            ]
            assert printers["total_count"] == 2

            server.opt_in_status = "enabled"
            async with session.post(server.url + OPT_OUT) as response:
                assert response.status == 200
                assert (await response.json())["success"] is True
            assert server.opt_in_status == "disabled"
            assert len(server.opt_out_calls) == 1
            assert server.requests[EXPORT] == 1
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("fault", "check"),
    [
        ("http_500", lambda status, body: status == 500),
        ("not_json", lambda status, body: body.startswith(b"<!DOCTYPE html>")),
        ("garbage_json", lambda status, body: isinstance(json.loads(body), list)),
        ("wrong_shape", lambda status, body: json.loads(body)["events"] == "x"),
        ("export_error", lambda status, body: "error" in json.loads(body)),
        ("rate_limited", lambda status, body: status == 429),
    ],
)
async def test_faults(fault: str, check: Callable[[int, bytes], bool]) -> None:
    server = await start_printernizer(fault=fault)
    try:
        server.add_event("job_completed")
        async with aiohttp.ClientSession() as session:
            status, body = await _get(session, server, EXPORT)
        assert check(status, body)
    finally:
        await server.close()


async def test_truncated_huge_slow_and_not_printernizer() -> None:
    server = await start_printernizer(huge_bytes=2 * 1024 * 1024)
    try:
        for _ in range(20):
            server.add_event("file_uploaded")
        async with aiohttp.ClientSession() as session:
            server.fault = "truncated"
            status, body = await _get(session, server, EXPORT)
            assert status == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(body)

            server.fault = "reset"
            with pytest.raises(aiohttp.ClientPayloadError):
                await _get(session, server, EXPORT)

            server.fault = "huge"
            status, body = await _get(session, server, EXPORT)
            assert len(body) >= 2 * 1024 * 1024

            server.fault = "not_printernizer"
            status, body = await _get(session, server, HEALTH)
            assert json.loads(body) == {"status": "ok"}

            server.fault = "slow"
            server.fault_paths = {HEALTH}
            asked = server.requests[HEALTH]
            held = asyncio.ensure_future(_get(session, server, HEALTH))
            # Real time passes in a thread; the test's clock is frozen.
            for _ in range(500):
                if server.requests[HEALTH] > asked:
                    break
                await asyncio.to_thread(time.sleep, 0.01)
            assert server.requests[HEALTH] == asked + 1
            assert not held.done()
            server.release()
            status, _body = await held
            assert status == 200
    finally:
        await server.close()


async def test_down_and_back_on_the_same_port() -> None:
    server = await start_printernizer()
    try:
        url = server.url
        async with aiohttp.ClientSession() as session:
            assert (await _get(session, server, HEALTH))[0] == 200
            server.stop()
            with pytest.raises(aiohttp.ClientConnectionError):
                await _get(session, server, HEALTH)
            server.start()
            assert server.url == url
            assert (await _get(session, server, HEALTH))[0] == 200
    finally:
        await server.close()


@given(today=st.dates(date(2000, 1, 8), date(2100, 1, 1)), days=st.integers(1, 30))
def test_history_is_days_of_a_workshop(today: date, days: int) -> None:
    events = history(days, today)
    stamps = [datetime.fromisoformat(event["timestamp"]) for event in events]
    # Naive UTC like Printernizer's, oldest first, one run of events a day,
    # every day before `today` and none on or after it.
    assert all(stamp.tzinfo is None for stamp in stamps)
    assert stamps == sorted(stamps)
    assert {stamp.date() for stamp in stamps} == {
        today - timedelta(days=back) for back in range(1, days + 1)
    }
    assert len({event["id"] for event in events}) == len(events)
    assert all(str(uuid.UUID(event["id"])) == event["id"] for event in events)
    day_starts = [e for e in events if e["event_type"] == "app_start"]
    assert len(day_starts) == days
    for event in events:
        assert event["event_type"] in EVENT_TYPES
        assert event["created_at"] == event["timestamp"]
        assert event["submitted"] == 0
    jobs = Counter(e["event_type"] for e in events)
    assert jobs["job_created"] == jobs["job_completed"] + jobs["job_failed"]
    assert jobs["job_created"] == jobs["file_downloaded"]
    assert jobs["printer_connected"] == jobs["printer_disconnected"] == 2 * days
    for event in events:
        match event["event_type"]:
            case "job_completed":
                assert 15 <= event["metadata"]["duration_minutes"] < 300
            case "job_failed":
                assert event["metadata"] is None  # Printernizer records {}
            case "job_created":
                assert event["metadata"]["printer_type"] in PRINTER_TYPES
            case "file_downloaded":
                assert 0.4 <= event["metadata"]["file_size_mb"] <= 80.0
            case other:
                assert event["metadata"] == REAL_METADATA[other]


def test_history_is_the_same_after_a_restart() -> None:
    """A day's events depend on its date alone: nothing is counted twice."""
    today = date(2026, 12, 4)
    assert history(7, today) == history(7, today)
    # The next day: the six days both cover hold the same events.
    shared = {"2026-11-28", "2026-11-29", "2026-11-30"} | {
        f"2026-12-0{day}" for day in (1, 2, 3)
    }
    on_shared = [e for e in history(7, today) if e["timestamp"][:10] in shared]
    assert len(on_shared) > 6
    assert on_shared == [
        e
        for e in history(7, today + timedelta(days=1))
        if e["timestamp"][:10] in shared
    ]


async def test_events_can_be_added_while_it_runs() -> None:
    server = await start_printernizer()
    try:
        async with aiohttp.ClientSession() as session:
            url = f"{server.url}{ADD_EVENTS}"
            async with session.post(
                url, params={"type": "job_failed", "count": "2"}
            ) as response:
                assert response.status == 200
                assert await response.json() == {"added": 2, "total_events": 2}
            for params in ({"type": "print_started"}, {"count": "0"}, {"count": "x"}):
                async with session.post(url, params=params) as response:
                    assert response.status == 422
                    assert "job_completed" in (await response.json())["message"]
            async with session.post(url) as response:  # a finished print
                assert response.status == 200
            _status, body = await _get(session, server, EXPORT)
            _status, local = await _get(session, server, LOCAL)
        exported = json.loads(body)["events"]
        assert sorted(
            json.dumps([e["event_type"], e["metadata"]]) for e in exported
        ) == [
            '["job_completed", {"duration_minutes": 95}]',
            '["job_failed", null]',
            '["job_failed", null]',
        ]
        assert json.loads(local)["total_events"] == 3
    finally:
        await server.close()


def _ask(url: str, method: str = "GET") -> Any:
    """Ask a stand-in in another process (plain urllib: the test is not async)."""
    request = urllib.request.Request(url, method=method)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.load(response)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_runs_standalone_until_stopped(stop: signal.Signals) -> None:
    """`python -m tests.printernizer_server`, as scripts/develop starts it."""
    command = ["-m", "tests.printernizer_server", "--port", "0", "--days", "3"]
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [sys.executable, *command],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        # Printed once it serves.
        banner = re.fullmatch(
            rf"Stand-in Printernizer {re.escape(ADDON_VERSION)} on "
            r"(http://127\.0\.0\.1:\d+): (\d+) events of the last 3 days\.\n",
            process.stdout.readline(),
        )
        assert banner
        url, seeded = banner[1], int(banner[2])
        assert process.stdout.readline() == (
            f"Record more: curl -X POST '{url}{ADD_EVENTS}?type=job_completed'\n"
        )
        assert _ask(f"{url}{HEALTH}")["status"] == "healthy"
        added = _ask(f"{url}{ADD_EVENTS}?type=file_uploaded", method="POST")
        assert added == {"added": 1, "total_events": seeded + 1}

        newest, *served = _ask(f"{url}{EXPORT}")["events"]
        assert newest["event_type"] == "file_uploaded"
        # Three days of history, ending the day before it started.
        served.reverse()
        today = date.fromisoformat(served[-1]["timestamp"][:10]) + timedelta(days=1)
        assert served == history(3, today)
        assert len(served) == seeded

        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
        with pytest.raises(urllib.error.URLError):
            _ask(f"{url}{HEALTH}")
    finally:
        process.kill()
        process.wait()


async def test_rate_limit_is_printernizers_token_bucket(
    freezer: FrozenDateTimeFactory,
) -> None:
    """100 requests a minute per client address; health is exempt."""
    server = await start_printernizer()
    try:
        async with aiohttp.ClientSession() as session:

            async def get(path: str, client: str | None = None) -> Any:
                headers = {"X-Forwarded-For": client} if client else {}
                async with session.get(server.url + path, headers=headers) as answer:
                    return answer.status, answer.headers, await answer.read()

            statuses = Counter([(await get(LOCAL))[0] for _ in range(100)])
            assert statuses == {200: 100}
            status, headers, body = await get(PRINTERS)
            assert status == 429
            assert json.loads(body)["details"] == {
                "retry_after_seconds": 0.6,
                "rate_limit_per_minute": 100,
            }
            assert headers["Retry-After"] == "1"
            # Exempt, and another client address has its own bucket.
            assert (await get(HEALTH))[0] == 200
            assert (await get(LOCAL, "192.168.1.7"))[0] == 200
            # One token comes back in 0.6 s (no sooner).
            freezer.tick(0.5)
            assert (await get(LOCAL))[0] == 429
            freezer.tick(0.2)
            assert (await get(LOCAL))[0] == 200
            assert (await get(LOCAL))[0] == 429
    finally:
        await server.close()
