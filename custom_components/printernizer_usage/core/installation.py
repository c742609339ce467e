"""The random identity of a sharing installation, and where it was sent.

Pure Python, no Home Assistant imports. Only the consent module changes it:
an id exists only while sharing is on, the consent-start day bounds what a
report may contain, and every (id, endpoint) pair that may have reached a
server is kept until that server confirmed its deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from . import stored
from .counts import first_day_after_correction


@dataclass(frozen=True, slots=True)
class Destination:
    """A statistics service, and the key it was reached with."""

    endpoint: str
    api_key: str | None = None


@dataclass(slots=True)
class Sent:
    """One id that may have reached one service."""

    installation_id: str
    destination: Destination

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "installation_id": self.installation_id,
            "endpoint": self.destination.endpoint,
            "api_key": self.destination.api_key,
        }


@dataclass
class Installation:
    """The random id (only while sharing is on) and what the servers hold."""

    installation_id: str | None = None
    # The UTC day sharing was turned on: no report contains an earlier day.
    consent_start: date | None = None
    sent: list[Sent] = field(default_factory=list)

    @property
    def submitted_ids(self) -> list[str]:
        """Return every id that may be held by a server, once each."""
        return list(dict.fromkeys(item.installation_id for item in self.sent))

    def destinations_of(self, installation_id: str) -> list[Destination]:
        """Return every service that may hold `installation_id`."""
        return [
            item.destination
            for item in self.sent
            if item.installation_id == installation_id
        ]

    def follow_clock(self, now: datetime) -> bool:
        """Bring back a consent start that a clock that ran ahead put in the future.

        Return whether it moved. It moves to a day after every day stored so
        far (see `first_day_after_correction`), so no report ever holds a day
        counted before sharing was turned on.
        """
        fresh = first_day_after_correction(now)
        if self.consent_start is None or self.consent_start <= fresh:
            return False
        self.consent_start = fresh
        return True

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form (`submitted_ids` stays for older releases)."""
        return {
            "installation_id": self.installation_id,
            "consent_start": self.consent_start.isoformat()
            if self.consent_start
            else None,
            "submitted_ids": self.submitted_ids,
            "sent": [item.as_dict() for item in self.sent],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, legacy: Destination) -> Installation:
        """Build from the JSON form.

        Ids stored by releases that did not record where they were sent are
        taken to have gone to `legacy` (the configured service).
        """
        sent = [
            Sent(
                stored.text(item["installation_id"]),
                Destination(
                    stored.text(item["endpoint"]),
                    stored.optional_text(item.get("api_key")),
                ),
            )
            for item in map(stored.mapping, stored.array(data.get("sent", [])))
        ]
        known = {item.installation_id for item in sent}
        sent.extend(
            Sent(installation_id, legacy)
            for installation_id in map(
                stored.text, stored.array(data.get("submitted_ids", []))
            )
            if installation_id not in known
        )
        return cls(
            installation_id=stored.optional_text(data.get("installation_id")),
            consent_start=stored.optional_day(data.get("consent_start")),
            sent=sent,
        )
