"""A stand-in Printernizer on 127.0.0.1 that answers the way the real one does.

Every route follows Printernizer's own code at commit
be0da0969546bee8702fc81ef275a28cd1a9bc7a of github.com/schmacka/printernizer
(the Home Assistant add-on, github.com/schmacka/printernizer-ha at commit
44f3a2aef59156bec6dea0e20b2cf6434c155989, ships the same files byte for byte
under `printernizer/src/`). Each handler cites the file it copies.

What the real code does, and this stand-in therefore does too:

- no authentication on any route; the add-on trusts HA ingress
  (`src/main.py`, `ingress_security_middleware`) and is also reachable
  directly on port 8000 (`printernizer/config.yaml`: `ingress_port: 8000`,
  `host_network: true`);
- event ids are `str(uuid.uuid4())` (`src/models/usage_statistics.py`,
  `UsageEvent.id`);
- timestamps are naive UTC, `datetime.utcnow().isoformat()`, so no offset and
  microseconds unless they happen to be zero (`usage_statistics_repository.py`,
  `insert_event`);
- `metadata` is a parsed dict, or `null` when the event was recorded with an
  empty dict (`json.dumps(event.metadata) if event.metadata else None`);
- `submitted` is SQLite's integer 0/1, not a JSON boolean (`submitted BOOLEAN`
  column, `src/database/database.py`), and each event also has `created_at`;
- the export holds every event, newest first (`ORDER BY timestamp DESC`), has
  no query parameters and no paging, and `settings` is the raw key/value table:
  empty (`{}`) until someone opts in or out.

Faults (`StandInPrinternizer.fault`, optionally limited to `fault_paths`):
"http_500", "not_json" (an HTML page), "garbage_json" (a JSON list),
"wrong_shape" (a JSON object of the wrong shape), "truncated" (the real answer
cut in half, with a matching Content-Length), "reset" (the full Content-Length
announced, half sent, connection closed), "huge" (`huge_bytes` streamed without
a Content-Length), "not_printernizer" (`/api/v1/health` says `{"status": "ok"}`
and nothing else exists), "slow" (no answer until `release()`),
"export_error" (the export's own failure: 200 with `{"error": ...}`),
"rate_limited" (Printernizer's 429, asking to wait `retry_after_seconds`).
"Down" is `stop()`: the port refuses connections until `start()` opens it
again.

Printernizer's rate limit (src/utils/middleware.py, `RateLimitMiddleware`,
added in src/main.py outside pytest, so the add-on runs it) is applied as
well: a token bucket per client address (the first `X-Forwarded-For` entry,
else the peer), 100 requests a minute, starting full at 100 and holding up to
120; `/api/v1/health` and anything outside `/api/` is exempt. A request
without a token gets a 429 whose body says `details.retry_after_seconds`
(the time one token takes to come back, one decimal) and whose `Retry-After`
header says it in whole seconds, rounded up. One difference: a clock that
goes back refills nothing here, where Printernizer's bucket (on `time.time()`)
would go negative; the tests move one clock for both sides.

Standalone, to develop against (`scripts/develop --printernizer` starts it):
`python -m tests.printernizer_server [--port 8000] [--days 7]` serves the
events of a few realistic days (`history`) until Ctrl+C or SIGTERM, and
`POST /stand-in/events?type=job_completed&count=1` (not Printernizer's API)
records more while it runs.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
import json
import random
import signal
import socket
import sys
import threading
from time import time as unix_time
from typing import Any
import uuid

from aiohttp import web
import pytest

PRINTERNIZER_COMMIT = "be0da0969546bee8702fc81ef275a28cd1a9bc7a"
ADDON_COMMIT = "44f3a2aef59156bec6dea0e20b2cf6434c155989"

# `printernizer/config.yaml` (add-on) and the `get_version(fallback=...)` in the
# add-on's `src/main.py`: without a .git directory the version is the fallback.
ADDON_VERSION = "2.41.5"

HEALTH = "/api/v1/health"
EXPORT = "/api/v1/usage-stats/export"
LOCAL = "/api/v1/usage-stats/local"
STATUS = "/api/v1/usage-stats/status"
OPT_IN = "/api/v1/usage-stats/opt-in"
OPT_OUT = "/api/v1/usage-stats/opt-out"
PRINTERS = "/api/v1/printers"

# RateLimitConfig in src/main.py; EXEMPT_ENDPOINTS of RateLimitMiddleware.
RATE_LIMIT_PER_MINUTE = 100
RATE_LIMIT_BURST = 20
RATE_LIMIT_EXEMPT = ("/api/v1/health", "/api/v1/ws", "/metrics")
# Not Printernizer's: records events in a running stand-in (scripts/develop).
ADD_EVENTS = "/stand-in/events"

FAULTS = frozenset(
    {
        "http_500",
        "not_json",
        "garbage_json",
        "wrong_shape",
        "truncated",
        "reset",
        "huge",
        "not_printernizer",
        "slow",
        "export_error",
        "rate_limited",
    }
)

# `EventType` in src/models/usage_statistics.py, in its order.
EVENT_TYPES = (
    "app_start",
    "app_shutdown",
    "job_created",
    "job_completed",
    "job_failed",
    "file_downloaded",
    "file_uploaded",
    "printer_connected",
    "printer_disconnected",
    "error_occurred",
    "feature_enabled",
    "feature_disabled",
)

# `PrinterType` in src/models/printer.py.
PRINTER_TYPES = ("bambu_lab", "prusa_core", "octoprint", "unknown")

# The metadata each `record_event` call site writes at PRINTERNIZER_COMMIT.
# None: no call site records this type, or it records `{}` (stored as NULL).
REAL_METADATA: dict[str, dict[str, Any] | None] = {
    # src/main.py, lifespan
    "app_start": {
        "app_version": ADDON_VERSION,
        "python_version": "3.12.3",
        "platform": "linux",
    },
    "app_shutdown": None,  # never recorded
    # src/services/job_service.py, create_job ("unknown" for manual jobs;
    # auto-created jobs carry "bambu_lab" or "prusa_core")
    "job_created": {"printer_type": "bambu_lab", "is_auto_created": True},
    # src/services/job_service.py, update_job_status (None when no duration)
    "job_completed": {"duration_minutes": 95},
    "job_failed": None,  # job_service.py records {}
    # src/services/file_download_service.py
    "file_downloaded": {"file_size_mb": 12.34},
    # src/services/file_upload_service.py
    "file_uploaded": {"file_size_mb": 3.5, "is_business": False},
    # src/services/printer_connection_service.py: printer instances have no
    # `printer_type` attribute, so this is "unknown" in practice
    "printer_connected": {"printer_type": "unknown"},
    "printer_disconnected": {"printer_type": "unknown"},
    "error_occurred": None,  # never recorded
    "feature_enabled": None,  # never recorded
    "feature_disabled": None,  # never recorded
}

# Values that identify a person, a printer or a place. Printernizer's
# `record_event` stores whatever its caller passes ("This service trusts the
# caller to sanitize data"), and `/api/v1/printers` returns all of these, so
# none of them may ever reach our storage, states, export, preview or logs.
IDENTIFYING_METADATA: dict[str, Any] = {
    "file_name": "Geheimprojekt_Kunde_Mueller_v3.3mf",
    "filename": "/data/printernizer/downloads/Geheimprojekt_Kunde_Mueller_v3.3mf",
    "job_name": "Geheimprojekt Kunde Mueller",
    "printer_name": "Werkstatt X1C Sebastian",
    "printer_id": "bambu_werkstatt_001",
    "ip_address": "192.168.176.42",
    "host": "x1c-werkstatt.fritz.box",
    "serial_number": "01S00C371234567",
    "access_code": "31415926",
    "customer_name": "Erika Mustermann",
    "error_message": "FTP 192.168.176.42: login failed for bblp",
}


def identifying_values() -> set[str]:
    """Every string in the stand-in's data that must never leak."""
    values = {str(v) for v in IDENTIFYING_METADATA.values()}
    for printer in default_printers():
        values.update(
            str(v)
            for v in (
                printer["id"],
                printer["name"],
                printer["ip_address"],
                printer["location"],
                printer["description"],
                *printer["connection_config"].values(),
                (printer["current_job"] or {}).get("name"),
            )
            if v
        )
    return values


def utc_iso(moment: datetime) -> str:
    """Printernizer's timestamp: naive UTC, `datetime.utcnow().isoformat()`."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()


def record(
    event_type: str,
    stamp: str,
    metadata: dict[str, Any] | None,
    *,
    event_id: str | None = None,
    submitted: bool = False,
) -> dict[str, Any]:
    """Return one row of Printernizer's export (`usage_events`)."""
    return {
        "id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "timestamp": stamp,
        # Stored as JSON text, NULL for an empty dict, and parsed on export.
        "metadata": json.loads(json.dumps(metadata)) if metadata else None,
        "submitted": int(submitted),
        "created_at": stamp,
    }


def make_printer(
    printer_type: str,
    *,
    printer_id: str,
    name: str,
    ip_address: str,
    serial_number: str | None = None,
    access_code: str | None = None,
    api_key: str | None = None,
    job_name: str | None = None,
) -> dict[str, Any]:
    """One `PrinterResponse` (src/api/routers/printers.py, _printer_to_response)."""
    created = "2026-03-01T10:15:00.123456"  # datetime.now(), local and naive
    return {
        "id": printer_id,
        "name": name,
        "printer_type": printer_type,
        "status": "printing" if job_name else "online",
        "ip_address": ip_address,
        "connection_config": {
            "ip_address": ip_address,
            "api_key": api_key,
            "access_code": access_code,
            "serial_number": serial_number,
            "webcam_url": None,
        },
        "location": "Werkstatt Keller",
        "description": f"{name} bei Sebastian",
        "is_enabled": True,
        "last_seen": "2026-07-15T21:49:12.654321",
        "current_job": (
            {
                "name": job_name,
                "status": "printing",
                "progress": 42,
                "started_at": "2026-07-15T20:01:00",
                "estimated_remaining": None,
                "layer_current": None,
                "layer_total": None,
            }
            if job_name
            else None
        ),
        "temperatures": {"bed": 60.0, "nozzle": 220.0} if job_name else None,
        "filaments": None,
        "total_jobs": 17,
        "created_at": created,
        "updated_at": created,
    }


def default_printers() -> list[dict[str, Any]]:
    """Return a Bambu Lab and a Prusa, every identifying field filled in."""
    return [
        make_printer(
            "bambu_lab",
            printer_id=IDENTIFYING_METADATA["printer_id"],
            name=IDENTIFYING_METADATA["printer_name"],
            ip_address=IDENTIFYING_METADATA["ip_address"],
            serial_number=IDENTIFYING_METADATA["serial_number"],
            access_code=IDENTIFYING_METADATA["access_code"],
            job_name=IDENTIFYING_METADATA["file_name"],
        ),
        make_printer(
            "prusa_core",
            printer_id="prusa_core_one_keller",
            name="Core One Keller",
            ip_address="192.168.176.77",
            api_key="pL7xQ2mN9vR4sT1w",
        ),
    ]


def history(days: int, today: date) -> list[dict[str, Any]]:
    """Return the events of the `days` days before `today`, oldest first.

    Each day looks like one in a small workshop: Printernizer starts, both
    printers connect, one to four prints of up to five hours are created,
    downloaded and finish (about one in seven fails), and the printers
    disconnect in the evening. A day's events depend on its date alone (ids
    too), so a restarted stand-in serves the same history and nothing is
    counted twice.
    """
    return [
        event
        for back in range(days, 0, -1)
        for event in _workshop_day(today - timedelta(days=back))
    ]


def _workshop_day(day: date) -> list[dict[str, Any]]:
    rng = random.Random(day.isoformat())  # noqa: S311 - made-up events, no secret
    moment = datetime.combine(day, time(7)) + timedelta(minutes=rng.randrange(90))
    events: list[dict[str, Any]] = []

    def add(event_type: str, metadata: dict[str, Any] | None, minutes: int = 1) -> None:
        nonlocal moment
        moment += timedelta(minutes=minutes, seconds=rng.randrange(60))
        event_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        events.append(record(event_type, utc_iso(moment), metadata, event_id=event_id))

    add("app_start", REAL_METADATA["app_start"])
    for _printer in default_printers():
        add("printer_connected", REAL_METADATA["printer_connected"])
    for _job in range(rng.randint(1, 4)):
        if moment.hour >= 16:  # every print ends on its own day
            break
        printer_type = rng.choice(("bambu_lab", "prusa_core"))
        created = {"printer_type": printer_type, "is_auto_created": True}
        add("job_created", created, rng.randrange(20, 120))
        add("file_downloaded", {"file_size_mb": round(rng.uniform(0.4, 80.0), 2)})
        duration = rng.randrange(15, 5 * 60)
        if rng.random() < 1 / 7:
            add("job_failed", None, rng.randrange(5, duration))
        else:
            add("job_completed", {"duration_minutes": duration}, duration)
    for _printer in default_printers():
        add("printer_disconnected", REAL_METADATA["printer_disconnected"], 10)
    return events


def _json(data: Any, status: int = 200) -> web.Response:
    """FastAPI's JSONResponse: compact JSON, application/json."""
    return web.Response(
        status=status,
        body=json.dumps(data, separators=(",", ":"), default=str).encode(),
        content_type="application/json",
    )


def _error(status: int, message: str) -> web.Response:
    """Printernizer's HTTPException answer (src/utils/errors.py).

    `http_exception_handler`: {"status": "error", "message", "error_code",
    "details", "timestamp"}.
    """
    return _json(
        {
            "status": "error",
            "message": message,
            "error_code": f"HTTP_{status}",
            "details": {},
            "timestamp": datetime.now().isoformat(),  # noqa: DTZ005 - as Printernizer
        },
        status,
    )


def _rate_limited(wait: Any) -> web.Response:
    """RateLimitMiddleware's 429 (src/utils/middleware.py, `dispatch`)."""
    response = _json(
        {
            "status": "error",
            "message": "Too many requests. Please try again later.",
            "error_code": "RATE_LIMIT_EXCEEDED",
            "details": {
                "retry_after_seconds": wait,
                "rate_limit_per_minute": RATE_LIMIT_PER_MINUTE,
            },
        },
        429,
    )
    if isinstance(wait, int | float) and 0 <= wait < 10**9:
        response.headers["Retry-After"] = str(int(wait) + 1)
        response.headers["X-RateLimit-Limit"] = str(RATE_LIMIT_PER_MINUTE)
        response.headers["X-RateLimit-Remaining"] = "0"
        response.headers["X-RateLimit-Reset"] = str(int(unix_time() + wait))
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class StandInPrinternizer:
    """Printernizer's API, state the tests can change, and what it was asked.

    Change `version`, `health_status`, `events`, `printers`, `opt_in_status`
    (None: never chosen, so `settings` has no key; "enabled"; "disabled"),
    `installation_id` and `fault` at any time; the next request sees them.
    """

    url: str = ""
    port: int = 0
    version: str = ADDON_VERSION
    health_status: str = "healthy"  # healthy, degraded or unhealthy; always 200
    events: list[Any] = field(default_factory=list)
    printers: list[dict[str, Any]] = field(default_factory=default_printers)
    opt_in_status: str | None = None
    installation_id: str | None = None
    last_submission_date: str | None = None
    fault: str | None = None
    fault_paths: set[str] | None = None  # None: the fault hits every route
    retry_after_seconds: Any = 12.5  # what the "rate_limited" fault asks for
    rate_limit: bool = True  # Printernizer's token bucket (see the module)
    # Per client address: [tokens, time of the last request].
    buckets: dict[str, list[float]] = field(default_factory=dict)
    huge_bytes: int = 30 * 1024 * 1024
    requests: Counter[str] = field(default_factory=Counter)
    request_log: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    opt_out_calls: list[dict[str, Any]] = field(default_factory=list)
    bytes_sent: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _runner: web.AppRunner | None = field(default=None, repr=False)
    _released: asyncio.Event | None = field(default=None, repr=False)
    _closing: bool = field(default=False, repr=False)

    # ---- what tests call ------------------------------------------------

    def add_event(
        self,
        event_type: str,
        timestamp: datetime | str | None = None,
        metadata: dict[str, Any] | None = None,
        *,
        submitted: bool = False,
        identifying: bool = False,
    ) -> dict[str, Any]:
        """Record an event as `UsageStatisticsService.record_event` does.

        `metadata=None` uses what Printernizer's own call site writes
        (`REAL_METADATA`); `{}` is stored as NULL and exported as null, as in
        Printernizer. `identifying=True` adds `IDENTIFYING_METADATA`.
        A naive `timestamp` is taken as UTC; the default is now.
        """
        if metadata is None:
            metadata = dict(REAL_METADATA.get(event_type) or {})
        if identifying:
            metadata = {**metadata, **IDENTIFYING_METADATA}
        if timestamp is None:
            timestamp = datetime.now(UTC)
        stamp = timestamp if isinstance(timestamp, str) else utc_iso(timestamp)
        event = record(event_type, stamp, metadata, submitted=submitted)
        with self._lock:
            self.events.append(event)
        return event

    def add_raw_event(self, event: Any) -> None:
        """Put anything at all into the export's `events` (malformed events)."""
        with self._lock:
            self.events.append(event)

    def add_many(
        self,
        count: int,
        event_type: str = "job_completed",
        *,
        start: datetime | None = None,
        step: timedelta = timedelta(seconds=30),
    ) -> None:
        """Add `count` events quickly (benchmarks), oldest first from `start`."""
        moment = start or datetime.now(UTC) - step * count
        metadata = REAL_METADATA.get(event_type)
        dumped = json.loads(json.dumps(metadata)) if metadata else None
        batch = []
        for _ in range(count):
            stamp = utc_iso(moment)
            batch.append(
                {
                    "id": str(uuid.uuid4()),
                    "event_type": event_type,
                    "timestamp": stamp,
                    "metadata": dumped,
                    "submitted": 0,
                    "created_at": stamp,
                }
            )
            moment += step
        with self._lock:
            self.events.extend(batch)

    def exhaust_rate_limit(self, client: str = "127.0.0.1") -> None:
        """Spend every token of `client` now, as another busy client would."""
        with self._lock:
            self.buckets[client] = [0.0, unix_time()]

    def _take_token(self, client: str) -> float | None:
        """Take a token as RateLimitMiddleware does; None, or the wait without one."""
        now = unix_time()
        with self._lock:
            tokens, last = self.buckets.get(client, [RATE_LIMIT_PER_MINUTE, now])
            tokens = min(
                RATE_LIMIT_PER_MINUTE + RATE_LIMIT_BURST,
                tokens + max(0.0, now - last) / 60 * RATE_LIMIT_PER_MINUTE,
            )
            if tokens >= 1:
                self.buckets[client] = [tokens - 1, now]
                return None
            self.buckets[client] = [tokens, now]
        return (1 - tokens) * 60 / RATE_LIMIT_PER_MINUTE

    def release(self) -> None:
        """Let every request held by the "slow" fault answer."""
        if self._loop is not None and self._released is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    def stop(self) -> None:
        """Go down: close every connection and refuse new ones (port kept)."""
        self.release()
        self._call(self._stop_serving())

    def start(self) -> None:
        """Come back on the same port (a Printernizer restart)."""
        self._call(self._start_serving())

    async def close(self) -> None:
        """Shut down for good (also from an async test)."""
        self.shutdown()

    def shutdown(self) -> None:
        """Stop serving and end the server's thread."""
        if self._thread is None or self._loop is None:
            return
        self._closing = True
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._thread = None

    # ---- the server's own loop -----------------------------------------

    def _call(self, coro: Any) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(15)

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(HEALTH, self.health)
        app.router.add_get(EXPORT, self.export)
        app.router.add_get(LOCAL, self.local)
        app.router.add_get(STATUS, self.status)
        app.router.add_post(OPT_IN, self.opt_in)
        app.router.add_post(OPT_OUT, self.opt_out)
        app.router.add_get(PRINTERS, self.list_printers)
        app.router.add_post(ADD_EVENTS, self.add_events)
        return app

    async def _start_serving(self) -> None:
        self._released = asyncio.Event()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # No access log: it measures request time with the frozen test clock.
        self._runner = web.AppRunner(self._app(), shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _stop_serving(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Count the request, apply the rate limit, then answer or apply the fault."""
        self.requests[request.path] += 1
        self.request_log.append(
            (request.method, request.path_qs, dict(request.headers))
        )
        if (
            self.rate_limit
            and request.path.startswith("/api/")
            and not request.path.startswith(RATE_LIMIT_EXEMPT)
        ):
            forwarded = request.headers.get("X-Forwarded-For")
            client = (
                forwarded.split(",")[0].strip() if forwarded else request.remote
            ) or "unknown"
            if (wait := self._take_token(client)) is not None:
                return _rate_limited(round(wait, 1))
        fault = self.fault
        if fault is not None and self.fault_paths is not None:
            fault = fault if request.path in self.fault_paths else None
        if fault is None:
            return await handler(request)
        assert fault in FAULTS, fault
        return await self._faulty(fault, request, handler)

    async def _faulty(
        self, fault: str, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        match fault:
            case "http_500":
                return _error(500, "Failed to export statistics: disk I/O error")
            case "not_json":
                return web.Response(
                    text="<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>"
                    "</body></html>",
                    content_type="text/html",
                )
            case "garbage_json":
                return _json(["not", "what", "you", "asked", "for"])
            case "wrong_shape":
                return _json(
                    {
                        "events": "x",
                        "settings": [1, 2],
                        "version": {"major": 2},
                        "printers": "none",
                        "status": 7,
                        "opt_in_status": True,
                    }
                )
            case "truncated" | "reset":
                return await self._cut(fault, request, await handler(request))
            case "huge":
                return await self._huge(request)
            case "not_printernizer":
                if request.path == HEALTH:
                    return _json({"status": "ok"})
                return web.Response(
                    status=404,
                    text="<html><body>404: Not Found</body></html>",
                    content_type="text/html",
                )
            case "slow":
                assert self._released is not None
                await self._released.wait()
                return await handler(request)
            case "export_error":
                if request.path == EXPORT:
                    return _json({"error": "database is locked"})
                return await handler(request)
            case "rate_limited":
                return _rate_limited(self.retry_after_seconds)
        raise AssertionError(fault)

    async def _cut(
        self, fault: str, request: web.Request, response: web.StreamResponse
    ) -> web.StreamResponse:
        assert isinstance(response, web.Response)
        body = bytes(response.body or b"")
        half = body[: len(body) // 2]
        if fault == "truncated":
            return web.Response(
                status=response.status, body=half, content_type="application/json"
            )
        cut = web.StreamResponse(status=response.status)
        cut.content_type = "application/json"
        cut.content_length = len(body)
        await cut.prepare(request)
        await cut.write(half)
        assert request.transport is not None
        request.transport.close()
        return cut

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_type = "application/json"
        response.enable_chunked_encoding()
        await response.prepare(request)
        event = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "event_type": "file_downloaded",
                "timestamp": utc_iso(datetime.now(UTC)),
                "metadata": IDENTIFYING_METADATA,
                "submitted": 0,
            },
            indent=2,
        ).encode()
        chunk = b",\n".join([event] * max(1, 65536 // len(event))) + b",\n"
        sent = 0
        try:
            await response.write(b'{\n  "events": [\n')
            while sent < self.huge_bytes and not self._closing:
                await response.write(chunk)
                sent += len(chunk)
                self.bytes_sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    # ---- the routes ------------------------------------------------------

    async def health(self, _request: web.Request) -> web.Response:
        """GET /api/v1/health: src/api/routers/health.py, `health_check`.

        Always 200, even when unhealthy. `version` is `APP_VERSION` from
        src/main.py: `get_version(fallback=...)` (git describe when a .git
        directory exists, e.g. "2.42.0-3-g1234567-dirty"; the fallback in the
        add-on). `timestamp` is `datetime.now()`: local and naive.
        """
        healthy = self.health_status != "unhealthy"
        state = "healthy" if healthy else "unhealthy"
        return _json(
            {
                "status": self.health_status,
                "timestamp": datetime.now().isoformat(),  # noqa: DTZ005 - as Printernizer
                "version": self.version,
                "environment": "production",
                "database": {
                    "type": "sqlite",
                    "healthy": healthy,
                    "connection_count": 1 if healthy else 0,
                },
                "services": {
                    "database": {
                        "status": state,
                        "type": "sqlite",
                        "details": {"connected": healthy},
                    },
                    "printer_service": {
                        "status": "healthy",
                        "details": {
                            "printer_count": len(self.printers),
                            "monitoring_active": True,
                        },
                    },
                    "file_service": {
                        "status": "healthy",
                        "details": {"initialized": True},
                    },
                    "trending_service": {
                        "status": "disabled",
                        "details": {"reason": "temporarily disabled"},
                    },
                    "event_service": {
                        "status": "healthy",
                        "details": {"initialized": True},
                    },
                },
                "uptime_seconds": None,
            }
        )

    def _settings(self) -> dict[str, str]:
        """Return the `usage_settings` table, as `get_all_settings` does."""
        settings: dict[str, str] = {}
        if self.opt_in_status is not None:
            settings["opt_in_status"] = self.opt_in_status
        if self.installation_id is not None:
            settings["installation_id"] = self.installation_id
            settings["first_run_date"] = "2026-03-01T10:14:59.000001"
        if self.last_submission_date is not None:
            settings["last_submission_date"] = self.last_submission_date
        return settings

    def _sorted_events(self) -> list[Any]:
        with self._lock:
            events = list(self.events)
        return sorted(
            events,
            key=lambda e: str(e.get("timestamp")) if isinstance(e, dict) else "",
            reverse=True,
        )

    async def export(self, _request: web.Request) -> web.Response:
        """GET /api/v1/usage-stats/export: src/api/routers/usage_statistics.py.

        `export_statistics` returns `UsageStatisticsService.export_stats()`
        (src/services/usage_statistics_service.py): json.dumps(indent=2) of
        {"events": every row of usage_events, newest first, "settings": the
        usage_settings table, "exported_at": utcnow().isoformat(),
        "export_version": "1.0"}, as an attachment. No parameters, no paging.
        """
        body = json.dumps(
            {
                "events": self._sorted_events(),
                "settings": self._settings(),
                "exported_at": utc_iso(datetime.now(UTC)),
                "export_version": "1.0",
            },
            indent=2,
            default=str,
        )
        return web.Response(
            body=body.encode(),
            content_type="application/json",
            headers={
                "Content-Disposition": (
                    "attachment; filename=usage-statistics-export.json"
                )
            },
        )

    async def local(self, _request: web.Request) -> web.Response:
        """GET /api/v1/usage-stats/local: `LocalStatsResponse`.

        src/models/usage_statistics.py and `get_local_stats` in
        src/services/usage_statistics_service.py: opt_in_status is "enabled"
        only when the setting says so, else "disabled".
        """
        events = [e for e in self._sorted_events() if isinstance(e, dict)]
        week_start = utc_iso(datetime.now(UTC) - timedelta(days=7))
        week = Counter(
            e.get("event_type") for e in events if str(e.get("timestamp")) >= week_start
        )
        return _json(
            {
                "installation_id": self.installation_id or "not_generated",
                "first_seen": events[-1]["timestamp"] if events else None,
                "opt_in_status": (
                    "enabled" if self.opt_in_status == "enabled" else "disabled"
                ),
                "total_events": len(events),
                "this_week": {
                    "job_count": week["job_completed"] + week["job_failed"],
                    "file_count": week["file_downloaded"],
                    "error_count": week["error_occurred"],
                },
                "last_submission": self.last_submission_date,
            }
        )

    async def status(self, _request: web.Request) -> web.Response:
        """GET /api/v1/usage-stats/status: `get_statistics_status`."""
        return _json(
            {
                "service_available": True,
                "opted_in": self.opt_in_status == "enabled",
                "total_events": len(self.events),
                "collection_active": True,
            }
        )

    async def opt_in(self, _request: web.Request) -> web.Response:
        """POST /api/v1/usage-stats/opt-in: `OptInResponse`, no request body."""
        self.opt_in_status = "enabled"
        if self.installation_id is None:
            self.installation_id = str(uuid.uuid4())
        return _json(
            {
                "success": True,
                "installation_id": self.installation_id,
                "message": (
                    "Usage statistics enabled. "
                    "Thank you for helping improve Printernizer!"
                ),
            }
        )

    async def opt_out(self, request: web.Request) -> web.Response:
        """POST /api/v1/usage-stats/opt-out: `opt_out_statistics`.

        No request body is read. `UsageStatisticsService.opt_out` writes
        opt_in_status = "disabled" at once; its scheduler reads the setting
        before every submission (src/services/usage_statistics_scheduler.py).
        """
        self.opt_out_calls.append(
            {"headers": dict(request.headers), "body": await request.read()}
        )
        self.opt_in_status = "disabled"
        return _json(
            {
                "success": True,
                "installation_id": None,
                "message": "Usage statistics disabled. Your data will remain local.",
            }
        )

    async def add_events(self, request: web.Request) -> web.Response:
        """POST /stand-in/events?type=job_completed&count=1: record events now.

        Not Printernizer's API: how a person trying the integration adds
        events while it runs. Each has the metadata Printernizer writes.
        """
        event_type = request.query.get("type", "job_completed")
        try:
            count = int(request.query.get("count", "1"))
        except ValueError:
            count = 0
        if event_type not in EVENT_TYPES or not 1 <= count <= 1000:
            return _error(
                422, f"type must be one of {', '.join(EVENT_TYPES)}; count 1-1000"
            )
        for _ in range(count):
            self.add_event(event_type)
        return _json({"added": count, "total_events": len(self.events)})

    async def list_printers(self, request: web.Request) -> web.Response:
        """GET /api/v1/printers: `PrinterListResponse`, paged.

        src/api/routers/printers.py, `list_printers`: page (>= 1, default 1),
        limit (1..100, default 50), optional printer_type filter.
        """
        try:
            page = int(request.query.get("page", "1"))
            limit = int(request.query.get("limit", "50"))
        except ValueError:
            return _error(422, "Validation error")
        if page < 1 or not 1 <= limit <= 100:
            return _error(422, "Validation error")
        printers = [
            p
            for p in self.printers
            if "printer_type" not in request.query
            or p.get("printer_type") == request.query["printer_type"]
        ]
        total = len(printers)
        return _json(
            {
                "printers": printers[(page - 1) * limit : page * limit],
                "total_count": total,
                "pagination": {
                    "page": page,
                    "limit": limit,
                    "total_items": total,
                    "total_pages": (total + limit - 1) // limit,
                },
            }
        )


@contextmanager
def run_printernizer(**state: Any) -> Iterator[StandInPrinternizer]:
    """Serve a stand-in Printernizer on 127.0.0.1 until the block ends.

    It runs in its own thread and event loop, like the real add-on: its sleeps
    and errors stay out of HA's loop, and "slow" holds nothing in HA's loop.
    """
    server = start_printernizer_sync(**state)
    try:
        yield server
    finally:
        server.shutdown()


def start_printernizer_sync(**state: Any) -> StandInPrinternizer:
    """Start a stand-in; call `shutdown()` (or `await close()`) when done."""
    server = StandInPrinternizer(**state)
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, _context: None)
    server._loop = loop
    ready = threading.Event()
    failure: list[BaseException] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server._start_serving())
        except BaseException as err:  # noqa: BLE001 - reported to the caller
            failure.append(err)
            ready.set()
            loop.close()
            return
        ready.set()
        loop.run_forever()
        loop.run_until_complete(server._stop_serving())
        loop.close()

    server._thread = threading.Thread(
        target=serve, name="printernizer-stand-in", daemon=True
    )
    server._thread.start()
    if not ready.wait(10) or failure:
        server._thread.join(10)
        server._thread = None
        raise RuntimeError(
            "The stand-in Printernizer did not start (a test needs the "
            "`socket_enabled` fixture for real sockets)"
        ) from (failure[0] if failure else None)
    return server


async def start_printernizer(**state: Any) -> StandInPrinternizer:
    """Start a stand-in from async code; `await server.close()` when done."""
    return start_printernizer_sync(**state)


@pytest.fixture
def printernizer(socket_enabled: None) -> Generator[StandInPrinternizer]:
    """Serve a stand-in Printernizer for one test (import into conftest.py)."""
    with run_printernizer() as server:
        yield server


def main(argv: list[str] | None = None) -> None:
    """Serve a stand-in with a few days of history until Ctrl+C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.printernizer_server",
        description="A stand-in Printernizer on 127.0.0.1 to develop against.",
    )
    parser.add_argument("--port", type=int, default=8000, help="0: any free port")
    parser.add_argument("--days", type=int, default=7, help="days of history")
    args = parser.parse_args(argv)
    # Blocked before the server's thread starts, so that only sigwait gets them.
    stop = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    events = history(args.days, datetime.now(UTC).date())
    server = start_printernizer_sync(port=args.port, events=events)
    sys.stdout.write(
        f"Stand-in Printernizer {server.version} on {server.url}: {len(events)} "
        f"events of the last {args.days} days.\n"
        f"Record more: curl -X POST '{server.url}{ADD_EVENTS}?type=job_completed'\n"
    )
    sys.stdout.flush()
    try:
        signal.sigwait(stop)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
