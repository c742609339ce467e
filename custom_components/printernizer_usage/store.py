"""The one storage file: versioned, private, written at most once per delay window."""

from __future__ import annotations

from collections.abc import Callable
import copy
import glob
import os
from pathlib import Path
import threading
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import run_callback_threadsafe

from .compat import refused_storage_version
from .const import DOMAIN

STORAGE_KEY: Final = DOMAIN
STORAGE_VERSION: Final = 1
STORAGE_MINOR_VERSION: Final = 1
# An event storm costs one write per window; a hard crash loses at most the
# counts of one window. HA writes pending data on a clean stop.
SAVE_DELAY: Final = 10.0

type StoredData = dict[str, Any]


class NewerStorageVersionError(Exception):
    """The file was written by a newer release with an incompatible layout."""

    def __init__(self, version: int) -> None:
        """Remember which version was found."""
        super().__init__(f"storage version {version} is newer than {STORAGE_VERSION}")
        self.version = version


class UsageStore(Store[StoredData]):
    """A Store whose saves are coalesced into one write per delay window.

    HA's own delayed save moves the deadline with every call, so a steady
    stream of events would postpone the write forever; here the deadline is
    fixed by the first change after a write.
    """

    def __init__(self, hass: HomeAssistant) -> None:
        """Create the store for the integration's one file."""
        super().__init__(
            hass,
            STORAGE_VERSION,
            STORAGE_KEY,
            private=True,
            atomic_writes=True,
            minor_version=STORAGE_MINOR_VERSION,
        )
        self._data_func: Callable[[], StoredData] = dict
        self._save_pending = False
        self._closed = False
        self.writes = 0
        # Set when the file on disk must not be overwritten (a newer release wrote it).
        self.read_only = False

    async def async_load(self) -> StoredData | None:
        """Load the file; raise NewerStorageVersionError for a newer major version.

        HA before 2026.3 hands such a file to `_async_migrate_func`; HA 2026.3+
        refuses it itself, before migrating. Both end in the same error here.
        """
        try:
            return await super().async_load()
        except HomeAssistantError as err:
            if (version := refused_storage_version(err)) is None:
                raise
            raise NewerStorageVersionError(version) from err

    def _build_data(self) -> StoredData:
        """Return a snapshot of the live data, taken on the event loop.

        HA before 2025.12 calls this in a worker thread and serialises there;
        reading the live model from that thread would race the events that
        change it. The copy is HA's alone: nothing changes it while it is
        written.
        """
        if threading.get_ident() == self.hass.loop_thread_id:
            return self._async_snapshot()
        return run_callback_threadsafe(self.hass.loop, self._async_snapshot).result()

    @callback
    def _async_snapshot(self) -> StoredData:
        self._save_pending = False
        self.writes += 1
        return copy.deepcopy(self._data_func())

    @callback
    def async_schedule_save(self, data_func: Callable[[], StoredData]) -> None:
        """Save what `data_func` builds within SAVE_DELAY seconds."""
        self._data_func = data_func
        if self._save_pending or self.read_only or self._closed:
            return
        self._save_pending = True
        self.async_delay_save(self._build_data, SAVE_DELAY)

    async def async_save_now(self, data_func: Callable[[], StoredData]) -> None:
        """Write what `data_func` builds at once (unload, delete)."""
        self._data_func = data_func
        if not self.read_only and not self._closed:
            await self.async_save(self._build_data())

    async def async_close(self, data_func: Callable[[], StoredData]) -> None:
        """Write what `data_func` builds, then never write again (unload).

        A removal deletes the file after this; nothing may bring it back.
        """
        await self.async_save_now(data_func)
        self._closed = True

    async def async_set_aside(self) -> str:
        """Rename an unusable file so it is kept for the person, not overwritten.

        Returns the new path.
        """
        backup = f"{self.path}.unreadable.{dt_util.utcnow():%Y%m%dT%H%M%S}"
        await self.hass.async_add_executor_job(os.replace, self.path, backup)
        return backup

    async def async_remove(self) -> None:
        """Remove the file and every unreadable copy set aside (on removal)."""
        await super().async_remove()
        await self.hass.async_add_executor_job(self._remove_set_aside)

    def _remove_set_aside(self) -> None:
        path = Path(self.path)
        for aside in path.parent.glob(f"{glob.escape(path.name)}.unreadable.*"):
            aside.unlink(missing_ok=True)

    async def _async_migrate_func(
        self,
        old_major_version: int,
        old_minor_version: int,
        old_data: StoredData,
    ) -> StoredData:
        """Bring data written by an older release up to date.

        Version 1.1 is the first layout; later layouts add their steps here.
        HA 2026.3+ never calls this for a newer major version (see async_load).
        """
        if old_major_version > STORAGE_VERSION:
            raise NewerStorageVersionError(old_major_version)
        return old_data
