"""Services: record an event, export everything, delete everything."""

from __future__ import annotations

from typing import Final

import voluptuous as vol

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError, Unauthorized, UnknownUser
from homeassistant.helpers import config_validation as cv

from .const import ATTR_EVENT_TYPE, ATTR_METADATA, DOMAIN
from .privacy import EVENT_TYPES, InvalidMetadataError, UnknownEventTypeError
from .runtime import UsageRuntime

SERVICE_RECORD_EVENT: Final = "record_event"
SERVICE_EXPORT: Final = "export"
SERVICE_DELETE_ALL: Final = "delete_all"
SERVICE_PREVIEW: Final = "preview"
SERVICE_SUBMIT_NOW: Final = "submit_now"

# Types are checked by the handler so that each mistake gets its own translated message.
RECORD_EVENT_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_EVENT_TYPE): cv.string,
        vol.Optional(ATTR_METADATA): object,
    }
)


def _loaded_runtime(hass: HomeAssistant) -> UsageRuntime:
    """Return the loaded entry's runtime, or explain that there is none."""
    if not (entries := hass.config_entries.async_loaded_entries(DOMAIN)):
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="not_loaded"
        )
    runtime: UsageRuntime = entries[0].runtime_data
    return runtime


async def _async_require_admin(hass: HomeAssistant, call: ServiceCall) -> None:
    """Refuse a call made on behalf of a user who is not an administrator."""
    if call.context.user_id is None:
        return  # automations and scripts run with the system's rights
    user = await hass.auth.async_get_user(call.context.user_id)
    if user is None:
        raise UnknownUser(context=call.context)
    if not user.is_admin:
        raise Unauthorized(context=call.context)


async def _async_record_event(call: ServiceCall) -> ServiceResponse:
    runtime = _loaded_runtime(call.hass)
    event_type = call.data[ATTR_EVENT_TYPE]
    try:
        event = runtime.async_record(event_type, call.data.get(ATTR_METADATA))
    except UnknownEventTypeError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_event_type",
            translation_placeholders={
                "event_type": event_type[:64],
                "event_types": ", ".join(sorted(EVENT_TYPES)),
            },
        ) from err
    except InvalidMetadataError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="invalid_metadata"
        ) from err
    if not call.return_response:
        return None
    return {
        "event_type": event.event_type,
        "stored_labels": dict(event.labels),
        "dropped_keys": event.dropped_keys,
    }


async def _async_export(call: ServiceCall) -> ServiceResponse:
    return _loaded_runtime(call.hass).export()


async def _async_preview(call: ServiceCall) -> ServiceResponse:
    return await _loaded_runtime(call.hass).submitter.async_preview()


async def _async_submit_now(call: ServiceCall) -> ServiceResponse:
    await _async_require_admin(call.hass, call)
    runtime = _loaded_runtime(call.hass)
    if not runtime.share_statistics:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="sharing_off"
        )
    if not runtime.consent_current:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="consent_needed"
        )
    if runtime.submitter.state.auth_failed:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="api_key_refused"
        )
    result = await runtime.submitter.async_submit_now()
    return result if call.return_response else None


async def _async_delete_all(call: ServiceCall) -> ServiceResponse:
    await _async_require_admin(call.hass, call)
    removed = await _loaded_runtime(call.hass).async_delete_all()
    return removed if call.return_response else None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's services."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_RECORD_EVENT,
        _async_record_event,
        schema=RECORD_EVENT_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )
    hass.services.async_register(
        DOMAIN, SERVICE_EXPORT, _async_export, supports_response=SupportsResponse.ONLY
    )
    hass.services.async_register(
        DOMAIN, SERVICE_PREVIEW, _async_preview, supports_response=SupportsResponse.ONLY
    )
    # Admin only: registered directly because HA 2025.4's admin helper cannot
    # return a response; the handlers check the caller themselves.
    for service, handler in (
        (SERVICE_DELETE_ALL, _async_delete_all),
        (SERVICE_SUBMIT_NOW, _async_submit_now),
    ):
        hass.services.async_register(
            DOMAIN, service, handler, supports_response=SupportsResponse.OPTIONAL
        )
