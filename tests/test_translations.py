"""What a person reads: every text is a sentence in English and German.

The translation files pass the project's own check (scripts/check_translations.py,
the rules of HA's hassfest); every error the code can raise renders, filled,
in both languages; every text of the files renders without a placeholder left;
the dialogs read as sentences in real flows; a household member who flips the
sharing switch reads the refusal, and the log has no traceback for it.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
import logging
from pathlib import Path
import re
import shutil
from typing import Any

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.printernizer_usage.const import DOMAIN
from custom_components.printernizer_usage.uploader import Outcome
from homeassistant.auth.models import User
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.translation import async_get_exception_message
from homeassistant.setup import async_setup_component
from scripts.check_translations import INTEGRATION, check, exception_keys

from .helpers import SHARE_SWITCH, async_render, async_render_step

LANGUAGES = ("en", "de")
# "Send now" turns every outcome but a sent report into an error (services.py);
# its forced attempt never sends a deletion request.
NOT_AN_ERROR = {Outcome.SENT, Outcome.DELETION}
# What the code passes with each error it raises (services.py, consent.py).
RAISED: dict[str, dict[str, str]] = {
    "not_loaded": {},
    "unknown_event_type": {
        "event_type": "job_done",
        "event_types": "app_shutdown, app_start, job_completed",
    },
    "invalid_metadata": {},
    "missing_field": {"action": "record_event", "field": "event_type"},
    "unknown_field": {
        "action": "printernizer_usage.record_event",
        "field": "printer",
        "fields": "event_type, metadata",
    },
    "no_fields": {
        "action": "printernizer_usage.export",
        "field": "entry_id",
        "fields": "",
    },
    "sharing_off": {},
    "consent_needed": {},
    "api_key_refused": {},
    "consent_needs_person": {},
    "consent_needs_admin": {},
    **{
        f"submit_{outcome.value}": {
            "status": "http_503",
            "next_try": "2026-11-25T11:00:00+00:00",
        }
        for outcome in Outcome
        if outcome not in NOT_AN_ERROR
    },
}
UNFILLED = re.compile(r"\{\w*\}")


def _strings(language: str) -> dict[str, Any]:
    strings: dict[str, Any] = json.loads(
        (INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8")
    )
    return strings


def _texts(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{path}.{key}" if path else key)
    else:
        yield path


def _assert_sentence(text: str, key: str) -> None:
    """Assert a person's text: not a key, nothing left to fill, a sentence's start."""
    assert text.strip(), key
    assert text != key
    assert text not in key.split(".")
    assert not UNFILLED.search(text), text
    assert text[0].isupper() or text[0] in '*"`', text


# --- the check of the translation files


def test_translation_files_pass_the_check() -> None:
    assert check() == []


def test_check_finds_what_home_assistant_rejects(tmp_path: Path) -> None:
    """The mistakes of 0.4.0's files (commit 9afdf54), and the others it checks."""
    integration = tmp_path / "printernizer_usage"
    shutil.copytree(INTEGRATION, integration)
    en_file = integration / "translations" / "en.json"
    de_file = integration / "translations" / "de.json"
    en, de = _strings("en"), _strings("de")
    en["exceptions"]["consent_needs_admin"] = "Only an administrator can."
    en["exceptions"]["invalid_metadata"]["message"] = 'For example {"printer_type"}.'
    en["exceptions"]["never_raised"] = {"message": "Nobody raises this."}
    en["entity"]["sensor"]["printers"]["state"] = {"many": "{count} printers"}
    en["options"]["error"]["not_printernizer"] = "See http://printernizer.local:8000."
    en["issues"]["unreadable_storage"]["title"] = " Unreadable"
    del de["services"]["export"]["description"]
    de["issues"]["unreadable_storage"]["description"] = "Datei {path} aufbewahrt."
    en_file.write_text(json.dumps(en), encoding="utf-8")
    de_file.write_text(json.dumps(de), encoding="utf-8")

    findings = check(integration)

    expected = [
        ("en", "exceptions.consent_needs_admin", "expected a mapping with the message"),
        (
            "en",
            "exceptions.invalid_metadata.message",
            'placeholder {"printer_type"} is not an identifier',
        ),
        ("en", "exceptions.never_raised", "nothing in the code uses 'never_raised'"),
        (
            "en",
            "entity.sensor.printers.state.many",
            "placeholders are not allowed here",
        ),
        ("en", "options.error.not_printernizer", "a URL belongs in a placeholder"),
        ("en", "issues.unreadable_storage.title", "leading or trailing space"),
        ("de", "services.export.description", "missing (it is in en.json)"),
        (
            "de",
            "issues.unreadable_storage.description",
            "placeholders ['path'] differ from en.json's ['backup_path']",
        ),
        ("de", "exceptions.consent_needs_admin.message", "not in en.json"),
        (
            "en",
            "exceptions.consent_needs_admin.message",
            "missing (exception in consent.py)",
        ),
    ]
    assert set(findings) >= {
        f"translations/{language}.json: {path}: {finding}"
        for language, path, finding in expected
    }


# --- errors


def test_every_error_the_code_raises_is_rendered_here() -> None:
    """A new translation key in the code must be added to RAISED."""
    keys, prefixes = exception_keys()
    # The only key built at run time: "submit_<outcome>" of "send now".
    assert prefixes == {"submit_"}
    built = {
        f"submit_{outcome.value}" for outcome in Outcome if outcome not in NOT_AN_ERROR
    }
    assert keys | built == set(RAISED)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", sorted(RAISED))
@pytest.mark.usefixtures("init_integration")
async def test_error_reads_as_a_sentence(
    hass: HomeAssistant, key: str, language: str
) -> None:
    """What the frontend shows in the person's language; HA itself logs English."""
    placeholders = RAISED[key]
    path = f"exceptions.{key}.message"

    shown = await async_render(hass, path, placeholders, language)

    _assert_sentence(shown, key)
    template = _lookup(_strings(language), path)
    for name, value in placeholders.items():
        if value:  # a value the text uses is shown; the others are not
            assert (value in shown) == (f"{{{name}}}" in template)
    if language == "en":
        err = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )
        # HA drops the final full stop of an error's message.
        assert str(err) == async_get_exception_message(DOMAIN, key, placeholders)
        assert str(err) == shown.removesuffix(".")
    else:
        assert shown != await async_render(hass, path, placeholders, "en")


# --- every text of the files


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("path", sorted(_texts(_strings("en"))))
async def test_every_text_renders(
    hass: HomeAssistant, path: str, language: str
) -> None:
    """Each text with its placeholders filled is a sentence (or a name), not a key."""
    text = _lookup(_strings(language), path)
    names = {name.strip("{}") for name in UNFILLED.findall(text)}

    rendered = await async_render(hass, path, dict.fromkeys(names, "Value"), language)

    _assert_sentence(rendered, path)
    if language != "en":
        assert text != _lookup(_strings("en"), path), path


def _lookup(strings: dict[str, Any], path: str) -> str:
    value: Any = strings
    for part in path.split("."):
        value = value[part]
    assert isinstance(value, str)
    return value


# --- dialogs, as they are shown


@pytest.mark.parametrize("language", LANGUAGES)
async def test_consent_dialog_reads_as_a_sentence(
    hass: HomeAssistant, language: str
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": "user"}
    )

    text = await async_render_step(hass, result, "config", language)

    assert text.startswith(
        {"en": "Printernizer usage statistics", "de": "Printernizer-Nutzungsstatistik"}[
            language
        ]
    )
    assert '"consent_version": 2' in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "What was sent\n\nNothing has been sent yet. No deletion request"),
        ("de", "Was gesendet wurde\n\nBisher wurde nichts gesendet. Es wartet keine"),
    ],
)
@pytest.mark.usefixtures("init_integration")
async def test_empty_history_is_a_sentence(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    language: str,
    expected: str,
) -> None:
    menu = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        menu["flow_id"], {"next_step_id": "history"}
    )

    assert result["step_id"] == "history_nothing_sent"
    text = await async_render_step(hass, result, language=language)
    assert text.startswith(expected)
    assert "|" not in text
    assert "\u2013" not in text


# --- the switch refuses a household member: their sentence, no traceback


async def test_household_member_reads_the_refusal_without_a_traceback(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_household_user: User,
    hass_ws_client: WebSocketGenerator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await async_setup_component(hass, "switch", {})
    refresh_token = await hass.auth.async_create_refresh_token(
        hass_household_user, "https://example.com/app"
    )
    client = await hass_ws_client(
        hass, hass.auth.async_create_access_token(refresh_token)
    )
    # HA's own level: its debug line carries the refusal's stack for developers.
    caplog.set_level(logging.INFO)

    await client.send_json_auto_id(
        {
            "type": "call_service",
            "domain": "switch",
            "service": "turn_on",
            "target": {ATTR_ENTITY_ID: SHARE_SWITCH},
        }
    )
    answer = await client.receive_json()

    assert not answer["success"]
    error = answer["error"]
    # What HA's toast shows: the translated sentence of this integration.
    assert error["translation_domain"] == DOMAIN
    assert error["translation_key"] == "consent_needs_admin"
    sentence = await async_render(hass, "exceptions.consent_needs_admin.message")
    # HA drops the final full stop of an error's message.
    assert error["message"] == f"Validation error: {sentence.removesuffix('.')}"
    assert hass.states.get(SHARE_SWITCH).state == "off"
    assert "Unexpected exception" not in caplog.text
    assert "Traceback" not in caplog.text
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1
    assert refusals[0].getMessage().endswith(f"] {sentence.removesuffix('.')}")
