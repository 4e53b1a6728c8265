#!/usr/bin/env bash
# The AWS CLI v1 (PyPI awscli), whose `aws cloudtrail validate-logs` the differential suite
# (test/awscli) holds `--integrity` to: a virtualenv in the cache folder outside the repo,
# ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/awscli/<version>, created and installed from
# test/awscli/requirements.txt when missing or when the pins changed. Prints the path of its `aws`
# on stdout, and nothing else (progress goes to stderr), so that .ci/run can export it as
# TRAIL_LAB_AWSCLI. Developers run it once: bash .ci/awscli.sh
# PIP_FIND_LINKS (pip's own variable) points pip at pre-fetched wheels, e.g. PIP_FIND_LINKS=/tmp/wheels.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/test/awscli/requirements.txt"

version="$(sed -n 's/^awscli==\([0-9][0-9A-Za-z.]*\)$/\1/p' "$requirements")"
if [ -z "$version" ]; then
  echo "awscli.sh: $requirements pins no awscli==<version>" >&2
  exit 1
fi
venv="${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/awscli/$version"

# The copy of the requirements inside the venv is written last: without it (an install that died
# half way) or with other pins, the venv is built again.
if [ ! -x "$venv/bin/aws" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "awscli.sh: python3 is needed to install the AWS CLI (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  echo "awscli.sh: installing awscli==$version into $venv" >&2
  rm -rf -- "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! python3 -m venv "$venv" >&2; then
    echo "awscli.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 900 "$venv/bin/pip" install --quiet --no-input -r "$requirements" >&2
  "$venv/bin/aws" --version >&2
  cp "$requirements" "$venv/requirements.txt"
fi
echo "$venv/bin/aws"
