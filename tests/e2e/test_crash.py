"""Crash safety in a real Home Assistant process: SIGKILL mid-storm, then a clean stop.

Events go in through HA's REST API on 127.0.0.1. After a kill the storage file
must still be valid and hold every count that was saved before it; a clean
stop must lose nothing. The number of events a kill costs (at most one save
window's worth) is printed.
"""

from __future__ import annotations

import json
from pathlib import Path
import threading
import time
from typing import Any

import pytest

from tests.e2e.server import HomeAssistantServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

DOMAIN = "printernizer_usage"
SAVE_WINDOW = 10.0  # seconds; store.SAVE_DELAY
TOTAL_SENSOR = "sensor.printernizer_usage_statistics_jobs_completed"
EVENT = {"event_type": "job_completed", "metadata": {"printer_type": "prusa"}}


def _storage(server: HomeAssistantServer) -> Path:
    return server.config_dir / ".storage" / DOMAIN


def _stored_total(server: HomeAssistantServer) -> int:
    """Read the file as HA left it: it must be valid JSON with our layout."""
    data: dict[str, Any] = json.loads(_storage(server).read_text(encoding="utf-8"))
    assert data["key"] == DOMAIN
    assert data["version"] == 1
    return int(data["data"]["counts"]["totals"].get("job_completed", 0))


def _fire(server: HomeAssistantServer, count: int) -> None:
    for _ in range(count):
        server.fire_event(f"{DOMAIN}_event", EVENT)


def _wait_for_total(server: HomeAssistantServer, total: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _storage(server).exists() is False or _stored_total(server) < total:
        if time.monotonic() > deadline:
            pytest.fail(f"storage did not reach {total} within {timeout:.0f} s")
        time.sleep(0.5)


def test_add_the_integration(home_assistant: HomeAssistantServer) -> None:
    flow = home_assistant.call(
        "POST", "/api/config/config_entries/flow", {"handler": DOMAIN}
    )
    assert flow["step_id"] == "user"
    result = home_assistant.call(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"share_statistics": False},
    )
    assert result["type"] == "create_entry"


def test_kill_mid_storm_keeps_every_saved_count(
    home_assistant: HomeAssistantServer,
) -> None:
    server = home_assistant
    _fire(server, 200)
    # One save window later the file holds all 200.
    _wait_for_total(server, 200, SAVE_WINDOW * 3)
    saved_before_storm = _stored_total(server)
    assert saved_before_storm == 200

    fired = 0
    stop = threading.Event()

    def storm() -> None:
        nonlocal fired
        while not stop.is_set():
            try:
                server.fire_event(f"{DOMAIN}_event", EVENT)
            except (OSError, AssertionError):
                return  # the server is gone
            fired += 1

    thread = threading.Thread(target=storm)
    thread.start()
    # Long enough for one save in the middle of the storm, then a kill.
    time.sleep(SAVE_WINDOW * 1.5)
    saved_during_storm = _stored_total(server)
    server.kill()
    stop.set()
    thread.join(30)

    after_kill = _stored_total(server)  # valid JSON, our layout
    assert after_kill >= saved_during_storm >= saved_before_storm
    lost = saved_before_storm + fired - after_kill
    print(  # noqa: T201 - the figure the issue asks for
        f"\nSIGKILL mid-storm: {fired} events fired in {SAVE_WINDOW * 1.5:.0f} s,"
        f" {after_kill - saved_before_storm} of them on disk, {lost} lost"
        f" (at most one {SAVE_WINDOW:.0f} s save window)"
    )
    assert 0 <= lost <= fired

    # After the restart, HA shows exactly what was on disk.
    server.start()
    server.wait_for_running()
    deadline = time.monotonic() + 60
    while server.state(TOTAL_SENSOR) != str(after_kill):
        assert time.monotonic() < deadline, server.state(TOTAL_SENSOR)
        time.sleep(0.5)


def test_clean_stop_loses_nothing(home_assistant: HomeAssistantServer) -> None:
    server = home_assistant
    before = _stored_total(server)
    _fire(server, 150)
    # Stopped well inside the save window: HA's final write must carry them.
    server.stop()
    assert _stored_total(server) == before + 150
