"""The browser side of the end-to-end tests: Chromium's settings and screenshots.

Playwright is imported only where it is used, so that the fast suite can
collect (and skip) these tests in a lane that does not have it.
"""

from __future__ import annotations

import os
from pathlib import Path
import shutil
from typing import TYPE_CHECKING

from tests.e2e.server import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads one
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    # The machine has no internet: keep Chromium from trying.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
DEVICE_PAGE_HEIGHT = 1240  # the whole device page in one picture
DASHBOARD_HEIGHT = 500  # the card, without the empty page below it
TIMEOUT_MS = 30_000  # for each click, fill and expect
NAVIGATION_TIMEOUT_MS = 60_000

# scripts/e2e sets it; without it the tests are skipped (see conftest.py).
E2E_ENABLED = os.environ.get("PRINTERNIZER_E2E") == "1"
# Which server scripts/e2e started: "min" (HA 2025.4.4) or "newest" (HA 2026.11).
SERVER = os.environ.get("PRINTERNIZER_E2E_SERVER", "min")
# git-ignored, rewritten every run; one folder per server.
ARTIFACTS = Path(__file__).parent / "artifacts" / SERVER
DOCS = REPO / "docs"
# scripts/e2e --update-docs: copy the screenshots the README shows to docs/.
UPDATE_DOCS = os.environ.get("PRINTERNIZER_E2E_DOCS") == "1"


def route_outside_requests(route: Route) -> None:
    """Refuse what the page asks of any host but the server: none is reachable.

    Brand images too: Home Assistant before 2026.3 loads every integration's
    icon from brands.home-assistant.io, which has none for this integration, so
    those releases show no icon for it online as they do here
    (`test_integration_icon` checks what the integration's card shows).
    """
    route.abort()


def reset_artifacts() -> None:
    """Start the run with an empty artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()


def screenshot(
    page: Page, name: str, *, docs: bool = False, height: int | None = None
) -> Path:
    """Save a screenshot to the artifacts (and to docs/ when asked to).

    `height` resizes the window for the picture (Home Assistant scrolls inside
    its own panels, so a taller page needs a taller window).
    """
    path = ARTIFACTS / f"{name}.png"
    if height is not None:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        # Let the page lay itself out for the new size (two frames).
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
    try:
        page.screenshot(path=path, animations="disabled", caret="hide")
    finally:
        if height is not None:
            page.set_viewport_size(VIEWPORT)
    if docs and UPDATE_DOCS:
        DOCS.mkdir(exist_ok=True)
        shutil.copyfile(path, DOCS / path.name)
    return path
