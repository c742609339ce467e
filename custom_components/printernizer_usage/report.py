"""What the report says about this installation; the example shown before consent."""

from __future__ import annotations

from datetime import date, timedelta
import sys
from typing import Any, Final

from homeassistant import const as ha_const
from homeassistant.core import HomeAssistant
from homeassistant.helpers.system_info import async_get_system_info
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from .const import CONSENT_VERSION, DOMAIN
from .core.counts import UsageCounts, utc_day
from .core.payload import MIN_PERIOD_DAYS, InstallationFacts, Period, build_payload
from .core.printernizer import NOT_CONNECTED

PLACEHOLDER_ID: Final = "00000000-0000-4000-8000-000000000000"


async def async_installation_facts(
    hass: HomeAssistant,
    installation_id: str,
    first_seen: date,
    *,
    version: str,
    printernizer_version: str,
) -> InstallationFacts:
    """Collect what the report says about this installation."""
    system_info = await async_get_system_info(hass)
    return InstallationFacts(
        installation_id=installation_id,
        first_seen=first_seen,
        app_version=printernizer_version,
        integration_version=version,
        python_version=f"{sys.version_info.major}.{sys.version_info.minor}",
        platform=sys.platform,
        ha_version=ha_const.__version__,
        installation_type=str(system_info.get("installation_type", "Unknown")),
        country_code=hass.config.country,
    )


async def async_example_report(hass: HomeAssistant) -> dict[str, Any]:
    """Build a week's report from no counts and a placeholder id (the real builder)."""
    today = utc_day(dt_util.utcnow())
    period = Period(today - timedelta(days=MIN_PERIOD_DAYS), today)
    integration = await async_get_integration(hass, DOMAIN)
    facts = await async_installation_facts(
        hass,
        PLACEHOLDER_ID,
        period.start,
        version=str(integration.version),
        printernizer_version=NOT_CONNECTED,
    )
    counts = UsageCounts(tz=dt_util.get_default_time_zone(), first_seen=period.start)
    return build_payload(counts, facts, period, {}, CONSENT_VERSION)
