#!/usr/bin/env bash
# py-ocsf-models (PyPI), the OCSF models the posture tests validate trail-lab's OCSF findings with
# (test/verify/posture/ocsf-models.test.ts), pinned in test/verify/posture/ocsf/requirements.txt, in
# its cached virtualenv (.ci/pinned-venv.sh). Prints the path of its python, so that .ci/run can
# export it as TRAIL_LAB_OCSF. Developers run it once: bash .ci/ocsf.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/.ci/pinned-venv.sh"
pinned_venv ocsf py-ocsf-models "$root/test/verify/posture/ocsf/requirements.txt" python \
  python -c "import py_ocsf_models.events.findings.compliance_finding"
