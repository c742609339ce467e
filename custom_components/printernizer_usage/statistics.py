"""HA's long-term statistics of the daily counts, and removing HA's copies of them.

The daily counts go to Home Assistant's recorder as external statistics
(`printernizer_usage:<name>`, one row a day with a running total), so HA's own
statistics graph card plots them back to the first counted day. `delete_all`
and the removal of the integration take them out of the recorder again, with
the recorded states and statistics of the count sensors.

The recorder is optional (people without `recorder` or `history` lose nothing
but the graphs): its modules are imported only once it is loaded, and all the
database work runs in the recorder's own thread.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util

from .compat import statistic_metadata
from .const import DOMAIN, LOGGER
from .core.counts import UsageCounts, utc_day
from .core.long_term import LONG_TERM_STATISTICS, daily_sums

RECORDER: Final = "recorder"

# Statistic id -> the event type it counts; `export` names them.
STATISTIC_IDS: Final = {
    f"{DOMAIN}:{name}": event_type for name, event_type in LONG_TERM_STATISTICS.items()
}
# The recorder keeps one name per statistic, in no language in particular;
# a card can name its lines in the dashboard's language.
_NAMES: Final = {
    "jobs_completed": "Printernizer jobs completed",
    "jobs_failed": "Printernizer jobs failed",
    "files_downloaded": "Printernizer files downloaded",
    "files_uploaded": "Printernizer files uploaded",
    "errors": "Printernizer errors",
}
# The sensors (by key) whose states are counts that `delete_all` wipes.
COUNT_SENSORS: Final = frozenset(
    {
        "jobs_completed_week",
        "jobs_failed_week",
        "files_downloaded_week",
        "files_uploaded_week",
        "errors_week",
        "events_week",
        "jobs_completed_total",
        "files_downloaded_total",
    }
)


def _recorder_loaded(hass: HomeAssistant) -> bool:
    return RECORDER in hass.config.components


class LongTermStatistics:
    """Keeps the recorder's statistics of the counts in step with the counts."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Start with nothing sent: the first `async_push_changes` sends every day."""
        self._hass = hass
        # The UTC day and the totals of the last push: what is sent next.
        self._pushed: tuple[date, dict[str, int]] | None = None

    @callback
    def async_push(self, counts: UsageCounts, since: date | None = None) -> None:
        """Send the rows from the first day whose counts changed (None: all) on.

        A row sent again replaces the one the recorder has for that hour, so
        sending a day twice never counts it twice.
        """
        if not _recorder_loaded(self._hass):
            return
        from homeassistant.components.recorder.models import (  # noqa: PLC0415
            StatisticMeanType,
        )
        from homeassistant.components.recorder.statistics import (  # noqa: PLC0415
            async_add_external_statistics,
        )

        today = utc_day(dt_util.utcnow())
        for name, rows in daily_sums(counts, counts.tz, today, since).items():
            metadata = statistic_metadata(
                {
                    "source": DOMAIN,
                    "statistic_id": f"{DOMAIN}:{name}",
                    "name": _NAMES[name],
                    "unit_of_measurement": None,
                    "has_sum": True,
                    "mean_type": StatisticMeanType.NONE,
                }
            )
            async_add_external_statistics(
                self._hass,
                metadata,
                [{"start": start, "sum": total} for start, total in rows],
            )
        self._pushed = (today, _totals(counts))
        LOGGER.debug("Long-term statistics sent from %s", since or "the first day")

    @callback
    def async_push_changes(self, counts: UsageCounts) -> None:
        """Send what changed since the last push (the first time: every day)."""
        if self._pushed is None:
            self.async_push(counts)
            return
        day, totals = self._pushed
        today = utc_day(dt_util.utcnow())
        if day != today or totals != _totals(counts):
            # After a clock put back, the last push was "in the future":
            # today's row is sent all the same.
            self.async_push(counts, since=min(day, today))

    @callback
    def async_forget(self) -> None:
        """Send every day again next time (the recorder's copy was cleared)."""
        self._pushed = None


def _totals(counts: UsageCounts) -> dict[str, int]:
    return {
        event_type: counts.totals.get(event_type, 0)
        for event_type in LONG_TERM_STATISTICS.values()
    }


async def async_clear_recorded(hass: HomeAssistant, entry_id: str) -> list[str]:
    """Remove what HA's recorder keeps of the counts; return the statistic ids.

    That is this integration's long-term statistics and the recorded states
    and statistics of its count sensors. The recorder does it in its thread,
    in the order asked: the states first, so that no statistics are compiled
    from them again.
    """
    if not _recorder_loaded(hass):
        return []
    prefix = f"{entry_id}_"
    sensors = [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        if entity.domain == Platform.SENSOR
        and entity.unique_id.removeprefix(prefix) in COUNT_SENSORS
    ]
    if sensors:
        await hass.services.async_call(
            RECORDER,
            "purge_entities",
            {ATTR_ENTITY_ID: sensors, "keep_days": 0},
            blocking=True,
        )
    statistic_ids = [*STATISTIC_IDS, *sensors]
    get_instance(hass).async_clear_statistics(statistic_ids)
    return statistic_ids
