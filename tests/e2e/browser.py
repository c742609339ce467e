"""The browser side of the end-to-end tests: Chromium's settings and screenshots.

Playwright is imported only where it is used, so that the fast suite can
collect (and skip) these tests in a lane that does not have it.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import shutil
from typing import TYPE_CHECKING

from tests.e2e.server import INTEGRATION, REPO

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

# What Home Assistant 2025.4 asks the brands site for; the site answers a
# missing logo (or dark variant) with the icon.
_BRAND_IMAGE = re.compile(
    r"^https://brands\.home-assistant\.io/(?:_/)?printernizer_usage/"
    r"(?:dark_)?(?:icon|logo)(@2x)?\.png$"
)


def route_outside_requests(route: Route) -> None:
    """Answer what the page asks of any host but the server: nothing is reachable.

    The one exception is the integration's icon, which Home Assistant 2025.4
    loads from brands.home-assistant.io: it is answered with the icon this
    repository ships in the integration's brand/ folder, so the screenshots show
    it as people see it once the brands repository has it. Everything else
    (other integrations' logos) fails at once, as it would offline.
    """
    if (match := _BRAND_IMAGE.match(route.request.url)) and (
        icon := INTEGRATION / "brand" / f"icon{match.group(1) or ''}.png"
    ).is_file():
        route.fulfill(path=icon, content_type="image/png")
    else:
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
