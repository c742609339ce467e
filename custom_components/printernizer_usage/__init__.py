"""Printernizer Usage Statistics: local, privacy-first usage counts."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, issue_registry as ir
from homeassistant.helpers.event import (
    async_track_time_change,
    async_track_time_interval,
)
from homeassistant.helpers.typing import ConfigType
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from .consent import endpoint_of
from .const import (
    CONF_API_KEY,
    DOMAIN,
    ISSUE_CONSENT_NEEDED,
    ISSUE_PRINTERNIZER_UNREACHABLE,
    ISSUE_TWO_REPORTS,
    LOGGER,
)
from .core.counts import UsageCounts, utc_day
from .core.deletions import Deletion, DeletionQueue, deletion_url
from .core.installation import Destination, Installation
from .core.printer_rules import JobTracker
from .core.printernizer import BridgeState
from .core.schedule import SubmissionState
from .http import UsageExportView
from .runtime import PrinternizerUsageConfigEntry, UsageRuntime
from .services import async_setup_services
from .sources import async_setup_sources
from .statistics import async_clear_recorded
from .store import NewerStorageVersionError, UsageStore
from .uploader import async_request

PLATFORMS: list[Platform] = [Platform.SENSOR, Platform.SWITCH]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

ISSUE_NEWER_STORAGE = "newer_storage_version"
ISSUE_UNREADABLE_STORAGE = "unreadable_storage"
# Raised by releases before 0.3.0; a refused key now starts reauthentication.
ISSUE_INVALID_API_KEY = "invalid_api_key"


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the services and the download view once, for any entry."""
    async_setup_services(hass)
    hass.http.register_view(UsageExportView())
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> bool:
    """Load the stored counts and start counting."""
    ir.async_delete_issue(hass, DOMAIN, ISSUE_INVALID_API_KEY)
    store = UsageStore(hass)
    loaded = await _async_load(hass, store, _configured_destination(entry))
    integration = await async_get_integration(hass, DOMAIN)
    runtime = UsageRuntime(
        hass,
        entry,
        counts=loaded.counts,
        installation=loaded.installation,
        submission=loaded.submission,
        job_trackers=loaded.job_trackers,
        bridge_state=loaded.bridge_state,
        store=store,
        version=str(integration.version),
    )
    entry.runtime_data = runtime
    runtime.async_apply_options()
    # Retention may have passed while Home Assistant was off.
    runtime.async_new_day()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)

    # Nothing listens, polls or sends before this point: HA runs no unload
    # callbacks after a setup that raised, so nothing may be left behind.
    async_setup_sources(hass, entry)
    # Local midnight: the week sensors may start a new week, old days expire.
    entry.async_on_unload(
        async_track_time_change(hass, runtime.async_new_day, hour=0, minute=0, second=0)
    )
    entry.async_on_unload(
        async_track_time_interval(hass, runtime.async_hourly, timedelta(hours=1))
    )
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    runtime.async_start()
    return True


async def _async_options_updated(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> None:
    """Apply a changed share option without a reload."""
    entry.runtime_data.async_apply_options(changed=True)


async def async_unload_entry(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> bool:
    """Stop counting and write what is pending."""
    if unload_ok := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.async_shutdown()
    return unload_ok


async def async_remove_entry(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> None:
    """Delete the stored file and HA's copies, and ask each service to delete.

    Nothing is left to retry later, so the deletion requests go out at once,
    in the background and best effort, each to the service its id went to.
    """
    store = UsageStore(hass)
    legacy = _configured_destination(entry)
    data: Any
    try:
        data = await store.async_load() or {}
    except NewerStorageVersionError:
        data = {}
    # Read part by part: a bad value elsewhere in the file must not lose an id.
    requests = {
        (item.installation_id, item.destination)
        for item in _owed_deletions(data, legacy).items
    }
    if requests:
        hass.async_create_background_task(
            _async_request_deletions(hass, sorted(requests, key=str)),
            f"{DOMAIN} deletion requests",
        )
    await store.async_remove()
    await async_clear_recorded(hass, entry.entry_id)
    for issue_id in (
        ISSUE_NEWER_STORAGE,
        ISSUE_UNREADABLE_STORAGE,
        ISSUE_CONSENT_NEEDED,
        ISSUE_PRINTERNIZER_UNREACHABLE,
        ISSUE_TWO_REPORTS,
    ):
        ir.async_delete_issue(hass, DOMAIN, issue_id)


async def _async_request_deletions(
    hass: HomeAssistant, requests: list[tuple[str, Destination]]
) -> None:
    integration = await async_get_integration(hass, DOMAIN)
    for installation_id, destination in requests:
        response = await async_request(
            hass,
            "DELETE",
            deletion_url(destination.endpoint, installation_id),
            api_key=destination.api_key,
            version=str(integration.version),
        )
        LOGGER.info("Deletion request on removal: %s", response.describe())


def _configured_destination(entry: PrinternizerUsageConfigEntry) -> Destination:
    """Return the service in the options: where older releases sent every id."""
    return Destination(
        endpoint_of(entry.options), entry.options.get(CONF_API_KEY) or None
    )


@dataclass(slots=True)
class _Loaded:
    """What the storage file holds, as live objects."""

    counts: UsageCounts
    installation: Installation = field(default_factory=Installation)
    submission: SubmissionState = field(default_factory=SubmissionState)
    job_trackers: dict[str, JobTracker] = field(default_factory=dict)
    bridge_state: BridgeState = field(default_factory=BridgeState)


async def _async_load(
    hass: HomeAssistant, store: UsageStore, legacy: Destination
) -> _Loaded:
    """Read the file; never let a bad file stop the integration or be overwritten."""
    tz = dt_util.get_default_time_zone()
    empty = _Loaded(UsageCounts(tz=tz, first_seen=utc_day(dt_util.utcnow())))
    try:
        data = await store.async_load()
    except NewerStorageVersionError as err:
        # Keep the newer file intact for when the newer release comes back.
        store.read_only = True
        LOGGER.error(
            "%s was written by a newer release (storage version %s); counting "
            "continues in memory only and the file is left untouched",
            store.path,
            err.version,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            ISSUE_NEWER_STORAGE,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_NEWER_STORAGE,
            translation_placeholders={"version": str(err.version)},
        )
        return empty
    ir.async_delete_issue(hass, DOMAIN, ISSUE_NEWER_STORAGE)
    if data is None:
        return empty
    try:
        counts = UsageCounts.from_dict(data["counts"], tz=tz)
        installation = Installation.from_dict(
            data.get("installation", {}), legacy=legacy
        )
        submission = SubmissionState.from_dict(
            data.get("submission", {}), legacy=legacy
        )
        job_trackers = {
            printer: JobTracker.from_dict(tracker)
            for printer, tracker in data.get("jobs_in_progress", {}).items()
        }
        bridge_state = BridgeState.from_dict(data.get("printernizer", {}))
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        backup = await store.async_set_aside()
        LOGGER.error(
            "The stored usage statistics could not be read (%s); the file was "
            "moved to %s and counting starts again from zero",
            type(err).__name__,
            backup,
        )
        ir.async_create_issue(
            hass,
            DOMAIN,
            ISSUE_UNREADABLE_STORAGE,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_UNREADABLE_STORAGE,
            translation_placeholders={"backup_path": backup},
        )
        # Only this file remembers which ids the services hold: those deletions
        # are owed whatever else in it could not be read.
        empty.submission.deletions = _owed_deletions(data, legacy)
        return empty
    if installation.installation_id and installation.consent_start is None:
        # Agreed under a release that did not record the day: nothing before
        # what was already sent, or before today, is ever sent.
        installation.consent_start = submission.last_period_end or utc_day(
            dt_util.utcnow()
        )
    return _Loaded(counts, installation, submission, job_trackers, bridge_state)


def _owed_deletions(data: Any, legacy: Destination) -> DeletionQueue:
    """Return the deletion requests a file that cannot be used still owes.

    Each part is read on its own, so that a broken count or flag does not
    lose an id a service holds: the deletions not yet confirmed, and a
    deletion for every id a service received.
    """
    queue = DeletionQueue()
    try:
        items = data["submission"]["deletions"]
        for item in items if isinstance(items, list) else []:
            with suppress(AttributeError, KeyError, TypeError, ValueError):
                queue.items.append(Deletion.from_dict(item, legacy=legacy))
    except (AttributeError, KeyError, TypeError, ValueError):
        pass
    with suppress(AttributeError, KeyError, TypeError, ValueError):
        for sent in Installation.from_dict(data["installation"], legacy=legacy).sent:
            queue.queue(sent.installation_id, sent.destination)
    return queue
