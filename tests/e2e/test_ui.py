"""A person sets the integration up in a real Home Assistant, in a real browser.

Home Assistant (2025.4.4, or 2026.11.0 with scripts/e2e --newest) runs as its
own process (see server.py), Debian's Chromium is driven by Playwright, and the
steps below run in order on one browser tab: log in, add the integration
through its consent dialog, look at its device, turn sharing on in its options,
watch a dashboard count events, download the export, and read the options in
German. The frontends of the two releases differ; where they do, a step accepts
either. Screenshots land in tests/e2e/artifacts/SERVER/ on every run (and in
docs/ with scripts/e2e --update-docs).
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from awesomeversion import AwesomeVersion
import pytest

from tests.e2e.browser import (
    DASHBOARD_HEIGHT,
    DEVICE_PAGE_HEIGHT,
    E2E_ENABLED,
    VIEWPORT,
    screenshot,
)
from tests.e2e.server import (
    INTEGRATION,
    PASSWORD,
    USER_NAME,
    USERNAME,
    HomeAssistantServer,
)

try:
    from playwright.sync_api import expect
except ImportError:  # a fast-suite lane without Playwright: conftest skips these
    if E2E_ENABLED:
        raise

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

EN = json.loads((INTEGRATION / "translations" / "en.json").read_text(encoding="utf-8"))
DE = json.loads((INTEGRATION / "translations" / "de.json").read_text(encoding="utf-8"))
CONSENT = EN["config"]["step"]["user"]
MENU = EN["options"]["step"]["init"]
MENU_DE = DE["options"]["step"]["init"]
OPTIONS = EN["options"]["step"]["sharing"]
OPTIONS_DE = DE["options"]["step"]["sharing"]
CENTER = EN["options"]["step"]

DOMAIN = INTEGRATION.name
DEVICE = "Printernizer Usage Statistics"
SWITCH = "switch.printernizer_usage_statistics_share_anonymous_statistics"
WEEK = "sensor.printernizer_usage_statistics_{}_this_week"
EXPORT_URL = "/api/printernizer_usage/export"
DASHBOARD = "printernizer-usage"
ENTITY_ROWS = "hui-sensor-entity-row, hui-simple-entity-row, hui-toggle-entity-row"
SUBMISSION_STATUS = EN["entity"]["sensor"]["submission_status"]
# An information step's button says where it leads, not "Submit" (the step's
# `submit` text, read by the frontends of 2025.4 and 2026.11).
BACK_TO_MENU = CENTER["preview"]["submit"]
HOUSEHOLD_USERNAME = "household"
HOUSEHOLD_PASSWORD = "e2e-household-password"  # noqa: S105 - a throwaway user
# The first release whose `brands` integration serves the images in an
# integration's own brand/ folder; before it the frontend asks
# brands.home-assistant.io.
LOCAL_BRAND_IMAGES = AwesomeVersion("2026.3.0")

JOBS_COMPLETED = 3
FILES_DOWNLOADED = 1
# The entities card of README.md's example (the stats viewer).
README_CARD = {
    "type": "entities",
    "title": "3D printing this week",
    "entities": [
        {"entity": WEEK.format("jobs_completed"), "name": "Jobs completed"},
        {"entity": WEEK.format("jobs_failed"), "name": "Jobs failed"},
        {"entity": WEEK.format("files_downloaded"), "name": "Files downloaded"},
        {"entity": WEEK.format("files_uploaded"), "name": "Files uploaded"},
        {"entity": WEEK.format("errors"), "name": "Errors"},
        {"entity": "sensor.printernizer_usage_statistics_printers", "name": "Printers"},
        {
            "entity": "sensor.printernizer_usage_statistics_jobs_completed",
            "name": "Jobs completed (all time)",
        },
        {"entity": SWITCH, "name": "Share anonymous statistics"},
    ],
}
# What its sensor rows must show after the events below.
CARD_ROWS = [
    ("Jobs completed", JOBS_COMPLETED),
    ("Jobs failed", 0),
    ("Files downloaded", FILES_DOWNLOADED),
    ("Files uploaded", 0),
    ("Errors", 0),
    ("Printers", 0),
    ("Jobs completed (all time)", JOBS_COMPLETED),
]


def disclosure_lines(markdown: str) -> list[str]:
    """Return each paragraph, heading and list item of the disclosure as shown.

    The example report (a placeholder filled in by the integration) is not
    part of the text.
    """
    lines = (
        line.strip().removeprefix("- ").replace("**", "")
        for line in markdown.split("\n")
    )
    return [line.strip() for line in lines if line.strip() and "{" not in line]


def call_ws(page: Page, message: dict[str, Any]) -> Any:
    """Send a websocket command on the frontend's own, logged-in connection."""
    return page.evaluate(
        "message => document.querySelector('home-assistant').hass.callWS(message)",
        message,
    )


def wait_until(what: str, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll `condition` until it holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def expect_row(
    page: Page, name: str, value: object, within: Locator | None = None
) -> None:
    """Expect the entity row named `name` (device page, a card) to show `value`."""
    rows = (within or page).locator(ENTITY_ROWS)
    row = rows.filter(has=page.get_by_text(name, exact=True))
    # The value is a bare text node in the row's shadow root, which text
    # selectors cannot single out; the accessibility tree reads it as shown.
    expect(row).to_match_aria_snapshot(f"- text: {name} {value}")


def device_page_screenshot(page: Page, name: str, *, docs: bool = False) -> None:
    """Screenshot the whole device page, down to its Diagnostic card."""
    page.set_viewport_size({"width": VIEWPORT["width"], "height": DEVICE_PAGE_HEIGHT})
    try:
        expect(page.get_by_text("Diagnostic", exact=True)).to_be_in_viewport()
        screenshot(page, name, docs=docs)
    finally:
        page.set_viewport_size(VIEWPORT)


def sidebar_item(page: Page, panel: str) -> Locator:
    """Return the sidebar's entry for a panel (`config` is Settings).

    Links with `data-panel` up to 2025.x; list items with an id since.
    """
    new_id = "sidebar-config" if panel == "config" else f"sidebar-panel-{panel}"
    return page.locator(f"ha-sidebar :is(a[data-panel='{panel}'], #{new_id})")


def open_new_dashboard(
    page: Page, url_path: str, title: str, icon: str, view: dict[str, Any]
) -> None:
    """Create a dashboard with one view (as Settings -> Dashboards does) and open it."""
    call_ws(
        page,
        {
            "type": "lovelace/dashboards/create",
            "url_path": url_path,
            "title": title,
            "icon": icon,
            "show_in_sidebar": True,
        },
    )
    call_ws(
        page,
        {
            "type": "lovelace/config/save",
            "url_path": url_path,
            "config": {"views": [view]},
        },
    )
    sidebar_item(page, url_path).click()
    page.wait_for_url(f"**/{url_path}/{view['path']}")


def settings_item(page: Page, name: str) -> Locator:
    """Return an entry of the Settings page (menu items up to 2025.x, list since)."""
    return (
        page.get_by_role("menuitem", name=re.compile(f"^{re.escape(name)}"))
        .or_(
            page.locator(
                "ha-config-navigation-list ha-list-item-button",
                has_text=re.compile(rf"^\s*{re.escape(name)}"),
            )
        )
        .first
    )


def tick(checkbox: Locator) -> None:
    """Tick a form's checkbox.

    Since 2026.x the box drawn over the (still accessible) input takes the
    click, which Playwright would otherwise wait for: click through it.
    """
    checkbox.check(force=True)


def flow_dialog(page: Page) -> Locator:
    """Return the dialog that shows config and options flows."""
    return page.locator("dialog-data-entry-flow")


def open_integration_page(page: Page, devices_and_services: str) -> None:
    """Click through Settings -> Devices & services to the integration's page."""
    sidebar_item(page, "config").click()
    settings_item(page, devices_and_services).click()
    page.wait_for_url("**/config/integrations/dashboard")
    page.locator("ha-integration-card", has_text=DEVICE).click()
    page.wait_for_url("**/config/integrations/integration/printernizer_usage**")


def test_log_in(page: Page, home_assistant: HomeAssistantServer) -> None:
    page.goto(f"{home_assistant.url}/")
    page.wait_for_url("**/auth/authorize?**")
    page.get_by_role("textbox", name="Username").fill(USERNAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The default dashboard: /lovelace/0 up to 2025.x, /home/overview since.
    page.wait_for_url(re.compile(rf"^{re.escape(home_assistant.url)}/(lovelace|home)/"))
    expect(page.locator("ha-sidebar")).to_contain_text(USER_NAME)
    # "Keep me logged in" is ticked by default: the frontend keeps its tokens.
    tokens = page.evaluate("() => JSON.parse(localStorage.getItem('hassTokens'))")
    assert tokens["access_token"]


def test_consent_dialog(page: Page) -> None:
    sidebar_item(page, "config").click()
    settings_item(page, "Devices & services").click()
    page.wait_for_url("**/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_role("textbox", name="Search for a brand name").or_(
        page.get_by_placeholder("Search for a brand name")
    ).first.fill("Printernizer")
    page.locator("dialog-add-integration").get_by_text(DEVICE, exact=True).click()

    dialog = flow_dialog(page)
    expect(dialog.get_by_text(CONSENT["title"], exact=True)).to_be_visible()
    lines = disclosure_lines(CONSENT["description"])
    assert "What is never collected" in lines
    assert "File names, file paths or file content" in lines
    for line in lines:  # the whole disclosure, not a summary of it
        expect(dialog.get_by_text(line, exact=True).first).to_be_visible()
    # The example report, built by the integration, before anyone agrees.
    expect(dialog.get_by_text('"schema_version": "1.0"', exact=False)).to_be_visible()
    checkbox = dialog.get_by_role("checkbox", name=CONSENT["data"]["share_statistics"])
    expect(checkbox).not_to_be_checked()  # sharing is off unless ticked
    expect(
        dialog.get_by_text(CONSENT["data_description"]["share_statistics"])
    ).to_be_visible()
    screenshot(page, "consent-dialog", docs=True)

    dialog.get_by_role("button", name="Submit").click()
    # Up to 2025.x a "Created configuration" note; since, the device to name.
    created = dialog.get_by_text(f"Created configuration for {DEVICE}.")
    device_name = dialog.get_by_role("textbox", name="Device name")
    expect(created.or_(device_name).first).to_be_visible()
    if device_name.count():
        expect(device_name).to_have_value(DEVICE)
    dialog.get_by_role("button", name=re.compile(r"^(Finish|Skip and finish)$")).click()
    # To the integration's page (up to 2025.x) or straight to the device (since).
    page.wait_for_url(
        re.compile(
            r"/config/(integrations/integration/printernizer_usage|devices/device/)"
        )
    )


def test_device_page(page: Page) -> None:
    if "/config/devices/device/" not in page.url:  # HA 2025.x: from the integration
        page.get_by_role("link", name="1 service").first.click()
        page.wait_for_url("**/config/devices/device/*")

    expect(page.get_by_text(DEVICE, exact=True).first).to_be_visible()
    names = [entity["name"] for entity in EN["entity"]["sensor"].values()]
    names += [entity["name"] for entity in EN["entity"]["switch"].values()]
    assert "Share anonymous statistics" in names
    for name in names:
        expect(page.get_by_text(name, exact=True)).to_be_visible()
    expect_row(page, EN["entity"]["sensor"]["jobs_completed_week"]["name"], 0)
    sharing = page.get_by_role("switch", name=re.compile("Share anonymous statistics"))
    expect(sharing).not_to_be_checked()
    expect_row(page, SUBMISSION_STATUS["name"], SUBMISSION_STATUS["state"]["disabled"])
    device_page_screenshot(page, "device-page-new")


def test_integration_icon(page: Page, home_assistant: HomeAssistantServer) -> None:
    """The integration's card shows the icon in brand/ from 2026.3 on, none before."""
    sidebar_item(page, "config").click()
    settings_item(page, "Devices & services").click()
    page.wait_for_url("**/config/integrations/dashboard")
    icon = page.locator("ha-integration-card", has_text=DEVICE).locator("img").first
    page.wait_for_function("img => img.complete", arg=icon.element_handle())
    src, width = icon.evaluate("img => [img.currentSrc, img.naturalWidth]")
    screenshot(page, "integration-card")

    version = (home_assistant.config_dir / ".HA_VERSION").read_text(encoding="utf-8")
    if AwesomeVersion(version.strip()) >= LOCAL_BRAND_IMAGES:
        # Served by Home Assistant itself, from the integration's own folder.
        assert urlsplit(src).path == f"/api/brands/integration/{DOMAIN}/icon.png"
        expect(icon).to_be_visible()
        assert width == 256
        served = page.evaluate(
            "async src => Array.from(new Uint8Array("
            "await (await fetch(src)).arrayBuffer()))",
            src,
        )
        assert bytes(served) == (INTEGRATION / "brand" / "icon.png").read_bytes()
    else:
        # Asked of brands.home-assistant.io, which has no image for this
        # domain; the card hides the image that did not load.
        assert src == f"https://brands.home-assistant.io/{DOMAIN}/icon.png"
        assert width == 0
        expect(icon).to_be_hidden()


def test_options_turn_sharing_on(
    page: Page, home_assistant: HomeAssistantServer
) -> None:
    open_integration_page(page, "Devices & services")
    page.get_by_role("button", name="Configure").click()

    dialog = flow_dialog(page)
    expect(dialog.get_by_text(MENU["title"], exact=True)).to_be_visible()
    for label in MENU["menu_options"].values():
        expect(dialog.get_by_text(label, exact=True)).to_be_visible()
    screenshot(page, "privacy-center-menu", docs=True)
    dialog.get_by_text(MENU["menu_options"]["sharing"], exact=True).click()
    expect(dialog.get_by_text(OPTIONS["title"], exact=True)).to_be_visible()
    expect(dialog.get_by_text(OPTIONS["description"], exact=True)).to_be_visible()
    endpoint = dialog.get_by_role("textbox", name=OPTIONS["data"]["endpoint"])
    expect(endpoint).to_have_value("https://stats.printernizer.com")
    checkbox = dialog.get_by_role("checkbox", name=OPTIONS["data"]["share_statistics"])
    expect(checkbox).not_to_be_checked()  # what the consent dialog stored
    tick(checkbox)
    expect(checkbox).to_be_checked()
    screenshot(page, "options-dialog", docs=True)

    dialog.get_by_role("button", name="Submit").click()
    saved = dialog.get_by_text("Options successfully saved.")
    expect(saved).to_be_visible()
    dialog.get_by_role("button", name="Finish").click()
    expect(saved).to_be_hidden()

    wait_until("the switch to turn on", lambda: home_assistant.state(SWITCH) == "on")
    page.get_by_role("link", name="1 service").first.click()
    page.wait_for_url("**/config/devices/device/*")
    sharing = page.get_by_role("switch", name=re.compile("Share anonymous statistics"))
    expect(sharing).to_be_checked()
    expect_row(page, SUBMISSION_STATUS["name"], SUBMISSION_STATUS["state"]["scheduled"])


def test_dashboard_shows_new_counts(
    page: Page, home_assistant: HomeAssistantServer
) -> None:
    for _ in range(JOBS_COMPLETED):
        home_assistant.fire_event(
            "printernizer_usage_event",
            {
                "event_type": "job_completed",
                "metadata": {"printer_type": "prusa", "duration_minutes": 95},
            },
        )
    for _ in range(FILES_DOWNLOADED):
        home_assistant.fire_event(
            "printernizer_usage_event", {"event_type": "file_downloaded"}
        )
    wait_until(
        "the week sensors to count the events",
        lambda: (
            home_assistant.state(WEEK.format("jobs_completed")) == str(JOBS_COMPLETED)
            and home_assistant.state(WEEK.format("files_downloaded"))
            == str(FILES_DOWNLOADED)
        ),
    )

    # A new dashboard (what Settings -> Dashboards -> Add dashboard creates),
    # holding the README's example card.
    view = {"title": "This week", "path": "week", "cards": [README_CARD]}
    open_new_dashboard(page, DASHBOARD, "3D printing", "mdi:printer-3d", view)

    card = page.locator("hui-entities-card", has_text=README_CARD["title"])
    expect(card).to_be_visible()
    expect(card.locator("hui-warning")).to_have_count(0)  # every entity exists
    expect(card.locator("hui-sensor-entity-row")).to_have_count(len(CARD_ROWS))
    for name, value in CARD_ROWS:
        expect_row(page, name, value, within=card)
    expect(card.get_by_role("switch")).to_be_checked()
    screenshot(page, "dashboard", docs=True, height=DASHBOARD_HEIGHT)


def test_send_now_when_nothing_is_due(page: Page) -> None:
    """An administrator presses "send now" on the day sharing started: a sentence."""
    button = {
        "type": "button",
        "name": "Send report now",
        "icon": "mdi:send",
        "tap_action": {
            "action": "perform-action",
            "perform_action": "printernizer_usage.submit_now",
        },
    }
    view = {"title": "This week", "path": "week", "cards": [README_CARD, button]}
    call_ws(
        page,
        {
            "type": "lovelace/config/save",
            "url_path": DASHBOARD,
            "config": {"views": [view]},
        },
    )
    page.reload()
    page.locator("hui-button-card").click()

    # HA's toast, with the integration's sentence (not a key).
    sentence = EN["exceptions"]["submit_nothing_to_send"]["message"]
    # The toast and, since 2026.x, its copy for screen readers.
    toast = page.get_by_text(sentence.removesuffix("."), exact=False).first
    expect(toast).to_be_visible()
    screenshot(page, "send-now-nothing-due")


def test_device_page_counts(page: Page) -> None:
    open_integration_page(page, "Devices & services")
    page.get_by_role("link", name="1 service").first.click()
    page.wait_for_url("**/config/devices/device/*")

    sensors = EN["entity"]["sensor"]
    expect_row(page, sensors["jobs_completed_week"]["name"], JOBS_COMPLETED)
    expect_row(page, sensors["files_downloaded_week"]["name"], FILES_DOWNLOADED)
    expect_row(page, sensors["events_week"]["name"], JOBS_COMPLETED + FILES_DOWNLOADED)
    expect_row(page, sensors["jobs_completed_total"]["name"], JOBS_COMPLETED)
    sharing = page.get_by_role("switch", name=re.compile("Share anonymous statistics"))
    expect(sharing).to_be_checked()
    device_page_screenshot(page, "device-page", docs=True)


def test_export_download(page: Page, home_assistant: HomeAssistantServer) -> None:
    # What the frontend does for its own downloads: a signed path, then a link.
    signed = call_ws(
        page, {"type": "auth/sign_path", "path": EXPORT_URL, "expires": 60}
    )
    with page.expect_download() as download_info:
        page.evaluate(
            """url => {
                const link = document.createElement("a");
                link.href = url;
                link.download = "";
                document.body.append(link);
                link.click();
                link.remove();
            }""",
            signed["path"],
        )
    download = download_info.value
    assert download.failure() is None
    assert re.fullmatch(
        r"printernizer_usage_export_\d{4}-\d{2}-\d{2}\.json",
        download.suggested_filename,
    )
    raw = Path(download.path()).read_text(encoding="utf-8")
    export = json.loads(raw)
    assert export["share_statistics"] is True
    assert export["counts"]["totals"]["job_completed"] == JOBS_COMPLETED
    assert export["counts"]["totals"]["file_downloaded"] == FILES_DOWNLOADED
    assert export["counts"]["week"]["events"]["job_completed"] == JOBS_COMPLETED
    assert "1-3h" in raw  # 95 minutes, kept as a range only
    assert "duration_minutes" not in raw

    # Any client with an administrator's token, e.g. the browser's own.
    token = page.evaluate(
        "() => JSON.parse(localStorage.getItem('hassTokens')).access_token"
    )
    response = page.request.get(
        f"{home_assistant.url}{EXPORT_URL}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.json()["counts"]["totals"] == export["counts"]["totals"]

    # Without a token (or a signature) nothing is given out.
    status, _, _ = home_assistant.request("GET", EXPORT_URL, token=None)
    assert status == 401
    # HA notifies about that failed request; keep it out of later screenshots.
    home_assistant.call(
        "POST",
        "/api/services/persistent_notification/dismiss",
        {"notification_id": "http-login"},
    )


def test_german(page: Page) -> None:
    page.locator("ha-sidebar").get_by_text(USER_NAME, exact=True).click()
    page.wait_for_url("**/profile/**")
    if "/profile/general" not in page.url:  # since 2026.x: the profile in sections
        page.get_by_text("Localization", exact=True).click()
        page.wait_for_url("**/profile/localization")
    page.locator("ha-pick-language-row ha-language-picker").click()
    # "Deutsch", and since 2026.x "Deutsch German" (with its English name).
    page.get_by_role("option", name=re.compile(r"^Deutsch( German)?$")).click()
    settings = sidebar_item(page, "config")
    expect(settings).to_contain_text("Einstellungen")
    # Saved with the user, so it holds after a reload (and on other devices).
    stored = call_ws(page, {"type": "frontend/get_user_data", "key": "language"})
    assert stored["value"]["language"] == "de"
    page.reload()
    expect(settings).to_contain_text("Einstellungen")

    open_integration_page(page, "Geräte & Dienste")
    page.get_by_role("button", name="Konfigurieren").click()
    dialog = flow_dialog(page)
    expect(dialog.get_by_text(MENU_DE["title"], exact=True)).to_be_visible()
    assert MENU_DE["title"] == "Datenschutzzentrale"
    for label in MENU_DE["menu_options"].values():
        expect(dialog.get_by_text(label, exact=True)).to_be_visible()
    screenshot(page, "privacy-center-menu-de")
    dialog.get_by_text(MENU_DE["menu_options"]["sharing"], exact=True).click()
    expect(dialog.get_by_text(OPTIONS_DE["title"], exact=True)).to_be_visible()
    assert OPTIONS_DE["title"] == "Einstellungen zum Teilen"
    expect(dialog.get_by_text(OPTIONS_DE["description"], exact=True)).to_be_visible()
    checkbox = dialog.get_by_role(
        "checkbox", name=OPTIONS_DE["data"]["share_statistics"]
    )
    expect(checkbox).to_be_checked()  # sharing was turned on above
    screenshot(page, "options-dialog-de")
    dialog.get_by_role("button", name="Schließen", exact=True).click()
    expect(checkbox).to_be_hidden()
    # Back to English for the steps after this one.
    call_ws(
        page,
        {
            "type": "frontend/set_user_data",
            "key": "language",
            "value": {"language": "en", "number_format": "language"},
        },
    )
    page.reload()
    expect(sidebar_item(page, "config")).to_contain_text("Settings")


def open_privacy_center(page: Page, step: str) -> Locator:
    """Open Configure and pick a part of the privacy center."""
    open_integration_page(page, "Devices & services")
    page.get_by_role("button", name="Configure").click()
    dialog = flow_dialog(page)
    dialog.get_by_text(MENU["menu_options"][step], exact=True).click()
    expect(dialog.get_by_text(CENTER[step]["title"], exact=True)).to_be_visible()
    return dialog


def test_privacy_center_preview_and_history(page: Page) -> None:
    dialog = open_privacy_center(page, "preview")
    expect(dialog.get_by_text('"schema_version": "1.0"', exact=False)).to_be_visible()
    # Whole days since sharing started today: today's counts come next week.
    expect(dialog.get_by_text('"duration_days": 0', exact=False)).to_be_visible()
    # When today's counts go out, in the one sentence that says it.
    expect(
        dialog.get_by_text("today's counts go into a report after midnight UTC")
    ).to_be_visible()
    expect(dialog.get_by_text('"consent_version": 2', exact=False)).to_be_visible()
    screenshot(page, "privacy-center-preview", docs=True)
    dialog.get_by_role("button", name=BACK_TO_MENU, exact=True).click()
    # Back to the menu, nothing saved.
    history = dialog.get_by_text(MENU["menu_options"]["history"], exact=True)
    expect(history).to_be_visible()
    history.click()
    expect(dialog.get_by_text(CENTER["history"]["title"], exact=True)).to_be_visible()
    # Nothing was sent on the day sharing started: a sentence, not a table.
    empty = CENTER["history_nothing_sent"]["description"]
    expect(dialog.get_by_text(empty, exact=True)).to_be_visible()
    expect(dialog.get_by_role("columnheader")).to_have_count(0)
    screenshot(page, "privacy-center-history", docs=True)
    dialog.get_by_role("button", name="Close", exact=True).click()


def test_privacy_center_download(page: Page) -> None:
    dialog = open_privacy_center(page, "download")
    link = dialog.get_by_role(
        "link", name=re.compile(r"printernizer_usage_export_\d{4}-\d{2}-\d{2}\.json")
    )
    screenshot(page, "privacy-center-download", docs=True)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.failure() is None
    assert re.fullmatch(
        r"printernizer_usage_export_\d{4}-\d{2}-\d{2}\.json",
        download.suggested_filename,
    )
    export = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert export["counts"]["totals"]["job_completed"] == JOBS_COMPLETED
    dialog.get_by_role("button", name="Close", exact=True).click()


def test_privacy_center_delete(page: Page, home_assistant: HomeAssistantServer) -> None:
    dialog = open_privacy_center(page, "delete_all")
    screenshot(page, "privacy-center-delete", docs=True)
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_text(EN["options"]["error"]["confirm_delete"])).to_be_visible()
    assert home_assistant.state(WEEK.format("jobs_completed")) == str(JOBS_COMPLETED)

    tick(dialog.get_by_role("checkbox", name=CENTER["delete_all"]["data"]["confirm"]))
    dialog.get_by_role("button", name="Submit").click()
    expect(dialog.get_by_text("Deleted:", exact=False)).to_be_visible()
    wait_until(
        "the week sensors to be empty",
        lambda: home_assistant.state(WEEK.format("jobs_completed")) == "0",
    )
    # The dialog's own button, not the icon in its corner.
    dialog.get_by_role("button", name="Close", exact=True).last.click()


def test_household_member_is_refused_in_their_language(
    browser: Browser, home_assistant: HomeAssistantServer
) -> None:
    """A household member may stop sharing, not start it: HA's toast says why."""
    user = home_assistant.websocket(
        {
            "type": "config/auth/create",
            "name": "Household member",
            "group_ids": ["system-users"],
            "local_only": False,
        }
    )["result"]["user"]
    home_assistant.websocket(
        {
            "type": "config/auth_provider/homeassistant/create",
            "user_id": user["id"],
            "username": HOUSEHOLD_USERNAME,
            "password": HOUSEHOLD_PASSWORD,
        }
    )
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
    try:
        tab = context.new_page()
        tab.goto(f"{home_assistant.url}/")
        tab.wait_for_url("**/auth/authorize?**")
        tab.get_by_role("textbox", name="Username").fill(HOUSEHOLD_USERNAME)
        tab.get_by_role("textbox", name="Password").fill(HOUSEHOLD_PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        tab.wait_for_url(
            re.compile(rf"^{re.escape(home_assistant.url)}/(lovelace|home)/")
        )
        call_ws(
            tab,
            {
                "type": "frontend/set_user_data",
                "key": "language",
                "value": {"language": "de", "number_format": "language"},
            },
        )
        tab.goto(f"{home_assistant.url}/{DASHBOARD}/week")
        card = tab.locator("hui-entities-card", has_text=README_CARD["title"])
        sharing = card.get_by_role("switch")
        expect(sharing).to_be_checked()
        # Since 2026.x the launch screen fades out over the page for a moment.
        expect(tab.locator("#ha-launch-screen")).to_be_hidden()

        # Stopping is allowed to anyone who may use the switch (the drawn
        # switch takes the click since 2026.x, see tick()).
        sharing.click(force=True)
        wait_until("sharing to stop", lambda: home_assistant.state(SWITCH) == "off")
        sharing.click(force=True)  # starting is consent: an administrator's act

        refusal = DE["exceptions"]["consent_needs_admin"]["message"]
        toast = tab.get_by_text(refusal.removesuffix("."), exact=False).first
        expect(toast).to_be_visible()
        screenshot(tab, "household-member-refused-de", docs=True)
        # Sharing stays off. (HA's toggle keeps showing the refused position
        # until a state arrives; none does, since nothing changed.)
        assert home_assistant.state(SWITCH) == "off"
    finally:
        context.close()
    # A refused person is not an error of the integration: no traceback.
    log = "\n".join(home_assistant.log_lines())
    assert "Unexpected exception" not in log
    assert "Traceback" not in log


def test_no_errors_logged_for_the_integration(
    home_assistant: HomeAssistantServer,
) -> None:
    errors = [
        line
        for line in home_assistant.log_lines()
        if re.match(r"\S+ \S+ (ERROR|CRITICAL) ", line)
        and "printernizer" in line.lower()
    ]
    assert not errors, "\n".join(errors)
