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
