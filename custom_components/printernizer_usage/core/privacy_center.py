"""The privacy center's text: reports, the audit log and deletions as Markdown.

Pure Python, no Home Assistant imports. Only data is formatted here; every
word a person reads comes from the translations around these pieces, and an
empty list is no table at all: the translations say so in a sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import html
import json
from typing import Any, Final

NOTHING: Final = "\u2013"  # an en dash: an empty cell
# Thousands as SI writes them, right in English and in German alike (where
# "1,234" is a decimal comma: one and a bit).
THOUSANDS: Final = "\u202f"  # a narrow no-break space


def grouped(number: int) -> str:
    """Return a whole number with its thousands apart: 1234567 -> "1 234 567"."""
    return f"{number:,}".replace(",", THOUSANDS)


def report_block(payload: Mapping[str, Any]) -> str:
    """Return a report pretty-printed, as a Markdown code block."""
    return f"```json\n{json.dumps(payload, indent=2)}\n```"


def download_anchor(url: str, filename: str) -> str:
    """Return a link that downloads `url` as `filename`.

    A target keeps Home Assistant's frontend from treating the link as one of
    its own pages; the browser then downloads the file in place.
    """
    return f'<a href="{html.escape(url)}" target="_self">{html.escape(filename)}</a>'


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def history_rows(entries: Iterable[Mapping[str, Any]]) -> str:
    """Return the audit log as table rows, newest first: day, period, outcome, size."""
    rows = [
        _row(
            entry["day"],
            f"{entry['period']['start']} \u2013 {entry['period']['end']}"
            if entry.get("period")
            else NOTHING,
            f"`{entry['status']}`",
            grouped(entry["size"]) if entry.get("size") else NOTHING,
        )
        for entry in reversed(list(entries))
    ]
    return "\n".join(rows)


def deletion_rows(deletions: Iterable[Mapping[str, Any]]) -> str:
    """Return pending deletion requests as table rows: service, tries, next try."""
    rows = [
        _row(item["endpoint"], item["attempts"], item.get("next_attempt") or NOTHING)
        for item in deletions
    ]
    return "\n".join(rows)


def service_list(endpoints: Iterable[str]) -> str:
    """Return the services that will be asked to delete, one per line."""
    return "\n".join(f"- {endpoint}" for endpoint in dict.fromkeys(endpoints))
