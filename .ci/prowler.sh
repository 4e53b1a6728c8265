#!/usr/bin/env bash
# Prowler (PyPI), the scanner posture's verdicts are compared with (test/prowler/), pinned in
# test/prowler/requirements.txt, in its cached virtualenv (.ci/pinned-venv.sh). Prints the path of
# its prowler, so that .ci/run can export it as TRAIL_LAB_PROWLER. Developers run it once:
# bash .ci/prowler.sh (about 2 GB: Prowler brings the SDKs of every cloud it scans).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/.ci/pinned-venv.sh"
pinned_venv prowler prowler "$root/test/prowler/requirements.txt" prowler prowler --version
