#!/usr/bin/env python3
"""Check the translation files the way Home Assistant's validator does, and more.

Usage: scripts/check_translations.py  (prints one line per finding, exits 1 on any)

HA core checks integrations with hassfest (script/hassfest/translations.py),
which cannot be installed from a package registry. This applies the rules it
applies to a custom integration's `translations/en.json`, to every language:
- mappings where HA expects them (`exceptions.<key>.message`, step parts,
  issues with a title and either a description or a fix flow), and only the
  keys HA knows there;
- keys are lower-case slugs; texts are not empty, have no surrounding space,
  no HTML, no URL (those go in placeholders), no `[%key:...%]` reference (they
  only work inside HA core), no placeholder in single quotes;
- placeholders are identifiers, and states and attribute names have none.
Beyond hassfest: every language has exactly the keys and placeholders of
`en`, every key the code names exists, and no key exists that nothing uses.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
import contextlib
import json
from pathlib import Path
import re
import string
import sys
from typing import Any, Final

import yaml  # type: ignore[import-untyped]

ROOT: Final = Path(__file__).resolve().parent.parent
INTEGRATION: Final = ROOT / "custom_components" / "printernizer_usage"

# HA's slug (`cv.slug`): what slugify leaves unchanged, so no leading,
# trailing or doubled "_".
SLUG: Final = re.compile(r"^(?!_)(?!.*__)[a-z0-9_]+(?<!_)$")
# Lower case; no leading, trailing or doubled "_" or "-".
TRANSLATION_KEY: Final = re.compile(r"^(?![_-])(?!.*[_-]{2})[a-z0-9_-]+(?<![_-])$")
HTML_TAG: Final = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
# Every scheme hassfest names, also inside a word (it has no word boundary).
URL: Final = re.compile(
    r"(?:(?:https?|ftps?|mqtts?|scp|socket|socks5)://|www\.)[a-z0-9][a-z0-9.-]*",
    re.IGNORECASE,
)
QUOTED_PLACEHOLDER: Final = re.compile(r"'\{\w+\}'")
# Ids HA itself uses for this integration (single_config_entry in manifest.json).
FROM_HOME_ASSISTANT: Final = frozenset({"single_instance_allowed"})

# Step parts that map names (fields, menu options, states) to texts.
TEXT_MAPPINGS: Final = (
    "data",
    "data_description",
    "menu_options",
    "menu_option_descriptions",
    "state",
)
FLOW_KEYS: Final = frozenset(
    {"step", "error", "abort", "progress", "create_entry", "initiate_flow"}
)
STEP_KEYS: Final = frozenset(
    {
        "title",
        "description",
        "data",
        "data_description",
        "menu_options",
        "menu_option_descriptions",
        "submit",
        "sections",
    }
)
TOP_KEYS: Final = frozenset(
    {
        "title",
        "config",
        "options",
        "entity",
        "device",
        "exceptions",
        "services",
        "issues",
        "selector",
    }
)


class _Checker:
    """Walks one language file; collects findings and the ids it must find used."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.findings: list[str] = []
        self.ids: list[tuple[str, str]] = []  # (path, id) of every named thing

    def fail(self, path: str, message: str) -> None:
        self.findings.append(f"{self.name}: {path}: {message}")

    def text(self, path: str, value: object, *, placeholders: bool = True) -> None:
        if not isinstance(value, str):
            self.fail(path, "expected a text")
            return
        if not value.strip():
            self.fail(path, "empty text")
        elif value != value.strip():
            self.fail(path, "leading or trailing space")
        if HTML_TAG.search(value):
            self.fail(path, "HTML is not allowed")
        if URL.search(value):
            self.fail(path, "a URL belongs in a placeholder")
        if "[%key:" in value:
            self.fail(path, "references work only inside Home Assistant core")
        if QUOTED_PLACEHOLDER.search(value):
            self.fail(path, "placeholder inside single quotes")
        try:
            names = [field for _, field, _, _ in string.Formatter().parse(value)]
        except ValueError:
            self.fail(path, "unbalanced { or }")
            return
        for field in filter(None, names):
            if not placeholders:
                self.fail(path, "placeholders are not allowed here")
            elif not field.isidentifier():
                self.fail(path, f"placeholder {{{field}}} is not an identifier")

    def mapping(
        self, path: str, value: object, allowed: frozenset[str] | None = None
    ) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(path, "expected a mapping")
            return {}
        if allowed is not None:
            for key in sorted(set(value) - allowed):
                self.fail(f"{path}.{key}", "not a key Home Assistant knows here")
        return value

    def named(
        self,
        path: str,
        value: object,
        pattern: re.Pattern[str] = TRANSLATION_KEY,
        *,
        used: bool = True,
    ) -> Iterator[tuple[str, Any]]:
        """Yield the entries of a mapping of named things, checking each name.

        With `used`, the code must name each of them somewhere.
        """
        for key, item in self.mapping(path, value).items():
            if not pattern.match(key):
                self.fail(f"{path}.{key}", "key must be a lower-case slug")
            if used:
                self.ids.append((f"{path}.{key}", key))
            yield f"{path}.{key}", item

    def entries(
        self,
        path: str,
        value: object,
        allowed: frozenset[str],
        pattern: re.Pattern[str] = TRANSLATION_KEY,
        *,
        used: bool = True,
    ) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Yield the named mappings of a mapping, each with only `allowed` keys."""
        for item_path, item in self.named(path, value, pattern, used=used):
            yield item_path, self.mapping(item_path, item, allowed)

    def texts(self, path: str, value: object, *, placeholders: bool = True) -> None:
        for item_path, item in self.named(path, value):
            self.text(item_path, item, placeholders=placeholders)

    def optional(
        self, path: str, parent: Mapping[str, Any], key: str, **kwargs: bool
    ) -> None:
        """Check `parent[key]` if it is there: a text, or a mapping of texts."""
        if key not in parent:
            return
        if key in TEXT_MAPPINGS:
            self.texts(f"{path}.{key}", parent[key], **kwargs)
        else:
            self.text(f"{path}.{key}", parent[key], **kwargs)

    def flow(self, path: str, value: object) -> None:
        flow = self.mapping(path, value, FLOW_KEYS)
        for step_path, step in self.entries(
            f"{path}.step", flow.get("step", {}), STEP_KEYS
        ):
            for key in ("title", "description", "submit", *TEXT_MAPPINGS[:4]):
                self.optional(step_path, step, key)
            self._sections(step_path, step, {"data", "data_description"})
            for key in set(step.get("data_description", {})) - set(
                step.get("data", {})
            ):
                self.fail(f"{step_path}.data_description.{key}", "not a field in data")
        for key in ("error", "abort", "progress", "create_entry"):
            if key in flow:
                self.texts(f"{path}.{key}", flow[key])

    def check(self, strings: object) -> None:
        strings = self.mapping("", strings, TOP_KEYS)
        self.optional("", strings, "title")
        for key in ("config", "options"):
            if key in strings:
                self.flow(key, strings[key])
        self._issues(strings.get("issues", {}))
        for path, item in self.named("exceptions", strings.get("exceptions", {}), SLUG):
            if isinstance(item, Mapping):
                self.mapping(path, item, frozenset({"message"}))
                self.text(f"{path}.message", item.get("message"))
            else:
                self.fail(path, "expected a mapping with the message")
        self._entities(strings.get("entity", {}))
        self._services(strings.get("services", {}))
        for path, selector in self.entries(
            "selector",
            strings.get("selector", {}),
            frozenset({"options", "choices", "unit_of_measurement"}),
            SLUG,
        ):
            for key, options in selector.items():
                self.texts(f"{path}.{key}", options)
        for path, device in self.entries(
            "device", strings.get("device", {}), frozenset({"name"})
        ):
            self.optional(path, device, "name")

    def _issues(self, value: object) -> None:
        allowed = frozenset({"title", "description", "fix_flow"})
        for path, issue in self.entries("issues", value, allowed):
            self.text(f"{path}.title", issue.get("title"))
            if ("description" in issue) == ("fix_flow" in issue):
                self.fail(path, "needs either a description or a fix_flow")
            self.optional(path, issue, "description")
            if "fix_flow" in issue:
                self.flow(f"{path}.fix_flow", issue["fix_flow"])

    def _services(self, value: object) -> None:
        allowed = frozenset({"name", "description", "fields", "sections"})
        field_keys = frozenset({"name", "description", "example"})
        for path, service in self.entries("services", value, allowed):
            self.text(f"{path}.name", service.get("name"))
            self.text(f"{path}.description", service.get("description"))
            for field_path, field in self.entries(
                f"{path}.fields", service.get("fields", {}), field_keys
            ):
                self.text(f"{field_path}.name", field.get("name"))
                self.text(f"{field_path}.description", field.get("description"))
                self.optional(field_path, field, "example")
            self._sections(path, service, set())

    def _sections(self, path: str, parent: Mapping[str, Any], more: set[str]) -> None:
        """Check the sections of a step or a service: a name, texts, fields."""
        allowed = frozenset({"name", "description", *more})
        for section_path, section in self.entries(
            f"{path}.sections", parent.get("sections", {}), allowed
        ):
            for key in ("name", "description", *sorted(more)):
                self.optional(section_path, section, key)

    def _entities(self, value: object) -> None:
        entity_keys = frozenset(
            {"name", "state", "state_attributes", "unit_of_measurement"}
        )
        # A platform is a module of the integration, not a name in its code.
        for platform_path, platform in self.named("entity", value, SLUG, used=False):
            for path, entity in self.entries(platform_path, platform, entity_keys):
                self.optional(path, entity, "name")
                # What HA shows as a state or an attribute takes no placeholder.
                self.optional(path, entity, "unit_of_measurement", placeholders=False)
                self.optional(path, entity, "state", placeholders=False)
                for attr_path, attr in self.entries(
                    f"{path}.state_attributes",
                    entity.get("state_attributes", {}),
                    frozenset({"name", "state"}),
                ):
                    self.optional(attr_path, attr, "name", placeholders=False)
                    self.optional(attr_path, attr, "state", placeholders=False)


def _leaves(value: object, path: str = "") -> dict[str, set[str]]:
    """Return every text's path with the placeholders it uses."""
    if isinstance(value, Mapping):
        found: dict[str, set[str]] = {}
        for key, item in value.items():
            found |= _leaves(item, f"{path}.{key}" if path else key)
        return found
    try:
        names = {
            field for _, field, _, _ in string.Formatter().parse(str(value)) if field
        }
    except ValueError:
        names = set()
    return {path: names}


SHOWS_A_STEP: Final = frozenset({"async_show_form", "async_show_menu"})
FLOW_SECTIONS: Final = {
    "ConfigFlow": "config",
    "OptionsFlow": "options",
    "RepairsFlow": "issues.*.fix_flow",
}


class _Code:
    """What the integration's code names: literals, f-string prefixes, call sites."""

    def __init__(self, integration: Path) -> None:
        self.literals: set[str] = set()
        self.prefixes: set[str] = set()
        self.constants: dict[str, object] = {}
        self.trees: dict[str, ast.Module] = {}
        for file in sorted(integration.rglob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            self.trees[str(file.relative_to(integration))] = tree
            self._read_strings(tree)
        # What services.yaml names: (translation path, what it is).
        self.actions: list[tuple[str, str]] = []
        services = yaml.safe_load((integration / "services.yaml").read_text()) or {}
        for service, spec in services.items():
            self.literals.add(service)
            self.actions.append((f"services.{service}.name", "action"))
            for field, field_spec in ((spec or {}).get("fields") or {}).items():
                self.literals.add(field)
                path = f"services.{service}.fields.{field}.name"
                self.actions.append((path, "field"))
                for kind in ((field_spec or {}).get("selector") or {}).values():
                    if isinstance(kind, dict) and "translation_key" in kind:
                        self.literals.add(kind["translation_key"])
                        self.literals.update(map(str, kind.get("options", [])))
                        options = f"selector.{kind['translation_key']}.options"
                        self.actions.extend(
                            (f"{options}.{option}", "option")
                            for option in kind.get("options", [])
                        )

    def _read_strings(self, tree: ast.Module) -> None:
        """Note every string, every f-string's start, and module-level constants."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    self.prefixes.add(first.value)
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name):
                with contextlib.suppress(ValueError):
                    self.constants[target.id] = ast.literal_eval(value)

    def value(self, node: ast.expr) -> object:
        """Return what an argument stands for: a literal, a constant, or None."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if isinstance(node, ast.List | ast.Tuple):
            return [self.value(item) for item in node.elts]
        if isinstance(node, ast.IfExp):  # either branch may be raised
            return [self.value(node.body), self.value(node.orelse)]
        return None

    def used(self, key: str) -> bool:
        """Return whether the code names `key`, or builds it from a prefix."""
        return (
            key in self.literals
            or key in FROM_HOME_ASSISTANT
            or any(
                key.startswith(p) and key[len(p) :] in self.literals
                for p in self.prefixes
                if p
            )
        )

    def named_keys(self) -> Iterator[tuple[str, str, str]]:
        """Yield (file, translation path or pattern, what names it) per call site."""
        for path, what in self.actions:
            yield "services.yaml", path, what
        for file, tree in self.trees.items():
            for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in cls.bases}
                for base, section in FLOW_SECTIONS.items():
                    if base in bases:
                        yield from self._flow_keys(file, cls, section)
            yield from self._translation_keys(file, tree)

    def _flow_keys(
        self, file: str, cls: ast.ClassDef, section: str
    ) -> Iterator[tuple[str, str, str]]:
        """Yield the steps, menu options, aborts and form errors a flow names."""
        for step in _shown_steps(cls):
            yield file, f"{section}.step.{step}", "step"
        for node in ast.walk(cls):
            if isinstance(node, ast.Call):
                args = {k.arg: self.value(k.value) for k in node.keywords}
                steps = args.get("step_id")
                for step in steps if isinstance(steps, list) else [steps]:
                    if isinstance(step, str):
                        yield file, f"{section}.step.{step}", "step_id"
                    options = args.get("menu_options") or []
                    for option in options if isinstance(options, list) else []:
                        path = f"{section}.step.{step}.menu_options.{option}"
                        yield file, path, "menu option"
                if isinstance(reason := args.get("reason"), str):
                    yield file, f"{section}.abort.{reason}", "abort reason"
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Subscript)
                and getattr(node.targets[0].value, "id", "") == "errors"
                and isinstance(error := self.value(node.value), str)
            ):
                yield file, f"{section}.error.{error}", "form error"

    def _translation_keys(
        self, file: str, tree: ast.Module
    ) -> Iterator[tuple[str, str, str]]:
        """Yield the issues, entities and errors a `translation_key=` names."""
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = getattr(call.func, "id", getattr(call.func, "attr", ""))
            for keyword in call.keywords:
                if keyword.arg != "translation_key":
                    continue
                value = self.value(keyword.value)
                if isinstance(keyword.value, ast.JoinedStr):
                    value = f"{getattr(keyword.value.values[0], 'value', '')}*"
                # A variable names nothing here: the rendering tests cover it.
                keys = value if isinstance(value, list) else [value]
                for key in (key for key in keys if isinstance(key, str)):
                    path = _translation_path(name, file, key)
                    yield file, path, KINDS[path.split(".", 1)[0]]


def _shown_steps(cls: ast.ClassDef) -> Iterator[str]:
    """Yield the steps of a flow by its methods, also those picked at run time.

    HA answers a step with the method `async_step_<step id>`: each one that
    shows a form or a menu, and each alias of one, is a step a person sees.
    """
    for item in cls.body:
        if isinstance(item, ast.Assign):
            names = [getattr(target, "id", "") for target in item.targets]
        elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            getattr(node.func, "attr", "") in SHOWS_A_STEP
            for node in ast.walk(item)
            if isinstance(node, ast.Call)
        ):
            names = [item.name]
        else:
            continue
        yield from (
            name.removeprefix("async_step_")
            for name in names
            if name.startswith("async_step_")
        )


KINDS: Final = {
    "issues": "issue",
    "entity": "entity",
    "device": "device",
    "exceptions": "exception",
}


def _translation_path(call: str, file: str, key: str) -> str:
    """Return where the text named by a `translation_key=` argument lives."""
    if call == "async_create_issue":
        return f"issues.{key}.title"
    if call.endswith("EntityDescription"):
        return f"entity.{Path(file).stem}.{key}.name"
    if call == "DeviceInfo":
        return f"device.{key}.name"
    return f"exceptions.{key}.message"


def _exists(leaves: Mapping[str, object], pattern: str) -> bool:
    regex = re.compile("^" + re.escape(pattern).replace(r"\*", "[^.]+") + r"(\..+)?$")
    return any(regex.match(path) for path in leaves)


# Sections whose keys the code names only by `translation_key=` (another
# string of the code with the same words is not a use).
NAMED_ONLY: Final = {"exceptions": "message", "issues": "title"}


def _named(where: str, patterns: list[str]) -> bool:
    """Return whether an error or an issue is raised or created by the code."""
    section, _, key = where.partition(".")
    if section not in NAMED_ONLY or "." in key:
        return True
    path = {f"{where}.{NAMED_ONLY[section]}": None}
    return any(_exists(path, pattern) for pattern in patterns)


def exception_keys(integration: Path = INTEGRATION) -> tuple[set[str], set[str]]:
    """Return the exception keys the code raises, and prefixes of keys it builds."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    for _file, pattern, what in _Code(integration).named_keys():
        if what == "exception":
            key = pattern.removeprefix("exceptions.").removesuffix(".message")
            if key.endswith("*"):
                prefixes.add(key[:-1])
            else:
                keys.add(key)
    return keys, prefixes


def check(integration: Path = INTEGRATION) -> list[str]:
    """Return every finding about the integration's translation files."""
    folder = integration / "translations"
    files = {path.stem: path for path in sorted(folder.glob("*.json"))}
    findings: list[str] = []
    if "en" not in files:
        return [f"{folder}: en.json is missing"]
    leaves: dict[str, dict[str, set[str]]] = {}
    code = _Code(integration)
    named = [pattern for _file, pattern, _what in code.named_keys()]
    for language, path in files.items():
        name = f"translations/{path.name}"
        try:
            strings = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            findings.append(f"{name}: invalid JSON: {err}")
            continue
        checker = _Checker(name)
        checker.check(strings)
        findings += checker.findings
        leaves[language] = _leaves(strings)
        if language == "en":
            findings += [
                f"{name}: {where}: nothing in the code uses {key!r}"
                for where, key in checker.ids
                if not code.used(key) or not _named(where, named)
            ]
    english = leaves.get("en", {})
    for language, texts in leaves.items():
        if language == "en":
            continue
        name = f"translations/{language}.json"
        findings += [
            f"{name}: {p}: missing (it is in en.json)"
            for p in sorted(english.keys() - texts.keys())
        ]
        findings += [
            f"{name}: {p}: not in en.json"
            for p in sorted(texts.keys() - english.keys())
        ]
        findings += [
            f"{name}: {p}: placeholders {sorted(texts[p])}"
            f" differ from en.json's {sorted(english[p])}"
            for p in sorted(english.keys() & texts.keys())
            if texts[p] != english[p]
        ]
    for language, texts in leaves.items():
        for file, pattern, what in code.named_keys():
            if not _exists(texts, pattern):
                findings.append(
                    f"translations/{language}.json: {pattern}:"
                    f" missing ({what} in {file})"
                )
    return findings


def main() -> int:
    """Print the findings; fail if there are any."""
    findings = check()
    for finding in findings:
        print(finding)  # noqa: T201 - a command-line check reports on stdout
    if findings:
        print(f"{len(findings)} findings in the translation files")  # noqa: T201
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
