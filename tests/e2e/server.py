"""A real Home Assistant for the end-to-end tests.

It runs as its own process, with `--skip-pip`, in a throwaway configuration
folder that links this repository's integration in, on a free port of
127.0.0.1. Which `hass`: the one of the virtual environment running the tests
(Home Assistant 2025.4.4, lane min), or the command in PRINTERNIZER_E2E_HASS
(scripts/e2e --newest: Home Assistant 2026.11 in the Python 3.14 root, through
scripts/py314-root, which execs it so that signals reach it). Onboarding is
done through Home Assistant's own onboarding REST API, as the onboarding pages
do.
"""

from __future__ import annotations

import asyncio
from collections import deque
from concurrent.futures import ThreadPoolExecutor
import contextlib
import ctypes
import http.client
import json
import os
from pathlib import Path
import shlex
import signal
import socket
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[2]
INTEGRATION = REPO / "custom_components" / "printernizer_usage"
HOST = "127.0.0.1"

USER_NAME = "Test Admin"
USERNAME = "admin"
PASSWORD = "e2e-throwaway-password"  # noqa: S105 - a throwaway instance on loopback

START_TIMEOUT = 120.0  # seconds until the HTTP server answers (usually 2-10)
RUNNING_TIMEOUT = 60.0  # seconds until every integration has started
STOP_TIMEOUT = 60.0  # seconds for a clean shutdown before SIGKILL
REQUEST_TIMEOUT = 30.0
# The command that starts Home Assistant, if not this environment's `hass`.
HASS_COMMAND = shlex.split(os.environ.get("PRINTERNIZER_E2E_HASS", ""))
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# Looked up here, not in the child between fork and exec.
_prctl = ctypes.CDLL(None).prctl if sys.platform == "linux" else None

# Listed one by one, as scripts/develop does: `default_config:` fails here on
# go2rtc and pulls in far more than these tests need.
CONFIGURATION_YAML = """\
# Written by tests/e2e/server.py for one test run; thrown away afterwards.
homeassistant:
  country: DE # otherwise Home Assistant raises a "country not configured" repair

http:
  server_host: {host}
  server_port: {port}

frontend: # the UI, onboarding pages, dashboards (lovelace)
config: # Settings -> Devices & services
repairs:
diagnostics:
search:
system_health:

logger:
  default: info
  logs:
    custom_components.printernizer_usage: debug
    # Onboarding imports cloud -> alexa -> camera, which logs an error when the
    # system has no libturbojpeg (there are no cameras here).
    homeassistant.components.camera.img_util: critical
    # Onboarding adds Google Translate's text-to-speech, which loads ffmpeg;
    # there is no ffmpeg binary here, and its traceback would fill the report.
    haffmpeg: critical
"""


class HomeAssistantError(AssertionError):
    """Home Assistant did not start, or answered a request unexpectedly."""


def _end_with_parent() -> None:
    """Run in the child: have Linux send SIGTERM when the test process dies.

    The fixture stops the server in any case it gets to run; this covers the
    cases it cannot, such as the test process being killed.
    """
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    """Return a TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class HomeAssistantServer:
    """One `hass` process with its own configuration folder and port."""

    def __init__(self, config_dir: Path, port: int, configuration: str = "") -> None:
        """Prepare, but do not start, a server in `config_dir` on `port`.

        `configuration` is added to configuration.yaml (integrations a module
        needs beyond the common ones).
        """
        self.config_dir = config_dir
        self.port = port
        self.configuration = configuration
        self.url = f"http://{HOST}:{port}"
        self.client_id = f"{self.url}/"  # what the frontend uses as its client_id
        self.access_token = ""
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        """Home Assistant's own log."""
        return self.config_dir / "home-assistant.log"

    @property
    def output_file(self) -> Path:
        """What the process printed (tracebacks from before logging was set up)."""
        return self.config_dir / "hass-output.txt"

    def log_tail(self, lines: int = 150) -> str:
        """Return the end of Home Assistant's log (or of its output, before that)."""
        for path in (self.log_file, self.output_file):
            if path.exists():
                with path.open(encoding="utf-8", errors="replace") as file:
                    tail = "".join(deque(file, maxlen=lines))
                return f"--- {path} (last {lines} lines) ---\n{tail}"
        return f"(no log in {self.config_dir})"

    def log_lines(self) -> list[str]:
        """Return every line of Home Assistant's log."""
        return self.log_file.read_text(encoding="utf-8", errors="replace").splitlines()

    # -- process ------------------------------------------------------------

    def start(self) -> None:
        """Write the configuration, start `hass` and wait until it answers."""
        command: list[str] = HASS_COMMAND
        if not command:
            hass = Path(sys.executable).with_name("hass")
            if not hass.exists():
                raise HomeAssistantError(f"{hass} not found; run scripts/e2e")
            command = [str(hass)]
        (self.config_dir / "custom_components").mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(host=HOST, port=self.port) + self.configuration,
            encoding="utf-8",
        )
        link = self.config_dir / "custom_components" / INTEGRATION.name
        if not link.is_symlink():  # a restart keeps the folder as it was
            link.symlink_to(INTEGRATION, target_is_directory=True)
        with self.output_file.open("wb") as output:
            # A process group of its own, so that stop() ends all of it.
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [*command, "--config", str(self.config_dir), "--skip-pip"],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_end_with_parent,  # noqa: PLW1509 - one C call, nothing else
            )
        self._wait_for(
            "the HTTP server to answer",
            START_TIMEOUT,
            # 200 before onboarding; 404 after it (HA then drops that view).
            lambda: self.request("GET", "/api/onboarding", token=None)[0] in (200, 404),
        )

    def kill(self) -> None:
        """End the process group at once, as a power cut would (SIGKILL)."""
        process, self.process = self.process, None
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the process group: SIGTERM (a clean shutdown), then SIGKILL."""
        process, self.process = self.process, None
        if process is None:
            return
        for sig, timeout in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
            # The group may outlive its leader (a helper process of an
            # integration): make sure nothing of it is left.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            return

    def _wait_for(self, what: str, timeout: float, condition: Any) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise HomeAssistantError(
                    f"hass exited with code {self.process.returncode} while waiting"
                    f" for {what}\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError, HomeAssistantError):
                if condition():
                    return
            if time.monotonic() > deadline:
                raise HomeAssistantError(
                    f"timed out after {timeout:.0f} s waiting for {what}\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.5)

    # -- HTTP ---------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = "",
        form: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; `token=""` means this server's admin token."""
        headers = {}
        if token == "":
            token = self.access_token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            if form:
                data = urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(
            HOST, self.port, timeout=REQUEST_TIMEOUT
        )
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = "",
        form: bool = False,
    ) -> Any:
        """Send one request, insist on a 2xx answer, return the decoded JSON."""
        status, _, content = self.request(method, path, body, token=token, form=form)
        if not 200 <= status < 300:
            raise HomeAssistantError(
                f"{method} {path} answered {status}: {content[:500]!r}"
            )
        return json.loads(content) if content else None

    def state(self, entity_id: str) -> str:
        """Return an entity's state through the REST API."""
        return str(self.call("GET", f"/api/states/{entity_id}")["state"])

    def fire_event(self, event_type: str, data: dict[str, Any]) -> None:
        """Fire an event on Home Assistant's bus through the REST API."""
        self.call("POST", f"/api/events/{event_type}", data)

    # -- onboarding -----------------------------------------------------------

    def onboard(self) -> None:
        """Create the owner and finish every onboarding step, as the wizard does."""
        user = self.call(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": USER_NAME,
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
            token=None,
        )
        tokens = self.call(
            "POST",
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": user["auth_code"],
                "client_id": self.client_id,
            },
            token=None,
            form=True,
        )
        self.access_token = tokens["access_token"]  # valid for 30 minutes
        self.call("POST", "/api/onboarding/core_config")
        self.call("POST", "/api/onboarding/analytics")
        self.call(
            "POST",
            "/api/onboarding/integration",
            {
                "client_id": self.client_id,
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
        )
        steps = self.call("GET", "/api/onboarding", token=None)
        if not all(step["done"] for step in steps):
            raise HomeAssistantError(f"onboarding not finished: {steps}")
        self.confirm_http_config()
        self.wait_for_running()

    def confirm_http_config(self) -> None:
        """Confirm the `http:` settings of configuration.yaml (HA >= 2026.8).

        Since 2026.8, Home Assistant moves `http:` from YAML into its storage
        on the first start as a "pending" configuration, runs on it, and
        reverts to the default (port 8123 on every interface) with a restart
        unless an administrator confirms it within five minutes
        (`http/config/promote`, what the frontend's confirmation does). Older
        releases do not know the command: nothing to confirm there.
        """
        reply = self.websocket({"type": "http/config/promote"})
        if reply["success"]:
            return
        if reply["error"]["code"] == "unknown_command":
            return
        raise HomeAssistantError(f"http/config/promote answered {reply}")

    def websocket(self, message: dict[str, Any]) -> dict[str, Any]:
        """Send one command over HA's websocket API as the admin; return the reply.

        Run in a thread of its own: the browser's Playwright loop may be marked
        as running in this one.
        """
        from aiohttp import ClientSession, ClientTimeout  # noqa: PLC0415

        async def exchange() -> dict[str, Any]:
            async with (
                ClientSession(timeout=ClientTimeout(total=REQUEST_TIMEOUT)) as session,
                session.ws_connect(f"ws://{HOST}:{self.port}/api/websocket") as ws,
            ):
                await ws.receive_json()  # auth_required
                await ws.send_json({"type": "auth", "access_token": self.access_token})
                if (auth := await ws.receive_json())["type"] != "auth_ok":
                    raise HomeAssistantError(f"websocket login failed: {auth}")
                await ws.send_json({"id": 1, **message})
                reply: dict[str, Any] = await ws.receive_json()
                return reply

        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, exchange()).result()

    def wait_for_running(self) -> None:
        """Wait until every integration has started."""
        self._wait_for(
            "Home Assistant to be running",
            RUNNING_TIMEOUT,
            lambda: self.call("GET", "/api/config")["state"] == "RUNNING",
        )

    def remove_entries(self, domain: str, wait: float = 20.0) -> None:
        """Remove `domain`'s config entries once they exist (or after `wait` s).

        Onboarding adds Radio Browser in the background; it needs the internet,
        so here it would only retry and fill the log.
        """
        deadline = time.monotonic() + wait
        while True:
            entries = [
                entry
                for entry in self.call("GET", "/api/config/config_entries/entry")
                if entry["domain"] == domain
            ]
            if entries or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for entry in entries:
            self.call("DELETE", f"/api/config/config_entries/entry/{entry['entry_id']}")
