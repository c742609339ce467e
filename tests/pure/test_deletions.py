"""Deletion requests in core/deletions.py: their URL, answers, the queue, storage.

These tests need no `hass`; every function there takes "now", so each test sets
the clock it needs.
"""

from __future__ import annotations

from datetime import timedelta
import json

from hypothesis import given, strategies as st
import pytest

from custom_components.printernizer_usage.core.deletions import (
    Deletion,
    DeletionQueue,
    deletion_url,
)
from custom_components.printernizer_usage.core.installation import (
    Destination,
)
from custom_components.printernizer_usage.core.outbox import (
    Response,
    Verdict,
)

from .sending import (
    DESTINATION,
    ENDPOINT,
    HOUR,
    INSTALLATION_ID,
    LEGACY,
    NOW,
    OTHER_DESTINATION,
    OTHER_ENDPOINT,
    OTHER_ID,
    utc,
)

# --- deletions


def test_deletion_url() -> None:
    assert (
        deletion_url(ENDPOINT, INSTALLATION_ID)
        == f"https://stats.example.com/api/v1/installation/{INSTALLATION_ID}"
    )
    deletion = Deletion(OTHER_ID, OTHER_DESTINATION)
    assert deletion.url == f"{OTHER_ENDPOINT}/installation/{OTHER_ID}"


@pytest.mark.parametrize("attempts", [1, 12, 10**6])
@pytest.mark.parametrize("status", [200, 202, 204, 404])
def test_deletion_confirmed(status: int, attempts: int) -> None:
    deletion = Deletion(OTHER_ID, DESTINATION, attempts)
    assert deletion.verdict(Response(status)) is Verdict.DONE


@pytest.mark.parametrize("attempts", [1, 12])
@pytest.mark.parametrize("status", [401, 403])
def test_deletion_key_refused(status: int, attempts: int) -> None:
    deletion = Deletion(OTHER_ID, DESTINATION, attempts)
    assert deletion.verdict(Response(status)) is Verdict.KEY_REFUSED


@given(
    status=st.one_of(
        st.none(),
        st.integers(min_value=100, max_value=599).filter(
            lambda status: not 200 <= status < 300 and status not in (401, 403, 404)
        ),
    ),
    attempts=st.integers(min_value=0, max_value=10**9),
)
def test_deletion_is_never_given_up(status: int | None, attempts: int) -> None:
    """Every answer but a confirmation or a refused key is tried again, forever."""
    deletion = Deletion(OTHER_ID, DESTINATION, attempts)
    assert deletion.verdict(Response(status)) is Verdict.RETRY


def test_queue_keeps_one_request_per_id_and_service() -> None:
    queue = DeletionQueue()
    queue.queue(OTHER_ID, DESTINATION)
    queue.queue(OTHER_ID, Destination(ENDPOINT, "another-key"))
    assert len(queue.items) == 1
    assert queue.items[0].destination == DESTINATION
    queue.queue(OTHER_ID, OTHER_DESTINATION)
    queue.queue(INSTALLATION_ID, DESTINATION)
    assert len(queue.items) == 3
    assert [(item.installation_id, item.destination) for item in queue.items] == [
        (OTHER_ID, DESTINATION),
        (OTHER_ID, OTHER_DESTINATION),
        (INSTALLATION_ID, DESTINATION),
    ]
    assert all(item.attempts == 0 and item.next_attempt is None for item in queue.items)


def test_queue_due_returns_the_oldest_due() -> None:
    first = Deletion(OTHER_ID, DESTINATION, 1, NOW + HOUR)
    second = Deletion(OTHER_ID, OTHER_DESTINATION, 1, NOW - HOUR)
    third = Deletion(INSTALLATION_ID, DESTINATION)
    queue = DeletionQueue([first, second, third])
    assert queue.due(NOW - timedelta(hours=2)) is third
    assert queue.due(NOW) is second
    assert queue.due(NOW + HOUR) is first
    queue.remove(first)
    queue.remove(second)
    assert queue.due(NOW) is third
    queue.remove(third)
    assert queue.due(NOW) is None
    assert len(queue.items) == 0


def test_queue_due_none_while_all_wait() -> None:
    queue = DeletionQueue([Deletion(OTHER_ID, DESTINATION, 1, NOW + HOUR)])
    assert queue.due(NOW) is None
    assert queue.due(NOW + HOUR) is queue.items[0]


def test_queue_replace_key_only_for_its_endpoint() -> None:
    queue = DeletionQueue()
    queue.queue(OTHER_ID, DESTINATION)
    queue.queue(OTHER_ID, OTHER_DESTINATION)
    queue.queue(INSTALLATION_ID, DESTINATION)
    queue.replace_key(ENDPOINT, "new-key")
    assert [item.destination for item in queue.items] == [
        Destination(ENDPOINT, "new-key"),
        OTHER_DESTINATION,
        Destination(ENDPOINT, "new-key"),
    ]
    queue.replace_key(OTHER_ENDPOINT, None)
    assert queue.items[1].destination == Destination(OTHER_ENDPOINT, None)
    assert queue.items[0].destination == Destination(ENDPOINT, "new-key")


def test_deletion_round_trip() -> None:
    queue = DeletionQueue(
        [
            Deletion(OTHER_ID, DESTINATION, 5, utc(2026, 11, 26, 1, 2, 3)),
            Deletion(INSTALLATION_ID, Destination(OTHER_ENDPOINT, None)),
        ]
    )
    data = json.loads(json.dumps(queue.as_list()))
    restored = [Deletion.from_dict(item, legacy=LEGACY) for item in data]
    assert restored == queue.items


def test_legacy_deletion_goes_to_the_legacy_service() -> None:
    data = {"installation_id": OTHER_ID, "attempts": 2, "next_attempt": None}
    deletion = Deletion.from_dict(data, legacy=LEGACY)
    assert deletion == Deletion(OTHER_ID, LEGACY, 2, None)
    assert deletion.url == f"{LEGACY.endpoint}/installation/{OTHER_ID}"
