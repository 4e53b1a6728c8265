#!/usr/bin/env bash
# The AWS CLI v1 (PyPI awscli), whose `aws cloudtrail validate-logs` the differential suite
# (test/awscli) holds `--integrity` to, pinned in test/awscli/requirements.txt, in its cached
# virtualenv (.ci/pinned-venv.sh). Prints the path of its `aws`, so that .ci/run can export it as
# TRAIL_LAB_AWSCLI. Developers run it once: bash .ci/awscli.sh
# (PIP_FIND_LINKS=/tmp/wheels points pip at pre-fetched wheels.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/.ci/pinned-venv.sh"
pinned_venv awscli awscli "$root/test/awscli/requirements.txt" aws aws --version
