"""A year of printing in Home Assistant's own statistics graph, in a real browser.

A real Home Assistant with its recorder (see server.py) connects to a stand-in
Printernizer that holds a year of history; README.md's example dashboard, read
from README.md itself, then shows jobs completed and failed per week. The
screenshot lands in tests/e2e/artifacts/SERVER/ (and in docs/ with
scripts/e2e --update-docs).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
import re
from typing import TYPE_CHECKING, Any

import pytest
import pytest_socket
import yaml

from tests.e2e.browser import E2E_ENABLED, screenshot
from tests.e2e.server import INTEGRATION, PASSWORD, USERNAME, HomeAssistantServer
from tests.e2e.test_ui import open_new_dashboard, wait_until
from tests.printernizer_server import StandInPrinternizer, run_printernizer

try:
    from playwright.sync_api import expect
except ImportError:  # a fast-suite lane without Playwright: conftest skips these
    if E2E_ENABLED:
        raise

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

# Added to this module's configuration.yaml: the graphs need the recorder.
CONFIGURATION = "recorder:\nhistory:\n"
README = INTEGRATION.parents[1] / "README.md"
DASHBOARD = "printing-history"
GRAPH_HEIGHT = 980  # the README's cards, without the empty page below them
NOW = datetime.now(UTC)
# Printernizer's history: on day n before today, n % 4 jobs completed, and one
# failed every ninth day.
DAYS = range(1, 365)
COMPLETED = sum(n % 4 for n in DAYS)
FAILED = len([n for n in DAYS if n % 9 == 0])


def readme_card() -> dict[str, Any]:
    """Return README.md's example dashboard card, as a person copies it."""
    section = README.read_text(encoding="utf-8").split("### Example dashboard card")[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert match is not None
    card: dict[str, Any] = yaml.safe_load(match.group(1))
    return card


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandInPrinternizer]:
    """Serve a stand-in Printernizer that holds a year of history."""
    # Before the first test's `socket_enabled`, as the server's fixture does.
    pytest_socket.enable_socket()
    with run_printernizer() as server:
        for days_ago in DAYS:
            moment = NOW - timedelta(days=days_ago)
            for _ in range(days_ago % 4):
                server.add_event("job_completed", moment)
            if days_ago % 9 == 0:
                server.add_event("job_failed", moment)
        yield server


def _statistics_total(home_assistant: HomeAssistantServer, name: str) -> float:
    """Return the change of a statistic over the last 400 days, as a graph asks."""
    reply = home_assistant.websocket(
        {
            "type": "recorder/statistics_during_period",
            "start_time": (NOW - timedelta(days=400)).isoformat(),
            "statistic_ids": [f"printernizer_usage:{name}"],
            "period": "month",
            "types": ["change"],
        }
    )
    rows = reply["result"].get(f"printernizer_usage:{name}", [])
    return sum(row["change"] or 0 for row in rows)


def test_log_in(page: Page, home_assistant: HomeAssistantServer) -> None:
    page.goto(f"{home_assistant.url}/")
    page.wait_for_url("**/auth/authorize?**")
    page.get_by_role("textbox", name="Username").fill(USERNAME)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(home_assistant.url)}/(lovelace|home)/"))


def test_connecting_printernizer_fills_the_graphs(
    home_assistant: HomeAssistantServer, stand_in: StandInPrinternizer
) -> None:
    flow = home_assistant.call(
        "POST", "/api/config/config_entries/flow", {"handler": "printernizer_usage"}
    )
    entry = home_assistant.call(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"share_statistics": False},
    )
    assert entry["type"] == "create_entry"
    menu = home_assistant.call(
        "POST",
        "/api/config/config_entries/options/flow",
        {"handler": entry["result"]["entry_id"]},
    )
    step = home_assistant.call(
        "POST",
        f"/api/config/config_entries/options/flow/{menu['flow_id']}",
        {"next_step_id": "printernizer"},
    )
    done = home_assistant.call(
        "POST",
        f"/api/config/config_entries/options/flow/{step['flow_id']}",
        {"printernizer_url": stand_in.url},
    )
    assert done["type"] == "create_entry"

    wait_until(
        "a year of Printernizer's history in the long-term statistics",
        lambda: (
            _statistics_total(home_assistant, "jobs_completed") == COMPLETED
            and _statistics_total(home_assistant, "jobs_failed") == FAILED
        ),
        timeout=60,
    )


def test_readme_dashboard_shows_the_year(page: Page) -> None:
    card = readme_card()
    view = {"title": "History", "path": "year", "cards": [card]}
    open_new_dashboard(page, DASHBOARD, "Printing history", "mdi:chart-bar", view)
    # A fresh load: no "Your dashboard was updated" notice over the graph.
    page.reload()

    graph = page.locator("hui-statistics-graph-card")
    expect(graph).to_be_visible()
    expect(graph).to_contain_text("Jobs per week, last 12 months")
    expect(graph.locator("hui-warning")).to_have_count(0)  # both statistics exist
    # The chart has drawn its bars, with both lines in its legend.
    expect(graph.locator("canvas").first).to_be_visible()
    expect(graph).to_contain_text("Completed")
    expect(graph).to_contain_text("Failed")
    screenshot(page, "statistics-graph", docs=True, height=GRAPH_HEIGHT)


def test_no_warnings_from_the_integration_or_the_recorder(
    home_assistant: HomeAssistantServer,
) -> None:
    logger = r"(custom_components\.printernizer_usage|homeassistant\.components\.rec)"
    errors = [
        line
        for line in home_assistant.log_lines()
        if re.match(rf"\S+ \S+ (WARNING|ERROR|CRITICAL) \([^)]*\) \[{logger}", line)
    ]
    assert not errors, "\n".join(errors)
