"""Values and builders shared by the tests of the sending modules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
import random
from zoneinfo import ZoneInfo

from custom_components.printernizer_usage.core.audit import (
    KIND_REPORT,
)
from custom_components.printernizer_usage.core.deletions import (
    Deletion,
    DeletionQueue,
)
from custom_components.printernizer_usage.core.installation import (
    Destination,
)
from custom_components.printernizer_usage.core.outbox import (
    Outbox,
    idempotency_key,
)
from custom_components.printernizer_usage.core.payload import (
    Period,
)
from custom_components.printernizer_usage.core.schedule import (
    SubmissionState,
)

BERLIN = ZoneInfo("Europe/Berlin")
INSTALLATION_ID = "6f1c2a9e-3b4d-4c5e-8f7a-9b0c1d2e3f40"
OTHER_ID = "0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a"
ENDPOINT = "https://stats.example.com/api/v1"
OTHER_ENDPOINT = "https://other.example.org/usage"
DESTINATION = Destination(ENDPOINT, "key-1")
OTHER_DESTINATION = Destination(OTHER_ENDPOINT, "key-2")
LEGACY = Destination("https://legacy.example.net/api", "legacy-key")
# Monday 16 November 2026: the day sharing was turned on.
CONSENT_START = date(2026, 11, 16)
PERIOD = Period(start=date(2026, 11, 16), end=date(2026, 11, 23))
BODY = '{"schema_version":"1.0"}'
HOUR = timedelta(hours=1)


def utc(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=UTC)


NOW = utc(2026, 11, 25, 10, 30)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - a send offset, not cryptography


def new_outbox(
    period: Period = PERIOD, *, attempts: int = 0, next_attempt: datetime | None = None
) -> Outbox:
    return Outbox(
        body=BODY,
        start=period.start,
        end=period.end,
        installation_id=INSTALLATION_ID,
        key=idempotency_key(INSTALLATION_ID, period),
        attempts=attempts,
        next_attempt=next_attempt,
    )


def full_state() -> SubmissionState:
    """Return a state with every field set to something other than its default."""
    state = SubmissionState(
        last_period_end=date(2026, 11, 16),
        last_submission=utc(2026, 11, 16, 3, 4, 5),
        last_request=utc(2026, 11, 24, 8),
        outbox=new_outbox(attempts=2, next_attempt=utc(2026, 11, 25, 12)),
        deletions=DeletionQueue(
            [
                Deletion(OTHER_ID, DESTINATION, 3, utc(2026, 11, 26)),
                Deletion(OTHER_ID, OTHER_DESTINATION),
            ]
        ),
        send_offset=12_345,
        result="ok",
        auth_failed=True,
    )
    state.audit.add(NOW, kind=KIND_REPORT, status="sent", period=PERIOD, size=24)
    return state
