"""The stand-in Printernizer answers each route in Printernizer's own shapes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
import json
import time
import uuid

import aiohttp
import pytest

from .printernizer_server import (
    EXPORT,
    HEALTH,
    LOCAL,
    OPT_OUT,
    PRINTERS,
    StandInPrinternizer,
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
