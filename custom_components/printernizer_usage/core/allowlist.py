"""The privacy allowlist: which events and which metadata may be counted.

Pure Python, no Home Assistant imports. Every way of recording an event passes
through `sanitize_event`; nothing downstream ever sees raw metadata. The rules
are default-deny: a key that is not listed is dropped, a value that fails its
rule is dropped, and any string that looks like personal data is dropped even
under an allowed key.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import math
import re
from typing import Final

EVENT_TYPES: Final = frozenset(
    {
        "app_start",
        "app_shutdown",
        "job_created",
        "job_completed",
        "job_failed",
        "file_downloaded",
        "file_uploaded",
        "printer_connected",
        "printer_disconnected",
        "error_occurred",
        "feature_enabled",
        "feature_disabled",
    }
)

PRINTER_TYPES: Final = frozenset(
    {
        "bambu_lab",
        "prusa",
        "octoprint",
        "klipper",
        "elegoo",
        "creality",
        "anycubic",
        "dremel",
        "other",
    }
)
# Printernizer's own names for the same printer families.
PRINTER_TYPE_ALIASES: Final = {"prusa_core": "prusa"}

FEATURES: Final = frozenset(
    {"library", "timelapse", "auto_job_creation", "german_compliance", "watch_folders"}
)

# Label names as they are stored; bucketed numbers get a name that says so.
LABEL_PRINTER_TYPE: Final = "printer_type"
LABEL_DURATION: Final = "duration_bucket"
LABEL_FILE_SIZE: Final = "file_size_bucket"
LABEL_ERROR_TYPE: Final = "error_type"
LABEL_COMPONENT: Final = "component"
LABEL_FEATURE: Final = "feature"
LABEL_AUTO_CREATED: Final = "is_auto_created"

DURATION_BUCKETS: Final = ("<15m", "15-60m", "1-3h", "3-8h", "8-24h", ">24h")
_DURATION_LIMITS: Final = (15, 60, 180, 480, 1440)
FILE_SIZE_BUCKETS: Final = ("<1", "1-10", "10-50", "50-200", ">200")
_FILE_SIZE_LIMITS: Final = (1, 10, 50, 200)

# The label that collects values beyond the per-day cap.
OTHER_LABEL: Final = "__other__"

ERROR_TYPE_MAX_LENGTH: Final = 48
COMPONENT_MAX_LENGTH: Final = 32
# Longer raw strings are never a class name or a component; they are refused
# before any pattern runs, which also bounds the work per value.
_RAW_MAX_LENGTH: Final = 96

# A slug source is one name as code writes it (an exception class such as
# `ClientConnectorError`, a code such as `update_failed`): ASCII letters,
# digits and underscores, not starting with a digit, of at most MAX_NAME_WORDS
# words. Sentences (spaces), hyphenated text and punctuation are refused, and
# with them e-mail addresses, URLs, paths, file names, IPv6 and MAC addresses;
# the patterns below stay as a second, independent guard.
_SLUG_SOURCE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Real class names have up to six words (`NonHttpUrlRedirectClientError`);
# a sentence run together has more.
MAX_NAME_WORDS: Final = 6
# One scan per value (this runs on every event). Patterns that need a colon
# only run on values that have one: they are the slow ones.
_PII_PATTERN: Final = re.compile(
    r"""
      @                                   # e-mail address or user@host
    | \d{1,3}(?:[._\ -]\d{1,3}){3}        # IPv4, also with other separators
    | [0-9a-f]{2}(?:[:_\ -][0-9a-f]{2}){5} # MAC address
    | [/\\]                               # POSIX or Windows path
    | \w\.[a-z0-9]{1,8}\b                 # file or host name
    | \d{6,}                              # serial, phone number, timestamp
    | [0-9a-f]{12,}                       # hex serial, hash, token
    """,
    re.IGNORECASE | re.VERBOSE,
)
_COLON_PII_PATTERN: Final = re.compile(
    r"""
      [a-z][a-z0-9+.-]*://                # URL
    | [0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,}  # IPv6
    | ^[a-z]:                             # drive letter
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A MAC or serial written in short hex groups ("4C BA 3D 9E AF 1F",
# "0A1B 2CDD EEFF"): checked on the groups joined together.
_HEX_GROUPS: Final = re.compile(
    r"(?<![0-9a-z])[0-9a-f]{2,4}(?:[\s:._-]+[0-9a-f]{2,4}){2,}(?![0-9a-z])",
    re.IGNORECASE,
)
_NOT_HEX: Final = re.compile(r"[^0-9a-f]", re.IGNORECASE)
_HEX_IDENTIFIER_LENGTH: Final = 12
_MAX_DIGITS: Final = 5  # more digits in total than this is an identifier
_CAMEL_BOUNDARY: Final = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS: Final = re.compile(r"_+")


class UnknownEventTypeError(ValueError):
    """The event type is not one of the closed set."""


class InvalidMetadataError(TypeError):
    """Metadata was given but is not a mapping."""


@dataclass(frozen=True, slots=True)
class SanitizedEvent:
    """An event that passed the allowlist: only safe labels remain."""

    event_type: str
    labels: tuple[tuple[str, str], ...]
    dropped_keys: int


def looks_like_pii(value: str) -> bool:
    """Return True if a string could identify a person, a machine or a file."""
    # Anything outside ASCII (look-alike letters, full-width "@") is refused
    # outright, so there is nothing left to normalize.
    if not value.isascii():
        return True
    if sum(map(str.isdigit, value)) > _MAX_DIGITS:
        return True
    for groups in _HEX_GROUPS.findall(value):
        if len(_NOT_HEX.sub("", groups)) >= _HEX_IDENTIFIER_LENGTH:
            return True
    if ":" in value and _COLON_PII_PATTERN.search(value):
        return True
    return _PII_PATTERN.search(value) is not None


def to_slug(value: object, max_length: int) -> str | None:
    """Turn a class or component name into a safe slug, or None if it is not one.

    `ConnectionTimeout` becomes `connection_timeout`. Anything that is not one
    name as code writes it, or that looks like personal data, gives None.
    """
    if not isinstance(value, str) or len(value) > _RAW_MAX_LENGTH:
        return None
    if not _SLUG_SOURCE.fullmatch(value) or looks_like_pii(value):
        return None
    slug = _SEPARATORS.sub("_", _CAMEL_BOUNDARY.sub("_", value)).strip("_").lower()
    if (
        not slug
        or len(slug) > max_length
        or slug.count("_") >= MAX_NAME_WORDS
        or looks_like_pii(slug)
    ):
        return None
    return slug


def duration_bucket(minutes: float) -> str:
    """Return the coarse duration range a job length falls in."""
    return DURATION_BUCKETS[bisect_right(_DURATION_LIMITS, minutes)]


def file_size_bucket(megabytes: float) -> str:
    """Return the coarse size range a file falls in."""
    return FILE_SIZE_BUCKETS[bisect_right(_FILE_SIZE_LIMITS, megabytes)]


def _as_number(value: object) -> float | None:
    """Accept ints, floats and numeric strings (templates render numbers as text).

    Booleans, negative numbers, NaN and infinity are refused.
    """
    # Exact type checks: bool is an int subclass and must not count as a number.
    if type(value) is float:
        number = value
    elif type(value) is int:
        try:
            number = float(value)
        except OverflowError:
            return None
    elif isinstance(value, str) and len(value) <= 32:
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if 0 <= number < math.inf else None


def _printer_type(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    name = value.strip().lower()
    name = PRINTER_TYPE_ALIASES.get(name, name)
    return name if name in PRINTER_TYPES else None


def _feature(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    name = value.strip().lower()
    return name if name in FEATURES else None


def _duration(value: object) -> str | None:
    minutes = _as_number(value)
    return None if minutes is None else duration_bucket(minutes)


def _file_size(value: object) -> str | None:
    megabytes = _as_number(value)
    return None if megabytes is None else file_size_bucket(megabytes)


def _error_type(value: object) -> str | None:
    return to_slug(value, ERROR_TYPE_MAX_LENGTH)


def _component(value: object) -> str | None:
    return to_slug(value, COMPONENT_MAX_LENGTH)


def _auto_created(value: object) -> str | None:
    if not isinstance(value, bool):
        return None
    return "true" if value else "false"


_STORED_LABEL_RULES: Final[dict[str, Callable[[str], bool]]] = {
    LABEL_PRINTER_TYPE: PRINTER_TYPES.__contains__,
    LABEL_DURATION: DURATION_BUCKETS.__contains__,
    LABEL_FILE_SIZE: FILE_SIZE_BUCKETS.__contains__,
    LABEL_ERROR_TYPE: lambda value: to_slug(value, ERROR_TYPE_MAX_LENGTH) == value,
    LABEL_COMPONENT: lambda value: to_slug(value, COMPONENT_MAX_LENGTH) == value,
    LABEL_FEATURE: FEATURES.__contains__,
    LABEL_AUTO_CREATED: ("true", "false").__contains__,
}


def is_stored_label(name: str, value: object) -> bool:
    """Return whether a label read back from storage could have been stored by us.

    A second line of defence for files edited by hand or written by a broken
    release: anything else is not loaded.
    """
    if not isinstance(value, str):
        return False
    if value == OTHER_LABEL:
        return True
    rule = _STORED_LABEL_RULES.get(name)
    return rule is not None and rule(value)


# metadata key -> (stored label name, value rule). Order is the stored order.
METADATA_RULES: Final = {
    "printer_type": (LABEL_PRINTER_TYPE, _printer_type),
    "duration_minutes": (LABEL_DURATION, _duration),
    "file_size_mb": (LABEL_FILE_SIZE, _file_size),
    "error_type": (LABEL_ERROR_TYPE, _error_type),
    "component": (LABEL_COMPONENT, _component),
    "feature": (LABEL_FEATURE, _feature),
    "is_auto_created": (LABEL_AUTO_CREATED, _auto_created),
}


def sanitize_event(event_type: object, metadata: object = None) -> SanitizedEvent:
    """Check an event against the allowlist and keep only its safe labels.

    Raises UnknownEventTypeError for an event type outside the closed set and
    InvalidMetadataError when metadata is neither None nor a mapping. A key or
    value that fails its rule is dropped silently; the event is still valid.
    """
    if not isinstance(event_type, str) or event_type not in EVENT_TYPES:
        raise UnknownEventTypeError
    if metadata is None:
        return SanitizedEvent(event_type, (), 0)
    if type(metadata) is not dict and not isinstance(metadata, Mapping):
        raise InvalidMetadataError
    labels: list[tuple[str, str]] = []
    for key, value in metadata.items():
        # Keys of any other type simply find no rule.
        if (rule := METADATA_RULES.get(key)) is not None:
            name, check = rule
            if (label := check(value)) is not None:
                labels.append((name, label))
    return SanitizedEvent(event_type, tuple(labels), len(metadata) - len(labels))
