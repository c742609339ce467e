"""Consent: the one owner of the share choice, the installation id and the ids sent.

Every change of the `share_statistics` option, of the random installation id
and of the record of which id went to which service goes through this module:
the consent dialog and the options flow build their options here, the switch,
the repair flow and the services call `Consent`, and the sender reports what
it sent. Turning sharing on is a person's act: it needs an administrator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from ipaddress import ip_address
import re
from typing import TYPE_CHECKING, Any, Final
import uuid

from yarl import URL

from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.script import script_stack_cv

from .const import (
    CONF_API_KEY,
    CONF_CONSENT_VERSION,
    CONF_ENDPOINT,
    CONF_SHARE_STATISTICS,
    CONSENT_VERSION,
    DEFAULT_ENDPOINT,
    DOMAIN,
)
from .core.installation import Destination, Installation, Sent
from .core.payload import PayloadRejectedError, validate_endpoint

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


def consent_options(options: Mapping[str, Any], *, share: bool) -> dict[str, Any]:
    """Return the options with the share choice; ticking it agrees to this version."""
    new_options = {**options, CONF_SHARE_STATISTICS: share}
    if share and not options.get(CONF_SHARE_STATISTICS):
        new_options[CONF_CONSENT_VERSION] = CONSENT_VERSION
    return new_options


def endpoint_of(options: Mapping[str, Any]) -> str:
    """Return the statistics service's base URL from the options."""
    return str(options.get(CONF_ENDPOINT, DEFAULT_ENDPOINT)).rstrip("/")


# Letters, digits and inner hyphens (underscores too, as in container names).
_HOST_LABEL: Final = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.IGNORECASE)


def checked_endpoint(text: str) -> str:
    """Return the statistics service's base URL, or raise PayloadRejectedError.

    The core's rules (https; no user, query or fragment), then the URL parser
    every request goes through (yarl, aiohttp's own): it must read the
    address, and the host it reads must be an IP address or a name DNS can
    look up. yarl alone keeps a space, a NUL or `%zz` in a host, and such an
    address would be retried for weeks without ever reaching anything.
    """
    endpoint = validate_endpoint(text)
    try:
        host = URL(endpoint).raw_host or ""
    except ValueError:
        raise PayloadRejectedError("the endpoint is not a URL") from None
    if not endpoint.isprintable() or not _is_host(host):
        raise PayloadRejectedError("the endpoint has no valid host")
    return endpoint


def _is_host(host: str) -> bool:
    """Return whether `host` (as yarl encodes it) is an IP address or a DNS name."""
    try:
        ip_address(host)
    except ValueError:
        labels = host.removesuffix(".").split(".")
        # A last label of digits only is a mistyped IPv4 address.
        return (
            len(host) <= 253
            and not labels[-1].isdigit()
            and all(_HOST_LABEL.fullmatch(label) for label in labels)
        )
    return True


class ConsentRefusedError(ServiceValidationError):
    """Sharing can only be turned on by an administrator, in person.

    A person's request that is refused, not a fault of the integration: HA
    shows the translated message and logs one line, without a traceback.
    """


@dataclass(frozen=True, slots=True)
class ConsentChange:
    """What following the options changed."""

    started: bool = False  # a new random id exists: a new installation starts
    stopped: bool = False  # the id is gone: nothing of it may be sent any more
    # Every (id, service) pair to ask for deletion.
    ended: tuple[Sent, ...] = ()


class Consent:
    """The share option of one entry and the identity that exists only with it."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], installation: Installation
    ) -> None:
        """Own the entry's consent options and its installation record."""
        self.hass = hass
        self.entry = entry
        self.installation = installation

    # --- what the person chose

    @property
    def share(self) -> bool:
        """Return whether the person agreed to send the weekly report."""
        return bool(self.entry.options.get(CONF_SHARE_STATISTICS, False))

    @property
    def version(self) -> int:
        """Return the report version the person agreed to.

        Entries from before versioned consent agreed to the first version.
        """
        return int(self.entry.options.get(CONF_CONSENT_VERSION, 1))

    @property
    def current(self) -> bool:
        """Return whether that agreement covers everything the report contains."""
        return self.version >= CONSENT_VERSION

    @property
    def destination(self) -> Destination:
        """Return the configured statistics service and its optional key."""
        options = self.entry.options
        return Destination(endpoint_of(options), options.get(CONF_API_KEY) or None)

    @property
    def installation_id(self) -> str | None:
        """Return the random id (None while sharing is off)."""
        return self.installation.installation_id

    @property
    def consent_start(self) -> date | None:
        """Return the first day a report may contain (None while sharing is off)."""
        return self.installation.consent_start

    @property
    def may_send(self) -> bool:
        """Return whether a report may go out under the current agreement."""
        return self.share and self.current and self.installation_id is not None

    # --- a person's choices (through the switch, the repair flow, delete_all)

    async def async_turn_on(self, context: Context) -> None:
        """Agree to share: an administrator's own act.

        Not an automation's (its context has no user), not a script's (it
        calls with the context of whoever started it, so the run is known by
        the scripts HA keeps running in `script_stack_cv`, automations'
        actions included), not a system user's (the Supervisor's, through
        which add-ons call, or HA Cloud's).
        """
        user = None
        if context.user_id is not None and not script_stack_cv.get():
            user = await self.hass.auth.async_get_user(context.user_id)
        if user is None or user.system_generated:
            raise ConsentRefusedError(
                translation_domain=DOMAIN, translation_key="consent_needs_person"
            )
        if not user.is_admin:
            raise ConsentRefusedError(
                translation_domain=DOMAIN, translation_key="consent_needs_admin"
            )
        self._update(consent_options(self.entry.options, share=True))

    @callback
    def async_turn_off(self) -> None:
        """Stop sharing (the safe direction: anyone who may control it)."""
        self._update(consent_options(self.entry.options, share=False))

    @callback
    def async_agree_current_version(self) -> None:
        """Agree to what the report contains now (the consent repair flow)."""
        self._update({**self.entry.options, CONF_CONSENT_VERSION: CONSENT_VERSION})

    @callback
    def _update(self, options: dict[str, Any]) -> None:
        # The entry's update listener calls `async_follow_options`.
        self.hass.config_entries.async_update_entry(self.entry, options=options)

    # --- the identity that follows the choice

    @callback
    def async_follow_options(self, today: date) -> ConsentChange:
        """Create the id when sharing starts; discard it when sharing stops."""
        installation = self.installation
        old_id = installation.installation_id
        if self.share and old_id is None:
            self._start(today)
            return ConsentChange(started=True)
        if not self.share and old_id is not None:
            installation.installation_id = None
            installation.consent_start = None
            ended = [
                item for item in installation.sent if item.installation_id == old_id
            ]
            return ConsentChange(stopped=True, ended=tuple(ended))
        return ConsentChange()

    @callback
    def async_wipe(self, today: date) -> ConsentChange:
        """Forget the id (`delete_all`); a new, unlinkable one if sharing stays on."""
        installation = self.installation
        installation.installation_id = None
        installation.consent_start = None
        ended = tuple(installation.sent)
        if self.share:
            self._start(today)
        return ConsentChange(started=self.share, stopped=True, ended=ended)

    def _start(self, today: date) -> None:
        self.installation.installation_id = str(uuid.uuid4())
        self.installation.consent_start = today

    @callback
    def async_follow_clock(self, now: datetime) -> bool:
        """Bring back a consent start in the future (a clock that ran ahead)."""
        return self.installation.follow_clock(now)

    # --- what the sender reports

    @callback
    def async_mark_sent(self, installation_id: str, destination: Destination) -> None:
        """Remember that `installation_id` may now be held by `destination`."""
        for item in self.installation.sent:
            if (
                item.installation_id == installation_id
                and item.destination.endpoint == destination.endpoint
            ):
                item.destination = destination
                return
        self.installation.sent.append(Sent(installation_id, destination))

    @callback
    def async_forget_sent(self, installation_id: str, endpoint: str) -> None:
        """Forget a pair once its service confirmed the deletion."""
        self.installation.sent = [
            item
            for item in self.installation.sent
            if not (
                item.installation_id == installation_id
                and item.destination.endpoint == endpoint
            )
        ]

    @callback
    def async_replace_key(self, destination: Destination) -> None:
        """Use a new key for everything sent to its service."""
        for item in self.installation.sent:
            if item.destination.endpoint == destination.endpoint:
                item.destination = destination
