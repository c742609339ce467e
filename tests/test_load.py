"""A million events: every one counted, memory and storage within the caps.

Only what holds on any machine is asserted here: totals, caps and the size of
what is stored. How long the events take (events per second, the longest hold
of the event loop) depends on the machine and how busy it is; that is measured
by benchmarks/record_events.py, not asserted in the test suite. The clock stays
frozen like in the other tests, so the run never crosses a midnight.
"""

from __future__ import annotations

import asyncio
import json

from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.const import EVENT_USAGE
from custom_components.printernizer_usage.core.counts import LABEL_VALUES_PER_DAY
from homeassistant.core import HomeAssistant

CHUNK = 200  # events between two yields to the loop, as a busy caller would


async def test_million_events(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    runtime = init_integration.runtime_data
    # Many distinct labels, so every cap is reached.
    error_types = [
        f"KindOfError{chr(65 + n % 26)}{chr(65 + n // 26)}" for n in range(400)
    ]

    for start in range(0, 1_000_000, CHUNK):
        for number in range(start, start + CHUNK):
            runtime.record_event(
                "error_occurred",
                {"error_type": error_types[number % 400], "component": "load_test"},
            )
        await asyncio.sleep(0)
    for _chunk in range(0, 100_000, CHUNK):
        for _ in range(CHUNK):
            hass.bus.async_fire(
                EVENT_USAGE,
                {"event_type": "file_downloaded", "metadata": {"file_size_mb": 12}},
            )
        await hass.async_block_till_done()

    counts = runtime.counts
    assert counts.totals == {"error_occurred": 1_000_000, "file_downloaded": 100_000}
    for day in counts.days.values():
        for by_name in day.labels.values():
            for values in by_name.values():
                assert len(values) <= LABEL_VALUES_PER_DAY + 1
    # What is kept does not grow with the number of events.
    assert len(json.dumps(runtime.stored_data())) < 4_000
