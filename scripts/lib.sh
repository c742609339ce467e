# Shared by the scripts in this folder (sourced, not run): find Python 3.13, keep
# one virtual environment per test lane under .venvs/, and build the Debian root
# with Python 3.14 that lane "newest" and the newest Home Assistant server run in.
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

# Pins of lane newest installed after its harness, overriding the harness's own.
RAISED_PINS='^(homeassistant|aiohasupervisor)=='

# ensure_venv LANE: create or refresh .venvs/LANE from requirements/test-LANE.txt.
# Lane "newest" lives in the Python 3.14 root (see ensure_py314_root): its venv
# is at the same path, .venvs/newest, but runs only through in_py314_root.
ensure_venv() {
  local lane="$1" venv="$ROOT/.venvs/$1" requirements="$ROOT/requirements/test-$1.txt"
  local stamp="$venv/.requirements" python run=() first raised=()
  if [ "$lane" = newest ]; then
    ensure_py314_root || return 1
  fi
  # -L too: lane newest's bin/python links to the root's python3.14, which the
  # host does not have. The stamp is written last, after a complete install.
  if { [ -x "$venv/bin/python" ] || [ -L "$venv/bin/python" ]; } \
    && cmp -s "$requirements" "$stamp"; then
    return 0
  fi
  if [ "$lane" = newest ]; then
    python=python3.14
    run=(in_py314_root)
  else
    python="$(find_python313)" || return 1
  fi
  echo "Setting up $venv (about 2 minutes, log in $venv.log)..."
  rm -rf "$venv"
  mkdir -p "$ROOT/.venvs"
  # Lane newest: HA (and what it needs newer than the harness pins) past its
  # harness's pins, in a second step (see its file).
  first="$venv.first.txt"
  grep -Ev "$RAISED_PINS" "$requirements" >"$first"
  mapfile -t raised < <(grep -E "$RAISED_PINS" "$requirements" || true)
  if ! { "${run[@]}" "$python" -m venv "$venv" \
      && "${run[@]}" "$venv/bin/python" -m pip install --upgrade pip \
      && "${run[@]}" "$venv/bin/python" -m pip install -r "$first" \
      && { [ ${#raised[@]} -eq 0 ] \
        || "${run[@]}" "$venv/bin/python" -m pip install "${raised[@]}"; }; } \
    >"$venv.log" 2>&1; then
    rm -f "$first"
    tail -n 30 "$venv.log" >&2
    echo "error: installing $requirements failed; see $venv.log" >&2
    return 1
  fi
  rm -f "$first"
  cp "$requirements" "$stamp"
}

# install_server_extras [LANE]: what a running Home Assistant needs and a test
# lane lacks (the frontend build, the authenticator-app login module, the
# integrations that onboarding adds, this integration's own requirements),
# installed with plain pip at the pins Home Assistant declares: into .venvs/min
# (LANE min, the default) or .venvs/newest-server (LANE newest, in the Python
# 3.14 root). hass then runs with --skip-pip, so that it never installs anything
# under its own constraints file (which can downgrade packages of a test lane)
# and needs no network once set up.
install_server_extras() {
  local lane="${1:-min}" python run=() venv missing
  if [ "$lane" = newest ]; then
    venv=.venvs/newest-server
    python="$ROOT/$venv/bin/python"
    run=(in_py314_root)
  else
    venv=.venvs/min
    python="$ROOT/$venv/bin/python"
  fi
  missing="$("${run[@]}" "$python" - "$lane" <<'PY'
import inspect
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
import re
import sys

import homeassistant.components
from homeassistant.auth.mfa_modules import totp

builtin = Path(homeassistant.components.__path__[0])
onboarding_adds = ("google_translate", "met", "radio_browser", "shopping_list")
domains = ["frontend", *onboarding_adds]
if sys.argv[1] == "newest":
    # The newest Home Assistant's own venv has nothing but Home Assistant: add
    # what it sets up by itself, what tests/e2e/server.py and scripts/develop
    # configure, and the entity components its service helper imports at
    # start, with their dependencies and after_dependencies (HA installs the
    # requirements of both).
    from homeassistant import bootstrap
    from homeassistant.helpers import service

    for name in ("CORE", "LOGGING_AND_HTTP_DEPS", "FRONTEND", "DEFAULT"):
        domains += getattr(bootstrap, f"{name}_INTEGRATIONS", ())
    domains += "config repairs diagnostics search system_health history logbook energy sun".split()
    if hasattr(service, "_base_components"):
        source = inspect.getsource(service._base_components)
        domains += re.findall(r"^\s+(\w+),$", source, re.MULTILINE)
seen = set()
wanted = list(totp.REQUIREMENTS)
while domains:
    domain = domains.pop()
    manifest = builtin / domain / "manifest.json"
    if domain in seen or not manifest.is_file():
        continue
    seen.add(domain)
    data = json.loads(manifest.read_text())
    wanted += data.get("requirements", [])
    if sys.argv[1] == "newest":
        domains += data.get("dependencies", []) + data.get("after_dependencies", [])
wanted += json.loads(
    Path("custom_components/printernizer_usage/manifest.json").read_text()
).get("requirements", [])
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
    echo "Installing into $venv: ${missing//$'\n'/ }"
    # shellcheck disable=SC2086 # one requirement per word
    "${run[@]}" "$python" -m pip install --quiet $missing 2>&1 \
      | { grep -v "^WARNING: Location '.*' is ignored" || true; }
  fi
}

# ensure_newest_server: .venvs/newest-server, a real Home Assistant at lane
# newest's `homeassistant==` pin (requirements/test-newest.txt) in the Python
# 3.14 root, plus install_server_extras. Apart from lane newest's venv, whose
# harness pins packages for the release it was made for and brings test-only
# ones: a server runs on exactly what its Home Assistant asks for.
ensure_newest_server() {
  local venv="$ROOT/.venvs/newest-server" ha
  ha="$(grep '^homeassistant==' "$ROOT/requirements/test-newest.txt")"
  ensure_py314_root || return 1
  if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$ha" ]; then
    echo "Setting up $venv ($ha, about 3 minutes, log in $venv.log)..."
    rm -rf "$venv"
    if ! { in_py314_root python3.14 -m venv "$venv" \
        && in_py314_root "$venv/bin/python" -m pip install --upgrade pip \
        && in_py314_root "$venv/bin/python" -m pip install "$ha"; } >"$venv.log" 2>&1; then
      tail -n 30 "$venv.log" >&2
      echo "error: installing $ha into $venv failed; see $venv.log" >&2
      return 1
    fi
    echo "$ha" >"$venv/.requirements"
  fi
  install_server_extras newest
}

# --- Python 3.14: a minimal Debian root -------------------------------------
#
# Home Assistant >= 2026.3 needs Python >= 3.14.2, which no machine here has.
# Debian's archive (the registry these machines reach) serves `forky`, whose
# python3.14 is new enough: ensure_py314_root builds a minimal forky root with
# mmdebstrap under .venvs/ (git-ignored) once, and in_py314_root runs a command
# in it. Nothing from forky is ever installed into the host system itself.

PY314_ROOT="$ROOT/.venvs/py314-root"
PY314_SUITE="forky"
# g++ and python3.14-dev: two of Home Assistant's voice packages have no
# Python 3.14 wheels and are compiled on install.
PY314_PACKAGES="python3.14,python3.14-venv,python3.14-dev,g++,ca-certificates"
# Changing this line (or the two above) rebuilds the root on the next run.
PY314_STAMP="suite=$PY314_SUITE packages=$PY314_PACKAGES v1"

# The Debian mirror the host's apt uses (deb822 or one-line sources).
debian_mirror() {
  local uri
  uri="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' \
    | grep -E '/debian/?$' | head -n 1 || true)"
  if [ -z "$uri" ]; then
    uri="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /=/ ) { print $i; break } }' \
      | grep -E '/debian/?$' | head -n 1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# ensure_py314_root: build .venvs/py314-root once (about 1-2 minutes); a second
# call only reads the stamp file.
ensure_py314_root() {
  local root="$PY314_ROOT" stamp="$PY314_ROOT/.printernizer-root" mirror tool cert
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PY314_STAMP" ]; then
    return 0
  fi
  if [ "$(uname -s)" != Linux ] || [ ! -f /etc/debian_version ]; then
    echo "error: the newest Home Assistant needs Python >= 3.14.2; the scripts build it" \
      "as a Debian $PY314_SUITE root with mmdebstrap, which needs a Debian (or Ubuntu) host." \
      "Elsewhere run the min lane only: scripts/test --min." >&2
    return 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: building and entering the Python 3.14 root ($root) needs root" \
      "(mmdebstrap, unshare --mount, chroot). Run as root, or run the min lane only:" \
      "scripts/test --min." >&2
    return 1
  fi
  # mmdebstrap is a Debian package of the host's own release (bookworm has it).
  if ! command -v mmdebstrap >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's mmdebstrap package..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  fi
  for tool in mmdebstrap unshare chroot; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "error: '$tool' not found: apt-get install mmdebstrap util-linux coreutils" >&2
      return 1
    fi
  done
  mirror="$(debian_mirror)"
  echo "Building the Python 3.14 root (Debian $PY314_SUITE from $mirror) in $root" \
    "(1-2 minutes, log in $root.log)..."
  # Never delete across a mount (in_py314_root's mounts live in their own
  # namespace, but a killed build of mmdebstrap may leave some behind).
  if [ -d "$root" ] && grep -q " $root/" /proc/self/mounts; then
    echo "error: something is mounted under $root; unmount it first" >&2
    return 1
  fi
  # The venvs made with the old root's python3.14 go with it.
  rm -rf --one-file-system "$root" "$root.tmp" "$ROOT/.venvs/newest" "$ROOT/.venvs/newest-server"
  mkdir -p "$(dirname "$root")"
  # The archive here is a frozen snapshot: its Release files are past their
  # Valid-Until date.
  if ! mmdebstrap --mode=root --variant=minbase --include="$PY314_PACKAGES" \
      --aptopt='Acquire::Check-Valid-Until "false"' \
      --aptopt='Acquire::Check-Date "false"' \
      --aptopt='Acquire::Languages "none"' \
      "$PY314_SUITE" "$root.tmp" "$mirror" >"$root.log" 2>&1; then
    tail -n 30 "$root.log" >&2
    echo "error: mmdebstrap failed; see $root.log" >&2
    return 1
  fi
  # The registries are reached through a TLS-inspecting proxy: trust the same
  # extra certificate authorities as the host.
  for cert in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$cert" ] && cp "$cert" "$root.tmp/usr/local/share/ca-certificates/"
  done
  chroot "$root.tmp" update-ca-certificates >>"$root.log" 2>&1
  # A plain file for in_py314_root to mount the host's resolver configuration on.
  rm -f "$root.tmp/etc/resolv.conf"
  : >"$root.tmp/etc/resolv.conf"
  mv "$root.tmp" "$root"
  echo "$PY314_STAMP" >"$stamp"
}

# py314_root_command CMD [ARGS...]: set PY314_CMD to the command line that runs
# CMD in the Python 3.14 root, in the current directory, as the same process
# (exec all the way, so signals reach CMD; `exec "${PY314_CMD[@]}"` keeps that
# for the caller too). The repository, /tmp, /proc, /dev and /sys are mounted
# at the same paths, in a mount namespace of its own that ends with the
# command; the network is the host's (127.0.0.1 is the same). The environment
# is cleared but for the certificates (the registries are reached through a
# TLS-inspecting proxy) and a few variables that the scripts and tests read.
py314_root_command() {
  local -a keep=()
  local name
  for name in CI TERM COLUMNS PRINTERNIZER_E2E PRINTERNIZER_E2E_DOCS PYTEST_ADDOPTS; do
    [ -n "${!name+x}" ] && keep+=("$name=${!name}")
  done
  # shellcheck disable=SC2016 # expanded by the inner shell, from its arguments
  PY314_CMD=(unshare --mount --propagation private -- /bin/sh -euc '
    root="$1" repo="$2" cwd="$3"
    shift 3
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount --rbind /sys "$root/sys"
    mkdir -p "$root$repo"
    mount --bind "$repo" "$root$repo"
    mount --bind /tmp "$root/tmp"
    mount --bind /etc/resolv.conf "$root/etc/resolv.conf"
    exec chroot "$root" /usr/bin/env --chdir="$cwd" "$@"
  ' in_py314_root "$PY314_ROOT" "$ROOT" "$PWD" -i
    HOME=/root LANG=C.UTF-8
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
    UV_SYSTEM_CERTS=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180
    "${keep[@]}" "$@")
}

# in_py314_root CMD [ARGS...]: run CMD in the Python 3.14 root (see above).
in_py314_root() {
  py314_root_command "$@"
  "${PY314_CMD[@]}"
}
