"""Consent dialog (config flow), reauthentication, and the options to change them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

import voluptuous as vol

from homeassistant.components.http.auth import async_sign_path
from homeassistant.components.http.const import KEY_HASS_REFRESH_TOKEN_ID
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.http import current_request
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.loader import async_get_integration
from homeassistant.util import dt as dt_util

from .addon import async_find_addon_url
from .bridge import STATUS_CONNECTED, STATUS_UNREACHABLE, async_check_printernizer
from .compat import plain_schema
from .consent import checked_endpoint, consent_options, endpoint_of
from .const import (
    CONF_API_KEY,
    CONF_ENDPOINT,
    CONF_PRINTERNIZER_URL,
    CONF_SHARE_STATISTICS,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from .core.installation import Destination
from .core.payload import PayloadRejectedError
from .core.printernizer import PrinternizerAnswerError, validate_printernizer_url
from .core.privacy_center import (
    deletion_rows,
    download_anchor,
    grouped,
    history_rows,
    report_block,
    service_list,
)
from .http import EXPORT_URL, export_filename
from .report import async_example_report
from .runtime import UsageRuntime
from .uploader import async_check_api_key

TITLE = "Printernizer Usage Statistics"
CONF_CLEAR_API_KEY = "clear_api_key"
CONF_CONFIRM = "confirm"
MENU = ["sharing", "printernizer", "preview", "history", "download", "delete_all"]
# Long enough to click, short enough that a copied link soon stops working.
DOWNLOAD_LINK_VALID = timedelta(minutes=5)

API_KEY_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
# In backticks: an example, not a link to somebody else's network.
EXAMPLE_ADDRESS = "`http://192.168.1.20:8000`"


def local_time(hass: HomeAssistant, when: datetime) -> str:
    """Return a moment in Home Assistant's time zone, with the zone named."""
    return f"{dt_util.as_local(when):%Y-%m-%d %H:%M} ({hass.config.time_zone})"


async def _async_printernizer_address(
    hass: HomeAssistant, text: str
) -> tuple[str, str | None]:
    """Return the address of a Printernizer from what a person typed, or an error.

    Without a scheme ("192.168.1.20:8000") it is taken as http://, the way
    Printernizer answers on a home network.
    """
    try:
        url = validate_printernizer_url(text)
    except PrinternizerAnswerError:
        if "://" in text:
            return "", "invalid_printernizer_url"
        try:
            url = validate_printernizer_url(f"http://{text}")
        except PrinternizerAnswerError:
            return "", "invalid_printernizer_url"
    return url, await async_check_printernizer(hass, url)


async def _async_key_error(
    hass: HomeAssistant,
    entry: ConfigEntry,
    endpoint: str,
    api_key: str,
    *,
    try_it: bool = True,
) -> str | None:
    """Return why `api_key` cannot be used with `endpoint`, or None.

    A key that could not even be sent in a header is refused at once. A key
    the service accepts is reported to the sender: this check, and nothing
    else, ends a stop for a refused key.
    """
    if not api_key or not api_key.isascii() or not api_key.isprintable():
        return "invalid_api_key"
    if not try_it:
        return None
    integration = await async_get_integration(hass, DOMAIN)
    version = str(integration.version)
    if error := await async_check_api_key(hass, endpoint, api_key, version):
        return error
    if entry.state is ConfigEntryState.LOADED:
        runtime: UsageRuntime = entry.runtime_data
        runtime.uploader.async_key_accepted(Destination(endpoint, api_key))
    return None


class PrinternizerUsageConfigFlow(ConfigFlow, domain=DOMAIN):
    """Show what is collected and ask whether the weekly report may be sent."""

    VERSION = 1

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the disclosure; counting stays local unless sharing is ticked."""
        if user_input is not None:
            return self.async_create_entry(
                title=TITLE,
                data={},
                options=consent_options({}, share=user_input[CONF_SHARE_STATISTICS]),
            )
        return self.async_show_form(
            step_id="user",
            data_schema=plain_schema(
                vol.Schema({vol.Required(CONF_SHARE_STATISTICS, default=False): bool})
            ),
            description_placeholders={
                "example": report_block(await async_example_report(self.hass))
            },
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start asking for a new key: the statistics service refused the old one."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new key; it is tried against the service before it is saved."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            api_key = user_input[CONF_API_KEY].strip()
            error = await _async_key_error(
                self.hass, entry, endpoint_of(entry.options), api_key
            )
            if error is None:
                # Sending resumes once the accepted key is saved; no reload.
                self.hass.config_entries.async_update_entry(
                    entry, options={**entry.options, CONF_API_KEY: api_key}
                )
                return self.async_abort(reason="reauth_successful")
            errors[CONF_API_KEY] = error
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=plain_schema(
                vol.Schema({vol.Required(CONF_API_KEY): API_KEY_SELECTOR})
            ),
            description_placeholders={"endpoint": endpoint_of(entry.options)},
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: ConfigEntry,
    ) -> PrinternizerUsageOptionsFlow:
        """Return the options flow."""
        return PrinternizerUsageOptionsFlow()


class PrinternizerUsageOptionsFlow(OptionsFlow):
    """The privacy center: sharing settings, the next report, history, download, delete.

    Only the sharing step changes options; the others end without touching
    them (and so without a reload).
    """

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the parts of the privacy center."""
        return self.async_show_menu(step_id="init", menu_options=MENU)

    def _runtime(self) -> UsageRuntime | None:
        if self.config_entry.state is not ConfigEntryState.LOADED:
            return None
        runtime: UsageRuntime = self.config_entry.runtime_data
        return runtime

    async def async_step_sharing(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the current settings; the stored key never leaves the server.

        An empty key field keeps the stored key; clearing it is its own box.
        While sharing is on, a new key, or the kept key with a new service, is
        tried against the service before anything is saved.
        """
        errors: dict[str, str] = {}
        options = self.config_entry.options
        if user_input is not None:
            share = user_input[CONF_SHARE_STATISTICS]
            clear = user_input.get(CONF_CLEAR_API_KEY, False)
            new_key = "" if clear else user_input.get(CONF_API_KEY, "").strip()
            try:
                endpoint = checked_endpoint(user_input[CONF_ENDPOINT])
            except PayloadRejectedError:
                errors[CONF_ENDPOINT] = "invalid_endpoint"
            else:
                kept_key = "" if clear else str(options.get(CONF_API_KEY) or "")
                moved = endpoint != endpoint_of(options)
                key = new_key or (kept_key if moved else "")
                if key and (
                    error := await _async_key_error(
                        self.hass, self.config_entry, endpoint, key, try_it=share
                    )
                ):
                    errors[CONF_API_KEY] = error
            if not errors:
                new_options = consent_options(options, share=share)
                new_options[CONF_ENDPOINT] = endpoint
                if clear:
                    new_options[CONF_API_KEY] = ""
                elif new_key:
                    new_options[CONF_API_KEY] = new_key
                if share and key:
                    # The service took the key: HA's request for one is answered.
                    self._async_abort_reauth()
                return self.async_create_entry(data=new_options)
        suggested = {
            CONF_SHARE_STATISTICS: options.get(CONF_SHARE_STATISTICS, False),
            CONF_ENDPOINT: options.get(CONF_ENDPOINT, DEFAULT_ENDPOINT),
        }
        if user_input is not None:
            suggested[CONF_SHARE_STATISTICS] = user_input[CONF_SHARE_STATISTICS]
            suggested[CONF_ENDPOINT] = user_input[CONF_ENDPOINT]
        return self.async_show_form(
            step_id="sharing",
            data_schema=self.add_suggested_values_to_schema(
                plain_schema(
                    vol.Schema(
                        {
                            vol.Required(CONF_SHARE_STATISTICS): bool,
                            vol.Required(CONF_ENDPOINT): TextSelector(
                                TextSelectorConfig(type=TextSelectorType.URL)
                            ),
                            vol.Optional(CONF_API_KEY): API_KEY_SELECTOR,
                            vol.Optional(CONF_CLEAR_API_KEY, default=False): bool,
                        }
                    )
                ),
                suggested,
            ),
            errors=errors,
        )

    @callback
    def _async_abort_reauth(self) -> None:
        for flow in self.config_entry.async_get_active_flows(
            self.hass, {SOURCE_REAUTH}
        ):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])

    async def async_step_printernizer(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the connection and set or clear the address of Printernizer.

        An address is saved only once a Printernizer answers there; an empty
        field disconnects. The add-on's internal address is suggested when
        the add-on is installed and no address is set.
        """
        errors: dict[str, str] = {}
        options = self.config_entry.options
        found_addon = False
        if user_input is not None:
            url = ""
            if text := user_input.get(CONF_PRINTERNIZER_URL, "").strip():
                url, error = await _async_printernizer_address(self.hass, text)
                if error:
                    errors[CONF_PRINTERNIZER_URL] = error
            if not errors:
                return self.async_create_entry(
                    data={**options, CONF_PRINTERNIZER_URL: url}
                )
            suggested = user_input.get(CONF_PRINTERNIZER_URL, "")
        elif not (suggested := options.get(CONF_PRINTERNIZER_URL) or ""):
            suggested = await async_find_addon_url(self.hass) or ""
            found_addon = bool(suggested)
        step_id, placeholders = self._printernizer_connection(found_addon=found_addon)
        return self.async_show_form(
            step_id=step_id,
            description_placeholders={**placeholders, "example": EXAMPLE_ADDRESS},
            data_schema=self.add_suggested_values_to_schema(
                plain_schema(
                    vol.Schema(
                        {
                            vol.Optional(CONF_PRINTERNIZER_URL): TextSelector(
                                TextSelectorConfig(type=TextSelectorType.URL)
                            )
                        }
                    )
                ),
                {CONF_PRINTERNIZER_URL: suggested},
            ),
            errors=errors,
        )

    # The same form; its description tells the state of the connection.
    async_step_printernizer_addon = async_step_printernizer
    async_step_printernizer_pending = async_step_printernizer
    async_step_printernizer_connected = async_step_printernizer
    async_step_printernizer_connected_earlier = async_step_printernizer
    async_step_printernizer_unreachable = async_step_printernizer

    def _printernizer_connection(
        self, *, found_addon: bool
    ) -> tuple[str, dict[str, str]]:
        """Return the step that describes the connection, and its facts."""
        if not self.config_entry.options.get(CONF_PRINTERNIZER_URL):
            return ("printernizer_addon" if found_addon else "printernizer"), {}
        if (runtime := self._runtime()) is None:
            return "printernizer_pending", {}
        connection = runtime.bridge.connection
        if connection.status == STATUS_CONNECTED:
            facts = {
                "version": connection.version or "",
                "events": grouped(connection.events or 0),
            }
            if connection.last_import is None:  # imported by an older release
                return "printernizer_connected_earlier", facts
            facts["last_import"] = local_time(self.hass, connection.last_import)
            return "printernizer_connected", facts
        if connection.status == STATUS_UNREACHABLE and connection.unreachable_since:
            return "printernizer_unreachable", {
                "since": local_time(self.hass, connection.unreachable_since)
            }
        return "printernizer_pending", {}

    async def async_step_preview(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the next report exactly as it will be sent, and when."""
        if user_input is not None:
            return await self.async_step_init()
        if (runtime := self._runtime()) is None:
            return self.async_abort(reason="not_loaded")
        preview = await runtime.uploader.async_preview()
        placeholders = {
            "report": report_block(preview["payload"]),
            "size": grouped(preview["size_bytes"]),
        }
        consent = runtime.consent
        if not consent.share:
            step_id = "preview_sharing_off"
        elif not consent.current:
            step_id = "preview_consent_needed"
        elif (when := runtime.uploader.next_submission) is None:
            step_id = "preview_key_refused"
        else:
            step_id = "preview"
            placeholders["when"] = local_time(self.hass, when)
            tomorrow = dt_util.utcnow().date() + timedelta(days=1)
            placeholders["midnight"] = local_time(
                self.hass, datetime.combine(tomorrow, time(), tzinfo=UTC)
            )
        return self.async_show_form(
            step_id=step_id, description_placeholders=placeholders
        )

    # Information steps: their button leads back to the menu.
    async_step_preview_sharing_off = async_step_preview
    async_step_preview_consent_needed = async_step_preview
    async_step_preview_key_refused = async_step_preview

    async def async_step_history(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show every attempt kept in the audit log and the pending deletions."""
        if user_input is not None:
            return await self.async_step_init()
        if (runtime := self._runtime()) is None:
            return self.async_abort(reason="not_loaded")
        submission = runtime.uploader.state.as_dict()
        attempts, deletions = submission["audit_log"], submission["deletions"]
        if attempts:
            step_id = "history_deletions" if deletions else "history"
        else:
            step_id = (
                "history_nothing_sent_deletions"
                if deletions
                else "history_nothing_sent"
            )
        return self.async_show_form(
            step_id=step_id,
            description_placeholders={
                "attempts": history_rows(attempts),
                "deletions": deletion_rows(deletions),
            },
        )

    async_step_history_deletions = async_step_history
    async_step_history_nothing_sent = async_step_history
    async_step_history_nothing_sent_deletions = async_step_history

    async def async_step_download(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the export file through a link signed for this administrator."""
        if user_input is not None:
            return await self.async_step_init()
        request = current_request.get()
        if request is None or KEY_HASS_REFRESH_TOKEN_ID not in request:
            # Only a person's own session can be trusted with the link.
            return self.async_abort(reason="download_needs_browser")
        link = async_sign_path(
            self.hass,
            EXPORT_URL,
            DOWNLOAD_LINK_VALID,
            refresh_token_id=request[KEY_HASS_REFRESH_TOKEN_ID],
        )
        return self.async_show_form(
            step_id="download",
            description_placeholders={
                "link": download_anchor(link, export_filename()),
                "minutes": str(int(DOWNLOAD_LINK_VALID.total_seconds() // 60)),
            },
        )

    async def async_step_delete_all(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Say what will be removed; delete only with the box ticked."""
        if (runtime := self._runtime()) is None:
            return self.async_abort(reason="not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            if user_input[CONF_CONFIRM]:
                removed = await runtime.async_delete_all()
                return self.async_abort(
                    reason="deleted",
                    description_placeholders={
                        "days": str(removed["days"]),
                        "events": str(removed["events"]),
                        "deletion_requests": str(removed["deletion_requests"]),
                    },
                )
            errors[CONF_CONFIRM] = "confirm_delete"
        removable = runtime.counts.removable()
        services = service_list(
            item.destination.endpoint for item in runtime.consent.installation.sent
        )
        return self.async_show_form(
            step_id="delete_all" if services else "delete_all_nothing_sent",
            data_schema=plain_schema(
                vol.Schema({vol.Required(CONF_CONFIRM, default=False): bool})
            ),
            description_placeholders={
                "days": str(removable["days"]),
                "events": str(removable["events"]),
                "attempts": str(len(runtime.uploader.state.audit.entries)),
                "services": services,
            },
            errors=errors,
        )

    async_step_delete_all_nothing_sent = async_step_delete_all
