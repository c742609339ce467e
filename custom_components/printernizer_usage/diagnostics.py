"""Diagnostics: what a maintainer needs to help, without anything identifying."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .runtime import PrinternizerUsageConfigEntry

# The id, anything derived from it (the idempotency key, the report body that
# carries it), the API key and the endpoint (it may name a host of theirs),
# the audit log, whose payloads carry the id, and Printernizer's address.
TO_REDACT = {
    "installation_id",
    "submitted_ids",
    "sent",
    "key",
    "body",
    "api_key",
    "endpoint",
    "payload",
    "printernizer_url",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: PrinternizerUsageConfigEntry
) -> dict[str, Any]:
    """Return the entry's options, its counts and the state of its storage."""
    runtime = entry.runtime_data
    return {
        "options": async_redact_data(dict(entry.options), TO_REDACT),
        "data": async_redact_data(runtime.stored_data(), TO_REDACT),
        "storage": {
            "read_only": runtime.store.read_only,
            "writes_since_start": runtime.store.writes,
        },
        "printer_types": runtime.printer_types,
        "printernizer": {
            "status": runtime.bridge.status,
            "app_version": runtime.bridge.app_version,
        },
        "submission": {
            "status": runtime.uploader.status,
            "next_wakeup": runtime.uploader.next_wakeup,
            "consent_current": runtime.consent.current,
        },
    }
