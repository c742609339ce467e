"""Stop and unload: nothing raises into a caller, nothing runs on a dead runtime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
import logging
import threading
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.printernizer_usage.sources.errors import (
    CONNECTIVITY_SETTLE,
    PrinterErrorHandler,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant

from .helpers import async_advance

PRINTER_LOGGER = "homeassistant.components.octoprint"


def _in_thread(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in another thread; return its result or what it raised."""
    results: list[Any] = []

    def run() -> None:
        for call in calls:
            try:
                results.append(call())
            except Exception as err:  # noqa: BLE001 - what is raised is the result
                results.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return results


def _closed_loop(hass: HomeAssistant) -> Any:
    """Make the event loop answer a thread like a closed loop does."""
    return patch.object(
        hass.loop,
        "call_soon_threadsafe",
        side_effect=RuntimeError("Event loop is closed"),
    )


def _printer_error_handler() -> PrinterErrorHandler:
    return next(
        handler
        for handler in logging.getLogger(PRINTER_LOGGER).handlers
        if isinstance(handler, PrinterErrorHandler)
    )


async def test_record_event_never_raises_once_the_loop_is_closed(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    runtime = init_integration.runtime_data

    with _closed_loop(hass):
        results = _in_thread(
            lambda: runtime.record_event("job_completed"),
            lambda: runtime.record_event("not_an_event_type"),
        )

    # Not counted, and said so, but nothing raised into the caller.
    assert results == [False, False]


async def test_printer_error_after_the_loop_closed_is_dropped_quietly(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
) -> None:
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    # HA does not unload entries when it stops: the handler stays attached.
    handler = _printer_error_handler()

    with _closed_loop(hass):
        results = _in_thread(lambda: logging.getLogger(PRINTER_LOGGER).error("late"))

    assert handler in logging.getLogger(PRINTER_LOGGER).handlers
    # A handler's error would raise in the printer integration's own thread.
    assert results == [None]


async def test_printer_error_queued_before_unload_counts_nothing_after_it(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    runtime = init_integration.runtime_data
    # A thread is inside the handler while the entry unloads.
    handler = _printer_error_handler()
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert handler not in logging.getLogger(PRINTER_LOGGER).handlers
    record = logging.LogRecord(PRINTER_LOGGER, logging.ERROR, "", 0, "late", (), None)
    _in_thread(lambda: handler.emit(record))
    await hass.async_block_till_done()

    await async_advance(hass, freezer, CONNECTIVITY_SETTLE + timedelta(seconds=1))

    # No timer was left to count into the runtime of an unloaded entry.
    assert "error_occurred" not in runtime.counts.totals
