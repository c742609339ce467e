"""The installation in core/installation.py: its ids, where each went, storage.

These tests need no `hass`; every function there takes "now", so each test sets
the clock it needs.
"""

from __future__ import annotations

from datetime import timedelta
import json

import pytest

from custom_components.printernizer_usage.core.installation import (
    Destination,
    Installation,
    Sent,
)

from .sending import (
    CONSENT_START,
    DESTINATION,
    INSTALLATION_ID,
    LEGACY,
    NOW,
    OTHER_DESTINATION,
    OTHER_ENDPOINT,
    OTHER_ID,
)

# --- the installation


def test_submitted_ids_are_unique_in_order() -> None:
    installation = Installation(
        installation_id=INSTALLATION_ID,
        sent=[
            Sent(OTHER_ID, DESTINATION),
            Sent(INSTALLATION_ID, DESTINATION),
            Sent(OTHER_ID, OTHER_DESTINATION),
        ],
    )
    assert installation.submitted_ids == [OTHER_ID, INSTALLATION_ID]


def test_installation_round_trip() -> None:
    installation = Installation(
        installation_id=INSTALLATION_ID,
        consent_start=CONSENT_START,
        sent=[
            Sent(OTHER_ID, DESTINATION),
            Sent(OTHER_ID, Destination(OTHER_ENDPOINT, None)),
        ],
    )
    data = json.loads(json.dumps(installation.as_dict()))
    assert data["submitted_ids"] == [OTHER_ID]
    assert data["consent_start"] == "2026-11-16"
    assert Installation.from_dict(data, legacy=LEGACY) == installation


def test_installation_round_trip_of_defaults() -> None:
    data = Installation().as_dict()
    assert data == {
        "installation_id": None,
        "consent_start": None,
        "submitted_ids": [],
        "sent": [],
    }
    assert Installation.from_dict(data, legacy=LEGACY) == Installation()
    assert Installation.from_dict({}, legacy=LEGACY) == Installation()


def test_installation_from_a_legacy_release() -> None:
    data = {
        "installation_id": INSTALLATION_ID,
        "consent_start": "2026-11-16",
        "submitted_ids": [OTHER_ID, INSTALLATION_ID],
        "sent": [
            {
                "installation_id": OTHER_ID,
                "endpoint": OTHER_ENDPOINT,
                "api_key": "key-2",
            }
        ],
    }
    installation = Installation.from_dict(data, legacy=LEGACY)
    assert installation.consent_start == CONSENT_START
    assert installation.installation_id == INSTALLATION_ID
    # An id recorded with its service is not also sent to the legacy one.
    assert installation.sent == [
        Sent(OTHER_ID, OTHER_DESTINATION),
        Sent(INSTALLATION_ID, LEGACY),
    ]


def test_installation_with_ids_only() -> None:
    data = {"submitted_ids": [OTHER_ID, INSTALLATION_ID], "consent_start": None}
    installation = Installation.from_dict(data, legacy=LEGACY)
    assert installation.consent_start is None
    assert installation.installation_id is None
    assert installation.sent == [Sent(OTHER_ID, LEGACY), Sent(INSTALLATION_ID, LEGACY)]


@pytest.mark.parametrize(
    ("ahead", "expected", "moved"),
    [(-30, -30, False), (0, 0, False), (2, 2, False), (3, 2, True), (365, 2, True)],
)
def test_follow_clock_brings_back_a_consent_start_in_the_future(
    ahead: int, expected: int, moved: bool
) -> None:
    """After everything stored before the correction: no earlier day is reported."""
    today = NOW.date()
    installation = Installation(INSTALLATION_ID, today + timedelta(days=ahead))
    assert installation.follow_clock(NOW) is moved
    assert installation.consent_start == today + timedelta(days=expected)


def test_follow_clock_without_sharing() -> None:
    installation = Installation()
    assert installation.follow_clock(NOW) is False
    assert installation.consent_start is None
