"""What a person reads: the check of the translation files, sizes, refusals.

The project's check (scripts/check_translations.py) refuses what HA's
hassfest refuses (a service field's `example`, `menu_option_descriptions`,
`sections`, every URL scheme, HA's slugs); finds an error or a repair issue
that nothing raises even when its key is some other word of the code; finds
a dialog step the flow picks at run time, an action, a field or a list
option of services.yaml without its text. A German reader reads sizes and
counts right; an action given a wrong type is refused in the person's
language, not in voluptuous' English.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil
from typing import Any

import pytest

from custom_components.printernizer_usage.const import DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from scripts.check_translations import INTEGRATION, check

from .helpers import (
    async_export,
    async_render,
    async_render_step,
    async_setup_sharing_entry,
)


def _copy(tmp_path: Path) -> tuple[Path, dict[str, Any], dict[str, Any]]:
    integration = tmp_path / "printernizer_usage"
    shutil.copytree(INTEGRATION, integration)
    strings = [
        json.loads(
            (integration / "translations" / f"{language}.json").read_text(
                encoding="utf-8"
            )
        )
        for language in ("en", "de")
    ]
    return integration, strings[0], strings[1]


def _write(integration: Path, **files: dict[str, Any]) -> None:
    for language, strings in files.items():
        path = integration / "translations" / f"{language}.json"
        path.write_text(json.dumps(strings), encoding="utf-8")


def test_check_refuses_what_hassfest_refuses_in_every_part(tmp_path: Path) -> None:
    integration, en, de = _copy(tmp_path)
    for strings in (en, de):
        metadata = strings["services"]["record_event"]["fields"]["metadata"]
        # The example of invalid_metadata that hassfest read as a placeholder.
        metadata["example"] = '{"printer_type": "prusa"}'
        menu = strings["options"]["step"]["init"]
        menu["menu_option_descriptions"] = {"sharing": " Share. "}
        sharing = strings["options"]["step"]["sharing"]
        sharing["sections"] = {
            "advanced": {"name": "<b>Advanced</b>", "description": "{bad key}"}
        }
        strings["services"]["export"]["sections"] = {
            "details": {"name": "Details", "description": ""}
        }
        strings["config"]["step"]["user"]["data_description"]["share_statistics"] = (
            "See socket://stats.example.com first."
        )
        # HA's slug: no doubled, leading or trailing "_".
        strings["exceptions"]["not__loaded"] = strings["exceptions"]["not_loaded"]
    _write(integration, en=en, de=de)

    findings = check(integration)

    expected = [
        (
            "services.record_event.fields.metadata.example",
            'placeholder {"printer_type"} is not an identifier',
        ),
        (
            "options.step.init.menu_option_descriptions.sharing",
            "leading or trailing space",
        ),
        ("options.step.sharing.sections.advanced.name", "HTML is not allowed"),
        (
            "options.step.sharing.sections.advanced.description",
            "placeholder {bad key} is not an identifier",
        ),
        ("services.export.sections.details.description", "empty text"),
        (
            "config.step.user.data_description.share_statistics",
            "a URL belongs in a placeholder",
        ),
        ("exceptions.not__loaded", "key must be a lower-case slug"),
    ]
    missing = {
        f"translations/en.json: {path}: {finding}" for path, finding in expected
    } - set(findings)
    assert not missing, findings


def test_check_finds_an_error_text_nothing_raises(tmp_path: Path) -> None:
    """`disabled` is a status of the code, but no error is raised with that key."""
    integration, en, de = _copy(tmp_path)
    en["exceptions"]["disabled"] = {"message": "Sharing is disabled."}
    de["exceptions"]["disabled"] = {"message": "Teilen ist ausgeschaltet."}
    en["issues"]["preview"] = {"title": "Preview", "description": "A preview."}
    de["issues"]["preview"] = {"title": "Vorschau", "description": "Eine Vorschau."}
    _write(integration, en=en, de=de)

    findings = check(integration)

    assert {
        (
            "translations/en.json: exceptions.disabled:"
            " nothing in the code uses 'disabled'"
        ),
        "translations/en.json: issues.preview: nothing in the code uses 'preview'",
    } <= set(findings), findings


# --- numbers as a German reader reads them


async def test_report_size_reads_right_in_german(
    hass: HomeAssistant, hass_storage: dict[str, Any], stored_data: dict[str, Any]
) -> None:
    """A German reader takes "1,234 Bytes" for one byte and a fraction."""
    day = stored_data["data"]["counts"]["days"]["2026-11-24"]
    day["events"]["error_occurred"] = 16
    day["labels"]["error_occurred"] = {
        "error_type": {f"error_kind_{chr(97 + number)}": 1 for number in range(16)}
    }
    entry = await async_setup_sharing_entry(hass, hass_storage, stored_data)
    menu = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        menu["flow_id"], {"next_step_id": "preview"}
    )
    assert result["step_id"] == "preview"
    digits = re.sub(r"\D", "", result["description_placeholders"]["size"])
    assert int(digits) >= 1000  # a size with a thousands separator

    text = await async_render_step(hass, result, language="de")

    shown = re.search(r"\(([\d.,\u202f ]+) Bytes", text)
    assert shown is not None, text
    # Neither an English separator nor a German decimal comma.
    assert "," not in shown.group(1), shown.group(1)


def test_check_finds_a_dialog_step_without_its_text(tmp_path: Path) -> None:
    """The steps a flow picks at run time need their texts as much as the others."""
    integration, en, de = _copy(tmp_path)
    for strings in (en, de):
        for step in ("preview_key_refused", "delete_all_nothing_sent", "preview"):
            del strings["options"]["step"][step]
    _write(integration, en=en, de=de)

    findings = check(integration)

    assert {
        f"translations/{language}.json: options.step.{step}: missing"
        " (step in config_flow.py)"
        for language in ("en", "de")
        for step in ("preview_key_refused", "delete_all_nothing_sent", "preview")
    } <= set(findings), findings


def test_check_finds_an_action_without_its_text(tmp_path: Path) -> None:
    """services.yaml names the actions, their fields and the options of a list."""
    integration, en, de = _copy(tmp_path)
    for strings in (en, de):
        del strings["services"]["preview"]
        del strings["services"]["record_event"]["fields"]["metadata"]
        del strings["selector"]["event_type"]["options"]["job_failed"]
    _write(integration, en=en, de=de)

    findings = check(integration)

    assert {
        f"translations/{language}.json: {path}: missing ({what} in services.yaml)"
        for language in ("en", "de")
        for path, what in (
            ("services.preview.name", "action"),
            ("services.record_event.fields.metadata.name", "field"),
            ("selector.event_type.options.job_failed", "option"),
        )
    } <= set(findings), findings


# --- an action's mistakes, in the person's language


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("event_type", "key"),
    [
        # `event_type:` left empty in an automation's YAML.
        (None, "missing_field"),
        (["job_completed"], "unknown_event_type"),
        ({"type": "job_completed"}, "unknown_event_type"),
    ],
)
async def test_record_event_with_a_wrong_type_is_a_translated_refusal(
    hass: HomeAssistant, event_type: Any, key: str
) -> None:
    """Not voluptuous' English "value should be a string for dictionary value"."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "record_event", {"event_type": event_type}, blocking=True
        )

    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == key
    placeholders = err.value.translation_placeholders or {}
    for language in ("en", "de"):
        shown = await async_render(
            hass, f"exceptions.{key}.message", placeholders, language
        )
        assert "event_type" in shown or "job_completed" in shown, shown
    assert (await async_export(hass))["counts"]["totals"] == {}
