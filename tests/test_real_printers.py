"""HA core's real PrusaLink and OctoPrint integrations, counted end to end.

The printers' client libraries (pyprusalink, pyoctoprintapi) are replaced at
their client methods by small fake printers that answer what the real APIs
answer; everything between them and this integration is HA core's own code:
the coordinators polling every 30 s, their entities and registries, their log
records. The tests move the clock poll by poll and read the results only
through public interfaces: states, storage, the export and preview actions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from contextlib import ExitStack, nullcontext
from datetime import timedelta
from importlib import metadata
import json
import logging
from types import ModuleType
from typing import Any
from unittest.mock import AsyncMock, patch

import aiohttp
from freezegun.api import FrozenDateTimeFactory
import httpx
from pyoctoprintapi import (
    OctoprintClient,
    OctoprintJobInfo,
    OctoprintPrinterInfo,
    OctoprintServerInfo,
    PrinterOffline,
)
from pyoctoprintapi.settings import DiscoverySettings
from pyprusalink import PrusaLink
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.printernizer_usage.compat import registry_devices
from custom_components.printernizer_usage.const import DOMAIN
from custom_components.printernizer_usage.store import SAVE_DELAY
from homeassistant.components import (
    octoprint as octoprint_integration,
    prusalink as prusalink_integration,
)
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .helpers import async_call, async_export

TODAY = "2026-11-25"
POLL = timedelta(seconds=30)  # both integrations poll every 30 s
# Longer and shorter than the connectivity threshold (one minute).
LONG_OUTAGE = 10  # polls: five minutes
SHORT_FLAP = 1  # poll: thirty seconds

# What the fake printers tell HA; none of it may reach this integration.
SERIAL = "SN-ZX81-4417"
HOST = "10.77.3.9"
FILE_NAME = "secret_benchy.gcode"
PRINTER_NAME = "Dorm Printer Kim"
LOCATION = "Dorm room of Kim"
OCTOPRINT_UUID = "5e7c2b1d-4417-4e0a-9d3c-d0a7b1e5f9c2"
PASSWORD = "pw-Kim-8812"  # noqa: S105 - a fake printer's password
API_KEY = "AK-7Q4ZX81KIM"
SECRETS = (
    SERIAL,
    HOST,
    FILE_NAME,
    "secret_benchy",
    PRINTER_NAME,
    "dorm_printer_kim",
    LOCATION,
    OCTOPRINT_UUID,
    PASSWORD,
    API_KEY,
)


# --- a Prusa printer behind PrusaLink (pyprusalink 2.1.1, 3.0) ----------------

_PYPRUSALINK_MAJOR = int(metadata.version("pyprusalink").split(".")[0])


class FakePrusaLink:
    """A Prusa MK4 as PrusaLink's v1 API describes it."""

    def __init__(self) -> None:
        """Start idle, reachable, without a job."""
        self.state = "IDLE"
        self.job_id = 0
        self.progress = 0
        self.failure: Exception | None = None

    # What happens at the printer.

    def start_job(self) -> None:
        """Start printing the secret file."""
        self.job_id += 1
        self.state = "PRINTING"
        self.progress = 0

    def advance(self, progress: int) -> None:
        """Move the job on to this progress."""
        self.progress = progress

    def finish(self) -> None:
        """End the job well; the printer shows FINISHED until cleared."""
        self.state = "FINISHED"
        self.progress = 100

    def stop(self) -> None:
        """Someone stops the job on the printer."""
        self.state = "STOPPED"

    def error(self) -> None:
        """Stop the job by the firmware (thermal runaway, crash)."""
        self.state = "ERROR"

    def clear(self) -> None:
        """Take the print off the sheet: idle again."""
        self.state = "IDLE"

    def go_offline(self, failure: Exception | None = None) -> None:
        """Every request fails (by default: no route to the printer)."""
        self.failure = failure or httpx.ConnectError(f"No route to host {HOST}")

    def come_back(self) -> None:
        """Answer again."""
        self.failure = None

    # The client methods HA's prusalink calls.

    def _answer(self) -> None:
        if self.failure is not None:
            raise self.failure

    async def get_version(self) -> dict[str, Any]:
        """Answer /api/version."""
        self._answer()
        return {
            "api": "2.0.0",
            "server": "2.1.2",
            "text": "PrusaLink",
            "hostname": PRINTER_NAME,
            "firmware": "6.1.3+7898",
        }

    async def get_info(self) -> dict[str, Any]:
        """Answer /api/v1/info."""
        self._answer()
        return {
            "name": PRINTER_NAME,
            "location": LOCATION,
            "serial": SERIAL,
            "hostname": HOST,
            "nozzle_diameter": 0.4,
            "min_extrusion_temp": 170,
            "mmu": False,
            "sd_ready": False,
            "farm_mode": False,
            "active_camera": False,
            "port": "/dev/ttyACM0",
            "network_error_chime": False,
        }

    async def get_status(self) -> dict[str, Any]:
        """Answer /api/v1/status."""
        self._answer()
        status: dict[str, Any] = {
            "storage": {"path": "/usb/", "name": "usb", "read_only": False},
            "printer": {
                "state": self.state,
                "temp_nozzle": 215.1,
                "target_nozzle": 215.0,
                "temp_bed": 60.2,
                "target_bed": 60.0,
                "axis_x": 100.0,
                "axis_y": 100.0,
                "axis_z": 1.4,
                "flow": 100,
                "speed": 100,
                "fan_hotend": 5000,
                "fan_print": 3000,
                "status_connect": {"ok": True, "message": "OK"},
            },
        }
        if self.state != "IDLE":
            status["job"] = {"id": self.job_id, "progress": self.progress}
        return status

    async def get_legacy_printer(self) -> dict[str, Any]:
        """Answer /api/printer (PrusaLink's OctoPrint-like legacy endpoint)."""
        self._answer()
        return {"telemetry": {"material": "PLA"}}

    async def get_job(self) -> dict[str, Any] | None:
        """Answer /api/v1/job: nothing (204) when idle."""
        self._answer()
        if self.state == "IDLE":
            # What pyprusalink makes of a 204: {} before 3.0, None since.
            return None if _PYPRUSALINK_MAJOR >= 3 else {}
        return {
            "id": self.job_id,
            "state": self.state,
            "progress": self.progress,
            "time_remaining": 600,
            "time_printing": 1200,
            "file": {
                "name": "SECRET~1.GCO",
                "display_name": FILE_NAME,
                "path": "/usb",
                "display_path": f"/usb/{FILE_NAME}",
                "size": 123456,
                "m_timestamp": 1764000000,
                "refs": {
                    "icon": f"/thumb/s/usb/{FILE_NAME}",
                    "thumbnail": f"/thumb/l/usb/{FILE_NAME}",
                    "download": f"/usb/{FILE_NAME}",
                },
            },
        }

    async def get_file(self, path: str) -> bytes:
        """Answer a thumbnail request."""
        self._answer()
        return b"\x89PNG"


# --- a printer run by OctoPrint (pyoctoprintapi 0.1.12 / 0.1.14) ---------------

_OCTOPRINT_FLAGS = (
    "cancelling",
    "closedOrError",
    "error",
    "finishing",
    "operational",
    "paused",
    "pausing",
    "printing",
    "ready",
    "resuming",
    "sdReady",
)


class FakeOctoPrint:
    """An OctoPrint server with a printer on its serial port."""

    def __init__(self) -> None:
        """Start connected, operational, without a job."""
        self.text = "Operational"
        self.completion: float | None = None
        self.file: str | None = None
        self.printer_connected = True  # else /api/printer answers 409
        self.failure: Exception | None = None  # the server does not answer
        self.bad_gateway = False  # a proxy in front answers its own JSON

    # What happens at the printer.

    def start_job(self) -> None:
        """Start printing the secret file."""
        self.text = "Printing"
        self.file = FILE_NAME
        self.completion = 0.0

    def advance(self, completion: float) -> None:
        """Move the job on to this progress."""
        self.completion = completion

    def show(self, text: str) -> None:
        """Be in this state for a while ("Finishing", "Cancelling", "Paused")."""
        self.text = text
        if text == "Finishing":
            self.completion = 100.0

    def finish(self) -> None:
        """End the job well; OctoPrint keeps 100 % and the file."""
        self.text = "Operational"
        self.completion = 100.0

    def cancel(self) -> None:
        """Someone cancels the job; OctoPrint resets its progress."""
        self.text = "Operational"
        self.completion = None

    def error(self) -> None:
        """Fail by a firmware error: OctoPrint drops the printer (409)."""
        self.text = "Offline after error"
        self.printer_connected = False
        self.completion = None

    def reconnect(self) -> None:
        """Someone reconnects the printer in OctoPrint's UI."""
        self.text = "Operational"
        self.printer_connected = True

    def go_offline(self, failure: Exception | None = None) -> None:
        """Stop answering (by default: connection refused)."""
        self.failure = failure or aiohttp.ClientConnectionError(
            f"Cannot connect to host {HOST}:80"
        )

    def come_back(self) -> None:
        """Answer again."""
        self.failure = None
        self.bad_gateway = False

    # The client methods HA's octoprint calls.

    def _answer(self) -> None:
        if self.failure is not None:
            raise self.failure

    async def get_job_info(self) -> OctoprintJobInfo:
        """Answer /api/job (through the real library's model)."""
        self._answer()
        if self.bad_gateway:
            return OctoprintJobInfo({"error": "Bad Gateway"})
        return OctoprintJobInfo(
            {
                "job": {
                    "file": {
                        "name": self.file,
                        "display": self.file,
                        "path": self.file,
                        "origin": "local" if self.file else None,
                        "size": 123456 if self.file else None,
                    },
                    "estimatedPrintTime": 5400.0 if self.file else None,
                    "user": "kim",
                },
                "progress": {
                    "completion": self.completion,
                    "filepos": None,
                    "printTime": 1200 if self.text == "Printing" else None,
                    "printTimeLeft": 600 if self.text == "Printing" else None,
                },
                "state": self.text,
            }
        )

    async def get_printer_info(self) -> OctoprintPrinterInfo:
        """Answer /api/printer: 409 while the printer is not connected."""
        self._answer()
        if not self.printer_connected:
            raise PrinterOffline("Printer is not operational")
        flags = dict.fromkeys(_OCTOPRINT_FLAGS, False)
        flags["operational"] = flags["ready"] = self.text == "Operational"
        flags["printing"] = self.text == "Printing"
        return OctoprintPrinterInfo(
            {
                "state": {"text": self.text, "flags": flags},
                "temperature": {
                    "bed": {"actual": 60.1, "target": 60.0, "offset": 0},
                    "tool0": {"actual": 210.3, "target": 210.0, "offset": 0},
                },
            }
        )

    async def get_webcam_info(self) -> None:
        """Answer the webcam settings: none configured."""
        self._answer()

    async def get_server_info(self) -> OctoprintServerInfo:
        """Answer /api/server."""
        self._answer()
        return OctoprintServerInfo({"version": "1.10.3", "safemode": None})

    async def get_discovery_info(self) -> DiscoverySettings:
        """Answer the discovery plugin's settings (its UPnP UUID)."""
        self._answer()
        return DiscoverySettings({"upnpUuid": OCTOPRINT_UUID, "publicHost": HOST})


# --- fixtures and helpers ------------------------------------------------------


def _patched(client: type, fake: object, *names: str) -> ExitStack:
    """Replace the client's methods with the fake's, where the client has them."""
    stack = ExitStack()
    for name in names:
        if hasattr(client, name):
            method = AsyncMock(side_effect=getattr(fake, name))
            stack.enter_context(patch.object(client, name, method))
    return stack


def _without_camera(integration: ModuleType) -> Any:
    """Set the integration up without its camera platform.

    The camera is not read here, and HA's camera needs PyTurboJPEG, which not
    every harness installs. Every other platform is set up as in HA.
    """
    if (platforms := getattr(integration, "PLATFORMS", None)) is None:
        return nullcontext()
    without = [platform for platform in platforms if platform != Platform.CAMERA]
    return patch.object(integration, "PLATFORMS", without)


@pytest.fixture
def prusa() -> Generator[FakePrusaLink]:
    """Return the fake PrusaLink printer, patched into pyprusalink."""
    fake = FakePrusaLink()
    with (
        _patched(
            PrusaLink,
            fake,
            "get_version",
            "get_info",
            "get_status",
            "get_legacy_printer",
            "get_job",
            "get_file",
        ),
        _without_camera(prusalink_integration),
    ):
        yield fake


@pytest.fixture
def octoprint() -> Generator[FakeOctoPrint]:
    """Return the fake OctoPrint server, patched into pyoctoprintapi."""
    fake = FakeOctoPrint()
    with (
        _patched(
            OctoprintClient,
            fake,
            "get_job_info",
            "get_printer_info",
            "get_webcam_info",
            "get_server_info",
            "get_discovery_info",
        ),
        _without_camera(octoprint_integration),
    ):
        yield fake


async def _async_setup_printer(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def async_setup_prusalink(hass: HomeAssistant) -> None:
    """Set up HA core's prusalink as its config flow leaves it."""
    await _async_setup_printer(
        hass,
        MockConfigEntry(
            domain="prusalink",
            title=PRINTER_NAME,  # the flow names the entry after the hostname
            data={"host": f"http://{HOST}", "username": "maker", "password": PASSWORD},
            version=1,
            minor_version=2,
        ),
    )


async def async_setup_octoprint(hass: HomeAssistant) -> None:
    """Set up HA core's octoprint as its config flow leaves it."""
    await _async_setup_printer(
        hass,
        MockConfigEntry(
            domain="octoprint",
            title=HOST,  # the flow names the entry after the host
            unique_id=OCTOPRINT_UUID,  # OctoPrint's UPnP UUID
            data={
                "host": HOST,
                "api_key": API_KEY,
                "name": PRINTER_NAME,
                "username": "kim",
                "port": 80,
                "ssl": False,
                "path": "/",
                "verify_ssl": True,
            },
        ),
    )


async def async_start(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    *printers: Callable[[HomeAssistant], Awaitable[None]],
) -> None:
    """Start HA with these printer integrations configured, then this one.

    As after a restart: the printers' entities are in the registry and show
    their first states when this integration starts watching them.
    """
    for async_setup_printer in printers:
        await async_setup_printer(hass)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def _entity(hass: HomeAssistant, platform: str, unique_id_part: str) -> str:
    """Return the one entity of `platform` whose unique ID has this part."""
    found = [
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.platform == platform and unique_id_part in entry.unique_id
    ]
    assert len(found) == 1, found
    return found[0]


def _shown(hass: HomeAssistant, entity_id: str) -> str:
    """Return what an entity shows now."""
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


def _state(hass: HomeAssistant, platform: str, unique_id_part: str) -> str:
    return _shown(hass, _entity(hass, platform, unique_id_part))


def _ours(hass: HomeAssistant, key: str) -> str:
    """Return the state of one of this integration's sensors, by its key."""
    return _state(hass, DOMAIN, f"_{key}")


async def _poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, n: int = 1
) -> None:
    """Let the coordinators poll `n` times, 30 s apart."""
    for _ in range(n):
        freezer.tick(POLL)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        # An OctoPrint ending is decided once the whole update is written.
        await hass.async_block_till_done()


async def _wait(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass: the next poll sees what changed, the later ones the same."""
    await _poll(hass, freezer)
    freezer.tick(delta - POLL)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    await hass.async_block_till_done()


async def _today(hass: HomeAssistant) -> dict[str, Any]:
    day: dict[str, Any] = (await async_export(hass))["counts"]["days"].get(TODAY, {})
    return day


def _error_logs(caplog: pytest.LogCaptureFixture, domain: str) -> int:
    return sum(
        1
        for record in caplog.records
        if record.name.startswith(f"homeassistant.components.{domain}")
        and record.levelno >= logging.ERROR
    )


def _printer_state_entity(hass: HomeAssistant, domain: str) -> str:
    if domain == "prusalink":
        return _entity(hass, "prusalink", "_printer.state")
    return _entity(hass, "octoprint", "Current State-")


# --- PrusaLink ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ending", "shown", "outcome"),
    [
        ("finish", "finished", "job_completed"),
        ("stop", "stopped", "job_failed"),
        ("error", "error", "job_failed"),
    ],
)
async def test_prusalink_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    prusa: FakePrusaLink,
    ending: str,
    shown: str,
    outcome: str,
) -> None:
    await async_start(hass, mock_config_entry, async_setup_prusalink)
    state = _printer_state_entity(hass, "prusalink")
    assert _shown(hass, state) == "idle"

    prusa.start_job()
    await _poll(hass, freezer)
    assert _shown(hass, state) == "printing"
    prusa.advance(60)
    await _wait(hass, freezer, timedelta(minutes=60))
    prusa.advance(97)
    await _wait(hass, freezer, timedelta(minutes=35))
    getattr(prusa, ending)()
    await _poll(hass, freezer)
    assert _shown(hass, state) == shown
    prusa.clear()
    await _wait(hass, freezer, timedelta(minutes=10))
    assert _shown(hass, state) == "idle"

    day = await _today(hass)
    assert day["events"] == {"job_created": 1, outcome: 1}
    assert day["labels"]["job_created"] == {"printer_type": {"prusa": 1}}
    completed = int(outcome == "job_completed")
    assert _ours(hass, "jobs_completed_week") == str(completed)
    assert _ours(hass, "jobs_failed_week") == str(1 - completed)
    if completed:
        # 95 minutes from the poll that saw PRINTING to the one that saw FINISHED.
        assert day["labels"]["job_completed"] == {
            "printer_type": {"prusa": 1},
            "duration_bucket": {"1-3h": 1},
        }


async def test_prusalink_attention_is_an_error_and_the_job_goes_on(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    prusa: FakePrusaLink,
) -> None:
    await async_start(hass, mock_config_entry, async_setup_prusalink)
    prusa.start_job()
    await _poll(hass, freezer)
    prusa.state = "ATTENTION"  # filament runout: someone must act
    await _wait(hass, freezer, timedelta(minutes=5))
    prusa.state = "PRINTING"
    await _wait(hass, freezer, timedelta(minutes=4 * 60))
    prusa.finish()
    await _poll(hass, freezer)

    day = await _today(hass)
    assert day["events"] == {"job_created": 1, "error_occurred": 1, "job_completed": 1}
    assert day["labels"]["error_occurred"]["error_type"] == {"printer_attention": 1}
    assert day["labels"]["job_completed"]["duration_bucket"] == {"3-8h": 1}


def _not_json() -> Exception:
    """Return what pyprusalink raises when the printer answers a page, not JSON.

    No version of HA's prusalink catches it: HA logs the exception.
    """
    return json.JSONDecodeError("Expecting value", "<html>busy</html>", 0)


@pytest.mark.parametrize(
    ("first", "then", "error_type"),
    [
        # Caught by the coordinator: UpdateFailed("Cannot connect"), logged
        # once per coordinator without the exception.
        pytest.param(None, None, "update_failed", id="cannot-connect"),
        # Not caught: HA logs "Unexpected error" with the exception. The
        # printer answers garbage once, then is unreachable (rebooting).
        pytest.param(_not_json(), None, "json_decode_error", id="exception-class"),
        # The same exception on every poll: HA logs it every time.
        pytest.param(
            _not_json(),
            _not_json(),
            "json_decode_error",
            id="exception-class-every-poll",
        ),
    ],
)
async def test_prusalink_long_outage_is_one_error(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    mock_config_entry: MockConfigEntry,
    prusa: FakePrusaLink,
    first: Exception | None,
    then: Exception | None,
    error_type: str,
) -> None:
    await async_start(hass, mock_config_entry, async_setup_prusalink)
    state = _printer_state_entity(hass, "prusalink")
    prusa.go_offline(first)
    await _poll(hass, freezer)
    assert _shown(hass, state) == STATE_UNAVAILABLE
    prusa.go_offline(then)
    await _poll(hass, freezer, LONG_OUTAGE - 1)
    prusa.come_back()
    await _poll(hass, freezer)
    assert _shown(hass, state) == "idle"
    await _wait(hass, freezer, timedelta(minutes=3))

    # Each of PrusaLink's coordinators logged the outage.
    assert _error_logs(caplog, "prusalink") > 1
    day = await _today(hass)
    assert day["events"] == {
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["error_occurred"] == {
        "component": {"prusalink": 1},
        "error_type": {error_type: 1},
    }
    assert day["labels"]["printer_disconnected"] == {"printer_type": {"prusa": 1}}
    assert _ours(hass, "errors_week") == "1"


async def test_prusalink_short_flap_counts_nothing(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    mock_config_entry: MockConfigEntry,
    prusa: FakePrusaLink,
) -> None:
    await async_start(hass, mock_config_entry, async_setup_prusalink)
    state = _printer_state_entity(hass, "prusalink")
    prusa.go_offline()
    await _poll(hass, freezer, SHORT_FLAP)
    assert _shown(hass, state) == STATE_UNAVAILABLE
    prusa.come_back()
    await _poll(hass, freezer)
    assert _shown(hass, state) == "idle"
    await _wait(hass, freezer, timedelta(minutes=5))

    assert _error_logs(caplog, "prusalink") > 1
    assert await _today(hass) == {}
    assert _ours(hass, "errors_week") == "0"


async def test_prusalink_outage_mid_print_keeps_the_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    prusa: FakePrusaLink,
) -> None:
    """Wi-Fi drops while the printer prints on: one job, measured from its start."""
    await async_start(hass, mock_config_entry, async_setup_prusalink)
    prusa.start_job()
    await _poll(hass, freezer)
    prusa.go_offline()
    await _poll(hass, freezer, LONG_OUTAGE)
    prusa.come_back()
    prusa.advance(50)
    await _wait(hass, freezer, timedelta(hours=4))
    prusa.finish()
    await _poll(hass, freezer)

    day = await _today(hass)
    assert day["events"] == {
        "job_created": 1,
        "job_completed": 1,
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["job_completed"]["duration_bucket"] == {"3-8h": 1}


# --- OctoPrint ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("seen", "ending", "outcome"),
    [
        # Finishing and Cancelling last seconds: the next poll mostly sees
        # Operational, and the job percentage tells the two apart.
        pytest.param(None, "finish", "job_completed", id="finished"),
        pytest.param(None, "cancel", "job_failed", id="cancelled-between-polls"),
        # A poll that does see the short state, or a pause before the cancel.
        pytest.param("Finishing", "finish", "job_completed", id="finishing-seen"),
        pytest.param("Cancelling", "cancel", "job_failed", id="cancelling-seen"),
        pytest.param("Paused", "cancel", "job_failed", id="cancelled-when-paused"),
    ],
)
async def test_octoprint_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    octoprint: FakeOctoPrint,
    seen: str | None,
    ending: str,
    outcome: str,
) -> None:
    await async_start(hass, mock_config_entry, async_setup_octoprint)
    state = _printer_state_entity(hass, "octoprint")
    progress = _entity(hass, "octoprint", "Job Percentage-")
    assert _shown(hass, state).lower() == "operational"

    octoprint.start_job()
    await _poll(hass, freezer)
    assert _shown(hass, state).lower() == "printing"
    octoprint.advance(41.2)
    await _wait(hass, freezer, timedelta(minutes=60))
    octoprint.advance(99.6)
    await _wait(hass, freezer, timedelta(minutes=35))
    if seen is not None:
        octoprint.show(seen)
        await _poll(hass, freezer)
        assert _shown(hass, state).lower() == seen.lower()
    getattr(octoprint, ending)()
    await _poll(hass, freezer)
    assert _shown(hass, state).lower() == "operational"
    assert float(_shown(hass, progress)) == (100 if ending == "finish" else 0)
    await _wait(hass, freezer, timedelta(minutes=10))

    day = await _today(hass)
    assert day["events"] == {"job_created": 1, outcome: 1}
    assert day["labels"]["job_created"] == {"printer_type": {"octoprint": 1}}
    completed = int(outcome == "job_completed")
    assert _ours(hass, "jobs_completed_week") == str(completed)
    assert _ours(hass, "jobs_failed_week") == str(1 - completed)
    if completed:
        assert day["labels"]["job_completed"] == {
            "printer_type": {"octoprint": 1},
            "duration_bucket": {"1-3h": 1},
        }


@pytest.mark.parametrize(
    ("polls", "outage_events"),
    [
        pytest.param(SHORT_FLAP, {}, id="reconnected-at-once"),
        pytest.param(
            LONG_OUTAGE,
            {"printer_disconnected": 1, "printer_connected": 1, "error_occurred": 1},
            id="reconnected-later",
        ),
    ],
)
async def test_octoprint_printer_error_mid_print_is_a_failed_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    octoprint: FakeOctoPrint,
    polls: int,
    outage_events: dict[str, int],
) -> None:
    await async_start(hass, mock_config_entry, async_setup_octoprint)
    state = _printer_state_entity(hass, "octoprint")
    progress = _entity(hass, "octoprint", "Job Percentage-")
    octoprint.start_job()
    await _poll(hass, freezer)
    octoprint.advance(41.2)
    await _wait(hass, freezer, timedelta(minutes=30))

    octoprint.error()
    await _poll(hass, freezer, polls)
    # HA never shows OctoPrint's "Error": the printer's API answers 409.
    assert _shown(hass, state) == STATE_UNAVAILABLE
    assert _shown(hass, progress) != STATE_UNAVAILABLE
    octoprint.reconnect()
    await _poll(hass, freezer)
    assert _shown(hass, state).lower() == "operational"
    await _wait(hass, freezer, timedelta(minutes=3))

    day = await _today(hass)
    assert day["events"] == {"job_created": 1, "job_failed": 1, **outage_events}
    if outage_events:
        # Nothing was logged (PrinterOffline is expected by the coordinator).
        assert day["labels"]["error_occurred"] == {
            "component": {"octoprint": 1},
            "error_type": {"update_failed": 1},
        }


@pytest.mark.parametrize(
    ("polls", "events"),
    [
        pytest.param(SHORT_FLAP, {}, id="short-flap"),
        pytest.param(
            LONG_OUTAGE,
            {"printer_disconnected": 1, "printer_connected": 1, "error_occurred": 1},
            id="long-outage",
        ),
    ],
)
async def test_octoprint_server_outage(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
    mock_config_entry: MockConfigEntry,
    octoprint: FakeOctoPrint,
    polls: int,
    events: dict[str, int],
) -> None:
    await async_start(hass, mock_config_entry, async_setup_octoprint)
    state = _printer_state_entity(hass, "octoprint")
    octoprint.go_offline()
    await _poll(hass, freezer, polls)
    assert _shown(hass, state) == STATE_UNAVAILABLE
    octoprint.come_back()
    await _poll(hass, freezer)
    assert _shown(hass, state).lower() == "operational"
    await _wait(hass, freezer, timedelta(minutes=3))

    # HA logged the failed poll ("Error requesting ... data"), without the
    # exception.
    assert _error_logs(caplog, "octoprint") >= 1
    day = await _today(hass)
    assert day.get("events", {}) == events
    if events:
        assert day["labels"]["error_occurred"] == {
            "component": {"octoprint": 1},
            "error_type": {"update_failed": 1},
        }
    assert _ours(hass, "errors_week") == str(events.get("error_occurred", 0))


async def test_octoprint_outage_with_an_exception_is_one_typed_error(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    octoprint: FakeOctoPrint,
) -> None:
    """A proxy answers for the server: the real library raises KeyError."""
    await async_start(hass, mock_config_entry, async_setup_octoprint)
    octoprint.bad_gateway = True
    await _poll(hass, freezer, LONG_OUTAGE)
    octoprint.come_back()
    await _poll(hass, freezer)
    await _wait(hass, freezer, timedelta(minutes=3))

    day = await _today(hass)
    assert day["labels"]["error_occurred"] == {
        "component": {"octoprint": 1},
        "error_type": {"key_error": 1},
    }


async def test_octoprint_server_outage_mid_print_keeps_the_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    octoprint: FakeOctoPrint,
) -> None:
    """The Pi's Wi-Fi drops while the printer prints on: one job, completed."""
    await async_start(hass, mock_config_entry, async_setup_octoprint)
    octoprint.start_job()
    await _poll(hass, freezer)
    octoprint.advance(12.5)
    octoprint.go_offline()
    await _poll(hass, freezer, LONG_OUTAGE)
    octoprint.come_back()
    octoprint.advance(50.0)
    await _wait(hass, freezer, timedelta(hours=4))
    octoprint.finish()
    await _poll(hass, freezer)

    day = await _today(hass)
    assert day["events"] == {
        "job_created": 1,
        "job_completed": 1,
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["job_completed"]["duration_bucket"] == {"3-8h": 1}


async def test_octoprint_added_while_running_measures_its_first_job(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    octoprint: FakeOctoPrint,
    init_integration: MockConfigEntry,
) -> None:
    await async_setup_octoprint(hass)
    octoprint.start_job()
    await _poll(hass, freezer)
    await _wait(hass, freezer, timedelta(minutes=95))
    octoprint.finish()
    await _poll(hass, freezer)
    octoprint.go_offline()
    await _poll(hass, freezer, LONG_OUTAGE)
    octoprint.come_back()
    await _wait(hass, freezer, timedelta(minutes=3))

    day = await _today(hass)
    assert day["events"] == {
        "job_created": 1,
        "job_completed": 1,
        "printer_disconnected": 1,
        "printer_connected": 1,
        "error_occurred": 1,
    }
    assert day["labels"]["job_completed"]["duration_bucket"] == {"1-3h": 1}


# --- both: the fleet, the report, and nothing personal ------------------------


async def _surfaces(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> dict[str, str]:
    """Return this integration's storage, states and export, as JSON text."""
    export = await async_export(hass)
    ours = {
        entry.entity_id
        for entry in er.async_get(hass).entities.values()
        if entry.platform == DOMAIN
    }
    states = [
        (state.entity_id, state.state, dict(state.attributes))
        for state in hass.states.async_all()
        if state.entity_id in ours
    ]
    assert len(states) >= 10
    stored = {key: data for key, data in hass_storage.items() if key.startswith(DOMAIN)}
    assert stored
    return {
        "storage": json.dumps(stored, default=str),
        "states": json.dumps(states, default=str),
        "export": json.dumps(export, default=str),
    }


def _assert_no_secrets(surfaces: dict[str, str]) -> None:
    for surface, text in surfaces.items():
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), f"{secret!r} in {surface}"


@pytest.mark.parametrize("share_statistics", [True])
async def test_fleet_report_and_no_printer_details_kept(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    freezer: FrozenDateTimeFactory,
    mock_config_entry: MockConfigEntry,
    prusa: FakePrusaLink,
    octoprint: FakeOctoPrint,
) -> None:
    await async_start(
        hass, mock_config_entry, async_setup_prusalink, async_setup_octoprint
    )
    assert _ours(hass, "printers") == "2"
    fleet = hass.states.get(_entity(hass, DOMAIN, "_printers"))
    assert fleet is not None
    assert fleet.attributes["printer_type_counts"] == {"octoprint": 1, "prusa": 1}

    # A finished Prusa job, a cancelled OctoPrint job, an OctoPrint outage.
    prusa.start_job()
    octoprint.start_job()
    await _poll(hass, freezer)
    # The secrets reach Home Assistant: the file name is a PrusaLink state,
    # the host the devices' configuration URL.
    assert _state(hass, "prusalink", "_job.filename") == FILE_NAME
    assert any(
        HOST in str(device.configuration_url)
        for device in registry_devices(dr.async_get(hass))
    )
    await _wait(hass, freezer, timedelta(minutes=40))
    # Both jobs in progress are stored (they survive a restart).
    while_printing = await _surfaces(hass, hass_storage)
    assert "jobs_in_progress" in while_printing["storage"]
    assert "octoprint" in while_printing["storage"]
    prusa.finish()
    octoprint.cancel()
    await _poll(hass, freezer)
    octoprint.go_offline()
    await _poll(hass, freezer, LONG_OUTAGE)
    octoprint.come_back()
    await _wait(hass, freezer, timedelta(minutes=3))

    # The report covering today, previewed after midnight UTC.
    freezer.move_to("2026-11-26 00:05:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    preview = await async_call(hass, "preview")
    report = preview["payload"]
    assert report["period"]["start"] == "2026-11-25T00:00:00+00:00"
    assert report["printer_fleet"] == {
        "printer_count": 2,
        "printer_types": ["octoprint", "prusa"],
        "printer_type_counts": {"octoprint": 1, "prusa": 1},
    }
    usage = report["usage_stats"]
    assert (usage["jobs_created"], usage["jobs_completed"], usage["jobs_failed"]) == (
        2,
        1,
        1,
    )
    assert usage["job_duration_buckets"] == {"15-60m": 1}
    # The report and the "Errors this week" sensor agree.
    assert report["error_summary"] == {"update_failed": 1}
    assert _ours(hass, "errors_week") == "1"

    freezer.tick(timedelta(seconds=SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    after = await _surfaces(hass, hass_storage)
    assert "job_completed" in after["storage"]
    _assert_no_secrets(while_printing)
    _assert_no_secrets({**after, "preview": json.dumps(preview, default=str)})
