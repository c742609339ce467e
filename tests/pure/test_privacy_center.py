"""The privacy center's pieces in core/privacy_center.py: code blocks, links, tables."""

from __future__ import annotations

import json

from custom_components.printernizer_usage.core.privacy_center import (
    NOTHING,
    deletion_rows,
    download_anchor,
    grouped,
    history_rows,
    report_block,
    service_list,
)


def test_report_block_is_the_report_as_json() -> None:
    block = report_block({"b": 1, "a": [2]})
    assert block.startswith("```json\n")
    assert block.endswith("\n```")
    assert json.loads(block.removeprefix("```json\n").removesuffix("\n```")) == {
        "b": 1,
        "a": [2],
    }


def test_download_anchor_escapes_what_it_shows() -> None:
    anchor = download_anchor('/api/x?a=1&b="2"', "<data>.json")
    assert anchor == (
        '<a href="/api/x?a=1&amp;b=&quot;2&quot;" target="_self">&lt;data&gt;.json</a>'
    )


def test_history_rows_newest_first() -> None:
    entries = [
        {
            "day": "2026-11-23",
            "period": {"start": "2026-11-16", "end": "2026-11-23"},
            "status": "sent",
            "size": 1234,
        },
        {"day": "2026-11-24", "period": None, "status": "deleted", "size": 0},
    ]
    assert history_rows(entries).splitlines() == [
        f"| 2026-11-24 | {NOTHING} | `deleted` | {NOTHING} |",
        "| 2026-11-23 | 2026-11-16 \u2013 2026-11-23 | `sent` | 1\u202f234 |",
    ]


def test_grouped_sets_thousands_apart_in_every_language() -> None:
    assert grouped(0) == "0"
    assert grouped(999) == "999"
    assert grouped(1234) == "1\u202f234"
    assert grouped(1234567) == "1\u202f234\u202f567"


def test_deletion_rows_and_service_list() -> None:
    deletions = [
        {"endpoint": "https://a.example", "attempts": 2, "next_attempt": "soon"},
        {"endpoint": "https://a.example", "attempts": 0},
    ]
    assert deletion_rows(deletions).splitlines() == [
        "| https://a.example | 2 | soon |",
        f"| https://a.example | 0 | {NOTHING} |",
    ]
    assert service_list(["https://a.example", "https://a.example"]) == (
        "- https://a.example"
    )


def test_empty_lists_are_no_rows_at_all() -> None:
    """The dialog says "Nothing has been sent yet." instead of a row of dashes."""
    assert history_rows([]) == ""
    assert deletion_rows([]) == ""
    assert service_list([]) == ""
