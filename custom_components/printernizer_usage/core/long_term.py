"""The daily counts as rows of Home Assistant's long-term statistics.

Pure Python, no Home Assistant imports; "today" is an argument. A long-term
statistic with a sum is a running total: a graph of its change per day or week
subtracts the sums at the ends of the periods. Each UTC day of the counts becomes
one row whose sum is the running total at the end of that day.

The running totals are anchored on the lifetime totals, which never go down
when retention drops old days: the row of a day keeps the same sum whenever it
is computed again, so sending rows again (a restart, an import) never changes a
day that was already sent, and pruned days keep their rows in the recorder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final

from .counts import UsageCounts

# Statistic name (the part after "<domain>:") -> the event type it counts.
LONG_TERM_STATISTICS: Final = {
    "jobs_completed": "job_completed",
    "jobs_failed": "job_failed",
    "files_downloaded": "file_downloaded",
    "files_uploaded": "file_uploaded",
    "errors": "error_occurred",
}

_HOUR: Final = timedelta(hours=1)


def row_start(day: date, tz: tzinfo) -> datetime:
    """Return where the row of a UTC day goes: the first full hour of that local day.

    Graphs group rows by local day in Home Assistant's time zone; the counts
    are kept per UTC day. Most of a UTC day lies on the local day of the same
    date in every time zone, so the row goes there, on a full hour as the
    recorder requires (zones with half hours start at 00:30 or 00:45).
    """
    midnight = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
    hour = midnight.replace(minute=0, second=0, microsecond=0)
    return hour if hour == midnight else hour + _HOUR


def daily_sums(
    counts: UsageCounts, tz: tzinfo, today: date, since: date | None = None
) -> dict[str, list[tuple[datetime, int]]]:
    """Return, per statistic name, the rows (start, running total) of each day.

    One row for each day, with counts or without, up to today, from the day
    before the first day kept: the first day seen, an earlier imported day, or
    the oldest day retention keeps. That first row holds what was counted
    before (0 unless retention dropped older days), so the first day's change
    is its count in any period of a graph. With `since` (the first day whose
    counts changed), the rows start the day before it: the row a graph
    subtracts from the changed day's.
    """
    oldest_kept = today - timedelta(days=counts.retention_days)
    first = min(
        [max(counts.first_seen, oldest_kept), *map(date.fromisoformat, counts.days)]
    )
    last = max([today, *map(date.fromisoformat, counts.days)])
    start = first - timedelta(days=1)
    if since is not None:
        start = max(start, since - timedelta(days=1))
    rows: dict[str, list[tuple[datetime, int]]] = {
        name: [] for name in LONG_TERM_STATISTICS
    }
    running = {
        name: counts.totals.get(event_type, 0)
        for name, event_type in LONG_TERM_STATISTICS.items()
    }
    # Backwards from the last day: the total at the end of a day is the
    # lifetime total less what was counted after it.
    day = last
    while day >= start:
        begins = row_start(day, tz)
        counted = counts.days.get(day.isoformat())
        for name, event_type in LONG_TERM_STATISTICS.items():
            rows[name].append((begins, running[name]))
            if counted is not None:
                running[name] -= counted.events.get(event_type, 0)
        day -= timedelta(days=1)
    for name_rows in rows.values():
        name_rows.reverse()
    return rows
