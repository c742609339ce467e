"""The weekly report: its content, the period it covers, the rules it must pass.

Pure Python, no Home Assistant imports. The report is built from the daily
counts only (never from raw events) and checked against a default-deny schema
before anything may leave the machine: a key that is not listed, a value of the
wrong type or range, or a body over the size cap stops the send.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
import json
import re
from typing import Any, Final
from urllib.parse import urlsplit
import uuid

from .allowlist import (
    DURATION_BUCKETS,
    ERROR_TYPE_MAX_LENGTH,
    FEATURES,
    LABEL_DURATION,
    LABEL_ERROR_TYPE,
    OTHER_LABEL,
    PRINTER_TYPES,
)
from .counts import UsageCounts

SCHEMA_VERSION: Final = "1.0"
MAX_PAYLOAD_BYTES: Final = 10 * 1024
MIN_PERIOD_DAYS: Final = 7
MAX_PERIOD_DAYS: Final = 28
MAX_ERROR_TYPES: Final = 16
OTHER_ERRORS: Final = "other"
UNKNOWN_COUNTRY: Final = "XX"

_ERROR_KEY: Final = re.compile(rf"[a-z0-9_]{{1,{ERROR_TYPE_MAX_LENGTH}}}")
_COUNTRY: Final = re.compile(r"[A-Z]{2}")
_VERSION: Final = re.compile(r"[0-9A-Za-z.+-]{1,32}")
_WORD: Final = re.compile(r"[a-z0-9_]{1,32}")
_MAX_COUNT: Final = 10**9


class PayloadRejectedError(ValueError):
    """The report broke a rule; the message names the rule, never the value."""


@dataclass(frozen=True, slots=True)
class InstallationFacts:
    """What the report says about this installation (nothing that identifies it)."""

    installation_id: str
    # The consent-start day: ids of one home must not be linkable through it.
    first_seen: date
    # Printernizer's release (printernizer.NOT_CONNECTED without one); ours is
    # integration_version.
    app_version: str
    integration_version: str
    python_version: str
    platform: str
    ha_version: str
    installation_type: str
    country_code: str | None


@dataclass(frozen=True, slots=True)
class Period:
    """Whole UTC days from `start` (inclusive) to `end` (exclusive)."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Return the number of days covered."""
        return (self.end - self.start).days

    @property
    def is_due(self) -> bool:
        """Return whether the period is long enough to be sent."""
        return self.days >= MIN_PERIOD_DAYS


def next_period(last_end: date | None, first_seen: date, today: date) -> Period:
    """Return the period after the last one handled, up to 00:00 UTC today.

    Periods never overlap and never exceed MAX_PERIOD_DAYS: after a long gap
    only the most recent days are reported. A clock that went backwards gives
    an empty period rather than a negative one.
    """
    start = max(last_end or first_seen, today - timedelta(days=MAX_PERIOD_DAYS))
    return Period(start=min(start, today), end=today)


def day_start(day: date) -> datetime:
    """Return 00:00 UTC of a day."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def midnight_utc(day: date) -> str:
    """Return 00:00 UTC of a day as an ISO date-time."""
    return day_start(day).isoformat()


def _country(code: str | None) -> str:
    if code and code.isascii() and _COUNTRY.fullmatch(code.upper()):
        return code.upper()
    return UNKNOWN_COUNTRY


def build_payload(
    counts: UsageCounts,
    facts: InstallationFacts,
    period: Period,
    printer_types: dict[str, int],
    consent_version: int,
) -> dict[str, Any]:
    """Aggregate the period's daily counts into the report body."""
    events: Counter[str] = Counter()
    durations: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    features: dict[str, bool] = {}
    uptime_seconds = 0.0
    # Every field comes from the period's days only (>= the consent start).
    day = period.start
    while day < period.end:
        if (counts_of_day := counts.days.get(day.isoformat())) is not None:
            events.update(counts_of_day.events)
            features.update(counts_of_day.features)
            labels = counts_of_day.labels
            durations.update(labels.get("job_completed", {}).get(LABEL_DURATION, {}))
            errors.update(labels.get("error_occurred", {}).get(LABEL_ERROR_TYPE, {}))
            uptime_seconds += counts_of_day.uptime_seconds
        day += timedelta(days=1)

    fleet = {kind: n for kind, n in sorted(printer_types.items()) if n > 0}
    return {
        "schema_version": SCHEMA_VERSION,
        "consent_version": consent_version,
        "submission_timestamp": midnight_utc(period.end),
        "installation": {
            "installation_id": facts.installation_id,
            "first_seen": midnight_utc(facts.first_seen),
            "app_version": facts.app_version,
            "integration_version": facts.integration_version,
            "python_version": facts.python_version,
            "platform": facts.platform,
            "deployment_mode": "homeassistant",
            "country_code": _country(facts.country_code),
            "ha_version": facts.ha_version,
            "installation_type": facts.installation_type,
        },
        "period": {
            "start": midnight_utc(period.start),
            "end": midnight_utc(period.end),
            "duration_days": period.days,
        },
        "printer_fleet": {
            "printer_count": sum(fleet.values()),
            "printer_types": list(fleet),
            "printer_type_counts": fleet,
        },
        "usage_stats": {
            "job_count": events["job_completed"] + events["job_failed"],
            "file_count": events["file_downloaded"],
            "upload_count": events["file_uploaded"],
            "uptime_hours": round(uptime_seconds / 3600),
            "feature_usage": dict(sorted(features.items())),
            "jobs_created": events["job_created"],
            "jobs_completed": events["job_completed"],
            "jobs_failed": events["job_failed"],
            "printer_connections": events["printer_connected"],
            "job_duration_buckets": {
                bucket: durations[bucket]
                for bucket in DURATION_BUCKETS
                if durations[bucket]
            },
        },
        "error_summary": _error_summary(errors),
    }


def _error_summary(errors: Counter[str]) -> dict[str, int]:
    """Keep the most frequent error types; sum the rest under "other"."""
    other = errors.pop(OTHER_LABEL, 0) + errors.pop(OTHER_ERRORS, 0)
    ranked = sorted(errors.items(), key=lambda item: (-item[1], item[0]))
    limit = (
        MAX_ERROR_TYPES - 1 if other or len(ranked) > MAX_ERROR_TYPES else len(ranked)
    )
    summary = dict(ranked[:limit])
    other += sum(count for _, count in ranked[limit:])
    if other:
        summary[OTHER_ERRORS] = other
    return summary


def serialize(payload: dict[str, Any]) -> bytes:
    """Return the exact bytes that are previewed, stored in the outbox and sent."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


# --- validation (default deny)

type _Check = Any  # a nested schema dict, or a callable that raises on a bad value


def _count(value: object) -> None:
    if type(value) is not int or not 0 <= value <= _MAX_COUNT:
        raise PayloadRejectedError("a count is not a non-negative integer")


def _flag(value: object) -> None:
    if type(value) is not bool:
        raise PayloadRejectedError("a flag is not true or false")


def _pattern(regex: re.Pattern[str], what: str) -> _Check:
    def check(value: object) -> None:
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise PayloadRejectedError(f"{what} is malformed")

    return check


def _one_of(allowed: frozenset[str] | tuple[str, ...], what: str) -> _Check:
    def check(value: object) -> None:
        if not isinstance(value, str) or value not in allowed:
            raise PayloadRejectedError(f"{what} is not an allowed value")

    return check


def _midnight(value: object) -> None:
    try:
        moment = datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PayloadRejectedError("a timestamp is not ISO 8601") from None
    if moment.utcoffset() != timedelta(0) or moment.time() != time.min:
        raise PayloadRejectedError("a timestamp is not 00:00 UTC")


def _uuid4(value: object) -> None:
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        raise PayloadRejectedError("installation_id is not a UUID") from None
    if not isinstance(value, str) or str(parsed) != value or parsed.version != 4:
        raise PayloadRejectedError("installation_id is not a random (version 4) UUID")


def _mapping_of(key_check: _Check, value_check: _Check, what: str) -> _Check:
    def check(value: object) -> None:
        if not isinstance(value, dict):
            raise PayloadRejectedError(f"{what} is not an object")
        for key, item in value.items():
            key_check(key)
            value_check(item)

    return check


def _list_of(item_check: _Check, what: str) -> _Check:
    def check(value: object) -> None:
        if not isinstance(value, list):
            raise PayloadRejectedError(f"{what} is not a list")
        for item in value:
            item_check(item)

    return check


_PRINTER_TYPE = _one_of(PRINTER_TYPES, "a printer type")
SCHEMA: Final[dict[str, _Check]] = {
    "schema_version": _one_of((SCHEMA_VERSION,), "schema_version"),
    "consent_version": _count,
    "submission_timestamp": _midnight,
    "installation": {
        "installation_id": _uuid4,
        "first_seen": _midnight,
        "app_version": _pattern(_VERSION, "app_version"),
        "integration_version": _pattern(_VERSION, "integration_version"),
        "python_version": _pattern(re.compile(r"3\.[0-9]{1,2}"), "python_version"),
        "platform": _pattern(_WORD, "platform"),
        "deployment_mode": _one_of(("homeassistant",), "deployment_mode"),
        "country_code": _pattern(_COUNTRY, "country_code"),
        "ha_version": _pattern(_VERSION, "ha_version"),
        "installation_type": _pattern(
            re.compile(r"[A-Za-z0-9 ._-]{1,48}"), "installation_type"
        ),
    },
    "period": {"start": _midnight, "end": _midnight, "duration_days": _count},
    "printer_fleet": {
        "printer_count": _count,
        "printer_types": _list_of(_PRINTER_TYPE, "printer_types"),
        "printer_type_counts": _mapping_of(
            _PRINTER_TYPE, _count, "printer_type_counts"
        ),
    },
    "usage_stats": {
        "job_count": _count,
        "file_count": _count,
        "upload_count": _count,
        "uptime_hours": _count,
        "feature_usage": _mapping_of(_one_of(FEATURES, "a feature"), _flag, "features"),
        "jobs_created": _count,
        "jobs_completed": _count,
        "jobs_failed": _count,
        "printer_connections": _count,
        "job_duration_buckets": _mapping_of(
            _one_of(DURATION_BUCKETS, "a duration range"), _count, "duration ranges"
        ),
    },
    "error_summary": _mapping_of(
        _pattern(_ERROR_KEY, "an error type"), _count, "errors"
    ),
}


def _check_object(value: object, schema: dict[str, _Check], where: str) -> None:
    if not isinstance(value, dict):
        raise PayloadRejectedError(f"{where or 'the report'} is not an object")
    if unknown := set(value) - set(schema):
        # Key names come from our own code, never from the person's data.
        raise PayloadRejectedError(
            f"unknown keys in {where or 'the report'}: {sorted(unknown)}"
        )
    if missing := set(schema) - set(value):
        raise PayloadRejectedError(
            f"missing keys in {where or 'the report'}: {sorted(missing)}"
        )
    for key, check in schema.items():
        if isinstance(check, dict):
            _check_object(value[key], check, f"{where}.{key}".lstrip("."))
        else:
            check(value[key])


def validate_payload(payload: dict[str, Any]) -> bytes:
    """Check the report against every rule; return its serialized bytes.

    Raises PayloadRejectedError naming the rule that failed.
    """
    _check_object(payload, SCHEMA, "")
    fleet = payload["printer_fleet"]
    if fleet["printer_types"] != sorted(fleet["printer_type_counts"]):
        raise PayloadRejectedError("printer_types does not match printer_type_counts")
    if len(payload["error_summary"]) > MAX_ERROR_TYPES:
        raise PayloadRejectedError("more than 16 error types")
    period = payload["period"]
    days = (
        datetime.fromisoformat(period["end"]) - datetime.fromisoformat(period["start"])
    ).days
    if days != period["duration_days"] or not 0 < days <= MAX_PERIOD_DAYS:
        raise PayloadRejectedError("the period is not 1 to 28 whole days")
    body = serialize(payload)
    if len(body) > MAX_PAYLOAD_BYTES:
        raise PayloadRejectedError("the report is larger than 10 KB")
    return body


def validate_endpoint(url: str) -> str:
    """Return the endpoint without a trailing slash if it is a plain https URL.

    Raises PayloadRejectedError otherwise: plain http, credentials, a query or
    a fragment (even empty), or a port that is not a port.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError:
        raise PayloadRejectedError("the endpoint is not a URL") from None
    if parts.scheme != "https":
        raise PayloadRejectedError("the endpoint is not https")
    if not hostname or "@" in parts.netloc or "?" in text or "#" in text:
        raise PayloadRejectedError("the endpoint is not a plain https URL")
    return text.rstrip("/")
