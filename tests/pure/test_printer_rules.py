"""Known printer integrations and job tracking in printers.py.

These tests run against the pure module only; they need no `hass`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import json
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.printernizer_usage.core.allowlist import (
    DURATION_BUCKETS,
    PRINTER_TYPES,
    sanitize_event,
)
from custom_components.printernizer_usage.core.printer_rules import (
    BAMBU_EVENT,
    BAMBU_EVENT_STEPS,
    FLEET_ONLY_INTEGRATIONS,
    KNOWN_INTEGRATIONS,
    NO_INFORMATION,
    PRINTER_TYPE_BY_DOMAIN,
    Ending,
    JobEvent,
    JobTracker,
    PrinterIntegration,
    Step,
    normalize,
)

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DOMAINS = sorted(KNOWN_INTEGRATIONS)
PRINTER_TYPE = {
    "prusalink": "prusa",
    "octoprint": "octoprint",
    "bambu_lab": "bambu_lab",
    "moonraker": "klipper",
    "dremel_3d_printer": "dremel",
    "ha_creality_ws": "creality",
    "anycubic_cloud": "anycubic",
}

# Per integration, in the words it really uses: a state with no job, the states
# that start a job, a pause and resume, a completion, a failure, a cancel.
SCRIPTS: dict[str, dict[str, list[str]]] = {
    "prusalink": {
        "idle": ["idle"],
        "start": ["printing"],
        "pause": ["paused", "printing"],
        "done": ["finished"],
        "failed": ["error"],
        "cancelled": ["stopped"],
    },
    "octoprint": {
        "idle": ["operational"],
        "start": ["starting", "printing"],
        "pause": ["pausing", "paused", "resuming", "printing"],
        "done": ["finishing", "operational"],
        "failed": ["error"],
        "cancelled": ["cancelling", "operational"],
    },
    "bambu_lab": {
        "idle": ["idle"],
        "start": ["prepare", "running"],
        "pause": ["pause", "running"],
        "done": ["finish"],
        "failed": ["failed"],
        "cancelled": ["failed"],
    },
    "moonraker": {
        "idle": ["standby"],
        "start": ["printing"],
        "pause": ["paused", "printing"],
        "done": ["complete"],
        "failed": ["error"],
        "cancelled": ["cancelled"],
    },
    "dremel_3d_printer": {
        "idle": ["idle"],
        "start": ["preparing", "building"],
        "pause": ["pausing", "paused", "resuming", "building"],
        "done": ["completed"],
        "failed": ["abort"],
        "cancelled": ["abort"],
    },
    "ha_creality_ws": {
        "idle": ["idle"],
        "start": ["printing"],
        "pause": ["paused", "printing"],
        "done": ["completed"],
        "failed": ["stopped"],
        "cancelled": ["stopped"],
    },
    "anycubic_cloud": {
        # No idle word: the latest project's status stays until the next.
        "idle": ["finished"],
        "start": ["downloading", "checking", "preheating", "printing"],
        "pause": ["paused", "printing"],
        "done": ["finished"],
        "failed": ["failed"],
        "cancelled": ["failed"],
    },
}
# What the entity shows while a job runs, when first seen mid-job.
RUNNING = {
    "prusalink": "printing",
    "octoprint": "printing",
    "bambu_lab": "running",
    "moonraker": "printing",
    "dremel_3d_printer": "building",
    "ha_creality_ws": "printing",
    "anycubic_cloud": "printing",
}

# OctoPrint's raw state text (before HA 2025.12) and the enum value HA shows
# since then, as HA's octoprint/sensor.py maps them.
OCTOPRINT_RAW_TO_ENUM = {
    "Opening serial connection": "open_serial",
    "Detecting serial connection": "detect_serial",
    "Connecting": "connecting",
    "Operational": "operational",
    "Starting print from SD": "starting_sd",
    "Starting to send file to SD": "starting_streaming",
    "Starting": "starting",
    "Printing from SD": "printing_sd",
    "Sending file to SD": "printing_streaming",
    "Printing": "printing",
    "Cancelling": "cancelling",
    "Pausing": "pausing",
    "Paused": "paused",
    "Resuming": "resuming",
    "Finishing": "finishing",
    "Offline": "offline",
    "Error": "error",
    "Offline after error": "offline_after_error",
    "Transferring file to SD": "transferring_file",
}
# Every state word each integration really shows.
STATE_WORDS: dict[str, list[str]] = {
    "prusalink": [
        "idle",
        "busy",
        "printing",
        "paused",
        "finished",
        "stopped",
        "error",
        "attention",
        "ready",
    ],
    "octoprint": [*OCTOPRINT_RAW_TO_ENUM, *OCTOPRINT_RAW_TO_ENUM.values()],
    "bambu_lab": [
        "failed",
        "finish",
        "idle",
        "init",
        "offline",
        "pause",
        "prepare",
        "running",
        "slicing",
        "unknown",
    ],
    "moonraker": ["standby", "printing", "paused", "complete", "cancelled", "error"],
    # dremel3dpy 2.1.1's mapped job status.
    "dremel_3d_printer": [
        "idle",
        "abort",
        "building",
        "completed",
        "pausing",
        "preparing",
        "paused",
        "resuming",
        "unknown",
    ],
    "ha_creality_ws": [
        "off",
        "unknown",
        "error",
        "self-testing",
        "completed",
        "paused",
        "stopped",
        "printing",
        "processing",
        "idle",
    ],
    "anycubic_cloud": [
        "paused",
        "printing",
        "finished",
        "failed",
        "downloading",
        "checking",
        "preheating",
        "slicing",
        "unknown",
    ],
}
NOISE = ["unknown", "unavailable", "", "  ", "Unknown", "UNAVAILABLE", "None"]


class Printer:
    """One printer's tracker fed with states and bus steps on a clock."""

    def __init__(self, domain: str, tracker: JobTracker | None = None) -> None:
        """Start at T0 with a new tracker, or a given one."""
        self.integration = KNOWN_INTEGRATIONS[domain]
        self.tracker = tracker or JobTracker(self.integration.printer_type)
        self.now = T0
        self.events: list[JobEvent] = []

    def state(self, *states: str | None, after: float = 1) -> list[JobEvent]:
        """Show these states, each `after` minutes after the one before."""
        new: list[JobEvent] = []
        for state in states:
            self.now += timedelta(minutes=after)
            new += self.tracker.on_state(self.integration, state, self.now)
            # As the watcher does once the update is written whole.
            new += self.tracker.resolve_end()
        self.events += new
        return new

    def update(self, state: str, percent: str, after: float = 1) -> list[JobEvent]:
        """One OctoPrint update: the state, then the job percentage."""
        self.now += timedelta(minutes=after)
        new = self.tracker.on_state(self.integration, state, self.now)
        self.tracker.on_progress(percent)
        new += self.tracker.resolve_end()
        self.events += new
        return new

    def bus(self, event_type: str, after: float = 1) -> list[JobEvent]:
        """Fire a Bambu Lab bus event `after` minutes after the last step."""
        self.now += timedelta(minutes=after)
        new = self.tracker.on_step(BAMBU_EVENT_STEPS[event_type], self.now)
        self.events += new
        return new

    def restart(self, after: float = 0) -> None:
        """Store the tracker as JSON and load it again, as a restart does."""
        self.now += timedelta(minutes=after)
        data = json.loads(json.dumps(self.tracker.as_dict()))
        self.tracker = JobTracker.from_dict(data)

    def types(self) -> list[str]:
        """Return the event types counted so far."""
        return [event_type for event_type, _ in self.events]


def labels(event: JobEvent) -> dict[str, str]:
    """Sanitize one event as the recorder does; nothing may be dropped."""
    sanitized = sanitize_event(*event)
    assert sanitized.dropped_keys == 0
    return dict(sanitized.labels)


def only(events: list[JobEvent], event_type: str) -> JobEvent:
    matching = [event for event in events if event[0] == event_type]
    assert len(matching) == 1, events
    return matching[0]


# --- the table ---------------------------------------------------------------


def test_known_integrations_and_printer_types() -> None:
    assert set(KNOWN_INTEGRATIONS) == set(PRINTER_TYPE)
    for domain, integration in KNOWN_INTEGRATIONS.items():
        assert integration.domain == domain
        assert integration.printer_type == PRINTER_TYPE[domain]
        assert PRINTER_TYPE_BY_DOMAIN[domain] == PRINTER_TYPE[domain]
    for domain, printer_type in FLEET_ONLY_INTEGRATIONS.items():
        assert domain not in KNOWN_INTEGRATIONS
        assert PRINTER_TYPE_BY_DOMAIN[domain] == printer_type
    # Every printer type passes the privacy allowlist unchanged.
    for printer_type in PRINTER_TYPE_BY_DOMAIN.values():
        assert printer_type in PRINTER_TYPES
        assert labels(("job_created", {"printer_type": printer_type})) == {
            "printer_type": printer_type
        }
    assert BAMBU_EVENT == "bambu_lab_event"
    # Elegoo's print status has no word that reliably starts a job.
    assert FLEET_ONLY_INTEGRATIONS == {"elegoo_printer": "elegoo"}
    assert set(PRINTER_TYPE_BY_DOMAIN) == {
        "prusalink",
        "octoprint",
        "bambu_lab",
        "moonraker",
        "dremel_3d_printer",
        "ha_creality_ws",
        "anycubic_cloud",
        "elegoo_printer",
    }


def test_endings_per_integration() -> None:
    # OctoPrint's end states are mostly polled past: its job percentage decides.
    octoprint = KNOWN_INTEGRATIONS["octoprint"]
    assert octoprint.ending is Ending.BY_PROGRESS
    assert octoprint.is_progress_entity is not None
    assert octoprint.is_progress_entity("Job Percentage-8d0a2f4e-1b5c")
    assert not octoprint.is_progress_entity("Current State-8d0a2f4e-1b5c")
    assert not octoprint.is_state_entity("Job Percentage-8d0a2f4e-1b5c")
    # The others end in a state that names the outcome.
    for domain in DOMAINS:
        if domain == "octoprint":
            continue
        assert KNOWN_INTEGRATIONS[domain].ending is Ending.BY_STATE
        assert KNOWN_INTEGRATIONS[domain].is_progress_entity is None
        for old in STATE_WORDS[domain]:
            for new in STATE_WORDS[domain]:
                step = KNOWN_INTEGRATIONS[domain].classify(
                    normalize(old), normalize(new)
                )
                assert step is not Step.END


def test_offline_states() -> None:
    # Only Bambu Lab says "offline" as a state; the others go unavailable.
    assert KNOWN_INTEGRATIONS["bambu_lab"].offline_states == {"offline"}
    for domain in DOMAINS:
        if domain != "bambu_lab":
            assert KNOWN_INTEGRATIONS[domain].offline_states == frozenset()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("Printing from SD", "printing_from_sd"),
        ("  Offline   after error ", "offline_after_error"),
        ("printing_sd", "printing_sd"),
        ("PRINTING", "printing"),
        ("", ""),
        (None, ""),
        ("\t\n", ""),
    ],
)
def test_normalize(state: str | None, expected: str) -> None:
    assert normalize(state) == expected


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("idle", "printing", Step.START),
        ("paused", "printing", Step.START),  # a resume: the tracker ignores it
        ("", "printing", Step.START),
        ("printing", "finished", Step.COMPLETED),
        ("printing", "stopped", Step.FAILED),
        ("paused", "stopped", Step.FAILED),
        ("printing", "error", Step.FAILED),
        ("printing", "attention", Step.ATTENTION),
        ("printing", "paused", None),
        ("finished", "idle", Step.IDLE),
        ("idle", "busy", None),
        ("idle", "ready", Step.IDLE),
    ],
)
def test_classify_prusalink(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["prusalink"].classify(old, new) is step


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("operational", "printing", Step.START),
        ("operational", "printing_sd", Step.START),
        ("operational", "printing_streaming", Step.START),
        ("operational", "starting", Step.START),
        ("operational", "starting_sd", Step.START),
        ("operational", normalize("Printing from SD"), Step.START),
        ("operational", normalize("Starting print from SD"), Step.START),
        ("operational", normalize("Starting"), Step.START),
        ("finishing", "operational", Step.COMPLETED),
        ("cancelling", "operational", Step.FAILED),
        ("paused", "operational", Step.FAILED),
        # Finishing or Cancelling polled past: the job percentage decides.
        ("printing", "operational", Step.END),
        ("printing_sd", "operational", Step.END),
        ("resuming", "operational", Step.END),
        ("printing", "error", Step.FAILED),
        ("printing", "offline_after_error", Step.FAILED),
        ("printing", normalize("Offline after error"), Step.FAILED),
        ("printing", "cancelling", None),
        ("printing", "finishing", None),
        ("printing", "pausing", None),
        ("pausing", "paused", None),
        ("paused", "resuming", None),
        ("operational", "connecting", None),
        ("connecting", "offline", None),
        ("operational", "transferring_file", None),
    ],
)
def test_classify_octoprint(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["octoprint"].classify(old, new) is step


# Bambu Lab: a job starts on leaving idle/finish/failed (or at first sight) for
# any job phase, as ha-bambulab's own event_print_started does.
@pytest.mark.parametrize("old", ["", "idle", "finish", "failed", "init"])
@pytest.mark.parametrize("new", ["slicing", "prepare", "running", "pause"])
def test_classify_bambu_start(old: str, new: str) -> None:
    assert KNOWN_INTEGRATIONS["bambu_lab"].classify(old, new) is Step.START


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("prepare", "running", None),  # the same job going on
        ("slicing", "prepare", None),
        ("pause", "running", None),  # a resume
        ("running", "pause", None),
        ("running", "prepare", None),
        ("running", "finish", Step.COMPLETED),
        ("running", "failed", Step.FAILED),  # failed or cancelled
        ("pause", "failed", Step.FAILED),
        ("finish", "idle", Step.IDLE),
        ("idle", "init", None),
        ("running", "init", None),
    ],
)
def test_classify_bambu(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["bambu_lab"].classify(old, new) is step


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("standby", "printing", Step.START),
        ("complete", "printing", Step.START),
        ("cancelled", "printing", Step.START),
        ("", "paused", Step.START),  # first seen paused: a job is on
        ("paused", "printing", None),  # a resume
        ("printing", "complete", Step.COMPLETED),
        ("printing", "cancelled", Step.FAILED),
        ("paused", "cancelled", Step.FAILED),
        ("printing", "error", Step.FAILED),
        ("printing", "paused", None),
        ("complete", "standby", Step.IDLE),
    ],
)
def test_classify_moonraker(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["moonraker"].classify(old, new) is step


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("idle", "preparing", Step.START),
        ("completed", "preparing", Step.START),
        ("idle", "building", Step.START),
        ("", "building", Step.START),
        ("preparing", "building", None),
        ("building", "pausing", None),
        ("paused", "resuming", None),
        ("resuming", "building", None),
        ("building", "completed", Step.COMPLETED),
        ("building", "abort", Step.FAILED),
        ("paused", "abort", Step.FAILED),
        ("completed", "idle", Step.IDLE),
        ("building", "unknown", None),
    ],
)
def test_classify_dremel(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["dremel_3d_printer"].classify(old, new) is step


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("idle", "printing", Step.START),
        ("completed", "printing", Step.START),
        ("stopped", "printing", Step.START),
        ("processing", "printing", Step.START),
        ("paused", "printing", None),  # a resume
        ("error", "printing", Step.START),  # the tracker ignores it mid-job
        ("printing", "completed", Step.COMPLETED),
        ("printing", "stopped", Step.FAILED),
        ("paused", "stopped", Step.FAILED),
        ("completed", "idle", Step.IDLE),
        # Not sure about the job: an error may pass, processing may be either side.
        ("printing", "error", None),
        ("idle", "processing", None),
        ("stopped", "processing", None),
        ("idle", "self-testing", None),
        ("printing", "off", None),
    ],
)
def test_classify_creality(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["ha_creality_ws"].classify(old, new) is step


@pytest.mark.parametrize(
    ("old", "new", "step"),
    [
        ("finished", "downloading", Step.START),
        ("failed", "checking", Step.START),
        ("finished", "preheating", Step.START),
        ("finished", "slicing", Step.START),
        ("finished", "printing", Step.START),
        ("", "printing", Step.START),
        ("downloading", "checking", None),
        ("preheating", "printing", None),
        ("printing", "paused", None),
        ("paused", "printing", None),
        ("printing", "finished", Step.COMPLETED),
        ("printing", "failed", Step.FAILED),  # a cancelled project
        ("paused", "failed", Step.FAILED),
        ("printing", "unknown", None),
    ],
)
def test_classify_anycubic(old: str, new: str, step: Step | None) -> None:
    assert KNOWN_INTEGRATIONS["anycubic_cloud"].classify(old, new) is step


@pytest.mark.parametrize(
    ("domain", "unique_id", "expected"),
    [
        ("prusalink", "01JENTRYID0000000000000000_printer.state", True),
        ("prusalink", "01JENTRYID0000000000000000_printer.progress", False),
        ("prusalink", "01JENTRYID0000000000000000_job.progress", False),
        ("prusalink", "01JENTRYID0000000000000000_printer.state.extra", False),
        (
            "octoprint",
            "Current State-8d0a2f4e-1b5c-4f2a-9c3e-6e7f1a2b3c4d",
            True,
        ),
        ("octoprint", "Current Job-8d0a2f4e-1b5c-4f2a-9c3e-6e7f1a2b3c4d", False),
        ("octoprint", "Printing-8d0a2f4e-1b5c-4f2a-9c3e-6e7f1a2b3c4d", False),
        ("bambu_lab", "01P00A123456789_print_status", True),
        ("bambu_lab", "01P00A123456789_print_progress", False),
        ("bambu_lab", "01P00A123456789_online", False),
        ("bambu_lab", "X1C_01P00A123456789_AMS_0_humidity_index", False),
        ("moonraker", "01JENTRYID0000000000000000_print_state", True),
        ("moonraker", "0123456789abcdef0123456789abcdef_print_state", True),
        ("moonraker", "01JENTRYID0000000000000000_progress", False),
        ("moonraker", "01JENTRYID0000000000000000_state", False),
        # User-named Klipper objects, pins and macros are not the print state.
        ("moonraker", "01JENTRYID0000000000000000_my_print_state", False),
        (
            "moonraker",
            "01JENTRYID0000000000000000_temperature_sensor_print_state",
            False,
        ),
        ("moonraker", "_print_state", False),
        ("dremel_3d_printer", "SN1234567890_job_phase", True),
        ("dremel_3d_printer", "SN1234567890_job_status", False),
        ("dremel_3d_printer", "SN1234567890_progress", False),
        ("ha_creality_ws", "192.168.1.50-print_status", True),
        ("ha_creality_ws", "k1c-4a2b.local-print_status", True),
        ("ha_creality_ws", "192.168.1.50-print_progress", False),
        ("anycubic_cloud", "a1:b2:c3:d4:e5:f6-job_state", True),
        ("anycubic_cloud", "a1:b2:c3:d4:e5:f6-current_status", False),
        ("anycubic_cloud", "a1:b2:c3:d4:e5:f6-job_progress", False),
    ],
)
def test_is_state_entity(domain: str, unique_id: str, expected: bool) -> None:
    assert KNOWN_INTEGRATIONS[domain].is_state_entity(unique_id) is expected
    # Never the state entity of another known integration.
    for other, integration in KNOWN_INTEGRATIONS.items():
        if other != domain:
            assert not integration.is_state_entity(unique_id)


# --- jobs per integration ----------------------------------------------------


@pytest.mark.parametrize("domain", DOMAINS)
def test_full_job_is_measured_from_the_observed_start(domain: str) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    assert printer.state(*script["idle"]) == []
    created = printer.state(*script["start"])
    assert created == [("job_created", {"printer_type": PRINTER_TYPE[domain]})]
    start = printer.now - timedelta(minutes=len(script["start"]) - 1)
    # The last state of the script ends the job 95 minutes after its start.
    done = script["done"]
    printer.state(*done[:-1], after=45)
    printer.now = start + timedelta(minutes=95, seconds=-1)
    completed = printer.state(done[-1], after=1 / 60)
    assert printer.types() == ["job_created", "job_completed"]
    event_type, metadata = only(completed, "job_completed")
    assert metadata["duration_minutes"] == pytest.approx(95)
    assert labels((event_type, metadata)) == {
        "printer_type": PRINTER_TYPE[domain],
        "duration_bucket": "1-3h",
    }
    assert printer.tracker.in_progress is False
    assert printer.tracker.started_at is None
    # Back to idle: nothing more.
    assert printer.state(*script["idle"], *script["idle"]) == []
    assert printer.types() == ["job_created", "job_completed"]


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("ending", ["failed", "cancelled"])
def test_failed_or_cancelled_job(domain: str, ending: str) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    printer.state(*script["idle"], *script["start"])
    failed = printer.state(*script[ending], after=30)
    assert printer.types() == ["job_created", "job_failed"]
    event = only(failed, "job_failed")
    # A failed job carries no duration.
    assert labels(event) == {"printer_type": PRINTER_TYPE[domain]}
    assert printer.tracker.in_progress is False
    # The next job counts again.
    printer.state(*script["idle"], *script["start"], *script["done"])
    assert printer.types() == [
        "job_created",
        "job_failed",
        "job_created",
        "job_completed",
    ]


@pytest.mark.parametrize("domain", DOMAINS)
def test_repeated_states_count_once(domain: str) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    for state in [*script["idle"], *script["start"], *script["done"]]:
        printer.state(state, state, state)
    assert printer.types() == ["job_created", "job_completed"]
    for state in [*script["start"], *script["cancelled"]]:
        printer.state(state, state, state)
    assert printer.types() == [
        "job_created",
        "job_completed",
        "job_created",
        "job_failed",
    ]


@pytest.mark.parametrize("domain", DOMAINS)
def test_pause_and_resume_do_not_start_a_new_job(domain: str) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    printer.state(*script["idle"])
    printer.state(*script["start"][:1], after=0)
    start = printer.now
    printer.state(*script["start"][1:])
    printer.state(*script["pause"], after=10)
    printer.state(*script["pause"], after=10)
    assert printer.types() == ["job_created"]
    assert printer.tracker.in_progress is True
    assert printer.tracker.started_at == start
    printer.state(*script["done"], after=10)
    assert printer.types() == ["job_created", "job_completed"]
    minutes = (printer.now - start).total_seconds() / 60
    assert only(printer.events, "job_completed")[1]["duration_minutes"] == minutes


@pytest.mark.parametrize("domain", DOMAINS)
def test_first_sight_while_printing(domain: str) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    # Set up (or restarted) in the middle of a job: it exists, since unknown.
    printer.state(RUNNING[domain], RUNNING[domain])
    assert printer.types() == ["job_created"]
    assert printer.tracker.in_progress is True
    assert printer.tracker.started_at is None
    printer.state(*script["pause"])
    printer.state(*script["done"], after=600)
    assert printer.types() == ["job_created", "job_completed"]
    event = only(printer.events, "job_completed")
    assert "duration_minutes" not in event[1]
    assert labels(event) == {"printer_type": PRINTER_TYPE[domain]}


@pytest.mark.parametrize("domain", DOMAINS)
def test_first_sight_of_an_end_counts_nothing(domain: str) -> None:
    script = SCRIPTS[domain]
    for ending in ("done", "failed", "cancelled"):
        printer = Printer(domain)
        printer.state(*script[ending])
        assert printer.events == []
        assert printer.tracker.in_progress is False


@pytest.mark.parametrize("domain", DOMAINS)
def test_job_spanning_a_restart(domain: str) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    printer.state(*script["idle"])
    printer.state(*script["start"][:1], after=0)
    start = printer.now
    printer.state(*script["start"][1:])
    data = printer.tracker.as_dict()
    assert data == {
        "printer_type": PRINTER_TYPE[domain],
        "in_progress": True,
        "started_at": start.isoformat(),
        "last_state": data["last_state"],
    }
    assert data["last_state"]
    printer.restart(after=5)
    assert printer.tracker.printer_type == PRINTER_TYPE[domain]
    assert printer.tracker.in_progress is True
    assert printer.tracker.started_at == start
    # After the restart the running job is seen "for the first time" again.
    printer.state(RUNNING[domain], RUNNING[domain])
    assert printer.types() == ["job_created"]
    printer.now = start + timedelta(minutes=200)
    printer.state(*script["done"], after=0)
    assert printer.types() == ["job_created", "job_completed"]
    event = only(printer.events, "job_completed")
    assert event[1]["duration_minutes"] == pytest.approx(200)
    assert labels(event)["duration_bucket"] == "3-8h"
    # And with no job running, nothing survives but the type and last state.
    printer.restart()
    data = printer.tracker.as_dict()
    assert data == {
        "printer_type": PRINTER_TYPE[domain],
        "in_progress": False,
        "started_at": None,
        "last_state": data["last_state"],
    }


@pytest.mark.parametrize("domain", DOMAINS)
def test_restart_during_a_job_first_seen_mid_print(domain: str) -> None:
    printer = Printer(domain)
    printer.state(RUNNING[domain])
    printer.restart(after=60)
    assert printer.tracker.in_progress is True
    assert printer.tracker.started_at is None
    printer.state(RUNNING[domain], *SCRIPTS[domain]["done"])
    assert printer.types() == ["job_created", "job_completed"]
    assert "duration_minutes" not in printer.events[-1][1]


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("silent", [None, "", "  ", *sorted(NO_INFORMATION)])
def test_states_without_information_are_ignored(
    domain: str, silent: str | None
) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    assert printer.state(silent, silent) == []
    assert printer.tracker.last_state == ""
    printer.state(*script["idle"])
    # A state without information changes nothing, not even the last state:
    # Bambu's "idle -> unavailable -> prepare" still starts a job.
    printer.state(silent)
    assert printer.tracker.last_state == script["idle"][-1]
    printer.state(*script["start"][:1], silent, *script["start"][1:], silent)
    assert printer.types() == ["job_created"]
    printer.state(silent, after=600)
    assert printer.tracker.in_progress is True
    for state in script["cancelled"]:
        printer.state(state, silent)
    assert printer.types() == ["job_created", "job_failed"]


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("silent", ["Unknown", "UNAVAILABLE", "unavailable"])
def test_unavailable_mid_job_neither_ends_nor_restarts_it(
    domain: str, silent: str
) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    printer.state(*script["idle"], *script["start"])
    printer.state(silent, RUNNING[domain], silent, RUNNING[domain], after=30)
    assert printer.types() == ["job_created"]
    printer.state(silent, *script["done"])
    assert printer.types() == ["job_created", "job_completed"]
    assert "duration_minutes" in printer.events[-1][1]


def test_bambu_offline_is_not_a_job_state() -> None:
    printer = Printer("bambu_lab")
    printer.state("idle", "offline")
    assert printer.tracker.last_state == "idle"
    printer.state("prepare")  # idle -> (offline) -> prepare: a start
    assert printer.types() == ["job_created"]
    start = printer.now
    printer.state("running", "offline", "running", "offline", after=20)
    assert printer.types() == ["job_created"]
    assert printer.tracker.last_state == "running"
    printer.state("offline", "finish", after=20)
    assert printer.types() == ["job_created", "job_completed"]
    minutes = (printer.now - start).total_seconds() / 60
    assert printer.events[-1][1]["duration_minutes"] == minutes
    # Offline at first sight says nothing either.
    fresh = Printer("bambu_lab")
    assert fresh.state("offline", "Offline") == []
    assert fresh.tracker.last_state == ""


def test_bambu_resume_from_pause_is_not_a_start() -> None:
    printer = Printer("bambu_lab")
    printer.state("finish", "prepare", "running", "pause", "running", "pause")
    printer.state("prepare", "running", "finish")
    assert printer.types() == ["job_created", "job_completed"]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (
            ["Operational", "Printing from SD", "Finishing", "Operational"],
            ["job_created", "job_completed"],
        ),
        (
            ["Operational", "Starting print from SD", "Printing from SD"],
            ["job_created"],
        ),
        (
            ["Operational", "Printing", "Cancelling", "Operational"],
            ["job_created", "job_failed"],
        ),
        (
            ["Operational", "Printing", "Error", "Operational"],
            ["job_created", "job_failed"],
        ),
        (
            ["Operational", "Printing", "Offline after error", "Operational"],
            ["job_created", "job_failed"],
        ),
        (
            ["Operational", "Printing", "Pausing", "Paused", "Resuming", "Printing"],
            ["job_created"],
        ),
        (
            ["operational", "printing_sd", "finishing", "operational"],
            ["job_created", "job_completed"],
        ),
        (
            ["operational", "starting_sd", "printing_sd", "cancelling", "operational"],
            ["job_created", "job_failed"],
        ),
        (
            ["operational", "printing", "offline_after_error", "operational"],
            ["job_created", "job_failed"],
        ),
        (
            ["operational", "printing_streaming", "finishing", "operational"],
            ["job_created", "job_completed"],
        ),
        (
            ["Connecting", "Operational", "Operational", "Offline", "Connecting"],
            [],
        ),
    ],
)
def test_octoprint_raw_text_and_enum(states: list[str], expected: list[str]) -> None:
    printer = Printer("octoprint")
    printer.state(*states)
    assert printer.types() == expected


def test_octoprint_cancel_survives_unavailable() -> None:
    printer = Printer("octoprint")
    printer.state("Operational", "Printing", "Cancelling", "unavailable", "unknown")
    printer.state("Operational")
    assert printer.types() == ["job_created", "job_failed"]


@pytest.mark.parametrize(
    ("raw", "enum"),
    [
        (raw, enum)
        for raw, enum in OCTOPRINT_RAW_TO_ENUM.items()
        if raw != "Sending file to SD"
    ],
)
def test_octoprint_raw_and_enum_forms_classify_alike(raw: str, enum: str) -> None:
    classify = KNOWN_INTEGRATIONS["octoprint"].classify
    for old in ("operational", "printing", "cancelling", "finishing", "paused"):
        assert classify(old, normalize(raw)) is classify(old, enum)


def test_octoprint_sending_file_to_sd_classifies_like_its_enum() -> None:
    classify = KNOWN_INTEGRATIONS["octoprint"].classify
    assert classify("operational", normalize("Sending file to SD")) is classify(
        "operational", "printing_streaming"
    )


def test_prusalink_attention_is_an_error_and_the_job_goes_on() -> None:
    printer = Printer("prusalink")
    printer.state("idle", "printing")
    start = printer.now
    attention = printer.state("attention", after=30)
    assert attention == [
        (
            "error_occurred",
            {"error_type": "printer_attention", "component": "printer"},
        )
    ]
    assert labels(attention[0]) == {
        "error_type": "printer_attention",
        "component": "printer",
    }
    assert printer.tracker.in_progress is True
    printer.state("printing", "paused", "printing", after=10)
    assert printer.types() == ["job_created", "error_occurred"]
    printer.state("finished", after=30)
    assert printer.types() == ["job_created", "error_occurred", "job_completed"]
    minutes = (printer.now - start).total_seconds() / 60
    assert printer.events[-1][1]["duration_minutes"] == minutes


def test_prusalink_attention_then_stopped_is_one_failed_job() -> None:
    printer = Printer("prusalink")
    printer.state("idle", "printing", "attention", "stopped", "idle")
    assert printer.types() == ["job_created", "error_occurred", "job_failed"]


def test_prusalink_attention_without_a_job_is_still_an_error() -> None:
    printer = Printer("prusalink")
    printer.state("idle", "attention")
    assert printer.types() == ["error_occurred"]
    assert printer.tracker.in_progress is False


@pytest.mark.parametrize(
    "states",
    [
        pytest.param(["attention", "unavailable", "attention"], id="connection-blip"),
        pytest.param(["attention", "attention"], id="same-state-again"),
    ],
)
def test_prusalink_one_attention_counts_once(states: list[str]) -> None:
    printer = Printer("prusalink")
    printer.state("idle", "printing", *states)
    assert printer.types() == ["job_created", "error_occurred"]


def test_prusalink_attention_across_a_restart_counts_once() -> None:
    printer = Printer("prusalink")
    printer.state("idle", "printing", "attention")
    printer.restart(after=5)
    printer.state("attention")
    assert printer.types() == ["job_created", "error_occurred"]


def test_time_going_back_gives_no_negative_duration() -> None:
    printer = Printer("moonraker")
    printer.state("standby", "printing")
    printer.state("complete", after=-30)
    assert printer.types() == ["job_created", "job_completed"]
    assert "duration_minutes" not in printer.events[-1][1]
    # Completed at the very moment it started: zero, not missing.
    printer.state("printing", "complete", after=0)
    assert printer.events[-1][1]["duration_minutes"] == 0
    assert labels(printer.events[-1])["duration_bucket"] == "<15m"


# Whole state sequences, in each integration's own words (see the comment
# beside its rule in printers.py for the source and version checked).
@pytest.mark.parametrize(
    ("domain", "states", "expected"),
    [
        pytest.param(
            "bambu_lab",
            ["idle", "slicing", "prepare", "running", "finish"],
            ["job_created", "job_completed"],
            id="bambu-cloud-sliced-job",
        ),
        pytest.param(
            "bambu_lab",
            ["idle", "init", "prepare", "running", "failed"],
            ["job_created", "job_failed"],
            id="bambu-init-before-prepare",
        ),
        pytest.param(
            "bambu_lab",
            ["finish", "pause", "running", "finish"],
            ["job_created", "job_completed"],
            id="bambu-first-seen-paused",
        ),
        pytest.param(
            "bambu_lab",
            ["running", "init", "running", "finish"],
            ["job_created", "job_completed"],
            id="bambu-init-mid-job",
        ),
        pytest.param(
            "bambu_lab", ["idle", "init", "idle"], [], id="bambu-init-is-no-job"
        ),
        pytest.param(
            "moonraker",
            ["standby", "printing", "paused", "printing", "complete", "standby"],
            ["job_created", "job_completed"],
            id="moonraker-finished",
        ),
        pytest.param(
            "moonraker",
            ["complete", "printing", "cancelled", "standby"],
            ["job_created", "job_failed"],
            id="moonraker-cancelled",
        ),
        pytest.param(
            "moonraker",
            ["paused", "cancelled"],
            ["job_created", "job_failed"],
            id="moonraker-first-seen-paused",
        ),
        pytest.param(
            "moonraker",
            ["standby", "printing", "error"],
            ["job_created", "job_failed"],
            id="moonraker-klipper-error",
        ),
        pytest.param(
            "moonraker",
            ["standby", "printing", "standby"],
            ["job_created"],
            id="moonraker-reset-outcome-unknown",
        ),
        pytest.param(
            "dremel_3d_printer",
            [
                "idle",
                "preparing",
                "building",
                "pausing",
                "paused",
                "resuming",
                "building",
                "completed",
                "idle",
            ],
            ["job_created", "job_completed"],
            id="dremel-finished",
        ),
        pytest.param(
            "dremel_3d_printer",
            ["completed", "preparing", "abort", "idle"],
            ["job_created", "job_failed"],
            id="dremel-aborted",
        ),
        pytest.param(
            "dremel_3d_printer",
            ["idle", "building", "unknown", "building", "completed"],
            ["job_created", "job_completed"],
            id="dremel-unknown-mid-job",
        ),
        pytest.param(
            "ha_creality_ws",
            ["idle", "printing", "paused", "printing", "completed", "idle"],
            ["job_created", "job_completed"],
            id="creality-finished",
        ),
        pytest.param(
            "ha_creality_ws",
            ["idle", "printing", "error", "printing", "stopped", "processing", "idle"],
            ["job_created", "job_failed"],
            id="creality-error-passes-then-stopped",
        ),
        pytest.param(
            "ha_creality_ws",
            ["idle", "processing", "self-testing", "idle"],
            [],
            id="creality-processing-is-no-job",
        ),
        pytest.param(
            "ha_creality_ws",
            ["completed", "printing", "error", "idle"],
            ["job_created"],
            id="creality-error-outcome-unknown",
        ),
        pytest.param(
            "anycubic_cloud",
            [
                "finished",
                "downloading",
                "checking",
                "preheating",
                "printing",
                "finished",
            ],
            ["job_created", "job_completed"],
            id="anycubic-finished",
        ),
        pytest.param(
            "anycubic_cloud",
            ["failed", "slicing", "printing", "paused", "failed"],
            ["job_created", "job_failed"],
            id="anycubic-cancelled",
        ),
        pytest.param(
            "anycubic_cloud",
            ["finished", "unknown", "finished"],
            [],
            id="anycubic-no-new-project",
        ),
    ],
)
def test_state_sequences(domain: str, states: list[str], expected: list[str]) -> None:
    printer = Printer(domain)
    printer.state(*states)
    assert printer.types() == expected


def test_bambu_job_is_measured_from_slicing() -> None:
    printer = Printer("bambu_lab")
    printer.state("idle", "slicing")
    start = printer.now
    printer.state("prepare", "running", after=5)
    printer.state("finish", after=80)
    minutes = (printer.now - start).total_seconds() / 60
    assert only(printer.events, "job_completed")[1]["duration_minutes"] == minutes


@pytest.mark.parametrize(
    ("domain", "idle"),
    [
        ("prusalink", "idle"),
        ("bambu_lab", "idle"),
        ("moonraker", "standby"),
        ("dremel_3d_printer", "idle"),
        ("ha_creality_ws", "idle"),
    ],
)
def test_restored_job_that_ended_unseen_does_not_swallow_the_next(
    domain: str, idle: str
) -> None:
    script = SCRIPTS[domain]
    printer = Printer(domain)
    printer.state(idle, *script["start"])
    printer.restart(after=10 * 60)  # the job ended while HA was down
    printer.state(idle)
    printer.now += timedelta(hours=10)
    printer.state(script["start"][0], after=0)
    start = printer.now
    printer.state(*script["start"][1:])
    printer.now = start + timedelta(minutes=95)
    printer.state(*script["done"], after=0)
    assert printer.types().count("job_created") == 2
    assert printer.types()[-1] == "job_completed"
    assert labels(printer.events[-1])["duration_bucket"] == "1-3h"


def test_restored_naive_start_does_not_raise() -> None:
    naive = T0.isoformat().removesuffix("+00:00")
    data = {"printer_type": "prusa", "in_progress": True, "started_at": naive}
    try:
        tracker = JobTracker.from_dict(data)
    except (TypeError, ValueError):
        return  # refused when loaded: the loader sets the file aside
    printer = Printer("prusalink", tracker)
    printer.state("finished", after=95)
    assert printer.types() == ["job_completed"]


def test_from_dict_defaults() -> None:
    tracker = JobTracker.from_dict({"printer_type": "klipper"})
    assert tracker.printer_type == "klipper"
    assert tracker.in_progress is False
    assert tracker.started_at is None
    assert tracker.last_state == ""


@pytest.mark.parametrize("in_progress", ["false", 1, 0, None, []])
def test_from_dict_refuses_a_flag_that_is_not_true_or_false(in_progress: Any) -> None:
    """A hand-edited "false" is not read as a job in progress: the file is refused."""
    with pytest.raises(TypeError):
        JobTracker.from_dict({"printer_type": "klipper", "in_progress": in_progress})


# --- Bambu Lab bus events ----------------------------------------------------


def test_bambu_bus_steps_table() -> None:
    assert BAMBU_EVENT_STEPS == {
        "event_print_started": Step.START,
        "event_print_finished": Step.COMPLETED,
        "event_print_canceled": Step.FAILED,
        "event_print_failed": Step.FAILED,
    }


def test_bambu_bus_only_job() -> None:
    printer = Printer("bambu_lab")
    printer.bus("event_print_started")
    printer.bus("event_print_started", after=10)
    printer.bus("event_print_finished", after=85)
    printer.bus("event_print_finished", after=1)
    assert printer.types() == ["job_created", "job_completed"]
    assert labels(printer.events[-1]) == {
        "printer_type": "bambu_lab",
        "duration_bucket": "1-3h",
    }
    assert printer.events[-1][1]["duration_minutes"] == 95


@pytest.mark.parametrize("ending", ["event_print_canceled", "event_print_failed"])
def test_bambu_bus_failed_job(ending: str) -> None:
    printer = Printer("bambu_lab")
    printer.bus(ending)  # no job: nothing
    printer.bus("event_print_started")
    printer.bus(ending)
    printer.bus(ending)
    assert printer.types() == ["job_created", "job_failed"]


def test_on_step_none_counts_nothing() -> None:
    tracker = JobTracker("bambu_lab")
    assert tracker.on_step(None, T0) == []
    tracker.on_step(Step.START, T0)
    assert tracker.on_step(None, T0) == []
    assert tracker.in_progress is True


@pytest.mark.parametrize("bus_starts_first", [True, False])
@pytest.mark.parametrize("bus_ends_first", [True, False])
@pytest.mark.parametrize(
    ("bus_end", "state_end", "ended"),
    [
        ("event_print_finished", "finish", "job_completed"),
        ("event_print_canceled", "failed", "job_failed"),
        ("event_print_failed", "failed", "job_failed"),
    ],
)
def test_bambu_job_reported_by_bus_and_state_counts_once(
    bus_starts_first: bool,
    bus_ends_first: bool,
    bus_end: str,
    state_end: str,
    ended: str,
) -> None:
    printer = Printer("bambu_lab")
    printer.state("idle")
    for _ in range(2):  # two jobs in a row
        if bus_starts_first:
            printer.bus("event_print_started")
            start = printer.now
            printer.state("prepare", after=0.1)
        else:
            printer.state("prepare")
            start = printer.now
            printer.bus("event_print_started", after=0.1)
        printer.state("running", "pause", "running", after=10)
        printer.now = start + timedelta(minutes=95)
        if bus_ends_first:
            printer.bus(bus_end, after=0)
            printer.state(state_end, after=0.1)
        else:
            printer.state(state_end, after=0)
            printer.bus(bus_end, after=0.1)
        printer.state("idle", after=5)
    assert printer.types() == ["job_created", ended] * 2
    for event in printer.events:
        if event[0] == "job_completed":
            assert event[1]["duration_minutes"] == pytest.approx(95)
            assert labels(event)["duration_bucket"] == "1-3h"
        else:
            assert "duration_minutes" not in event[1]
            labels(event)


def test_bambu_bus_start_then_first_sight_of_the_state_keeps_the_start() -> None:
    printer = Printer("bambu_lab")
    printer.bus("event_print_started")
    start = printer.now
    printer.state("running", "running")  # first sight of the entity
    assert printer.tracker.started_at == start
    printer.state("finish", after=30)
    assert printer.types() == ["job_created", "job_completed"]
    minutes = (printer.now - start).total_seconds() / 60
    assert printer.events[-1][1]["duration_minutes"] == minutes == 32


# --- properties --------------------------------------------------------------

_ALL_WORDS = [word for words in STATE_WORDS.values() for word in words]
_BUS_TYPES = [*BAMBU_EVENT_STEPS, "event_print_paused", "event_print_resumed"]


@st.composite
def _runs(draw: st.DrawFn) -> tuple[str, list[tuple[str, Any, int]]]:
    domain = draw(st.sampled_from(DOMAINS))
    state = st.one_of(
        st.sampled_from(STATE_WORDS[domain] + NOISE),
        st.text(max_size=12),
        st.none(),
    )
    # Mostly forward in time; sometimes back (clock corrections).
    seconds = st.integers(min_value=-900, max_value=4 * 3600)
    ops = [
        st.tuples(st.just("state"), state, seconds),
        st.tuples(st.just("restart"), st.none(), seconds),
    ]
    if domain == "bambu_lab":
        ops.append(st.tuples(st.just("bus"), st.sampled_from(_BUS_TYPES), seconds))
    if domain == "octoprint":
        percent = st.sampled_from(["0", "41.2", "100", "100.0", "unavailable"])
        ops.append(st.tuples(st.just("progress"), percent, seconds))
        ops.append(st.tuples(st.just("resolve"), st.none(), seconds))
    steps = draw(st.lists(st.one_of(*ops), max_size=40))
    return domain, steps


def _apply(
    tracker: JobTracker,
    integration: PrinterIntegration,
    op: str,
    value: Any,
    now: datetime,
) -> tuple[JobTracker, list[JobEvent]]:
    """Apply one random operation; return the tracker (new after a restart)."""
    if op == "state":
        return tracker, tracker.on_state(integration, value, now)
    if op == "bus":
        return tracker, tracker.on_step(BAMBU_EVENT_STEPS.get(value), now)
    if op == "progress":
        tracker.on_progress(value)
        return tracker, []
    if op == "resolve":
        return tracker, tracker.resolve_end()
    data = json.loads(json.dumps(tracker.as_dict()))
    restored = JobTracker.from_dict(data)
    assert restored.as_dict() == data
    return restored, []


@settings(max_examples=300, deadline=None)
@given(_runs())
def test_random_runs_keep_jobs_consistent(
    run: tuple[str, list[tuple[str, Any, int]]],
) -> None:
    domain, steps = run
    integration = KNOWN_INTEGRATIONS[domain]
    tracker = JobTracker(integration.printer_type)
    now = T0
    created = ended = closed_unseen = 0
    created_at: datetime | None = None
    for op, value, seconds in steps:
        now += timedelta(seconds=seconds)
        was_in_progress = tracker.in_progress
        # A pending ending is measured to the update that ended the job.
        ended_at = tracker.ending_at or now
        tracker, events = _apply(tracker, integration, op, value, now)
        # A pending OctoPrint ending resolves before the state that follows.
        assert len(events) <= (2 if domain == "octoprint" else 1)
        for event_type, metadata in events:
            sanitized = sanitize_event(event_type, metadata)
            assert sanitized.dropped_keys == 0
            assert len(sanitized.labels) == len(metadata)
            if event_type == "job_created":
                created += 1
                created_at = now
            elif event_type in ("job_completed", "job_failed"):
                ended += 1
                if "duration_minutes" in metadata:
                    assert event_type == "job_completed"
                    minutes = metadata["duration_minutes"]
                    assert minutes >= 0
                    assert created_at is not None
                    assert minutes == (ended_at - created_at).total_seconds() / 60
                    assert dict(sanitized.labels)["duration_bucket"] in (
                        DURATION_BUCKETS
                    )
            else:
                assert event_type == "error_occurred"
                assert domain == "prusalink"
        if was_in_progress and not tracker.in_progress and not events:
            # An idle state closed a job that ended unseen: no outcome counted.
            closed_unseen += 1
        assert ended + closed_unseen <= created
        assert created - ended - closed_unseen in (0, 1)
        assert created - ended - closed_unseen == int(tracker.in_progress)
        if not tracker.in_progress:
            assert tracker.started_at is None


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(DOMAINS),
    st.one_of(st.text(max_size=20), st.sampled_from(_ALL_WORDS)),
    st.one_of(st.text(max_size=20), st.sampled_from(_ALL_WORDS)),
)
def test_classify_never_raises(domain: str, old: str, new: str) -> None:
    step = KNOWN_INTEGRATIONS[domain].classify(normalize(old), normalize(new))
    assert step is None or isinstance(step, Step)
    if step is Step.ATTENTION:
        assert domain == "prusalink"


# --- OctoPrint: endings decided by the job percentage --------------------------


@pytest.mark.parametrize(
    ("updates", "expected"),
    [
        pytest.param(
            [("printing", "99.6"), ("operational", "100")],
            "job_completed",
            id="finished",
        ),
        pytest.param(
            [("printing", "100"), ("operational", "100.0")],
            "job_completed",
            id="finished-100-while-printing",
        ),
        pytest.param(
            [("printing", "41.2"), ("operational", "0")],
            "job_failed",
            id="cancelled-between-polls",
        ),
        pytest.param(
            [("printing", "41.2"), ("operational", "unavailable")],
            "job_failed",
            id="no-percentage",
        ),
        pytest.param(
            [
                ("printing", "41.2"),
                ("unavailable", "unavailable"),
                ("operational", "0"),
            ],
            "job_failed",
            id="error-mid-print",
        ),
        pytest.param(
            [("printing", "100"), ("unavailable", "unavailable"), ("operational", "0")],
            "job_failed",
            id="100-before-the-outage-proves-nothing",
        ),
        pytest.param(
            [
                ("printing", "97"),
                ("unavailable", "unavailable"),
                ("operational", "100"),
            ],
            "job_completed",
            id="back-with-100",
        ),
        pytest.param(
            [("finishing", "100"), ("operational", "0")],
            "job_completed",
            id="finishing-seen",
        ),
        pytest.param(
            [("cancelling", "41.2"), ("operational", "100")],
            "job_failed",
            id="cancelling-seen",
        ),
    ],
)
def test_octoprint_ending_from_the_job_percentage(
    updates: list[tuple[str, str]], expected: str
) -> None:
    printer = Printer("octoprint")
    printer.update("operational", "0")
    printer.update("printing", "0.1")
    start = printer.now
    for state, percent in updates:
        printer.update(state, percent, after=30)
    assert printer.types() == ["job_created", expected]
    assert printer.tracker.in_progress is False
    assert printer.tracker.ending_at is None
    if expected == "job_completed":
        minutes = (printer.now - start).total_seconds() / 60
        assert printer.events[-1][1]["duration_minutes"] == minutes


@pytest.mark.parametrize("state_first", [True, False])
def test_octoprint_percentage_written_before_or_after_the_state(
    state_first: bool,
) -> None:
    integration = KNOWN_INTEGRATIONS["octoprint"]
    tracker = JobTracker("octoprint")
    tracker.on_state(integration, "operational", T0)
    tracker.on_state(integration, "printing", T0)
    tracker.on_progress("99.9")
    end = T0 + timedelta(hours=2)
    if state_first:
        assert tracker.on_state(integration, "operational", end) == []
        assert tracker.in_progress is True
        tracker.on_progress("100")
    else:
        tracker.on_progress("100")
        assert tracker.on_state(integration, "operational", end) == []
    events = tracker.resolve_end()
    assert [event_type for event_type, _ in events] == ["job_completed"]
    # Measured to the update that ended the job.
    assert events[0][1]["duration_minutes"] == 120
    assert tracker.resolve_end() == []


def test_octoprint_unresolved_ending_resolves_with_the_next_state() -> None:
    integration = KNOWN_INTEGRATIONS["octoprint"]
    tracker = JobTracker("octoprint")
    tracker.on_state(integration, "operational", T0)
    tracker.on_state(integration, "printing", T0)
    tracker.on_state(integration, "operational", T0)
    events = tracker.on_state(integration, "printing", T0)
    assert [event_type for event_type, _ in events] == ["job_failed", "job_created"]


def test_octoprint_outage_back_printing_goes_on() -> None:
    printer = Printer("octoprint")
    printer.update("operational", "0")
    printer.update("printing", "10")
    printer.update("unavailable", "unavailable", after=10)
    printer.update("printing", "60", after=10)
    assert printer.types() == ["job_created"]
    printer.update("operational", "100", after=30)
    assert printer.types() == ["job_created", "job_completed"]


@pytest.mark.parametrize("value", ["unknown", "unavailable", "", None, "nan", "abc"])
def test_octoprint_percentage_without_a_number_is_ignored(value: str | None) -> None:
    tracker = JobTracker("octoprint")
    tracker.progress = 55
    tracker.on_progress(value)
    assert tracker.progress == 55
    tracker.on_progress("100")
    assert tracker.progress == 100
