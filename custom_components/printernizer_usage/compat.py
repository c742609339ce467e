"""Where the Home Assistant releases we support differ: detected here, in one place.

Each helper says from which HA release on it can go; raise the minimum HA version
(hacs.json, CHANGELOG) past that release and replace it with the plain call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import voluptuous as vol

from homeassistant import exceptions as ha_exceptions
from homeassistant.helpers import device_registry as dr

try:  # HA 2026.9+ gives repair flow steps a result type of their own.
    from homeassistant.components.repairs import (  # type: ignore[attr-defined,unused-ignore]
        RepairsFlowResult,
    )
except ImportError:  # Can go once the minimum is HA 2026.9.
    from homeassistant.data_entry_flow import (  # type: ignore[assignment,unused-ignore]
        FlowResult as RepairsFlowResult,
    )

__all__ = [
    "RepairsFlowResult",
    "plain_schema",
    "refused_storage_version",
    "registry_devices",
    "statistic_metadata",
]


def refused_storage_version(err: BaseException) -> int | None:
    """Return the version of a storage file HA refused to load as too new, else None.

    Since HA 2026.3 `Store` raises `UnsupportedStorageVersionError` for a file
    whose major version is above its own, before the store's migrate function
    runs; older releases hand such a file to the migrate function instead.
    Looked up when needed (a store loads once per setup), so that a test can
    stand in for the 2026.3+ behaviour on older releases.
    Can go once the minimum is HA 2026.3: catch `UnsupportedStorageVersionError`
    and read `found_version`.
    """
    unsupported = getattr(ha_exceptions, "UnsupportedStorageVersionError", None)
    if not isinstance(unsupported, type) or not isinstance(err, unsupported):
        return None
    found = getattr(err, "found_version", None)
    return found if isinstance(found, int) else None


def registry_devices(registry: dr.DeviceRegistry) -> Iterable[dr.DeviceEntry]:
    """Return every device of the device registry.

    Up to HA 2026.8 `DeviceRegistry.devices` is a mapping of device id to
    device, and iterating it gives the ids. Since HA 2026.9 it is a view that
    gives the devices when iterated; using it as a mapping (`.values()`,
    `[device_id]`, `.get()`) is reported as deprecated and breaks in 2027.9.
    Can go once the minimum is HA 2026.9: iterate `registry.devices`.
    """
    devices: object = registry.devices
    if isinstance(devices, Mapping):
        # HA < 2026.9: iterating the mapping would give the device ids.
        entries: Iterable[dr.DeviceEntry] = devices.values()
        return entries
    return cast(Iterable[dr.DeviceEntry], devices)


def statistic_metadata(metadata: Mapping[str, Any]) -> Any:
    """Complete the metadata of an external statistic for this HA's recorder.

    HA 2025.11 added `unit_class` to the metadata and 2026.11 requires it; the
    recorder of earlier releases has no column for it and refuses the key.
    Only called once the recorder is loaded, so its import costs nothing more.
    Typed loosely: the metadata type differs between these releases.
    Can go once the minimum is HA 2025.11: always set `unit_class`.
    """
    from homeassistant.components.recorder.models import (  # noqa: PLC0415
        StatisticMetaData,
    )

    if "unit_class" in StatisticMetaData.__annotations__:
        # A count has no unit to convert between.
        return {**metadata, "unit_class": None}
    return dict(metadata)


def plain_schema(schema: vol.Schema) -> Any:
    """Hand a voluptuous schema to a flow form or a service.

    HA 2026.9 replaced voluptuous with Probatio, a compatible layer, and types
    these arguments as Probatio schemas; voluptuous schemas still work there,
    and are the only ones HA before 2026.9 knows. Typed loosely for that.
    Can go once the minimum is HA 2026.9: build Probatio schemas.
    """
    return schema
