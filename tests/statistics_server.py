"""A real Printernizer statistics service on 127.0.0.1, with TLS and faults to order."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
import socket
import ssl
import threading
from unittest.mock import patch

from aiohttp import web
import trustme

from homeassistant.util import ssl as ssl_util

FIFTY_MEGABYTES = 50 * 1024 * 1024


@dataclass
class StatisticsServer:
    """Speaks the /submit and /installation/<id> contract; records what it gets.

    `mode` picks how /submit answers: "ok", "slow" (longer than the client
    waits), "reset" (drops the connection mid-answer), "huge" (a 50 MB body),
    "redirect_http", "garbage" (200 with a body that is not JSON), "429".
    While `refusing`, every request is answered 401, as for a refused API key.
    """

    url: str = ""
    mode: str = "ok"
    refusing: bool = False
    key_checks: list[str | None] = field(default_factory=list)
    submissions: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    deletions: list[str] = field(default_factory=list)
    bytes_sent: int = 0

    async def submit(self, request: web.Request) -> web.StreamResponse:
        """Answer a report the way `mode` says."""
        self.submissions.append((dict(request.headers), await request.read()))
        if self.refusing:
            return web.Response(status=401)
        match self.mode:
            case "slow":
                await asyncio.sleep(5)
            case "reset":
                response = web.StreamResponse(status=200)
                response.content_length = 1000
                await response.prepare(request)
                await response.write(b'{"status": "acc')
                assert request.transport is not None
                request.transport.close()
                return response
            case "huge":
                return await self._huge(request)
            case "redirect_http":
                raise web.HTTPFound(self.url.replace("https://", "http://") + "/submit")
            case "garbage":
                return web.Response(status=200, body=b"\x00\xffnot json at all")
            case "429":
                return web.Response(status=429, headers={"Retry-After": "60"})
        return web.json_response({"status": "accepted"}, status=201)

    async def _huge(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200)
        response.content_length = FIFTY_MEGABYTES
        await response.prepare(request)
        chunk = b"x" * 65536
        try:
            while self.bytes_sent < FIFTY_MEGABYTES:
                await response.write(chunk)
                self.bytes_sent += len(chunk)
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    async def delete(self, request: web.Request) -> web.Response:
        """Acknowledge a deletion request."""
        self.deletions.append(request.match_info["installation_id"])
        if self.refusing:
            return web.Response(status=401)
        return web.Response(status=204)

    async def summary(self, request: web.Request) -> web.Response:
        """Answer the summary that a key check reads (needs an accepted key)."""
        self.key_checks.append(request.headers.get("X-API-Key"))
        if self.refusing:
            return web.Response(status=401)
        return web.json_response({"total_installations": 1})


@contextmanager
def run_statistics_server(
    ca: trustme.CA, hostname: str = "127.0.0.1"
) -> Generator[StatisticsServer]:
    """Serve over TLS on 127.0.0.1, with a certificate for `hostname`.

    The server runs in its own thread and event loop, like a real remote
    service: its own errors (a refused handshake) stay out of HA's loop, and
    its sleeps take real time.
    """
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(hostname).configure_cert(server_context)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = StatisticsServer(url=f"https://127.0.0.1:{sock.getsockname()[1]}")
    app = web.Application()
    app.router.add_post("/submit", server.submit)
    app.router.add_delete("/installation/{installation_id}", server.delete)
    app.router.add_get("/stats/summary", server.summary)
    # No access log: it measures request time with the frozen test clock.
    runner = web.AppRunner(app, access_log=None)
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, _context: None)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.SockSite(runner, sock, ssl_context=server_context)
        loop.run_until_complete(site.start())
        ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="statistics-server", daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def trust(ca: trustme.CA) -> Generator[None]:
    """Make HA's shared client session trust `ca` (for as long as this runs)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with patch.object(ssl_util, "client_context", lambda *args, **kwargs: context):
        yield
