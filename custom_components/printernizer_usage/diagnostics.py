"""Diagnostics: what a maintainer needs to help, without anything identifying."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .core.counts import utc_day
from .runtime import PrinternizerUsageConfigEntry

# Diagnostics are posted in public issues, and the statistics service sees
# each report, its size and when it arrived. Nothing here may match such a
# record: no id or key, no count or size a report carries or adds up to, no
# day a report names or that reveals one (its period; `first_seen`, the
# consent start, which the number of stored days would give away), no time
# finer than a day (the send offset is the time of day a report arrives), no
# planned day (the next one gives away the end of the last period), and no day
# of a request to the service: a report arrives on the day its period ends,
# which it names (for the first report that is first_seen + 7 days). Requests
# are given as an age in weeks: each installation that shares sends once a
# week, so every week holds a report of each.
TO_REDACT = {"api_key", "endpoint", "printernizer_url"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> dict[str, Any]:
    """Return the state of storage, sending and Printernizer, without values."""
    runtime = entry.runtime_data
    installation = runtime.consent.installation
    submission = runtime.uploader.state
    outbox = submission.outbox
    bridge = runtime.bridge.state
    now = dt_util.utcnow()
    return {
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "storage": {
            "read_only": runtime.store.read_only,
            "writes_since_start": runtime.store.writes,
            "retention_days": runtime.counts.retention_days,
            "jobs_in_progress": sum(
                tracker.in_progress for tracker in runtime.job_trackers.values()
            ),
        },
        "printernizer": {
            "status": runtime.bridge.status,
            "app_version": runtime.bridge.app_version,
            "counts_printers": runtime.printernizer_is_source,
            "remembered_events": len(bridge.ledger.seen),
            "unreachable_since": _day(bridge.unreachable_since),
        },
        "submission": {
            "status": runtime.uploader.status,
            "consent_current": runtime.consent.current,
            "has_installation_id": installation.installation_id is not None,
            "services_holding_an_id": len(
                {item.destination.endpoint for item in installation.sent}
            ),
            "last_submission": _age(submission.last_submission, now),
            "last_request": _age(submission.last_request, now),
            "result": submission.result,
            "auth_failed": submission.auth_failed,
            "report_pending": outbox is not None,
            "report_attempts": 0 if outbox is None else outbox.attempts,
            "deletions_pending": [
                # Never the next try's day: minus the backoff of `attempts`
                # it is the day of a request that names the id.
                {
                    "attempts": item.attempts,
                    "waiting": item.next_attempt is not None
                    and item.next_attempt > now,
                }
                for item in submission.deletions.items
            ],
            "audit_log": [
                {"kind": item["kind"], "status": item["status"]}
                for item in submission.audit.entries
            ],
        },
    }


def _age(moment: datetime | None, now: datetime) -> str | None:
    """Return how long ago a request to the service was, in weeks: never its day."""
    if moment is None:
        return None
    age = now - moment
    if age < timedelta(days=7):
        return "within_a_week"
    if age < timedelta(days=28):
        return "within_4_weeks"
    return "longer_ago"


def _day(moment: datetime | None) -> str | None:
    """Return the UTC day of a moment: never its time."""
    return None if moment is None else utc_day(moment).isoformat()
