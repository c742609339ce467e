"""Printernizer's answers, read defensively, and its events in our terms.

Pure Python, no Home Assistant imports. Shapes follow Printernizer's own code
(github.com/schmacka/printernizer at be0da09, 2026-07-15): `GET /api/v1/health`
(src/api/routers/health.py), `GET /api/v1/printers` (src/api/routers/printers.py),
`GET /api/v1/usage-stats/local` and `/export`
(src/api/routers/usage_statistics.py). Anything else is not Printernizer's
answer and raises PrinternizerAnswerError; one malformed event is counted as
rejected, never guessed at.

Printernizer's event metadata already uses our keys (`printer_type`,
`duration_minutes`, `file_size_mb`, `is_auto_created`); everything goes
through the same allowlist as every other source, which drops the rest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
import json
from operator import itemgetter
import re
from typing import Any, Final
from urllib.parse import urlsplit

from . import stored
from .allowlist import (
    InvalidMetadataError,
    SanitizedEvent,
    UnknownEventTypeError,
    sanitize_event,
)
from .import_ledger import MAX_AHEAD, OVERLAP, ImportLedger, event_key

# The report's app_version while no Printernizer was ever reached.
NOT_CONNECTED: Final = "not-connected"
# ... and for a Printernizer whose version has no release number in it.
UNKNOWN_RELEASE: Final = "unknown"
# Printernizer builds from git report e.g. "2.42.0-3-g1234567-dirty"; only the
# release number is kept (a commit hash would single out a developer).
_RELEASE: Final = re.compile(r"v?(\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)(?![\d.])")
_HEALTH_STATES: Final = frozenset({"healthy", "degraded", "unhealthy"})
# Printernizer's printer types; "unknown" and anything new is "other".
_PRINTER_TYPES: Final = {
    "bambu_lab": "bambu_lab",
    "prusa_core": "prusa",
    "octoprint": "octoprint",
}
PRINTERS_PAGE_SIZE: Final = 100  # Printernizer's largest page
# How far Printernizer's clock may be ahead of ours for an event it wrote
# after a clock correction to be told from those it wrote before.
CLOCK_SKEW: Final = timedelta(minutes=10)


class PrinternizerAnswerError(ValueError):
    """An answer that is not what Printernizer sends; the message names why."""


def _object(body: bytes | bytearray) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PrinternizerAnswerError("not_json") from None
    if not isinstance(data, dict):
        raise PrinternizerAnswerError("unexpected_answer")
    return data


def validate_printernizer_url(text: str) -> str:
    """Return a Printernizer address without a trailing slash.

    Raises PrinternizerAnswerError unless it is a plain http(s) address: no
    credentials, query or fragment. Printernizer's API has no
    authentication, and the add-on answers plain http on the host network.
    """
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - raises ValueError for an invalid port
    except ValueError:
        raise PrinternizerAnswerError("invalid_url") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or "?" in text
        or "#" in text
        or any(char.isspace() for char in text.strip())
    ):
        raise PrinternizerAnswerError("invalid_url")
    return text.strip().rstrip("/")


def is_printernizer_error(body: bytes | bytearray) -> bool:
    """Return whether an error answer is Printernizer's own.

    Its HTTPException handler answers `{"status": "error", "error_code": ...}`
    (src/utils/errors.py); a 404 page of another app does not.
    """
    try:
        data = _object(body)
    except PrinternizerAnswerError:
        return False
    return data.get("status") == "error" and isinstance(data.get("error_code"), str)


def release_of(version: object) -> str | None:
    """Return the release number in a Printernizer version, or None."""
    if isinstance(version, str) and (match := _RELEASE.match(version.strip())):
        return match.group(1)
    return None


def parse_health(body: bytes | bytearray) -> str:
    """Return Printernizer's release from its health answer.

    Raises PrinternizerAnswerError when the answer is not Printernizer's
    (another app on that address answers differently).
    """
    data = _object(body)
    if (
        data.get("status") not in _HEALTH_STATES
        or not isinstance(data.get("services"), dict)
        or not isinstance(data.get("version"), str)
    ):
        raise PrinternizerAnswerError("not_printernizer")
    return release_of(data["version"]) or UNKNOWN_RELEASE


@dataclass(frozen=True, slots=True)
class PrinterPage:
    """One page of Printernizer's printer list: types only, nothing else."""

    types: list[str]
    total: int


def parse_printer_page(body: bytes | bytearray) -> PrinterPage:
    """Return the printer types of one page and how many printers exist."""
    data = _object(body)
    printers = data.get("printers")
    total = data.get("total_count")
    if not isinstance(printers, list) or type(total) is not int or total < 0:
        raise PrinternizerAnswerError("unexpected_answer")
    types = [
        _PRINTER_TYPES.get(str(printer.get("printer_type")), "other")
        if isinstance(printer, dict)
        else "other"
        for printer in printers
    ]
    return PrinterPage(types, total)


@dataclass(frozen=True, slots=True)
class LocalSummary:
    """What Printernizer's own statistics page says: its sharing and its size."""

    sharing: bool
    total_events: int


def parse_local(body: bytes | bytearray) -> LocalSummary:
    """Read Printernizer's own sharing choice and event total."""
    data = _object(body)
    total = data.get("total_events")
    status = data.get("opt_in_status")
    if type(total) is not int or total < 0 or not isinstance(status, str):
        raise PrinternizerAnswerError("unexpected_answer")
    return LocalSummary(status == "enabled", total)


@dataclass(slots=True)
class ExportImport:
    """What one export adds: events to count, and rejects, oldest first.

    Alike events of one UTC day and one local day are one entry with their
    number and the latest moment among them: counting them at that moment
    gives exactly the counts of counting each at its own (the day and the
    local week are all a moment decides). 200,000 events become a few hundred
    entries, which keeps the event loop's share and the memory small.
    """

    counted: list[tuple[datetime, SanitizedEvent, int]] = field(default_factory=list)
    rejected: list[tuple[datetime, int]] = field(default_factory=list)
    ledger: ImportLedger = field(default_factory=ImportLedger)
    too_old: int = 0  # before our retention: never counted
    unreadable: int = 0  # no usable time: never counted
    # Far ahead of our clock, beyond what the ledger remembers of such
    # events: counted once our clock comes within OVERLAP of them.
    deferred: int = 0


_FIRST_MOMENT: Final = datetime.min.replace(tzinfo=UTC)
_LAST_MOMENT: Final = datetime.max.replace(tzinfo=UTC)


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Printernizer writes naive UTC (datetime.utcnow().isoformat()).
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # A valid time whose UTC day is before year 1 or after year 9999
        # ("0001-01-01T00:00:00+01:00"): the first or last time there is.
        return _FIRST_MOMENT if moment.year == 1 else _LAST_MOMENT


_WHITESPACE: Final = re.compile(r"[ \t\n\r]*")
_DECODER: Final = json.JSONDecoder()


def _export_events(body: bytes | bytearray) -> Iterator[Any]:
    """Yield the items of an export's `events` list, one at a time.

    One `json.loads` of a 56 MB export would hold the interpreter lock for
    about a second, and so Home Assistant's event loop with it, although it
    runs in a worker thread. Decoding one item per call lets the loop run
    between items. Every other key of the export is decoded and dropped.
    """
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise PrinternizerAnswerError("not_json") from None
    found = False
    pos = _skip(text, 0)
    if not text.startswith("{", pos):
        raise PrinternizerAnswerError("unexpected_answer")
    try:
        while True:
            key, pos = _DECODER.raw_decode(text, _skip(text, pos + 1))
            pos = _skip(text, _expect(text, _skip(text, pos), ":"))
            if key == "events" and not found and text.startswith("[", pos):
                found = True
                pos = yield from _list_items(text, pos + 1)
            else:
                _, pos = _DECODER.raw_decode(text, pos)
            pos = _skip(text, pos)
            if not text.startswith(",", pos):
                break
        pos = _expect(text, pos, "}")
    except PrinternizerAnswerError:
        raise
    except (ValueError, RecursionError):
        raise PrinternizerAnswerError("not_json") from None
    if _skip(text, pos) != len(text):
        raise PrinternizerAnswerError("not_json")
    if not found:
        raise PrinternizerAnswerError("unexpected_answer")


def _list_items(text: str, pos: int) -> Generator[Any, None, int]:
    """Yield the items of a JSON list whose "[" ends before `pos`; return its end."""
    pos = _skip(text, pos)
    if text.startswith("]", pos):
        return pos + 1
    while True:
        item, pos = _DECODER.raw_decode(text, _skip(text, pos))
        yield item
        pos = _skip(text, pos)
        if not text.startswith(",", pos):
            return _expect(text, pos, "]")
        pos += 1


def _skip(text: str, pos: int) -> int:
    """Return the position after any whitespace at `pos`."""
    match = _WHITESPACE.match(text, pos)
    return pos if match is None else match.end()


def _expect(text: str, pos: int, char: str) -> int:
    """Return the position after `char`, which must be at `pos`."""
    if not text.startswith(char, pos):
        raise PrinternizerAnswerError("not_json")
    return pos + 1


def read_export(
    body: bytes | bytearray,
    ledger: ImportLedger,
    *,
    now: datetime,
    oldest: datetime,
    tz: tzinfo = UTC,
) -> ExportImport:
    """Return the events of an export that were never counted.

    Runs in a worker thread (an export of 200,000 events is about 56 MB).
    Events before `oldest` (our retention) are skipped; a moment after `now`
    (Printernizer's clock ahead of ours, or any time up to year 9999) is
    counted now. An event without a usable id is known by its content
    instead, and counted as rejected; one without a usable time cannot be put
    on a day or told apart from others, and is only counted in `unreadable`.
    A broken export raises before anything of it is used.
    """
    result = ExportImport()
    # Before a clock put back: what it had counted is still counted.
    before, ledger = ledger, ledger.rewound(now)
    horizon = now + OVERLAP
    room_ahead = MAX_AHEAD - ledger.ahead(now)
    # Each event taken from this answer, by key (also: listed twice is once).
    fresh: dict[str, datetime] = {}
    # Counted before the watermark was put back, to be remembered as such.
    known: dict[str, datetime] = {}
    counted: dict[tuple[SanitizedEvent, date, date], list[Any]] = {}
    rejected: dict[tuple[date, date], list[Any]] = {}
    for item in _export_events(body):
        moment = _timestamp(item.get("timestamp")) if isinstance(item, dict) else None
        if moment is None:
            result.unreadable += 1
            continue
        event_id = item.get("id")
        # Without a usable id, the content tells events apart.
        malformed = not isinstance(event_id, str) or not 0 < len(event_id) <= 64
        key = event_key(
            json.dumps(item, sort_keys=True, default=str) if malformed else event_id,
            moment,
        )
        if key in fresh or key in known or not ledger.is_new(key, moment):
            continue
        if (
            ledger is not before
            and moment > now + CLOCK_SKEW
            and not before.is_new(key, moment)
        ):
            # At or before the watermark the clock was put back past, and
            # after the corrected clock: counted before the correction, not
            # written since.
            known[key] = moment
            continue
        if moment < oldest:
            # Not remembered either: it is skipped again on every poll.
            result.too_old += 1
            continue
        if moment > horizon:
            if room_ahead <= 0:
                result.deferred += 1
                continue
            room_ahead -= 1
        fresh[key] = moment
        moment = min(moment, now)
        days = (moment.date(), moment.astimezone(tz).date())
        try:
            if malformed:
                raise InvalidMetadataError  # noqa: TRY301 - one path for every reject
            # Printernizer exports an event recorded without metadata as null.
            event = sanitize_event(item.get("event_type"), item.get("metadata"))
        except (UnknownEventTypeError, InvalidMetadataError):
            _add(rejected, days, moment)
        else:
            _add(counted, (event, *days), moment)
    result.counted = sorted(
        ((latest, group[0], times) for group, (latest, times) in counted.items()),
        key=itemgetter(0),
    )
    result.rejected = sorted(tuple(value) for value in rejected.values())
    result.ledger = ledger.advanced([*fresh.items(), *known.items()], now)
    return result


def _add[K](groups: dict[K, list[Any]], group: K, moment: datetime) -> None:
    """Count one more event in its group, keeping the group's latest moment."""
    if (entry := groups.get(group)) is None:
        groups[group] = [moment, 1]
    else:
        entry[0] = max(entry[0], moment)
        entry[1] += 1


def count_types(types: list[str]) -> dict[str, int]:
    """Count printers per type, as the report's fleet does."""
    return dict(sorted(Counter(types).items()))


@dataclass(slots=True)
class BridgeState:
    """What is kept of a Printernizer between restarts (nothing identifying)."""

    ledger: ImportLedger = field(default_factory=ImportLedger)
    version: str | None = None  # its release, when it last answered
    printer_types: dict[str, int] = field(default_factory=dict)
    total_events: int | None = None  # its event total at the last import
    unreachable_since: datetime | None = None
    last_import: datetime | None = None  # when its events were last read

    def as_dict(self) -> dict[str, Any]:
        """Return the state as stored."""
        return {
            "import": self.ledger.as_dict(),
            "version": self.version,
            "printer_types": dict(self.printer_types),
            "total_events": self.total_events,
            "unreachable_since": None
            if self.unreachable_since is None
            else self.unreachable_since.isoformat(),
            "last_import": None
            if self.last_import is None
            else self.last_import.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BridgeState:
        """Read the stored state; raises ValueError or TypeError on a broken one."""
        version = data.get("version")
        total = data.get("total_events")
        since = data.get("unreachable_since")
        types = data.get("printer_types", {})
        if not (
            version is None
            or version == UNKNOWN_RELEASE
            or release_of(version) == version
        ):
            raise ValueError("version")
        return cls(
            ledger=ImportLedger.from_dict(stored.mapping(data.get("import", {}))),
            version=version,
            printer_types={
                kind: n
                for kind, n in stored.counts(types).items()
                if kind in _PRINTER_TYPES.values() or kind == "other"
            },
            total_events=None if total is None else stored.count(total),
            unreachable_since=stored.optional_moment(since),
            last_import=stored.optional_moment(data.get("last_import")),
        )


def retention_start(now: datetime, retention_days: int) -> datetime:
    """Return the oldest moment an imported event may have."""
    return now - timedelta(days=retention_days)
