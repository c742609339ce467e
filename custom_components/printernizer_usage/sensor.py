"""Sensors: this week's counts, lifetime totals, the printer fleet, submission state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.util import dt as dt_util

from .bridge import CONNECTION_STATES
from .core.counts import local_week_start
from .entity import PrinternizerUsageEntity
from .runtime import PrinternizerUsageConfigEntry, UsageRuntime
from .uploader import SUBMISSION_STATES

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class UsageSensorEntityDescription(SensorEntityDescription):
    """Describes a sensor by the function that reads its value."""

    value_fn: Callable[[UsageRuntime], StateType | datetime]
    week_count: bool = False
    attributes_fn: Callable[[UsageRuntime], dict[str, Any]] | None = None


def _week_count(event_type: str) -> Callable[[UsageRuntime], int]:
    def value(runtime: UsageRuntime) -> int:
        return runtime.counts.week_counts(dt_util.utcnow()).get(event_type, 0)

    return value


def _week_description(key: str, event_type: str) -> UsageSensorEntityDescription:
    return UsageSensorEntityDescription(
        key=key,
        translation_key=key,
        state_class=SensorStateClass.TOTAL,
        week_count=True,
        value_fn=_week_count(event_type),
    )


def _total(event_type: str) -> Callable[[UsageRuntime], int]:
    return lambda runtime: runtime.counts.totals.get(event_type, 0)


SENSORS: tuple[UsageSensorEntityDescription, ...] = (
    _week_description("jobs_completed_week", "job_completed"),
    _week_description("jobs_failed_week", "job_failed"),
    _week_description("files_downloaded_week", "file_downloaded"),
    _week_description("files_uploaded_week", "file_uploaded"),
    _week_description("errors_week", "error_occurred"),
    UsageSensorEntityDescription(
        key="events_week",
        translation_key="events_week",
        state_class=SensorStateClass.TOTAL,
        week_count=True,
        value_fn=lambda runtime: sum(
            runtime.counts.week_counts(dt_util.utcnow()).values()
        ),
    ),
    UsageSensorEntityDescription(
        key="jobs_completed_total",
        translation_key="jobs_completed_total",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_total("job_completed"),
    ),
    UsageSensorEntityDescription(
        key="files_downloaded_total",
        translation_key="files_downloaded_total",
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_total("file_downloaded"),
    ),
    UsageSensorEntityDescription(
        key="printers",
        translation_key="printers",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda runtime: sum(runtime.printer_types.values()),
        attributes_fn=lambda runtime: {
            "printer_type_counts": dict(sorted(runtime.printer_types.items()))
        },
    ),
    UsageSensorEntityDescription(
        key="submission_status",
        translation_key="submission_status",
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=SUBMISSION_STATES,
        value_fn=lambda runtime: runtime.uploader.status,
    ),
    UsageSensorEntityDescription(
        key="printernizer_connection",
        translation_key="printernizer_connection",
        device_class=SensorDeviceClass.ENUM,
        entity_category=EntityCategory.DIAGNOSTIC,
        options=CONNECTION_STATES,
        value_fn=lambda runtime: runtime.bridge.status,
    ),
    UsageSensorEntityDescription(
        key="last_submission",
        translation_key="last_submission",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda runtime: runtime.uploader.state.last_submission,
    ),
    UsageSensorEntityDescription(
        key="next_submission",
        translation_key="next_submission",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda runtime: runtime.uploader.next_submission,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: PrinternizerUsageConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the usage sensors."""
    async_add_entities(UsageSensor(entry, description) for description in SENSORS)


class UsageSensor(PrinternizerUsageEntity, SensorEntity):
    """A sensor that reads one value from the live counts."""

    entity_description: UsageSensorEntityDescription

    @property
    def native_value(self) -> StateType | datetime:
        """Return the current value."""
        return self.entity_description.value_fn(self.runtime)

    @property
    def last_reset(self) -> datetime | None:
        """Return the start of the local week for the week counters."""
        if not self.entity_description.week_count:
            return None
        return local_week_start(dt_util.utcnow(), self.runtime.counts.tz)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return extra attributes where the description has them."""
        if self.entity_description.attributes_fn is None:
            return None
        return self.entity_description.attributes_fn(self.runtime)
