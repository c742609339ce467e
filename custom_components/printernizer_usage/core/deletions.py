"""Deletion requests: ask each service to forget each id it may hold.

Pure Python, no Home Assistant imports. A request remembers the service (and
key) its id was sent to, survives restarts, and is retried until the service
confirms (2xx, or 404: it holds nothing). It is never given up: the waits
between tries are bounded (see schedule.retry_at), so a service that is down
for weeks still gets it once it is back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from typing import Any

from . import stored
from .installation import Destination
from .outbox import Response, Verdict, optional_iso


def deletion_url(endpoint: str, installation_id: str) -> str:
    """Return the URL that deletes everything a service holds for an id."""
    return f"{endpoint}/installation/{installation_id}"


@dataclass
class Deletion:
    """A request to delete everything one service holds for one old id."""

    installation_id: str
    destination: Destination
    attempts: int = 0
    next_attempt: datetime | None = None

    @property
    def url(self) -> str:
        """Return where the request goes."""
        return deletion_url(self.destination.endpoint, self.installation_id)

    def verdict(self, response: Response) -> Verdict:
        """Return what `response` means: done, a refused key, or try again."""
        if response.ok or response.status == HTTPStatus.NOT_FOUND:
            return Verdict.DONE
        if response.key_refused:
            return Verdict.KEY_REFUSED
        return Verdict.RETRY

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "installation_id": self.installation_id,
            "endpoint": self.destination.endpoint,
            "api_key": self.destination.api_key,
            "attempts": self.attempts,
            "next_attempt": optional_iso(self.next_attempt),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, legacy: Destination) -> Deletion:
        """Build from the JSON form; older releases did not store the service."""
        return cls(
            installation_id=stored.text(data["installation_id"]),
            destination=Destination(
                stored.text(data["endpoint"]), stored.optional_text(data.get("api_key"))
            )
            if "endpoint" in data
            else legacy,
            attempts=stored.count(data["attempts"]),
            next_attempt=stored.optional_moment(data.get("next_attempt")),
        )


class DeletionQueue:
    """The pending deletion requests, oldest first, one per (id, service)."""

    def __init__(self, items: Iterable[Deletion] = ()) -> None:
        """Start from stored requests."""
        self.items = list(items)

    def queue(self, installation_id: str, destination: Destination) -> None:
        """Ask `destination` to delete `installation_id` (once)."""
        for item in self.items:
            if (
                item.installation_id == installation_id
                and item.destination.endpoint == destination.endpoint
            ):
                return
        self.items.append(Deletion(installation_id, destination))

    def due(
        self, now: datetime, *, skip_endpoint: str | None = None
    ) -> Deletion | None:
        """Return the oldest request whose time has come (none to `skip_endpoint`)."""
        for item in self.items:
            if item.destination.endpoint == skip_endpoint:
                continue
            if (item.next_attempt or now) <= now:
                return item
        return None

    def remove(self, deletion: Deletion) -> None:
        """Forget a request the service confirmed."""
        self.items.remove(deletion)

    def replace_key(self, endpoint: str, api_key: str | None) -> None:
        """Use a new key for every request to `endpoint`."""
        for item in self.items:
            if item.destination.endpoint == endpoint:
                item.destination = Destination(endpoint, api_key)

    def as_list(self) -> list[dict[str, Any]]:
        """Return the JSON form."""
        return [item.as_dict() for item in self.items]
