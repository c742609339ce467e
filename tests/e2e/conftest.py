"""Fixtures for the end-to-end tests: a real Home Assistant and a real browser.

These tests are skipped unless PRINTERNIZER_E2E=1: `scripts/e2e` sets it after
installing what they need (Playwright, Chromium, the server's runtime packages),
so the fast suite (`scripts/test`, both lanes) only reports them as skipped.

A module's tests share one server and one browser tab and run in file order,
each one step of what a person does; after a failed step the later ones are
skipped. A failure report carries the end of Home Assistant's log and the
browser's console errors, and a screenshot lands in tests/e2e/artifacts/.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
import re
from typing import TYPE_CHECKING

import pytest
import pytest_socket

from tests.e2e.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    E2E_ENABLED,
    NAVIGATION_TIMEOUT_MS,
    TIMEOUT_MS,
    VIEWPORT,
    reset_artifacts,
    route_outside_requests,
)
from tests.e2e.server import HomeAssistantServer, free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

_FAILED_STEP = pytest.StashKey[str]()
_SERVER = pytest.StashKey[HomeAssistantServer]()
_PAGE = pytest.StashKey["Page"]()
_CONSOLE = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (pyproject.toml is not this folder's to edit)."""
    config.addinivalue_line(
        "markers",
        "e2e: end-to-end test in a real Home Assistant and browser; run by"
        " scripts/e2e (skipped unless PRINTERNIZER_E2E=1)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the end-to-end tests unless they were asked for."""
    if E2E_ENABLED:
        return
    skip = pytest.mark.skip(reason="end-to-end test: run scripts/e2e")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip the later steps of a module once one of its steps failed."""
    module = item.parent
    if (
        "e2e" in item.keywords
        and module is not None
        and (failed := module.stash.get(_FAILED_STEP, None))
    ):
        pytest.skip(f"an earlier step failed: {failed}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On failure: remember the step, attach HA's log, the console, a screenshot."""
    report = yield
    module = item.parent
    if not (report.failed and "e2e" in item.keywords and module is not None):
        return report
    module.stash.setdefault(_FAILED_STEP, item.name)
    if (page := module.stash.get(_PAGE, None)) is not None:
        path = ARTIFACTS / f"failed-{item.name}.png"
        try:
            page.screenshot(path=path)
        except Exception as err:  # noqa: BLE001 - the rest of the report matters more
            report.sections.append(("screenshot", f"not taken: {err}"))
        else:
            report.sections.append(("screenshot", str(path)))
    if console := module.stash.get(_CONSOLE, None):
        report.sections.append(("browser console errors", "\n".join(console[-40:])))
    if (server := module.stash.get(_SERVER, None)) is not None:
        report.sections.append(("home-assistant.log", server.log_tail()))
    return report


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's: there is no in-process `hass` here.

    The server finds the integration in its own custom_components folder.
    """


@pytest.fixture(autouse=True)
def time_zone() -> None:
    """Override tests/conftest.py's: the server runs on the real clock."""


@pytest.fixture(autouse=True)
def verify_cleanup() -> None:
    """Override the HA test plugin's: no in-process Home Assistant to check here.

    It looks for tasks, timers and threads that an in-process `hass` left
    behind, and runs pytest-asyncio's event loop to do so. Playwright's sync API
    marks its own loop as running between calls, so no other loop can run in
    this thread while the browser is open.
    """


@pytest.fixture(autouse=True)
def enable_event_loop_debug() -> None:
    """Override the HA test plugin's: these tests use no pytest-asyncio loop."""


@pytest.fixture(autouse=True)
def allow_sockets(socket_enabled: None) -> None:
    """Let the tests talk to the server (the HA plugin blocks sockets per test).

    Only 127.0.0.1 is contacted. The browser and the server are processes of
    their own, which pytest-socket does not reach anyway.
    """


@pytest.fixture(scope="module")
def home_assistant(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HomeAssistantServer]:
    """Start a fresh, onboarded Home Assistant; stop it after the module.

    A module's `CONFIGURATION` (YAML), if any, is added to configuration.yaml.
    """
    # A module fixture is set up before the first test's function-scoped
    # `socket_enabled`: do what that fixture does, here.
    pytest_socket.enable_socket()
    server = HomeAssistantServer(
        tmp_path_factory.mktemp("home-assistant"),
        free_port(),
        getattr(request.module, "CONFIGURATION", ""),
    )
    request.node.stash[_SERVER] = server
    try:
        server.start()
        server.onboard()
        server.remove_entries("radio_browser")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Launch Debian's Chromium, headless."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - E2E lane only

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/e2e (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=NAVIGATION_TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(
    request: pytest.FixtureRequest,
    browser: Browser,
    home_assistant: HomeAssistantServer,
) -> Iterator[Page]:
    """Open the one tab that the steps of a module share (English, UTC)."""
    from playwright.sync_api import expect  # noqa: PLC0415 - E2E lane only

    expect.set_options(timeout=TIMEOUT_MS)
    reset_artifacts()
    context = browser.new_context(
        viewport=VIEWPORT, locale="en-US", timezone_id="UTC", accept_downloads=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    context.route(
        re.compile(rf"^(?!{re.escape(home_assistant.url)}/)"), route_outside_requests
    )
    console: list[str] = []
    request.node.stash[_CONSOLE] = console
    context.on(
        "console",
        lambda message: (
            console.append(message.text) if message.type == "error" else None
        ),
    )
    context.on("weberror", lambda error: console.append(f"uncaught: {error.error}"))
    tab = context.new_page()
    request.node.stash[_PAGE] = tab
    try:
        yield tab
    finally:
        del request.node.stash[_PAGE]
        context.close()
