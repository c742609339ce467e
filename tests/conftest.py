"""Fixtures shared by the tests."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

# Imported before any clock is frozen: HA imports it lazily (diagnostics,
# system info), and its models cannot be built under freezegun's datetime.
import aiohasupervisor  # noqa: F401
from freezegun.api import FrozenDateTimeFactory
from hypothesis import HealthCheck, settings
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import trustme

# Import before any `hass` fixture runs: the harness puts its own
# `custom_components` package first on sys.path, and this import makes ours the
# one HA's loader finds.
import custom_components.printernizer_usage  # noqa: F401
from custom_components.printernizer_usage.consent import consent_options
from custom_components.printernizer_usage.const import DOMAIN
from homeassistant.auth.const import GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant

from .statistics_server import StatisticsServer, run_statistics_server, trust

# Property tests explore the same examples on every run, so that CI is
# repeatable and a failure can be reproduced.
# No per-example deadline and no "too slow" check: a busy CI machine must not
# fail a test that is only slow (speed is measured in benchmarks/).
settings.register_profile(
    "repeatable",
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("repeatable")

# A Wednesday; the local week (Europe/Berlin) started Monday 2026-11-23 00:00.
NOW = "2026-11-25 10:00:00+00:00"
TIME_ZONE = "Europe/Berlin"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let HA load the integration from custom_components."""


@pytest.fixture(autouse=True)
async def time_zone(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    """Run every test at a fixed time in a time zone that is not UTC."""
    await hass.config.async_set_time_zone(TIME_ZONE)
    freezer.move_to(NOW)


@pytest.fixture
def share_statistics() -> bool:
    """Whether the entry was created with sharing on."""
    return False


@pytest.fixture
def mock_config_entry(share_statistics: bool) -> MockConfigEntry:
    """Return the integration's config entry, not yet added."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Printernizer Usage Statistics",
        data={},
        options=consent_options({}, share=share_statistics),
        entry_id="01JPRINTERNIZERUSAGE000000",
    )


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> MockConfigEntry:
    """Add the entry and set it up."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    return mock_config_entry


# The random id of an installation that agreed to share on AGREED_ON.
AGREED_ID = "4f0e6c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
AGREED_ON = "2026-11-01"


def agreed_installation() -> dict[str, Any]:
    """Return the stored identity of an installation sharing since AGREED_ON."""
    return {
        "installation_id": AGREED_ID,
        "consent_start": AGREED_ON,
        "submitted_ids": [],
    }


@pytest.fixture
def stored_data(share_statistics: bool) -> dict[str, Any]:
    """Return a minimal valid storage payload (version 1).

    With sharing on, the installation agreed on the day counting started, so
    a report is due at once.
    """
    return {
        "version": 1,
        "minor_version": 1,
        "key": DOMAIN,
        "data": {
            "counts": {
                "first_seen": "2026-11-01",
                "retention_days": 400,
                "days": {
                    "2026-11-24": {
                        "events": {"job_completed": 3, "file_downloaded": 2},
                        "labels": {
                            "job_completed": {"printer_type": {"prusa": 3}},
                        },
                        "features": {"library": True},
                        "rejected": 1,
                    }
                },
                "totals": {"job_completed": 10, "file_downloaded": 4},
                "rejected_total": 1,
                "week": {
                    "start": "2026-11-23T00:00:00+01:00",
                    "events": {"job_completed": 3, "file_downloaded": 2},
                },
            },
            "installation": agreed_installation()
            if share_statistics
            else {"installation_id": None, "submitted_ids": []},
        },
    }


@pytest.fixture
async def hass_household_user(hass: HomeAssistant, hass_owner_user: User) -> User:
    """Return a user who may control entities but is not an administrator.

    The owner exists first: the first user HA creates becomes its owner.
    """
    return await hass.auth.async_create_user(
        "Household member", group_ids=[GROUP_ID_USER]
    )


# Made once, here, before any test freezes the clock: cryptography 50 remembers
# the datetime type it first sees, and a CA made under freezegun's datetime
# fails with "'datetime' object is not an instance of 'HAFakeDatetime'".
CERTIFICATE_AUTHORITY = trustme.CA()


@pytest.fixture
def certificate_authority() -> trustme.CA:
    """Return a throwaway certificate authority (one per test run)."""
    return CERTIFICATE_AUTHORITY


@pytest.fixture
def trusted_client_context(certificate_authority: trustme.CA) -> Generator[None]:
    """Make HA's shared client session trust the throwaway CA (only in this test)."""
    yield from trust(certificate_authority)


@pytest.fixture
def statistics_server(
    socket_enabled: None, certificate_authority: trustme.CA
) -> Generator[StatisticsServer]:
    """Serve the statistics contract over TLS (real sockets, 127.0.0.1 only)."""
    with run_statistics_server(certificate_authority) as server:
        yield server
