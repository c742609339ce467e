"""The live state of a loaded entry: counts, storage, consent, sending, updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
import uuid

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.debounce import Debouncer
from homeassistant.util import dt as dt_util

from .const import (
    CONF_API_KEY,
    CONF_CONSENT_VERSION,
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    CONSENT_FIELDS,
    CONSENT_VERSION,
    DEFAULT_ENDPOINT,
    DOMAIN,
    ISSUE_CONSENT_NEEDED,
    ISSUE_INVALID_API_KEY,
    LOGGER,
)
from .counts import UsageCounts
from .printers import JobTracker
from .privacy import (
    InvalidMetadataError,
    SanitizedEvent,
    UnknownEventTypeError,
    sanitize_event,
)
from .store import StoredData, UsageStore
from .submitter import SubmissionState, Submitter

# Entities are refreshed at most this often, whatever the event rate.
ENTITY_UPDATE_COOLDOWN: Final = 1.0

type PrinternizerUsageConfigEntry = ConfigEntry[UsageRuntime]


@dataclass
class Installation:
    """The random identity used only while sharing is on."""

    installation_id: str | None = None
    # Every id that may have reached the server, so deletion can be asked for each.
    submitted_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "installation_id": self.installation_id,
            "submitted_ids": self.submitted_ids,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Installation:
        """Build from the JSON form."""
        return cls(
            installation_id=data.get("installation_id"),
            submitted_ids=list(data.get("submitted_ids", [])),
        )


def consent_options(options: Mapping[str, Any], *, share: bool) -> dict[str, Any]:
    """Return the options with the share choice; ticking it agrees to this version."""
    new_options = {**options, CONF_SHARE_STATISTICS: share}
    if share and not options.get(CONF_SHARE_STATISTICS):
        new_options[CONF_CONSENT_VERSION] = CONSENT_VERSION
    return new_options


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
        store: UsageStore,
        version: str,
    ) -> None:
        """Wire the live model to its store, the sender and entity updates."""
        self.hass = hass
        self.entry = entry
        self.counts = counts
        self.installation = installation
        self.store = store
        self.version = version
        self.printer_types: dict[str, int] = {}
        # Per printer (device id): the job in progress, kept across restarts.
        self.job_trackers = job_trackers
        self.submitter = Submitter(
            hass, self, submission, self._async_submission_changed
        )
        self._uptime_mark = dt_util.utcnow()
        self._listeners: list[CALLBACK_TYPE] = []
        self._debouncer: Debouncer[None] = Debouncer(
            hass,
            LOGGER,
            cooldown=ENTITY_UPDATE_COOLDOWN,
            immediate=True,
            function=self._async_call_listeners,
        )

    # --- options

    @property
    def share_statistics(self) -> bool:
        """Return whether the person agreed to send the weekly report."""
        return bool(self.entry.options.get(CONF_SHARE_STATISTICS, False))

    @property
    def consent_version(self) -> int:
        """Return the report version the person agreed to.

        Entries from before versioned consent agreed to the first version.
        """
        return int(self.entry.options.get(CONF_CONSENT_VERSION, 1))

    @property
    def consent_current(self) -> bool:
        """Return whether that agreement covers everything the report contains."""
        return self.consent_version >= CONSENT_VERSION

    @property
    def endpoint(self) -> str:
        """Return the statistics service's base URL."""
        return str(self.entry.options.get(CONF_ENDPOINT, DEFAULT_ENDPOINT)).rstrip("/")

    @property
    def api_key(self) -> str | None:
        """Return the optional API key."""
        return self.entry.options.get(CONF_API_KEY) or None

    # --- recording

    def record_event(
        self, event_type: str, metadata: Mapping[str, Any] | None = None
    ) -> bool:
        """Count an event for other integrations' code; never raises.

        Returns True when the event was counted. Statistics must never break
        the caller, so every failure is logged at debug level and swallowed.
        """
        try:
            self.async_record(event_type, metadata)
        except (UnknownEventTypeError, InvalidMetadataError):
            self.async_record_rejected()
            return False
        except Exception:  # noqa: BLE001 - statistics must never break the caller
            LOGGER.debug("Could not record a usage event", exc_info=True)
            return False
        return True

    @callback
    def async_record(
        self, event_type: object, metadata: object = None
    ) -> SanitizedEvent:
        """Sanitize and count an event; raise if the event itself is invalid.

        Returns what was counted.
        """
        event = sanitize_event(event_type, metadata)
        self.counts.record(event, dt_util.utcnow())
        self._async_changed()
        return event

    @callback
    def async_record_rejected(self) -> None:
        """Count an event that failed the allowlist."""
        self.counts.record_rejected(dt_util.utcnow())
        self._async_changed()

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
            "installation": self.installation.as_dict(),
            "submission": self.submitter.state.as_dict(),
            "jobs_in_progress": {
                printer: tracker.as_dict()
                for printer, tracker in self.job_trackers.items()
                if tracker.in_progress
            },
        }

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
        """Keep the uptime current in storage even when no events arrive."""
        self.store.async_schedule_save(self._data_to_save)

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

        A change of the options (not a restart) also lifts a stop caused by a
        refused API key: the next request tells whether the new settings work.
        """
        if changed and self.submitter.state.auth_failed:
            self.async_clear_issue_api_key()
        installation = self.installation
        old_id = installation.installation_id
        if self.share_statistics and old_id is None:
            installation.installation_id = str(uuid.uuid4())
            self.submitter.async_opted_in(dt_util.utcnow())
        elif not self.share_statistics and old_id is not None:
            installation.installation_id = None
            self.submitter.async_opted_out(old_id)
        if installation.installation_id != old_id:
            self.store.async_schedule_save(self._data_to_save)
        self._async_update_consent_issue()
        self.submitter.async_schedule()
        self.async_update_listeners()

    @callback
    def _async_update_consent_issue(self) -> None:
        """Ask again only people who agreed to an older report; never others."""
        if not self.share_statistics or self.consent_current:
            ir.async_delete_issue(self.hass, DOMAIN, ISSUE_CONSENT_NEEDED)
            return
        new_fields = [
            name
            for version, names in sorted(CONSENT_FIELDS.items())
            if version > self.consent_version
            for name in names
        ]
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_CONSENT_NEEDED,
            is_fixable=True,
            is_persistent=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_CONSENT_NEEDED,
            translation_placeholders={"new_fields": ", ".join(new_fields)},
            data={"new_fields": ", ".join(new_fields)},
        )

    @callback
    def async_raise_issue_api_key(self) -> None:
        """Tell the person the server refused the API key."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            ISSUE_INVALID_API_KEY,
            is_fixable=True,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_INVALID_API_KEY,
        )

    @callback
    def async_clear_issue_api_key(self) -> None:
        """Resume sending after the API key changed."""
        self.submitter.state.auth_failed = False
        ir.async_delete_issue(self.hass, DOMAIN, ISSUE_INVALID_API_KEY)

    # --- day changes, export, delete, shutdown

    @callback
    def async_new_day(self, _now: datetime | None = None) -> None:
        """Apply retention and refresh the week sensors (called at local midnight)."""
        if self.counts.prune(dt_util.utcnow()):
            self.store.async_schedule_save(self._data_to_save)
        self.async_update_listeners()

    def export(self) -> dict[str, Any]:
        """Return every piece of local data, for the person it belongs to."""
        return {
            "exported_at": dt_util.utcnow().isoformat(),
            "share_statistics": self.share_statistics,
            "endpoint": self.endpoint,
            **self.stored_data(),
        }

    async def async_delete_all(self) -> dict[str, Any]:
        """Wipe counts, totals, the audit log and the id; return what was removed.

        Every id that ever reached the server gets a deletion request.
        """
        removed: dict[str, Any] = self.counts.clear(dt_util.utcnow())
        removed["installation_id"] = self.installation.installation_id is not None
        removed["deletion_requests"] = len(self.installation.submitted_ids)
        self.submitter.async_delete_all()
        self.installation.installation_id = None
        if self.share_statistics:
            # Sharing stays on, so it continues under a new, unlinkable id.
            self.installation.installation_id = str(uuid.uuid4())
            self.submitter.async_opted_in(dt_util.utcnow())
        await self.store.async_save_now(self._data_to_save)
        self.submitter.async_schedule()
        self.async_update_listeners()
        return removed

    async def async_shutdown(self) -> None:
        """Stop sending and entity updates and write what is pending."""
        self.submitter.async_cancel()
        self._debouncer.async_shutdown()
        await self.store.async_save_now(self._data_to_save)
