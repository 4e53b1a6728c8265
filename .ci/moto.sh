#!/usr/bin/env bash
# moto (PyPI moto[server]), the independent AWS emulator test/moto runs against: a virtualenv in
# the cache folder outside the repo, ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/moto/<version>,
# created and installed from test/moto/requirements.txt when missing or when the pins changed.
# Prints the path of its moto_server on stdout, and nothing else (progress goes to stderr), so
# that .ci/run can export it as TRAIL_LAB_MOTO. Developers run it once: bash .ci/moto.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/test/moto/requirements.txt"

version="$(sed -n 's/^moto\[server\]==\([0-9][0-9A-Za-z.]*\)$/\1/p' "$requirements")"
if [ -z "$version" ]; then
  echo "moto.sh: $requirements pins no moto[server]==<version>" >&2
  exit 1
fi
venv="${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/moto/$version"

# The copy of the requirements inside the venv is written last: without it (an install that died
# half way) or with other pins, the venv is built again.
if [ ! -x "$venv/bin/moto_server" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "moto.sh: python3 is needed to install moto (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  echo "moto.sh: installing moto[server]==$version into $venv" >&2
  rm -rf -- "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! python3 -m venv "$venv" >&2; then
    echo "moto.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 900 "$venv/bin/pip" install --quiet --no-input -r "$requirements" >&2
  "$venv/bin/python" -c "import moto.server" >&2
  cp "$requirements" "$venv/requirements.txt"
fi
echo "$venv/bin/moto_server"
