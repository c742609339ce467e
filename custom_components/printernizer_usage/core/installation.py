"""The random identity of a sharing installation, and where it was sent.

Pure Python, no Home Assistant imports. Only the consent module changes it:
an id exists only while sharing is on, the consent-start day bounds what a
report may contain, and every (id, endpoint) pair that may have reached a
server is kept until that server confirmed its deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


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
                item["installation_id"],
                Destination(item["endpoint"], item.get("api_key")),
            )
            for item in data.get("sent", [])
        ]
        known = {item.installation_id for item in sent}
        sent.extend(
            Sent(installation_id, legacy)
            for installation_id in data.get("submitted_ids", [])
            if installation_id not in known
        )
        start = data.get("consent_start")
        return cls(
            installation_id=data.get("installation_id"),
            consent_start=date.fromisoformat(start) if start else None,
            sent=sent,
        )
