"""One version: manifest.json's, which Home Assistant and HACS read.

pyproject.toml and CHANGELOG.md's newest release must say the same, and
hacs.json's minimum Home Assistant must be the oldest release the tests run.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import tomllib

from awesomeversion import AwesomeVersion

ROOT = Path(__file__).parent.parent
MANIFEST = ROOT / "custom_components" / "printernizer_usage" / "manifest.json"
# `## [0.4.0] - 2026-12-02`; `## [Unreleased]` may sit above it.
RELEASE = re.compile(r"^## \[(?P<version>\d[^\]]*)\] - \d{4}-\d{2}-\d{2}$", re.M)
# requirements/test-min.txt names the release lane min runs.
OLDEST_TESTED = re.compile(
    r"the oldest Home Assistant we support \(HA (?P<ha>[\d.]+)\)"
)


def _manifest_version() -> str:
    version = json.loads(MANIFEST.read_text(encoding="utf-8"))["version"]
    assert isinstance(version, str)
    return version


def test_pyproject_has_the_manifest_version() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["version"] == _manifest_version()


def test_changelog_newest_release_is_the_manifest_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = RELEASE.search(changelog)
    assert newest is not None, "CHANGELOG.md has no released version"
    assert newest["version"] == _manifest_version()
    # Newest first, each release once.
    releases = [AwesomeVersion(m["version"]) for m in RELEASE.finditer(changelog)]
    assert releases == sorted(set(releases), reverse=True)


def test_hacs_minimum_is_the_oldest_tested_release() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    requirements = (ROOT / "requirements" / "test-min.txt").read_text(encoding="utf-8")
    oldest = OLDEST_TESTED.search(requirements)
    assert oldest is not None
    assert hacs["homeassistant"] == oldest["ha"]
