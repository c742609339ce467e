"""Services: record an event, export, preview, send now, delete everything.

Everything but `record_event` shows or changes the administrator's data (the
installation id, the audit log, the endpoint) or causes network traffic, so
only administrators, automations and scripts may call it.
"""

from __future__ import annotations

from typing import Any, Final

import voluptuous as vol

from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import (
    HomeAssistantError,
    ServiceValidationError,
    Unauthorized,
    UnknownUser,
)

from .compat import plain_schema
from .const import ATTR_EVENT_TYPE, ATTR_METADATA, DOMAIN
from .core.allowlist import EVENT_TYPES, InvalidMetadataError, UnknownEventTypeError
from .runtime import UsageRuntime
from .uploader import Attempt, Outcome

SERVICE_RECORD_EVENT: Final = "record_event"
SERVICE_EXPORT: Final = "export"
SERVICE_DELETE_ALL: Final = "delete_all"
SERVICE_PREVIEW: Final = "preview"
SERVICE_SUBMIT_NOW: Final = "submit_now"


def _action_schema(service: str, fields: dict[Any, Any]) -> vol.Schema:
    """Return the schema of an action's data: its fields and no others.

    A field the action does not have (a typo such as `dry_run` for
    `delete_all`) or a missing required one is refused before anything
    happens, with a translated message that names the field; voluptuous
    would answer in English only.
    """
    required = {str(key): isinstance(key, vol.Required) for key in fields}
    action = f"{DOMAIN}.{service}"

    def known_fields(data: dict[Any, Any]) -> dict[Any, Any]:
        for name in data:
            if name not in required:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="unknown_field" if required else "no_fields",
                    translation_placeholders={
                        "action": action,
                        "field": str(name)[:64],
                        "fields": ", ".join(sorted(required)),
                    },
                )
        for name, needed in required.items():
            # A field left empty (`event_type:` in YAML) is a missing one.
            if needed and data.get(name) is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="missing_field",
                    translation_placeholders={"action": action, "field": name},
                )
        return data

    return vol.Schema(vol.All(known_fields, vol.Schema(fields)))


# Types are checked by the handler so that each mistake gets its own translated
# message (voluptuous' "value should be a string" would reach people in English).
RECORD_EVENT_FIELDS: Final = {
    vol.Required(ATTR_EVENT_TYPE): object,
    vol.Optional(ATTR_METADATA): object,
}


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
    # Anything but a name (a list, an object) is no event type either.
    event_type = str(call.data[ATTR_EVENT_TYPE])
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
    await _async_require_admin(call.hass, call)
    return _loaded_runtime(call.hass).export()


async def _async_preview(call: ServiceCall) -> ServiceResponse:
    await _async_require_admin(call.hass, call)
    return await _loaded_runtime(call.hass).uploader.async_preview()


async def _async_submit_now(call: ServiceCall) -> ServiceResponse:
    await _async_require_admin(call.hass, call)
    runtime = _loaded_runtime(call.hass)
    consent = runtime.consent
    if not consent.share:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="sharing_off"
        )
    if not consent.current:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="consent_needed"
        )
    if runtime.uploader.state.auth_failed:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="api_key_refused"
        )
    attempt = await runtime.uploader.async_submit_now()
    if attempt.outcome is not Outcome.SENT:
        raise _submit_error(attempt)
    return {"result": attempt.outcome.value} if call.return_response else None


def _submit_error(attempt: Attempt) -> HomeAssistantError:
    """Explain, translated, why "send now" did not send.

    Nothing to send yet, or the hourly limit, answer the person's request (HA
    logs one line); the other outcomes are failures of sending.
    """
    placeholders = {
        "status": attempt.detail,
        "next_try": attempt.next_try.isoformat() if attempt.next_try else "",
    }
    error = (
        ServiceValidationError
        if attempt.outcome in (Outcome.NOTHING_TO_SEND, Outcome.RATE_LIMITED)
        else HomeAssistantError
    )
    return error(
        translation_domain=DOMAIN,
        translation_key=f"submit_{attempt.outcome.value}",
        translation_placeholders=placeholders,
    )


async def _async_delete_all(call: ServiceCall) -> ServiceResponse:
    await _async_require_admin(call.hass, call)
    removed = await _loaded_runtime(call.hass).async_delete_all()
    return removed if call.return_response else None


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's services."""
    # All but record_event are admin only: registered directly because HA
    # 2025.4's admin helper cannot return a response; the handlers check the
    # caller themselves.
    for service, handler, fields, response in (
        (
            SERVICE_RECORD_EVENT,
            _async_record_event,
            RECORD_EVENT_FIELDS,
            SupportsResponse.OPTIONAL,
        ),
        (SERVICE_EXPORT, _async_export, {}, SupportsResponse.ONLY),
        (SERVICE_PREVIEW, _async_preview, {}, SupportsResponse.ONLY),
        (SERVICE_DELETE_ALL, _async_delete_all, {}, SupportsResponse.OPTIONAL),
        (SERVICE_SUBMIT_NOW, _async_submit_now, {}, SupportsResponse.OPTIONAL),
    ):
        hass.services.async_register(
            DOMAIN,
            service,
            handler,
            schema=plain_schema(_action_schema(service, fields)),
            supports_response=response,
        )
