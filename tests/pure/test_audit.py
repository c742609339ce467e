"""The audit log in core/audit.py: days only, the newest attempts, clearing.

These tests need no `hass`; every function there takes "now", so each test sets
the clock it needs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
import json

from custom_components.printernizer_usage.core.audit import (
    AUDIT_LOG_SIZE,
    KIND_DELETION,
    KIND_REPORT,
    AuditLog,
)

from .sending import (
    BERLIN,
    NOW,
    PERIOD,
)

# --- the audit log


def test_audit_log_records_the_utc_day_only() -> None:
    log = AuditLog()
    # 00:30 in Berlin is still the previous day in UTC.
    now = datetime(2026, 11, 17, 0, 30, 45, tzinfo=BERLIN)
    log.add(
        now,
        kind=KIND_REPORT,
        status="sent",
        period=PERIOD,
        size=42,
        payload={"a": 1},
    )
    log.add(now, kind=KIND_DELETION, status="deleted")
    assert log.entries == [
        {
            "day": "2026-11-16",
            "kind": KIND_REPORT,
            "period": {"start": "2026-11-16", "end": "2026-11-23"},
            "status": "sent",
            "size": 42,
            "payload": {"a": 1},
        },
        {
            "day": "2026-11-16",
            "kind": KIND_DELETION,
            "period": None,
            "status": "deleted",
            "size": 0,
            "payload": None,
        },
    ]
    text = json.dumps(log.entries)
    assert "23:30" not in text
    assert "00:30" not in text


def test_audit_log_keeps_the_newest() -> None:
    log = AuditLog()
    for i in range(AUDIT_LOG_SIZE + 5):
        log.add(NOW + timedelta(days=i), kind=KIND_REPORT, status=f"s{i}")
    assert len(log.entries) == AUDIT_LOG_SIZE
    assert [entry["status"] for entry in log.entries] == [
        f"s{i}" for i in range(5, AUDIT_LOG_SIZE + 5)
    ]


def test_audit_log_from_storage_keeps_the_newest() -> None:
    stored = [{"status": str(i)} for i in range(AUDIT_LOG_SIZE + 3)]
    log = AuditLog(stored)
    assert [entry["status"] for entry in log.entries] == [
        str(i) for i in range(3, AUDIT_LOG_SIZE + 3)
    ]
    assert len(AuditLog(stored[:2]).entries) == 2


def test_audit_log_clear() -> None:
    log = AuditLog()
    log.add(NOW, kind=KIND_REPORT, status="sent")
    log.clear()
    assert log.entries == []
    log.add(NOW, kind=KIND_DELETION, status="deleted")
    assert len(log.entries) == 1
