#!/usr/bin/env bash
# py-ocsf-models (PyPI), the OCSF models the posture tests validate trail-lab's OCSF findings with
# (test/verify/posture/ocsf-models.test.ts): a virtualenv in the cache folder outside the repo,
# ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/ocsf/<version>, created and installed from
# test/verify/posture/ocsf/requirements.txt when missing or when the pins changed. Prints the path
# of its python on stdout, and nothing else (progress goes to stderr), so that .ci/run can export it
# as TRAIL_LAB_OCSF. Developers run it once: bash .ci/ocsf.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/test/verify/posture/ocsf/requirements.txt"

version="$(sed -n 's/^py-ocsf-models==\([0-9][0-9A-Za-z.]*\)$/\1/p' "$requirements")"
if [ -z "$version" ]; then
  echo "ocsf.sh: $requirements pins no py-ocsf-models==<version>" >&2
  exit 1
fi
venv="${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/ocsf/$version"

# The copy of the requirements inside the venv is written last: without it (an install that died
# half way) or with other pins, the venv is built again.
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
  if ! command -v python3 >/dev/null 2>&1; then
    echo "ocsf.sh: python3 is needed to install py-ocsf-models (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  echo "ocsf.sh: installing py-ocsf-models==$version into $venv" >&2
  rm -rf -- "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! python3 -m venv "$venv" >&2; then
    echo "ocsf.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 600 "$venv/bin/pip" install --quiet --no-input -r "$requirements" >&2
  "$venv/bin/python" -c "import py_ocsf_models.events.findings.compliance_finding" >&2
  cp "$requirements" "$venv/requirements.txt"
fi
echo "$venv/bin/python"
