"""Daily counts of sanitized events: the only usage data that is ever stored.

Pure Python, no Home Assistant imports; "now" is always an argument. Storage
keeps counters per UTC day (the unit the weekly report is built from), with
the last state of each feature flag seen that day, a counter for the current
local week (what the week sensors show) and lifetime totals that never go down
when old days are pruned. Individual events are never kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
import re
from typing import Any, Final

from . import stored
from .allowlist import (
    EVENT_TYPES,
    FEATURES,
    LABEL_FEATURE,
    OTHER_LABEL,
    SanitizedEvent,
    is_stored_label,
)

LABEL_VALUES_PER_DAY: Final = 16
DEFAULT_RETENTION_DAYS: Final = 400
# What a stored retention may be: longer would only keep days nobody reports.
MAX_RETENTION_DAYS: Final = 10 * 366
# Labels (printer type, duration range, error type, ...) are only needed for the
# weekly report, whose period is at most 28 days; older days keep their event
# counts but drop the labels. Less kept, and a year stays small on disk.
LABEL_DETAIL_DAYS: Final = 35
_DAY_KEY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
# Anything stored more than this after "now" was stored by a clock that ran
# ahead and has been put back since: it is corrected (see `follow_clock`).
CLOCK_TOLERANCE: Final = timedelta(days=1)
_FEATURE_STATE_EVENTS: Final = {"feature_enabled": True, "feature_disabled": False}

type LabelCounts = dict[str, dict[str, dict[str, int]]]
"""event type -> label name -> label value -> count."""


@dataclass(slots=True)
class DayCounts:
    """What happened on one UTC day."""

    events: dict[str, int] = field(default_factory=dict)
    labels: LabelCounts = field(default_factory=dict)
    rejected: int = 0
    # Seconds Home Assistant was running on this day (for the report's uptime).
    uptime_seconds: int = 0
    # The last state seen this day of each feature flag: kept per day, so a
    # report holds only states seen within its period.
    features: dict[str, bool] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form, leaving out what is empty."""
        data: dict[str, Any] = {"events": self.events}
        if self.labels:
            data["labels"] = self.labels
        if self.features:
            data["features"] = self.features
        if self.rejected:
            data["rejected"] = self.rejected
        if self.uptime_seconds:
            data["uptime_seconds"] = self.uptime_seconds
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DayCounts:
        """Build from the JSON form."""
        return cls(
            events=stored.counts(data.get("events", {})),
            labels={
                event_type: {
                    name: stored.counts(values)
                    for name, values in stored.mapping(by_name).items()
                }
                for event_type, by_name in stored.mapping(
                    data.get("labels", {})
                ).items()
            },
            rejected=stored.count(data.get("rejected", 0)),
            uptime_seconds=stored.count(data.get("uptime_seconds", 0)),
            features={
                name: state
                for name, state in stored.mapping(data.get("features", {})).items()
                if name in FEATURES and type(state) is bool
            },
        )


def utc_day(moment: datetime) -> date:
    """Return the UTC calendar day of an aware datetime."""
    return moment.astimezone(UTC).date()


def last_plausible_day(now: datetime) -> date:
    """Return the last UTC day a clock that is right can have stored by `now`."""
    return utc_day(now) + CLOCK_TOLERANCE


def first_day_after_correction(now: datetime) -> date:
    """Return the first day on which nothing stored before `now` can be.

    After a clock correction, a day that must come after everything stored
    (a consent start, the start of the next report) is moved back to this one
    at most: the days up to `last_plausible_day` may hold counts from before.
    """
    return last_plausible_day(now) + timedelta(days=1)


def local_week_start(moment: datetime, tz: tzinfo) -> datetime:
    """Return Monday 00:00 in `tz` of the week that contains `moment`."""
    local_day = moment.astimezone(tz).date()
    monday = local_day - timedelta(days=local_day.weekday())
    return datetime.combine(monday, time.min, tzinfo=tz)


class UsageCounts:
    """All local usage counters, with the views the sensors and report need."""

    def __init__(
        self,
        *,
        tz: tzinfo,
        first_seen: date,
        retention_days: int = DEFAULT_RETENTION_DAYS,
    ) -> None:
        """Start with no counts, first seen on the given UTC day."""
        self.tz = tz
        self.retention_days = retention_days
        self.first_seen = first_seen
        self.days: dict[str, DayCounts] = {}
        self.totals: dict[str, int] = {}
        self.rejected_total = 0
        self.week_start: datetime | None = None
        self.week: dict[str, int] = {}
        # Cache of the current UTC day and local week, so recording an event
        # costs two comparisons instead of two time zone conversions.
        self._valid_from = datetime.max.replace(tzinfo=UTC)
        self._valid_until = datetime.min.replace(tzinfo=UTC)
        self._today: DayCounts = DayCounts()
        self._in_current_week = True

    def _roll(self, now: datetime) -> None:
        """Point the cached day and week at the ones that contain `now`."""
        if self._valid_from <= now < self._valid_until:
            return
        day = utc_day(now)
        day_start = datetime.combine(day, time.min, tzinfo=UTC)
        week_start = local_week_start(now, self.tz)
        week_end = datetime.combine(
            week_start.date() + timedelta(days=7), time.min, tzinfo=self.tz
        )
        self._valid_from = max(day_start, week_start)
        self._valid_until = min(day_start + timedelta(days=1), week_end)
        self._today = self.days.setdefault(day.isoformat(), DayCounts())
        if (
            self.week_start is None
            or week_start > self.week_start
            # A week that starts in the future: a clock that ran ahead was
            # put back. This week starts afresh, not once that week comes.
            or self.week_start - now > CLOCK_TOLERANCE
        ):
            self.week_start = week_start
            self.week = {}
        # A clock that went back less than a day into an earlier week
        # neither wipes the current week nor counts into it.
        self._in_current_week = week_start == self.week_start

    def record(self, event: SanitizedEvent, now: datetime, times: int = 1) -> None:
        """Count a sanitized event at `now` (`times` alike at once: imports)."""
        self._roll(now)
        event_type = event.event_type
        today = self._today
        today.events[event_type] = today.events.get(event_type, 0) + times
        if self._in_current_week:
            self.week[event_type] = self.week.get(event_type, 0) + times
        self.totals[event_type] = self.totals.get(event_type, 0) + times
        if not event.labels:
            return
        by_name = today.labels.setdefault(event_type, {})
        for name, value in event.labels:
            values = by_name.setdefault(name, {})
            key = value
            if key not in values and len(values) >= LABEL_VALUES_PER_DAY:
                key = OTHER_LABEL
            values[key] = values.get(key, 0) + times
            if name == LABEL_FEATURE and event_type in _FEATURE_STATE_EVENTS:
                today.features[value] = _FEATURE_STATE_EVENTS[event_type]

    def add_uptime(self, start: datetime, end: datetime) -> None:
        """Add the running time between two moments to the UTC days it falls on."""
        while start < end:
            day = utc_day(start)
            day_end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
            until = min(end, day_end)
            counts = self.days.setdefault(day.isoformat(), DayCounts())
            counts.uptime_seconds += round((until - start).total_seconds())
            start = until

    def record_rejected(self, now: datetime, times: int = 1) -> None:
        """Count an event that was refused by the allowlist."""
        self._roll(now)
        self._today.rejected += times
        self.rejected_total += times

    def week_counts(self, now: datetime) -> dict[str, int]:
        """Return this local week's counts per event type (empty in a new week)."""
        if self.week_start != local_week_start(now, self.tz):
            return {}
        return self.week

    def prune(self, now: datetime) -> int:
        """Apply the retention; return how many days changed or were dropped.

        Days older than the retention are dropped; days older than
        LABEL_DETAIL_DAYS lose their labels and feature states.
        """
        today = utc_day(now)
        oldest_kept = (today - timedelta(days=self.retention_days)).isoformat()
        oldest_detailed = (today - timedelta(days=LABEL_DETAIL_DAYS)).isoformat()
        changed = 0
        for day in list(self.days):
            if day < oldest_kept:
                del self.days[day]
                changed += 1
            elif day < oldest_detailed and (
                self.days[day].labels or self.days[day].features
            ):
                self.days[day].labels = {}
                self.days[day].features = {}
                changed += 1
        if changed:
            # The cached day may have been one of them.
            self._valid_until = datetime.min.replace(tzinfo=UTC)
        return changed

    def follow_clock(self, now: datetime) -> int:
        """Drop the days a clock that ran ahead put in the future; return how many.

        Their counts cannot be put on the right day, and their days would be
        counted again, into reports, once the clock reaches them. The
        lifetime totals keep them.
        """
        latest = last_plausible_day(now).isoformat()
        future = [day for day in self.days if day > latest]
        for day in future:
            del self.days[day]
        if future:
            # The cached day may have been one of them.
            self._valid_until = datetime.min.replace(tzinfo=UTC)
        return len(future)

    def removable(self) -> dict[str, int]:
        """Return what `clear` would remove: days with counts, events, rejections."""
        return {
            "days": len(
                [day for day in self.days.values() if day.events or day.rejected]
            ),
            "events": sum(self.totals.values()),
            "rejected": self.rejected_total,
        }

    def clear(self, now: datetime) -> dict[str, int]:
        """Forget everything; return what was removed."""
        removed = self.removable()
        self.days.clear()
        self.totals.clear()
        self.week.clear()
        self.rejected_total = 0
        self.first_seen = utc_day(now)
        self._valid_until = datetime.min.replace(tzinfo=UTC)
        return removed

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form, skipping days on which nothing was counted."""
        return {
            "first_seen": self.first_seen.isoformat(),
            "retention_days": self.retention_days,
            "days": {
                day: counts.as_dict()
                for day, counts in sorted(self.days.items())
                if counts.events or counts.rejected or counts.uptime_seconds
            },
            "totals": self.totals,
            "rejected_total": self.rejected_total,
            "week": {
                "start": self.week_start.isoformat() if self.week_start else None,
                "events": self.week,
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, tz: tzinfo) -> UsageCounts:
        """Build from the JSON form written by `as_dict`.

        Unknown event types (from a newer release, or edited by hand) are
        ignored so that nothing outside the allowlist is ever loaded.
        """
        counts = cls(
            tz=tz,
            first_seen=stored.day(data["first_seen"]),
            retention_days=stored.integer(
                data.get("retention_days", DEFAULT_RETENTION_DAYS),
                1,
                MAX_RETENTION_DAYS,
            ),
        )
        for day, day_data in stored.mapping(data.get("days", {})).items():
            if not _DAY_KEY.fullmatch(day):
                raise ValueError("a day key is not YYYY-MM-DD")
            stored.day(day)
            day_counts = DayCounts.from_dict(stored.mapping(day_data))
            day_counts.events = _known(day_counts.events)
            day_counts.labels = {
                event_type: {
                    name: kept
                    for name, values in labels.items()
                    if (kept := _stored_labels(name, values))
                }
                for event_type, labels in day_counts.labels.items()
                if event_type in EVENT_TYPES
            }
            counts.days[day] = day_counts
        counts.totals = _known(data.get("totals", {}))
        counts.rejected_total = stored.count(data.get("rejected_total", 0))
        week = stored.mapping(data.get("week", {}))
        if week.get("start"):
            counts.week_start = stored.moment(week["start"])
            counts.week = _known(week.get("events", {}))
        # Older releases kept one feature state for all days ("features"):
        # not loaded, since no report may hold a state of unknown day.
        return counts


def _stored_labels(name: str, values: dict[str, int]) -> dict[str, int]:
    return {
        value: count for value, count in values.items() if is_stored_label(name, value)
    }


def _known(by_event_type: object) -> dict[str, int]:
    return {
        event_type: count
        for event_type, count in stored.counts(by_event_type).items()
        if event_type in EVENT_TYPES
    }
