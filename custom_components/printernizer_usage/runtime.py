"""The live state of a loaded entry: counts, storage, consent, and entity updates."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
import uuid

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.util import dt as dt_util

from .const import CONF_SHARE_STATISTICS, LOGGER
from .counts import UsageCounts, utc_day
from .privacy import (
    InvalidMetadataError,
    SanitizedEvent,
    UnknownEventTypeError,
    sanitize_event,
)
from .store import StoredData, UsageStore

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


class UsageRuntime:
    """Everything a loaded entry needs; `record_event` is the Python API."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: PrinternizerUsageConfigEntry,
        counts: UsageCounts,
        installation: Installation,
        store: UsageStore,
    ) -> None:
        """Wire the live model to its store and to entity updates."""
        self.hass = hass
        self.entry = entry
        self.counts = counts
        self.installation = installation
        self.store = store
        self.printer_types: dict[str, int] = {}
        self._listeners: list[CALLBACK_TYPE] = []
        self._debouncer: Debouncer[None] = Debouncer(
            hass,
            LOGGER,
            cooldown=ENTITY_UPDATE_COOLDOWN,
            immediate=True,
            function=self._async_call_listeners,
        )

    @property
    def share_statistics(self) -> bool:
        """Return whether the person agreed to send the weekly report."""
        return bool(self.entry.options.get(CONF_SHARE_STATISTICS, False))

    def stored_data(self) -> StoredData:
        """Build the storage file content from the live model."""
        return {
            "counts": self.counts.as_dict(),
            "installation": self.installation.as_dict(),
        }

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
        self.store.async_schedule_save(self.stored_data)
        self._debouncer.async_schedule_call()

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

    @callback
    def async_apply_options(self) -> None:
        """Follow the share option: an id exists only while sharing is on."""
        installation_id = self.installation.installation_id
        if self.share_statistics and installation_id is None:
            self.installation.installation_id = str(uuid.uuid4())
        elif not self.share_statistics:
            self.installation.installation_id = None
        if self.installation.installation_id != installation_id:
            self.store.async_schedule_save(self.stored_data)
        self.async_update_listeners()

    @callback
    def async_new_day(self, _now: datetime | None = None) -> None:
        """Apply retention and refresh the week sensors (called at local midnight)."""
        if self.counts.prune(dt_util.utcnow()):
            self.store.async_schedule_save(self.stored_data)
        self.async_update_listeners()

    def export(self) -> dict[str, Any]:
        """Return every piece of local data, for the person it belongs to."""
        return {
            "exported_at": dt_util.utcnow().isoformat(),
            "share_statistics": self.share_statistics,
            **self.stored_data(),
        }

    async def async_delete_all(self) -> dict[str, Any]:
        """Wipe counts, totals and the installation id; return what was removed."""
        removed: dict[str, Any] = self.counts.clear(dt_util.utcnow())
        removed["installation_id"] = self.installation.installation_id is not None
        self.installation.installation_id = None
        if self.share_statistics:
            # Sharing stays on, so it continues under a new, unlinkable id.
            self.installation.installation_id = str(uuid.uuid4())
        await self.store.async_save_now(self.stored_data)
        self.async_update_listeners()
        return removed

    async def async_shutdown(self) -> None:
        """Stop entity updates and write what is pending."""
        self._debouncer.async_shutdown()
        await self.store.async_save_now(self.stored_data)


def new_counts(hass: HomeAssistant) -> UsageCounts:
    """Return empty counts that start today."""
    return UsageCounts(
        tz=dt_util.get_default_time_zone(), first_seen=utc_day(dt_util.utcnow())
    )
