"""Names shared by several modules of the Printernizer Usage Statistics integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "printernizer_usage"
LOGGER: Final = logging.getLogger(__package__)

CONF_SHARE_STATISTICS: Final = "share_statistics"
CONF_CONSENT_VERSION: Final = "consent_version"
CONF_ENDPOINT: Final = "endpoint"
CONF_API_KEY: Final = "api_key"
CONF_PRINTERNIZER_URL: Final = "printernizer_url"

DEFAULT_ENDPOINT: Final = "https://stats.printernizer.com"

# Raised whenever the report gains fields or a field changes meaning; people
# who agreed to an older version stop sending until they agree again.
CONSENT_VERSION: Final = 2
# What each consent version added or changed, shown when asking again.
CONSENT_FIELDS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        "installation",
        "period",
        "printer_fleet",
        "usage_stats",
        "error_summary",
    ),
    # app_version became Printernizer's version; ours moved to its own field.
    2: ("integration_version", "app_version"),
}

# Fired by add-ons, automations and other integrations that cannot call services.
EVENT_USAGE: Final = f"{DOMAIN}_event"
ATTR_EVENT_TYPE: Final = "event_type"
ATTR_METADATA: Final = "metadata"

ISSUE_CONSENT_NEEDED: Final = "consent_needed"
ISSUE_INVALID_API_KEY: Final = "invalid_api_key"
ISSUE_PRINTERNIZER_UNREACHABLE: Final = "printernizer_unreachable"
ISSUE_TWO_REPORTS: Final = "two_reports"
