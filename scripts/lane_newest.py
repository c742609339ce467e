"""Pytest plugin for lane "newest" (scripts/test): the newest harness on HA 2026.11.

scripts/test loads it with `-p lane_newest` (PYTHONPATH=scripts), so pytest
imports it before the plugins that packages register, in the main process and
in every xdist worker.

1. A shim: the newest harness on PyPI (0.13.375) was made for HA 2026.10.4;
   on 2026.11.0 two things differ, bridged here without touching the harness:
   - HA aliases `httpx` to `httpx2` when `homeassistant` is first imported, and
     refuses once `httpx` was imported: the harness imports `respx` (and so
     `httpx`) before `homeassistant` unless HA was imported first.
   - `_clear_logger_overwrites` moved from `homeassistant.components.logger` to
     its `helpers` module; the harness imports it from the old place.
   Delete the shim once a harness release pins the HA release of lane newest.
2. HA's deprecation reports fail the test: HA logs "Detected that custom
   integration 'printernizer_usage' ..." (frame.report_usage, the harness sets
   it up for every test) or a deprecated-constant warning, which users would
   see; here such a record makes the test error at teardown.
"""

from collections.abc import Iterator
import logging

import homeassistant  # noqa: F401 - first: HA's httpx alias before respx
from homeassistant.components import logger

if not hasattr(logger, "_clear_logger_overwrites"):
    from homeassistant.components.logger.helpers import _clear_logger_overwrites

    logger._clear_logger_overwrites = _clear_logger_overwrites  # noqa: SLF001

import pytest

DOMAIN = "printernizer_usage"


class _Reports(logging.Handler):
    """Collect HA's deprecation reports about this integration."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if f"custom integration '{DOMAIN}'" in message or (
            DOMAIN in message and "deprecat" in message.lower()
        ):
            self.messages.append(f"{record.name}: {message}")


@pytest.fixture(autouse=True)
def no_deprecation_report() -> Iterator[None]:
    """Error the test if HA reported a deprecated use by this integration."""
    reports = _Reports()
    root = logging.getLogger()
    root.addHandler(reports)
    try:
        yield
    finally:
        root.removeHandler(reports)
    if reports.messages:
        pytest.fail(
            "Home Assistant reported a deprecated use:\n" + "\n".join(reports.messages)
        )
