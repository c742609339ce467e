# Shared by the scripts in this folder (sourced, not run): find Python 3.13 and
# keep one virtual environment per test lane under .venvs/.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

find_python313() {
  local candidate root
  for candidate in "${PYTHON313:-}" python3.13; do
    if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    root="$(pyenv root)"
    for candidate in "$root"/versions/3.13*/bin/python3.13; do
      if [ -x "$candidate" ]; then
        echo "$candidate"
        return 0
      fi
    done
  fi
  echo "error: Python 3.13 not found. Install it (for example 'pyenv install 3.13')" \
    "or point PYTHON313 at a python3.13 binary." >&2
  return 1
}

# ensure_venv LANE: create or refresh .venvs/LANE from requirements/test-LANE.txt.
ensure_venv() {
  local lane="$1" venv="$ROOT/.venvs/$1" requirements="$ROOT/requirements/test-$1.txt"
  local stamp="$venv/.requirements" python extra=()
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$stamp"; then
    return 0
  fi
  python="$(find_python313)"
  echo "Setting up $venv (about 2 minutes, log in $venv.log)..."
  rm -rf "$venv"
  "$python" -m venv "$venv"
  [ "$lane" = "new" ] && extra=(--ignore-requires-python)
  if ! { "$venv/bin/python" -m pip install --upgrade pip \
      && "$venv/bin/python" -m pip install "${extra[@]}" -r "$requirements"; } >"$venv.log" 2>&1; then
    tail -n 30 "$venv.log" >&2
    echo "error: installing $requirements failed; see $venv.log" >&2
    return 1
  fi
  cp "$requirements" "$stamp"
}

# install_server_extras: what a running Home Assistant needs and the test lane
# lacks (the frontend build, the authenticator-app login module, the
# integrations that onboarding adds, this integration's own requirements),
# installed into .venvs/min with plain pip at the pins Home Assistant declares.
# hass then runs with --skip-pip, so that it never installs anything under its
# own constraints file, which can downgrade packages of the test lane.
install_server_extras() {
  local python="$ROOT/.venvs/min/bin/python" missing
  missing="$("$python" - <<'PY'
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import homeassistant.components
from homeassistant.auth.mfa_modules import totp

builtin = Path(homeassistant.components.__path__[0])
onboarding_adds = ("google_translate", "met", "radio_browser", "shopping_list")
manifests = [
    *(builtin / domain / "manifest.json" for domain in ("frontend", *onboarding_adds)),
    Path("custom_components/printernizer_usage/manifest.json"),
]
wanted = list(totp.REQUIREMENTS)
for manifest in manifests:
    wanted += json.loads(manifest.read_text()).get("requirements", [])
for req in wanted:
    name, _, pin = req.partition("==")
    try:
        if pin and version(name) == pin:
            continue
    except PackageNotFoundError:
        pass
    print(req)
PY
)"
  if [ -n "$missing" ]; then
    echo "Installing into .venvs/min: ${missing//$'\n'/ }"
    # shellcheck disable=SC2086 # one requirement per word
    "$python" -m pip install --quiet $missing 2>&1 \
      | { grep -v "^WARNING: Location '.*' is ignored" || true; }
  fi
}
