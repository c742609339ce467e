"""The live state of a loaded entry: counts, storage, consent, sending, updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
import threading
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.util import dt as dt_util

from .bridge import PrinternizerCoordinator
from .consent import Consent, ConsentChange
from .const import (
    CONSENT_FIELDS,
    CONSENT_VERSION,
    DOMAIN,
    ISSUE_CONSENT_NEEDED,
    ISSUE_TWO_REPORTS,
    LOGGER,
)
from .core.allowlist import (
    InvalidMetadataError,
    SanitizedEvent,
    UnknownEventTypeError,
    sanitize_event,
)
from .core.counts import UsageCounts, utc_day
from .core.installation import Installation
from .core.payload import Period, build_payload
from .core.printer_rules import JobTracker
from .core.printernizer import BridgeState
from .core.schedule import SubmissionState
from .report import async_installation_facts
from .statistics import STATISTIC_IDS, LongTermStatistics, async_clear_recorded
from .store import StoredData, UsageStore
from .uploader import Uploader

# Entities are refreshed at most this often, whatever the event rate.
ENTITY_UPDATE_COOLDOWN: Final = 1.0

type PrinternizerUsageConfigEntry = ConfigEntry[UsageRuntime]


def _without_api_keys(data: Any) -> Any:
    """Return `data` without any `api_key` value (the export is a file to keep)."""
    if isinstance(data, dict):
        return {
            key: _without_api_keys(value)
            for key, value in data.items()
            if key != "api_key"
        }
    if isinstance(data, list):
        return [_without_api_keys(item) for item in data]
    return data


class UsageRuntime:
    """Everything a loaded entry needs; `record_event` is the Python API."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PrinternizerUsageConfigEntry,
        *,
        counts: UsageCounts,
        installation: Installation,
        submission: SubmissionState,
        job_trackers: dict[str, JobTracker],
        bridge_state: BridgeState,
        store: UsageStore,
        version: str,
    ) -> None:
        """Wire the live model to its store, the sender and entity updates."""
        self.hass = hass
        self.entry = entry
        self.counts = counts
        self.store = store
        self.version = version
        # The printers of HA's printer integrations (see `printer_types`).
        self.ha_printer_types: dict[str, int] = {}
        # Per printer (device id): the job in progress, kept across restarts.
        self.job_trackers = job_trackers
        self._loop_thread_id = hass.loop_thread_id
        self.consent = Consent(hass, entry, installation)
        self.uploader = Uploader(
            hass,
            entry,
            self.consent,
            submission,
            build=self.async_build_report,
            version=version,
            on_change=self._async_submission_changed,
            save_now=self._async_save_now,
            on_key_refused=self._async_key_refused,
        )
        self.bridge = PrinternizerCoordinator(
            hass,
            entry,
            bridge_state,
            record=self._async_record_imported,
            retention_days=lambda: self.counts.retention_days,
            on_change=self._async_bridge_changed,
        )
        self.long_term = LongTermStatistics(hass)
        self._uptime_mark = dt_util.utcnow()
        self._last_hour = self._uptime_mark
        self._started = False
        self._listeners: list[CALLBACK_TYPE] = []
        self._debouncer: Debouncer[None] = Debouncer(
            hass,
            LOGGER,
            cooldown=ENTITY_UPDATE_COOLDOWN,
            immediate=True,
            function=self._async_call_listeners,
        )

    # --- recording

    def record_event(
        self, event_type: str, metadata: Mapping[str, Any] | None = None
    ) -> bool:
        """Count an event for other integrations' code; never raises.

        Returns True when the event passed the allowlist. Safe from any thread:
        the allowlist runs in the caller's thread, the count on the event loop.
        Statistics must never break the caller, so every failure is logged at
        debug level and swallowed.
        """
        try:
            try:
                event = sanitize_event(event_type, metadata)
            except (UnknownEventTypeError, InvalidMetadataError):
                self._run_on_loop(self.async_record_rejected)
                return False
            if threading.get_ident() != self._loop_thread_id:
                self.hass.loop.call_soon_threadsafe(self.async_count, event)
                return True
            # The hot path, without a further call: async_count, inlined.
            self.counts.record(event, dt_util.utcnow())
            self._async_changed()
        except Exception:  # noqa: BLE001 - statistics must never break the caller
            # Also a closed event loop, once Home Assistant has stopped.
            LOGGER.debug("Could not record a usage event", exc_info=True)
            return False
        return True

    def _run_on_loop(self, func: Callable[[], None]) -> None:
        if threading.get_ident() == self._loop_thread_id:
            func()
        else:
            self.hass.loop.call_soon_threadsafe(func)

    @callback
    def async_record(
        self, event_type: object, metadata: object = None
    ) -> SanitizedEvent:
        """Sanitize and count an event; raise if the event itself is invalid.

        Returns what was counted.
        """
        event = sanitize_event(event_type, metadata)
        self.async_count(event)
        return event

    @callback
    def async_count(self, event: SanitizedEvent) -> None:
        """Count an event that passed the allowlist."""
        self.counts.record(event, dt_util.utcnow())
        self._async_changed()

    @callback
    def async_record_rejected(self) -> None:
        """Count an event that failed the allowlist."""
        self.counts.record_rejected(dt_util.utcnow())
        self._async_changed()

    @callback
    def _async_record_imported(
        self,
        counted: list[tuple[datetime, SanitizedEvent, int]],
        rejected: list[tuple[datetime, int]],
    ) -> None:
        """Count Printernizer's events on their own days (alike ones at once)."""
        counts = self.counts
        for moment, event, times in counted:
            counts.record(event, moment, times)
        for moment, times in rejected:
            counts.record_rejected(moment, times)
        if counted or rejected:
            # Old days keep no labels; imported history must not either.
            counts.prune(dt_util.utcnow())
            self._async_changed()
        if counted:
            # The graphs show the imported days at once, not after an hour.
            self.long_term.async_push(
                counts, since=min(utc_day(moment) for moment, _, _ in counted)
            )

    # --- Printernizer

    @property
    def printernizer_is_source(self) -> bool:
        """Return whether Printernizer counts jobs, connections and the fleet.

        While an address is set, whether it answers or not, HA's printer
        integrations count none of these: one print is never counted twice.
        """
        return self.bridge.url is not None

    @property
    def printer_types(self) -> dict[str, int]:
        """Return the printers per type, from whichever source counts them."""
        if self.printernizer_is_source:
            return self.bridge.state.printer_types
        return self.ha_printer_types

    @callback
    def _async_bridge_changed(self) -> None:
        self.store.async_schedule_save(self._data_to_save)
        self._async_update_two_reports_issue()
        self.async_update_listeners()

    @callback
    def _async_update_two_reports_issue(self) -> None:
        """Ask which report to keep while both Printernizer and this one send."""
        if self.consent.share and self.bridge.printernizer_sharing and self.bridge.url:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                ISSUE_TWO_REPORTS,
                is_fixable=True,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_TWO_REPORTS,
            )
        else:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_TWO_REPORTS)

    @callback
    def _async_changed(self) -> None:
        self.store.async_schedule_save(self._data_to_save)
        self._debouncer.async_schedule_call()

    @callback
    def _async_submission_changed(self) -> None:
        # Rare and worth seeing at once, unlike counts.
        self.store.async_schedule_save(self._data_to_save)
        self.async_update_listeners()

    # --- storage

    def stored_data(self) -> StoredData:
        """Build the storage file content from the live model."""
        return {
            "counts": self.counts.as_dict(),
            "installation": self.consent.installation.as_dict(),
            "submission": self.uploader.state.as_dict(),
            "printernizer": self.bridge.state.as_dict(),
            "jobs_in_progress": {
                printer: tracker.as_dict()
                for printer, tracker in self.job_trackers.items()
                if tracker.in_progress
            },
        }

    async def _async_save_now(self) -> None:
        await self.store.async_save_now(self._data_to_save)

    def _data_to_save(self) -> StoredData:
        self.async_account_uptime()
        return self.stored_data()

    @callback
    def async_account_uptime(self) -> None:
        """Add the running time since the last call to the days it fell on."""
        now = dt_util.utcnow()
        self.counts.add_uptime(self._uptime_mark, now)
        self._uptime_mark = now

    @callback
    def async_hourly(self, _now: datetime | None = None) -> None:
        """Keep the uptime in storage and the long-term statistics current.

        Also follow a clock that was put back: Home Assistant's hourly timer
        runs on the monotonic clock, so it comes when a timer set for a time
        "in the future" would not.
        """
        now = dt_util.utcnow()
        went_back, self._last_hour = now < self._last_hour, now
        self._async_follow_clock()
        self.store.async_schedule_save(self._data_to_save)
        self.long_term.async_push_changes(self.counts)
        if went_back:
            # The sender's timer may wait for the old clock.
            self.uploader.async_schedule()

    @callback
    def _async_follow_clock(self) -> None:
        """Correct what a clock that ran ahead stored "in the future"."""
        now = dt_util.utcnow()
        dropped = self.counts.follow_clock(now)
        if self.consent.async_follow_clock(now) or dropped:
            LOGGER.info(
                "The clock was put back: %s days it had counted ahead left the daily "
                "counts (the totals keep them); reports go on from the corrected day",
                dropped,
            )
            self.store.async_schedule_save(self._data_to_save)
            self.async_update_listeners()

    # --- the report

    async def async_build_report(
        self, period: Period, installation_id: str, first_seen: date
    ) -> dict[str, Any]:
        """Build the report for a period from the counts kept locally."""
        self.async_account_uptime()
        return build_payload(
            self.counts,
            await async_installation_facts(
                self.hass,
                installation_id,
                first_seen,
                version=self.version,
                printernizer_version=self.bridge.app_version,
            ),
            period,
            self.printer_types,
            # Only a current agreement sends; the preview shows that report too.
            CONSENT_VERSION,
        )

    # --- entity updates

    @callback
    def async_add_listener(self, update_callback: CALLBACK_TYPE) -> Callable[[], None]:
        """Call `update_callback` (coalesced) whenever the counts change."""
        self._listeners.append(update_callback)
        return lambda: self._listeners.remove(update_callback)

    @callback
    def async_update_listeners(self) -> None:
        """Refresh entities now (option change, new day)."""
        self._async_call_listeners()

    @callback
    def _async_call_listeners(self) -> None:
        for update_callback in list(self._listeners):
            update_callback()

    # --- consent

    @callback
    def async_apply_options(self, *, changed: bool = False) -> None:
        """Follow the options: an id exists only while sharing is on.

        A stop caused by a refused API key outlives option changes and
        restarts (it asks for a new key again after a restart); only a key
        check the service passes ends it (`Uploader.async_key_accepted`).
        """
        now = dt_util.utcnow()
        if changed:
            destination = self.consent.destination
            self.consent.async_replace_key(destination)
            self.uploader.async_destination_changed(destination)
        # Before an opt-in: a day "in the future" that holds counts from
        # before it must not become a day of its reports.
        self._async_follow_clock()
        self._async_follow(self.consent.async_follow_options(utc_day(now)))
        self._async_update_consent_issue()
        if self._started:
            self._async_arm()
        self.async_update_listeners()

    @callback
    def async_start(self) -> None:
        """Start polling and sending; only once setup has succeeded.

        HA runs no unload callbacks after a setup that raised, so anything
        armed earlier would poll and send for an entry that is not loaded.
        """
        self._started = True
        self._async_arm()
        if self.uploader.state.auth_failed:
            self._async_key_refused()

    @callback
    def _async_arm(self) -> None:
        self.bridge.async_follow_options()
        self._async_update_two_reports_issue()
        self.uploader.async_schedule()

    @callback
    def _async_follow(self, change: ConsentChange, *, wipe: bool = False) -> None:
        if change.stopped:
            self.uploader.async_ended(change.ended, wipe=wipe)
        if change.started:
            self.uploader.async_started()
        if change.started or change.stopped:
            self.store.async_schedule_save(self._data_to_save)

    @callback
    def _async_key_refused(self) -> None:
        """Ask the person for a new key, the HA way."""
        self.entry.async_start_reauth(self.hass)

    @callback
    def _async_update_consent_issue(self) -> None:
        """Ask again only people who agreed to an older report; never others."""
        consent = self.consent
        if not consent.share or consent.current:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_CONSENT_NEEDED)
            return
        new_fields = ", ".join(
            name
            for version, names in sorted(CONSENT_FIELDS.items())
            if version > consent.version
            for name in names
        )
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_CONSENT_NEEDED,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_CONSENT_NEEDED,
            translation_placeholders={"new_fields": new_fields},
            data={"new_fields": new_fields},
        )

    # --- day changes, export, delete, shutdown

    @callback
    def async_new_day(self, _now: datetime | None = None) -> None:
        """Apply retention, send the days to the recorder, refresh the week sensors.

        Called at setup and at local midnight.
        """
        self._async_follow_clock()
        if self.counts.prune(dt_util.utcnow()):
            self.store.async_schedule_save(self._data_to_save)
        self.long_term.async_push_changes(self.counts)
        self.async_update_listeners()

    def export(self) -> dict[str, Any]:
        """Return every piece of local data, for the administrator it belongs to."""
        data: dict[str, Any] = _without_api_keys(self.stored_data())
        return {
            "exported_at": dt_util.utcnow().isoformat(),
            "share_statistics": self.consent.share,
            "endpoint": self.consent.destination.endpoint,
            # Where HA's statistics graphs find the daily counts.
            "long_term_statistics": STATISTIC_IDS,
            **data,
        }

    async def async_delete_all(self) -> dict[str, Any]:
        """Wipe counts, totals, HA's copies, the audit log and the id; say what went.

        Every id that may have reached a service gets a deletion request
        there; a send in flight is dropped. With sharing on, sharing goes on
        under a new, unlinkable id from today.
        """
        now = dt_util.utcnow()
        removed: dict[str, Any] = self.counts.clear(now)
        removed["installation_id"] = self.consent.installation_id is not None
        removed["deletion_requests"] = len(self.consent.installation.sent)
        # An import in flight would bring counts back; what it took stays taken.
        self.bridge.async_fence()
        self._async_follow(self.consent.async_wipe(utc_day(now)), wipe=True)
        await self.store.async_save_now(self._data_to_save)
        # Before the sensors show 0: that state is not part of what is removed.
        removed["statistic_ids"] = await async_clear_recorded(
            self.hass, self.entry.entry_id
        )
        self.long_term.async_forget()
        self.uploader.async_schedule()
        self.async_update_listeners()
        return removed

    async def async_shutdown(self) -> None:
        """Stop sending and entity updates, write what is pending, then nothing more."""
        self.uploader.async_close()
        self.bridge.async_close()
        self._debouncer.async_shutdown()
        # Their fix flows need a loaded entry.
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_CONSENT_NEEDED)
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_TWO_REPORTS)
        await self.store.async_close(self._data_to_save)
