"""Print jobs and connectivity, from the print-state entities of known integrations.

Entities are found through the entity registry (platform and unique_id), never
by their state words alone: paper printers use the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from homeassistant.const import STATE_OFF, STATE_UNAVAILABLE
from homeassistant.core import (
    CALLBACK_TYPE,
    CoreState,
    Event,
    EventStateChangedData,
    HassJob,
    HomeAssistant,
    State,
    callback,
)
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import (
    async_call_later,
    async_track_state_change_event,
)
from homeassistant.util import dt as dt_util

from ..core.printer_rules import (
    BAMBU_EVENT,
    BAMBU_EVENT_STEPS,
    KNOWN_INTEGRATIONS,
    JobEvent,
    JobTracker,
    PrinterIntegration,
    normalize,
)
from ..runtime import UsageRuntime
from .errors import CONNECTIVITY_SETTLE, OutageErrors

_BAMBU_ONLINE_SUFFIX: Final = "_online"
# What a watched entity tells about its printer.
_JOB: Final = "job"  # the print-state entity: jobs and connectivity
_ONLINE: Final = "online"  # a connectivity entity (Bambu Lab's `_online`)
_PROGRESS: Final = "progress"  # the job percentage (Ending.BY_PROGRESS)


@dataclass(frozen=True, slots=True)
class _Watched:
    integration: PrinterIntegration
    printer: str  # device id, or the registry entry id for an entity without device
    role: str  # _JOB, _ONLINE or _PROGRESS


class PrinterWatcher:
    """Follows the printers' entities and turns what they do into events."""

    def __init__(
        self, hass: HomeAssistant, runtime: UsageRuntime, outages: OutageErrors
    ) -> None:
        """Use (and persist through) the runtime's job trackers."""
        self.hass = hass
        self.runtime = runtime
        self._watched: dict[str, _Watched] = {}
        self._online: dict[str, bool] = {}
        self._settling: dict[str, CALLBACK_TYPE] = {}
        self._resolving: set[str] = set()
        self._outages = outages
        self._unsub_states: CALLBACK_TYPE | None = None

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Start watching; return the function that stops it."""
        registry = er.async_get(self.hass)
        unsubs = [
            self.hass.bus.async_listen(
                er.EVENT_ENTITY_REGISTRY_UPDATED, self._async_registry_updated
            ),
            self.hass.bus.async_listen(BAMBU_EVENT, self._async_bambu_event),
        ]
        self._async_rescan(registry)
        for entity_id in self._watched:
            if (state := self.hass.states.get(entity_id)) is not None:
                self._async_follow(entity_id, None, state)

        @callback
        def stop() -> None:
            for unsub in unsubs:
                unsub()
            if self._unsub_states is not None:
                self._unsub_states()
            for cancel in self._settling.values():
                cancel()
            self._settling.clear()

        return stop

    @callback
    def _async_rescan(self, registry: er.EntityRegistry) -> None:
        watched: dict[str, _Watched] = {}
        for entry in registry.entities.values():
            integration = KNOWN_INTEGRATIONS.get(entry.platform)
            if integration is None:
                continue
            printer = entry.device_id or entry.id
            if integration.is_state_entity(entry.unique_id):
                watched[entry.entity_id] = _Watched(integration, printer, _JOB)
            elif (
                integration.domain == "bambu_lab"
                and entry.domain == "binary_sensor"
                and entry.unique_id.endswith(_BAMBU_ONLINE_SUFFIX)
            ):
                watched[entry.entity_id] = _Watched(integration, printer, _ONLINE)
            elif (
                integration.is_progress_entity is not None
                and entry.domain == "sensor"
                and integration.is_progress_entity(entry.unique_id)
            ):
                watched[entry.entity_id] = _Watched(integration, printer, _PROGRESS)
        if watched.keys() == self._watched.keys():
            self._watched = watched
            return
        self._watched = watched
        # Subscribe before unsubscribing: with no tracker left for a moment,
        # HA drops its dispatch table and a state change already queued (the
        # first state of a printer just added) would be lost.
        previous = self._unsub_states
        self._unsub_states = async_track_state_change_event(
            self.hass, list(watched), self._async_state_changed
        )
        if previous is not None:
            previous()

    @callback
    def _async_registry_updated(
        self, event: Event[er.EventEntityRegistryUpdatedData]
    ) -> None:
        # HA registers every entity at start-up; rescan only for printer ones.
        data = event.data
        registry = er.async_get(self.hass)
        entry = registry.async_get(data["entity_id"])
        relevant = data["entity_id"] in self._watched or (
            entry is not None and entry.platform in KNOWN_INTEGRATIONS
        )
        if relevant or data.get("old_entity_id") in self._watched:
            self._async_rescan(registry)

    @callback
    def _async_state_changed(self, event: Event[EventStateChangedData]) -> None:
        self._async_follow(
            event.data["entity_id"], event.data["old_state"], event.data["new_state"]
        )

    def _tracker(self, watched: _Watched) -> JobTracker:
        trackers = self.runtime.job_trackers
        if (tracker := trackers.get(watched.printer)) is None:
            tracker = trackers[watched.printer] = JobTracker(
                watched.integration.printer_type
            )
        return tracker

    @callback
    def _async_follow(
        self, entity_id: str, old_state: State | None, new_state: State | None
    ) -> None:
        if (watched := self._watched.get(entity_id)) is None:
            return
        if watched.role == _PROGRESS:
            if new_state is not None:
                self._tracker(watched).on_progress(new_state.state)
            return
        self._async_connectivity(watched, old_state, new_state)
        if watched.role == _JOB and new_state is not None:
            tracker = self._tracker(watched)
            self._async_count(
                tracker.on_state(watched.integration, new_state.state, dt_util.utcnow())
            )
            if tracker.ending_at is not None:
                self._async_resolve_soon(watched.printer, tracker)

    @callback
    def _async_resolve_soon(self, printer: str, tracker: JobTracker) -> None:
        # An ending waits for the rest of the same update: a coordinator writes
        # its entities one after the other, the job percentage maybe after the
        # state, all before the loop runs anything scheduled now.
        if printer in self._resolving:
            return
        self._resolving.add(printer)

        @callback
        def _async_resolve() -> None:
            self._resolving.discard(printer)
            self._async_count(tracker.resolve_end())

        self.hass.loop.call_soon(_async_resolve)

    @callback
    def _async_bambu_event(self, event: Event) -> None:
        step = BAMBU_EVENT_STEPS.get(str(event.data.get("type")))
        device_id = event.data.get("device_id")
        if step is None or not isinstance(device_id, str):
            return
        tracker = self.runtime.job_trackers.get(device_id)
        if tracker is None:
            tracker = self.runtime.job_trackers[device_id] = JobTracker("bambu_lab")
        self._async_count(tracker.on_step(step, dt_util.utcnow()))

    @callback
    def _async_count(self, events: list[JobEvent]) -> None:
        # While Printernizer counts the jobs, following them here only keeps
        # each tracker's state current.
        if self.runtime.printernizer_is_source:
            return
        for event_type, metadata in events:
            self.runtime.async_record(event_type, metadata)

    # --- connectivity

    @staticmethod
    def _is_online(watched: _Watched, state: State) -> bool:
        value = state.state
        if value == STATE_UNAVAILABLE:
            return False
        if watched.role == _ONLINE:
            return value != STATE_OFF
        return normalize(value) not in watched.integration.offline_states

    @callback
    def _async_connectivity(
        self, watched: _Watched, old_state: State | None, new_state: State | None
    ) -> None:
        printer = watched.printer
        if new_state is None:
            return  # the entity was removed: not a disconnection
        online = self._is_online(watched, new_state)
        domain = watched.integration.domain
        self._outages.async_set_online(domain, printer, online)
        if old_state is None or self.hass.state is not CoreState.running:
            # First sight, start-up or shutdown: note it, count nothing.
            self._online[printer] = online
            self._async_cancel_settling(printer)
            return
        self._async_cancel_settling(printer)
        if online == self._online.get(printer, online):
            return  # back as it was within the minute: nothing happened
        since = dt_util.utcnow()

        @callback
        def _async_settled(_now: Any) -> None:
            self._settling.pop(printer, None)
            self._online[printer] = online
            if not self.runtime.printernizer_is_source:
                self.runtime.async_record(
                    "printer_connected" if online else "printer_disconnected",
                    {"printer_type": watched.integration.printer_type},
                )
            if not online:
                # One outage of one printer: one error, typed by its records.
                self._outages.async_outage(domain, since)

        self._settling[printer] = async_call_later(
            self.hass,
            CONNECTIVITY_SETTLE,
            HassJob(_async_settled, cancel_on_shutdown=True),
        )

    @callback
    def _async_cancel_settling(self, printer: str) -> None:
        if (cancel := self._settling.pop(printer, None)) is not None:
            cancel()
