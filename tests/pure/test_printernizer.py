"""Printernizer's answers read defensively, in core/printernizer.py.

The export, the small parsers and the bridge's stored state; no Home Assistant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
import json
from typing import Any
import uuid
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.printernizer_usage.core.allowlist import (
    EVENT_TYPES,
    SanitizedEvent,
)
from custom_components.printernizer_usage.core.import_ledger import (
    MAX_AHEAD,
    MAX_REMEMBERED,
    ImportLedger,
    event_key,
)
from custom_components.printernizer_usage.core.printernizer import (
    NOT_CONNECTED,
    BridgeState,
    ExportImport,
    PrinternizerAnswerError,
    count_types,
    is_printernizer_error,
    parse_health,
    parse_local,
    parse_printer_page,
    read_export,
    release_of,
    retention_start,
    validate_printernizer_url,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
OLDEST = retention_start(NOW, 400)


def _each(batch: ExportImport) -> list[tuple[datetime, SanitizedEvent]]:
    """Every counted event, one entry each (the batch holds alike ones together)."""
    return [(m, e) for m, e, times in batch.counted for _ in range(times)]


def _rejects(batch: ExportImport) -> list[datetime]:
    """Every rejected event's moment, one entry each."""
    return [m for m, times in batch.rejected for _ in range(times)]


def _naive(moment: datetime) -> str:
    """Printernizer's timestamp: naive UTC ISO."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat()


def _event(
    moment: datetime,
    event_type: str = "job_completed",
    metadata: Any = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    return {
        "id": event_id or str(uuid.uuid4()),
        "event_type": event_type,
        "timestamp": _naive(moment),
        "metadata": metadata,
        "submitted": 0,
        "created_at": _naive(moment),
    }


def _export(events: list[Any]) -> bytes:
    return json.dumps(
        {
            "events": events,
            "settings": {},
            "exported_at": _naive(NOW),
            "export_version": "1.0",
        },
        indent=2,
    ).encode()


# --- read_export


def _any_count(batch: ExportImport) -> int:
    """Every event of a batch: counted, rejected, or skipped for a reason."""
    return (
        len(_each(batch))
        + len(_rejects(batch))
        + batch.too_old
        + batch.unreadable
        + batch.deferred
    )


# Any time Printernizer can hold: with any offset, naive, from year 1 to 9999.
_OFFSETS = st.timedeltas(
    min_value=timedelta(hours=-23, minutes=-59),
    max_value=timedelta(hours=23, minutes=59),
).map(timezone)
_TIMESTAMPS = st.one_of(
    st.datetimes(timezones=st.none() | _OFFSETS).map(datetime.isoformat),
    # Printernizer's own form, naive UTC, around now.
    st.datetimes(
        min_value=(NOW - timedelta(days=500)).replace(tzinfo=None),
        max_value=(NOW + timedelta(days=3)).replace(tzinfo=None),
    ).map(datetime.isoformat),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "0001-01-01T00:00:00",
            "9999-12-31T23:59:59.999999",
            "2026-11-25",
            "2026-11-25T10:00:00Z",
        ]
    ),
    st.text(max_size=45),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
_METADATA = st.one_of(
    _JSON,
    st.fixed_dictionaries(
        {},
        optional={
            "printer_type": _JSON | st.sampled_from(["prusa_core", "bambu_lab"]),
            "duration_minutes": _JSON,
            "file_size_mb": _JSON,
            "error_type": _JSON | st.just("ConnectionTimeout"),
            "feature": _JSON | st.just("library"),
        },
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            _TIMESTAMPS,
            st.sampled_from(sorted(EVENT_TYPES)) | _JSON,
            _METADATA,
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_any_timestamp_and_metadata_is_counted_once_or_refused(
    items: list[tuple[str, Any, Any, bool]],
) -> None:
    """Nothing raises; each event counts once, as an event or a reject, ever.

    Over three polls (the same export again, then two days later): nothing is
    counted twice, the watermark is never ahead of our clock, and the ledger
    loads again from storage.
    """
    events = [
        {
            # Some without a usable id: known by their content then.
            "id": str(uuid.uuid4()) if with_id else n,
            "event_type": event_type,
            "timestamp": timestamp,
            "metadata": metadata,
            "n": n,
        }
        for n, (timestamp, event_type, metadata, with_id) in enumerate(items)
    ]
    body = _export(events)
    ledger = ImportLedger()
    taken = 0
    for now in (NOW, NOW, NOW + timedelta(days=2)):
        batch = read_export(body, ledger, now=now, oldest=OLDEST)
        stored = json.loads(json.dumps(batch.ledger.as_dict()))
        assert ImportLedger.from_dict(stored) == batch.ledger
        assert batch.ledger.after is None or batch.ledger.after <= now.timestamp()
        assert all(moment <= now for moment, _ in _each(batch))
        if ledger == ImportLedger():
            assert _any_count(batch) == len(events)
        taken += len(_each(batch)) + len(_rejects(batch))
        ledger = batch.ledger
    readable = [e for e in events if _is_time(e["timestamp"])]
    assert taken <= len(readable)


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return len(text) <= 40


def test_far_future_event_counts_once_and_holds_nothing_back() -> None:
    """9999-12-31 does not pull the watermark: later events still count, once."""
    far = _event(NOW, event_id="far")
    far["timestamp"] = "9999-12-31T23:59:59-01:00"
    first = _event(NOW - timedelta(hours=1), event_id="first")
    ledger = ImportLedger()
    batch = read_export(_export([far, first]), ledger, now=NOW, oldest=OLDEST)
    assert len(_each(batch)) == 2
    assert batch.ledger.after is not None
    assert batch.ledger.after <= NOW.timestamp()
    # More events than the ledger remembers, a day later: each once.
    later = NOW + timedelta(days=1)
    many = [
        _event(later - timedelta(seconds=i), event_id=f"e{i}")
        for i in range(MAX_REMEMBERED + 50)
    ]
    for _ in range(3):
        batch = read_export(
            _export([far, first, *many]), batch.ledger, now=later, oldest=OLDEST
        )
        counted = len(_each(batch))
        assert counted in (0, len(many))
    assert counted == 0


def test_events_far_ahead_beyond_what_is_remembered_wait() -> None:
    ahead = [
        _event(NOW + timedelta(days=30, seconds=i), event_id=f"a{i}")
        for i in range(MAX_AHEAD + 5)
    ]
    batch = read_export(_export(ahead), ImportLedger(), now=NOW, oldest=OLDEST)
    assert len(_each(batch)) == MAX_AHEAD
    assert batch.deferred == 5
    again = read_export(_export(ahead), batch.ledger, now=NOW, oldest=OLDEST)
    assert (len(_each(again)), again.deferred) == (0, 5)
    # Once our clock is there, the five are counted, and nothing else again.
    there = NOW + timedelta(days=31)
    last = read_export(_export(ahead), again.ledger, now=there, oldest=OLDEST)
    assert (len(_each(last)), last.deferred) == (5, 0)


def test_read_export_counts_each_event_on_its_own_moment() -> None:
    early = NOW - timedelta(days=2, hours=1)
    body = _export(
        [
            _event(
                NOW - timedelta(hours=1), "file_downloaded", {"file_size_mb": 12.34}
            ),
            _event(early, "job_completed", {"duration_minutes": 95, "job_name": "x"}),
        ]
    )
    batch = read_export(body, ImportLedger(), now=NOW, oldest=OLDEST)
    moments = sorted(moment for moment, _ in _each(batch))
    assert moments == [early, NOW - timedelta(hours=1)]
    by_type = {event.event_type: event for _, event in _each(batch)}
    assert dict(by_type["job_completed"].labels) == {"duration_bucket": "1-3h"}
    assert by_type["job_completed"].dropped_keys == 1
    assert _rejects(batch) == []


def test_read_export_aware_and_naive_timestamps() -> None:
    berlin = timezone(timedelta(hours=1))
    aware = {
        **_event(NOW),
        "timestamp": (NOW - timedelta(hours=2)).astimezone(berlin).isoformat(),
    }
    naive = _event(NOW - timedelta(hours=3))
    batch = read_export(_export([aware, naive]), ImportLedger(), now=NOW, oldest=OLDEST)
    # One day, one kind of event: one entry, at the later of the two moments.
    [(moment, event, times)] = batch.counted
    assert (moment, event.event_type, times) == (
        NOW - timedelta(hours=2),
        "job_completed",
        2,
    )
    assert moment.tzinfo is not None


def test_alike_events_are_grouped_per_utc_and_local_day() -> None:
    """A group may not straddle a UTC day or a local day (the local week)."""
    # 22:30 and 23:30 UTC on Sunday: one UTC day, but 23:30 UTC is already
    # Monday (a new week) in Berlin.
    sunday = datetime(2026, 11, 29, 22, 30, tzinfo=UTC)
    events = [_event(sunday), _event(sunday + timedelta(hours=1))]
    batch = read_export(
        _export(events),
        ImportLedger(),
        now=NOW + timedelta(days=7),
        oldest=OLDEST,
        tz=ZoneInfo("Europe/Berlin"),
    )
    assert [(m, times) for m, _, times in batch.counted] == [
        (sunday, 1),
        (sunday + timedelta(hours=1), 1),
    ]
    utc = read_export(
        _export(events), ImportLedger(), now=NOW + timedelta(days=7), oldest=OLDEST
    )
    assert [(m, times) for m, _, times in utc.counted] == [
        (sunday + timedelta(hours=1), 2)
    ]


def test_read_export_future_is_counted_now_and_too_old_is_skipped() -> None:
    body = _export(
        [
            _event(NOW + timedelta(days=2)),
            _event(OLDEST - timedelta(days=1)),
            _event(OLDEST + timedelta(days=1)),
        ]
    )
    batch = read_export(body, ImportLedger(), now=NOW, oldest=OLDEST)
    assert sorted(m for m, _ in _each(batch)) == [OLDEST + timedelta(days=1), NOW]
    assert batch.too_old == 1
    # None of them is new again, the too old one included.
    again = read_export(body, batch.ledger, now=NOW, oldest=OLDEST)
    assert _each(again) == []
    assert _rejects(again) == []
    assert again.too_old == 0


def test_read_export_malformed_events_are_rejected_once() -> None:
    moment = NOW - timedelta(hours=1)
    no_id = _event(moment)
    del no_id["id"]
    events = [
        _event(moment, "print_sold"),
        _event(moment, "job_completed", ["duration_minutes", 95]),
        _event(moment, "job_completed", "duration_minutes"),
        no_id,
        {**_event(moment), "id": 42},
        {**_event(moment), "id": "x" * 65},
        _event(moment, "job_created", {"printer_type": "bambu_lab"}),
    ]
    body = _export(events)
    batch = read_export(body, ImportLedger(), now=NOW, oldest=OLDEST)
    assert len(_rejects(batch)) == 6
    assert all(m == moment for m in _rejects(batch))
    assert [e.event_type for _, e in _each(batch)] == ["job_created"]
    again = read_export(body, batch.ledger, now=NOW, oldest=OLDEST)
    assert _rejects(again) == []
    assert _each(again) == []


def test_read_export_skips_what_has_no_time_or_is_not_an_event() -> None:
    no_time = _event(NOW)
    del no_time["timestamp"]
    events: list[Any] = [
        no_time,
        {**_event(NOW), "timestamp": None},
        {**_event(NOW), "timestamp": "yesterday"},
        {**_event(NOW), "timestamp": 1764064800},
        {**_event(NOW), "timestamp": "2026-11-25T10:00:00" + "0" * 40},
        "an event",
        42,
        None,
        ["job_completed"],
    ]
    batch = read_export(_export(events), ImportLedger(), now=NOW, oldest=OLDEST)
    assert _each(batch) == []
    assert _rejects(batch) == []
    assert batch.unreadable == len(events)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>502</html>",
        b'["not", "an", "export"]',
        b'{"events": "x"}',
        b'{"error": "database is locked"}',
        b'{"events": [',
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_read_export_refuses_what_is_not_an_export(body: bytes) -> None:
    with pytest.raises(PrinternizerAnswerError):
        read_export(body, ImportLedger(), now=NOW, oldest=OLDEST)


@pytest.mark.parametrize("metadata", [[], "", 0, False])
def test_read_export_falsy_non_object_metadata_is_rejected(metadata: Any) -> None:
    batch = read_export(
        _export([_event(NOW, "job_completed", metadata)]),
        ImportLedger(),
        now=NOW,
        oldest=OLDEST,
    )
    assert _each(batch) == []
    assert len(_rejects(batch)) == 1


EVENTS = [
    _event(NOW - timedelta(days=d, minutes=m), t, None, f"id-{d}-{m}-{t}")
    for d, m, t in [
        (0, 5, "job_completed"),
        (0, 5, "file_downloaded"),  # same moment, another id
        (0, 40, "job_created"),
        (1, 0, "file_uploaded"),
        (1, 30, "printer_connected"),
        (3, 0, "job_failed"),
        (30, 0, "job_completed"),
    ]
]


def _import_in_polls(polls: list[list[int]]) -> list[str]:
    """Poll exports holding the given events; return every id counted."""
    ledger = ImportLedger()
    counted: list[str] = []
    for poll in polls:
        events = [EVENTS[i] for i in poll]
        batch = read_export(_export(events), ledger, now=NOW, oldest=OLDEST)
        ledger = ImportLedger.from_dict(json.loads(json.dumps(batch.ledger.as_dict())))
        by_moment = {
            (
                datetime.fromisoformat(e["timestamp"]).replace(tzinfo=UTC),
                e["event_type"],
            ): e["id"]
            for e in events
        }
        counted += [
            by_moment[(moment, event.event_type)] for moment, event in _each(batch)
        ]
    return counted


@given(st.data())
def test_any_split_into_growing_polls_counts_each_event_once(
    data: st.DataObject,
) -> None:
    """Printernizer's export only grows, newer events after older ones.

    Each poll lists what exists so far in any order; polls repeat.
    """
    by_time = sorted(range(len(EVENTS)), key=lambda i: EVENTS[i]["timestamp"])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(EVENTS)), max_size=6)))
    polls: list[list[int]] = []
    for cut in [*cuts, len(EVENTS)]:
        repeats = data.draw(st.integers(1, 2))
        polls += [data.draw(st.permutations(by_time[:cut])) for _ in range(repeats)]
    counted = _import_in_polls(polls)
    assert sorted(counted) == sorted(e["id"] for e in EVENTS)


RECENT = [
    _event(NOW - timedelta(minutes=m), "job_completed", None, f"recent-{i}")
    for i, m in enumerate((0, 1, 1, 59, 60 * 5, 60 * 23))
]


@given(st.permutations(range(len(RECENT))), st.lists(st.integers(1, 6), max_size=4))
def test_events_written_out_of_order_within_a_day_count_once(
    order: list[int], cuts: list[int]
) -> None:
    """Events may reach Printernizer's table slightly out of time order."""
    ledger = ImportLedger()
    counted: list[datetime] = []
    for cut in [*sorted(cuts), len(RECENT)]:
        events = [RECENT[i] for i in order[:cut]]
        batch = read_export(_export(events), ledger, now=NOW, oldest=OLDEST)
        ledger = batch.ledger
        counted += [moment for moment, _ in _each(batch)]
    assert len(counted) == len(RECENT)


@given(st.data())
def test_duplicated_events_in_any_split_count_once(data: st.DataObject) -> None:
    # The export grows in time order (EVENTS is newest first), and any event
    # may be listed several times in one answer.
    picks = sorted(
        data.draw(st.lists(st.integers(0, len(EVENTS) - 1), min_size=1, max_size=15)),
        reverse=True,
    )
    cuts = sorted(data.draw(st.lists(st.integers(0, len(picks)), max_size=4)))
    polls = [picks[:cut] for cut in cuts] + [picks]
    counted = _import_in_polls(polls)
    assert sorted(counted) == sorted({EVENTS[i]["id"] for i in picks})


# --- the small parsers


@pytest.mark.parametrize(
    ("version", "release"),
    [
        ("2.41.5", "2.41.5"),
        ("v2.41.5", "2.41.5"),
        (" 2.41.5 ", "2.41.5"),
        ("2.42.0-3-g1234567-dirty", "2.42.0"),
        ("2.42", "2.42"),
        ("2.42.0.1", None),
        ("unknown", None),
        ("", None),
        ("g1234567", None),
        ("12345.1.1", None),
        (2.41, None),
        (None, None),
    ],
)
def test_release_of(version: object, release: str | None) -> None:
    assert release_of(version) == release


def _health(**change: Any) -> bytes:
    health: dict[str, Any] = {
        "status": "healthy",
        "timestamp": "2026-11-25T11:00:00.123456",
        "version": "2.41.5",
        "environment": "production",
        "database": {"type": "sqlite", "healthy": True, "connection_count": 1},
        "services": {"database": {"status": "healthy"}},
        "uptime_seconds": None,
    }
    health.update(change)
    return json.dumps({k: v for k, v in health.items() if v is not ...}).encode()


def test_parse_health() -> None:
    assert parse_health(_health()) == "2.41.5"
    assert parse_health(_health(status="degraded")) == "2.41.5"
    assert parse_health(_health(status="unhealthy")) == "2.41.5"
    assert parse_health(_health(version="2.42.0-3-g1234567-dirty")) == "2.42.0"
    assert parse_health(_health(version="nightly")) == "unknown"


@pytest.mark.parametrize(
    "body",
    [
        b'{"status": "ok"}',
        _health(status="ok"),
        _health(services=...),
        _health(services=[]),
        _health(version=...),
        _health(version=2),
        b"[]",
        b"<html></html>",
    ],
)
def test_parse_health_refuses_what_is_not_printernizer(body: bytes) -> None:
    with pytest.raises(PrinternizerAnswerError):
        parse_health(body)


def test_parse_local() -> None:
    local = {
        "installation_id": "not_generated",
        "first_seen": None,
        "opt_in_status": "disabled",
        "total_events": 3,
        "this_week": {"job_count": 0, "file_count": 0, "error_count": 0},
        "last_submission": None,
    }
    summary = parse_local(json.dumps(local).encode())
    assert (summary.sharing, summary.total_events) == (False, 3)
    summary = parse_local(json.dumps({**local, "opt_in_status": "enabled"}).encode())
    assert summary.sharing is True
    for broken in (
        {**local, "total_events": -1},
        {**local, "total_events": "3"},
        {**local, "total_events": True},
        {**local, "opt_in_status": True},
        {"opt_in_status": "enabled"},
    ):
        with pytest.raises(PrinternizerAnswerError):
            parse_local(json.dumps(broken).encode())


def test_parse_printer_page_keeps_types_only() -> None:
    body = json.dumps(
        {
            "printers": [
                {"printer_type": "bambu_lab", "name": "Werkstatt X1C Sebastian"},
                {"printer_type": "prusa_core", "ip_address": "192.168.176.77"},
                {"printer_type": "octoprint"},
                {"printer_type": "unknown"},
                {"printer_type": "Werkstatt X1C Sebastian"},
                "not a printer",
            ],
            "total_count": 6,
            "pagination": {"page": 1, "limit": 100, "total_items": 6, "total_pages": 1},
        }
    ).encode()
    page = parse_printer_page(body)
    assert page.total == 6
    assert page.types == ["bambu_lab", "prusa", "octoprint", "other", "other", "other"]
    assert count_types(page.types) == {
        "bambu_lab": 1,
        "octoprint": 1,
        "other": 3,
        "prusa": 1,
    }
    for broken in (
        {"printers": "none", "total_count": 1},
        {"printers": [], "total_count": -1},
        {"printers": [], "total_count": "1"},
        {"printers": []},
    ):
        with pytest.raises(PrinternizerAnswerError):
            parse_printer_page(json.dumps(broken).encode())


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("  https://printernizer.local/ ", "https://printernizer.local"),
        ("http://6f840855-printernizer:8000", "http://6f840855-printernizer:8000"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
        ("http://host:8000/printernizer/", "http://host:8000/printernizer"),
    ],
)
def test_validate_printernizer_url(text: str, url: str) -> None:
    assert validate_printernizer_url(text) == url


@pytest.mark.parametrize(
    "text",
    [
        "",
        "127.0.0.1:8000",
        "ftp://127.0.0.1:8000",
        "file:///etc/passwd",
        "http://admin:secret@127.0.0.1:8000",
        "http://admin@127.0.0.1:8000",
        "http://127.0.0.1:8000/?token=1",
        "http://127.0.0.1:8000?",
        "http://127.0.0.1:8000/#top",
        "http://:8000",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:port",
        "javascript:alert(1)",
        "http://not an address",
        "http://printernizer.local:8000/a\tb",
    ],
)
def test_validate_printernizer_url_refuses(text: str) -> None:
    with pytest.raises(PrinternizerAnswerError):
        validate_printernizer_url(text)


@pytest.mark.parametrize(
    ("body", "printernizer"),
    [
        # src/utils/errors.py, http_exception_handler
        (
            (
                b'{"status":"error","message":"Failed","error_code":"HTTP_500",'
                b'"details":{},"timestamp":"2026-11-25T10:00:00"}'
            ),
            True,
        ),
        (b"404: Not Found", False),  # Home Assistant's own 404
        (b'{"message":"Not Found"}', False),
        (b'{"status":"error"}', False),
        (b'{"detail":"Not Found"}', False),  # FastAPI's default, not Printernizer's
        (b"", False),
    ],
)
def test_is_printernizer_error(body: bytes, printernizer: bool) -> None:
    assert is_printernizer_error(body) is printernizer


@given(st.binary(max_size=200))
def test_is_printernizer_error_never_raises(body: bytes) -> None:
    assert is_printernizer_error(body) in (True, False)


# --- BridgeState


def test_bridge_state_round_trip() -> None:
    state = BridgeState(
        ledger=ImportLedger().advanced([(event_key("a", NOW), NOW)], NOW),
        version="2.41.5",
        printer_types={"bambu_lab": 1, "prusa": 1},
        total_events=7,
        unreachable_since=NOW,
    )
    stored = json.loads(json.dumps(state.as_dict()))
    assert BridgeState.from_dict(stored) == state
    assert BridgeState.from_dict({}) == BridgeState()


@pytest.mark.parametrize(
    "version", ["2.42.0-3-g1234567-dirty", "v2.41.5", "Werkstatt", "", 2, NOT_CONNECTED]
)
def test_bridge_state_refuses_a_version_that_is_not_a_release(version: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        BridgeState.from_dict({"version": version})


def test_bridge_state_drops_printer_types_it_does_not_know() -> None:
    state = BridgeState.from_dict(
        {"printer_types": {"prusa": 2, "Werkstatt X1C Sebastian": 1, "other": 1}}
    )
    assert state.printer_types == {"prusa": 2, "other": 1}


@pytest.mark.parametrize(
    "stored",
    [
        {"total_events": "7"},
        {"total_events": 7.0},
        {"printer_types": ["prusa"]},
        {"import": {"after": "x"}},
        {"unreachable_since": "yesterday"},
    ],
)
def test_broken_bridge_state_raises(stored: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        BridgeState.from_dict(stored)
