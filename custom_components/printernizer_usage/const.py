"""Names shared by several modules of the Printernizer Usage Statistics integration."""

from __future__ import annotations

import logging
from typing import Final

DOMAIN: Final = "printernizer_usage"
LOGGER: Final = logging.getLogger(__package__)

CONF_SHARE_STATISTICS: Final = "share_statistics"

# Fired by add-ons, automations and other integrations that cannot call services.
EVENT_USAGE: Final = f"{DOMAIN}_event"
ATTR_EVENT_TYPE: Final = "event_type"
ATTR_METADATA: Final = "metadata"
