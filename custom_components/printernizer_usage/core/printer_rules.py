"""What HA's 3D-printer integrations look like, and how their states become jobs.

Pure Python, no Home Assistant imports. Each known integration is one table
entry: its printer type, how to recognise its print-state entity, how its
states map to the start and end of a job, and how the outcome of an ending is
decided (`Ending`). `JobTracker` turns a stream of states (and Bambu Lab's bus
events, and OctoPrint's job percentage) into job events, counting every job
once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
import math
from typing import Any, Final

from . import stored


class Step(StrEnum):
    """What a state change means for the job on a printer."""

    START = "start"
    COMPLETED = "completed"
    FAILED = "failed"
    ATTENTION = "attention"
    # Idle while a job was thought to run: it ended unseen (HA was down), and
    # how is unknown, so it is closed without counting an outcome.
    IDLE = "idle"
    # Back to ready after a job, with nothing in the state saying how it went:
    # the outcome is decided by the integration's `Ending` rule.
    END = "end"


class Ending(StrEnum):
    """How the outcome of a job's end is decided, per integration."""

    # The state the job ends in names the outcome (finished / stopped ...).
    BY_STATE = "by_state"
    # An end state names the outcome where there is one; a plain return to
    # ready (`Step.END`) is completed only when the job-percentage entity of
    # the same device last showed 100, and failed otherwise. When the state
    # entity goes unavailable during a job, the percentage seen before no
    # longer counts: only 100 shown after it is back makes the end completed.
    BY_PROGRESS = "by_progress"


def normalize(state: str | None) -> str:
    """Lower-case a state, words joined: "Printing from SD" -> "printing_from_sd"."""
    return "_".join((state or "").lower().split())


# States that say nothing about the job: the entity is not reporting.
NO_INFORMATION: Final = frozenset({"", "unknown", "unavailable", "none"})


def _prusalink(old: str, new: str) -> Step | None:
    if new == "printing":
        return Step.START
    if new == "finished":
        return Step.COMPLETED
    if new in ("stopped", "error"):
        return Step.FAILED
    if new == "attention":
        # Needs a person (filament out, crash detection); the job goes on.
        return Step.ATTENTION
    if new in ("idle", "ready"):
        return Step.IDLE
    return None


# OctoPrint's raw text (before HA 2025.12) where it differs from the enum value.
_OCTOPRINT_TEXT: Final = {
    "printing_from_sd": "printing_sd",
    "sending_file_to_sd": "printing_streaming",
    "starting_print_from_sd": "starting_sd",
    "starting_to_send_file_to_sd": "starting_streaming",
}


def _octoprint(old: str, new: str) -> Step | None:
    # Enum values since HA 2025.12 ("printing_sd"), raw text before
    # ("Printing from SD"); both normalize to a "printing"/"starting" prefix.
    new = _OCTOPRINT_TEXT.get(new, new)
    if new.startswith(("printing", "starting")):
        return Step.START
    if new in ("error", "offline_after_error"):
        return Step.FAILED
    if new in ("operational", "ready"):
        # Only a cancel ends a paused print.
        if old.startswith(("cancel", "paus")):
            return Step.FAILED
        if old == "finishing":
            return Step.COMPLETED
        # Finishing and Cancelling last seconds and are mostly polled past:
        # the job percentage decides (Ending.BY_PROGRESS).
        return Step.END
    return None


@dataclass(frozen=True, slots=True)
class _Phases:
    """Classify an integration whose state words name the phase of the job.

    Entering `job` from outside it starts a job; moving within it (a pause, a
    resume, preparing -> printing) does not. Words in none of the sets say
    nothing about the job.
    """

    job: frozenset[str]  # a job is on: preparing, printing, paused ...
    completed: frozenset[str]
    failed: frozenset[str]  # failed or cancelled
    idle: frozenset[str] = frozenset()  # no job

    def __call__(self, old: str, new: str) -> Step | None:
        if new in self.job:
            return None if old in self.job else Step.START
        if new in self.completed:
            return Step.COMPLETED
        if new in self.failed:
            return Step.FAILED
        if new in self.idle:
            return Step.IDLE
        return None


# Bambu Lab (ha-bambulab v2.2.22 and main 809391e, 2026-07-31): the state is
# the printer's gcode_state lower-cased, or "offline" (definitions.py, key
# "print_status"; pybambu/const.py GCODE_STATE_OPTIONS). Its own
# event_print_started fires on leaving idle/finish/failed (pybambu/models.py);
# a cancel ends in "failed". "init" ("Initializing", possibly a printer
# starting up) is neither a job nor an end.
_bambu_lab: Final = _Phases(
    job=frozenset({"slicing", "prepare", "running", "pause"}),
    completed=frozenset({"finish"}),
    failed=frozenset({"failed"}),
    idle=frozenset({"idle"}),
)

# Moonraker (moonraker-home-assistant 1.13.3 and main 60671db, 2026-06-18): the
# state is Klipper's print_stats.state (sensor.py, key "print_state"; const.py
# PRINTSTATES), kept until the next job or a reset to standby.
_moonraker: Final = _Phases(
    job=frozenset({"printing", "paused"}),
    completed=frozenset({"complete"}),
    failed=frozenset({"cancelled", "error"}),
    idle=frozenset({"standby"}),
)

# Dremel (HA core dremel_3d_printer, 2025.4.4 and 2026.2.3, sensor.py key
# "job_phase"): dremel3dpy 2.1.1's job status (dremel3dpy/__init__.py maps the
# printer's "" to "idle" and "!pausing"/"!resuming" to "paused"/"resuming").
_dremel: Final = _Phases(
    job=frozenset({"preparing", "building", "pausing", "paused", "resuming"}),
    completed=frozenset({"completed"}),
    failed=frozenset({"abort"}),
    idle=frozenset({"idle"}),
)

# Creality (ha_creality_ws 0.9.2 and main 6a168d8, sensor.py PrintStatusSensor):
# "completed" when a file is loaded at 100 %, "stopped" for the printer's
# state 4. "error" (any error code, shown before the job's state; the job may
# go on) and "processing" (state 0 with a file still loaded, before or after a
# job) say nothing sure about the job; "off" and "unknown" come only while the
# entity is unavailable.
_creality: Final = _Phases(
    job=frozenset({"printing", "paused"}),
    completed=frozenset({"completed"}),
    failed=frozenset({"stopped"}),
    idle=frozenset({"idle"}),
)

# Anycubic Cloud (hass-anycubic_cloud v0.2.2, 7512a3f): the status of the
# printer's latest project (anycubic_cloud_api/data_models/project.py
# print_status), "failed" for a cancelled one; kept until the next project, so
# there is no idle word.
_anycubic: Final = _Phases(
    job=frozenset(
        {"downloading", "checking", "preheating", "slicing", "printing", "paused"}
    ),
    completed=frozenset({"finished"}),
    failed=frozenset({"failed"}),
)


def _moonraker_state_entity(unique_id: str) -> bool:
    # "<config entry id>_print_state" (sensor.py): the entry id (a ULID, or
    # uuid hex for old entries) has no "_", so a user-named Klipper object,
    # pin or macro ending in "_print_state" is not taken for it.
    entry_id, _, key = unique_id.partition("_")
    return bool(entry_id) and key == "print_state"


@dataclass(frozen=True, slots=True)
class PrinterIntegration:
    """One 3D-printer integration HA may have, as seen from outside."""

    domain: str
    printer_type: str
    is_state_entity: Callable[[str], bool]  # by the entity registry's unique_id
    classify: Callable[[str, str], Step | None]  # (old, new), both normalized
    offline_states: frozenset[str] = frozenset()
    ending: Ending = Ending.BY_STATE
    # The job-percentage entity of the same device, by unique_id (BY_PROGRESS).
    is_progress_entity: Callable[[str], bool] | None = None


KNOWN_INTEGRATIONS: Final = {
    integration.domain: integration
    for integration in (
        PrinterIntegration(
            "prusalink", "prusa", lambda uid: uid.endswith("_printer.state"), _prusalink
        ),
        PrinterIntegration(
            "octoprint",
            "octoprint",
            # HA core octoprint/sensor.py (2025.4.4 and 2026.2.3): unique_id
            # f"{sensor_type}-{device_id}", "Current State" / "Job Percentage";
            # OctoPrint keeps 100 % after a finished job and resets it on a
            # cancel (the sensor then shows 0).
            lambda uid: uid.startswith("Current State-"),
            _octoprint,
            ending=Ending.BY_PROGRESS,
            is_progress_entity=lambda uid: uid.startswith("Job Percentage-"),
        ),
        PrinterIntegration(
            "bambu_lab",
            "bambu_lab",
            # sensor.py: f"{serial}_{key}"; AMS, spool and hotend-rack entities
            # have other keys.
            lambda uid: uid.endswith("_print_status"),
            _bambu_lab,
            offline_states=frozenset({"offline"}),
        ),
        PrinterIntegration("moonraker", "klipper", _moonraker_state_entity, _moonraker),
        PrinterIntegration(
            "dremel_3d_printer",
            "dremel",
            # entity.py: f"{config entry unique_id (the serial)}_{key}".
            lambda uid: uid.endswith("_job_phase"),
            _dremel,
        ),
        PrinterIntegration(
            "ha_creality_ws",
            "creality",
            # entity.py: f"{host}-{key}"; the host may itself contain "-".
            lambda uid: uid.endswith("-print_status"),
            _creality,
        ),
        PrinterIntegration(
            "anycubic_cloud",
            "anycubic",
            # helpers.py printer_entity_unique_id: f"{machine_mac}-{key}".
            lambda uid: uid.endswith("-job_state"),
            _anycubic,
        ),
    )
}

# Integrations whose devices count as printers although their job states are
# not read. Elegoo (elegoo-homeassistant v2.12.0, 83db65f, 2026-07-30): its
# "print_status" words differ per printer family (resin SDCP, Centauri Carbon,
# CC2) and were remapped in v2.12.0; on the Centauri Carbon the status stays on
# milestones such as "preheating_completed" through a job, so no word reliably
# says that a job started.
FLEET_ONLY_INTEGRATIONS: Final = {
    "elegoo_printer": "elegoo",
}

PRINTER_TYPE_BY_DOMAIN: Final = {
    **FLEET_ONLY_INTEGRATIONS,
    **{domain: item.printer_type for domain, item in KNOWN_INTEGRATIONS.items()},
}

# Bambu Lab's own bus events; preferred over its state entity where present.
BAMBU_EVENT: Final = "bambu_lab_event"
BAMBU_EVENT_STEPS: Final = {
    "event_print_started": Step.START,
    "event_print_finished": Step.COMPLETED,
    "event_print_canceled": Step.FAILED,
    "event_print_failed": Step.FAILED,
}

type JobEvent = tuple[str, dict[str, Any]]


class JobTracker:
    """The job on one printer: started once, ended once, measured when seen whole.

    State entities and bus events of the same printer share one tracker, so a
    job reported by both is still counted once.
    """

    def __init__(self, printer_type: str) -> None:
        """Track jobs of a printer of this type."""
        self.printer_type = printer_type
        self.in_progress = False
        self.started_at: datetime | None = None
        self.last_state = ""
        # The last job percentage shown (Ending.BY_PROGRESS), None if unknown.
        self.progress: float | None = None
        # A Step.END whose outcome waits for the rest of the same update.
        self.ending_at: datetime | None = None

    def on_state(
        self, integration: PrinterIntegration, state: str | None, now: datetime
    ) -> list[JobEvent]:
        """Follow a new state of the print-state entity."""
        new = normalize(state)
        events = self.resolve_end()
        if new == "unavailable" and integration.ending is Ending.BY_PROGRESS:
            # The job was interrupted: what it showed before proves nothing.
            self.progress = None
        if (
            new in NO_INFORMATION
            or new in integration.offline_states
            or new == self.last_state  # only attributes changed, or a blip
        ):
            return events
        # Without an earlier state (first sight after a restart or setup) a
        # running job is known to exist, but not since when.
        first_sight = not self.last_state
        step = integration.classify(self.last_state, new)
        self.last_state = new
        return events + self.on_step(step, now, start_known=not first_sight)

    def on_progress(self, state: str | None) -> None:
        """Follow the job-percentage entity of the same device."""
        try:
            value = float(normalize(state))
        except ValueError:
            return  # unavailable, unknown: nothing shown
        if math.isfinite(value):
            self.progress = value

    def resolve_end(self) -> list[JobEvent]:
        """Decide a pending Step.END: completed only with 100 % shown.

        Called once the update that ended the job has been seen whole (its
        job percentage may be written just after its state).
        """
        if (ended := self.ending_at) is None:
            return []
        self.ending_at = None
        done = self.progress is not None and self.progress >= 100
        return self._end(Step.COMPLETED if done else Step.FAILED, ended)

    def on_step(
        self, step: Step | None, now: datetime, *, start_known: bool = True
    ) -> list[JobEvent]:
        """Apply one step; return the events to count."""
        metadata: dict[str, Any] = {"printer_type": self.printer_type}
        if step is Step.START:
            if self.in_progress:
                return []
            self.in_progress = True
            self.started_at = now if start_known else None
            self.progress = None
            return [("job_created", metadata)]
        if step is Step.END:
            if self.in_progress:
                self.ending_at = now
            return []
        if step is Step.IDLE:
            self.in_progress = False
            self.started_at = None
            self.ending_at = None
            return []
        if step is Step.ATTENTION:
            return [
                (
                    "error_occurred",
                    {"error_type": "printer_attention", "component": "printer"},
                )
            ]
        if step not in (Step.COMPLETED, Step.FAILED):
            return []
        return self._end(step, now)

    def _end(self, step: Step, now: datetime) -> list[JobEvent]:
        metadata: dict[str, Any] = {"printer_type": self.printer_type}
        if not self.in_progress:
            # An end without a job in progress was already counted (the other
            # source of the same printer, or the state repeated).
            return []
        self.in_progress = False
        self.progress = None
        self.ending_at = None
        if step is Step.COMPLETED:
            if self.started_at is not None and now >= self.started_at:
                minutes = (now - self.started_at).total_seconds() / 60
                metadata["duration_minutes"] = minutes
            self.started_at = None
            return [("job_completed", metadata)]
        self.started_at = None
        return [("job_failed", metadata)]

    def as_dict(self) -> dict[str, Any]:
        """Return what must survive a restart: a job in progress and its start."""
        return {
            "printer_type": self.printer_type,
            "in_progress": self.in_progress,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "last_state": self.last_state,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobTracker:
        """Build from the JSON form."""
        tracker = cls(stored.text(data["printer_type"]))
        tracker.in_progress = stored.flag(data.get("in_progress", False))
        tracker.last_state = stored.text(data.get("last_state", ""))
        tracker.started_at = stored.optional_moment(data.get("started_at"))
        return tracker
