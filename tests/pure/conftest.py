"""The pure modules need no Home Assistant: switch off the suite's autouse fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def time_zone() -> None:
    """Replace the suite's fixture that sets the time zone of a `hass` instance."""


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Replace the suite's fixture that needs `hass`."""
