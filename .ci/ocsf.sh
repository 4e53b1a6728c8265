#!/usr/bin/env bash
# py-ocsf-models (PyPI), the OCSF models the posture tests validate trail-lab's OCSF findings with
# (test/verify/posture/ocsf-models.test.ts): a virtualenv in the cache folder outside the repo,
# ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/ocsf/<version>, created and installed from
# test/verify/posture/ocsf/requirements.txt when missing or when the pins changed (.ci/pip-venv.sh).
# Prints the path of its python on stdout, and nothing else (progress goes to stderr), so that
# .ci/run can export it as TRAIL_LAB_OCSF. Developers run it once: bash .ci/ocsf.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/.ci/pip-venv.sh"
pip_venv ocsf "$root/test/verify/posture/ocsf/requirements.txt" py-ocsf-models py_ocsf_models.events.findings.compliance_finding python
