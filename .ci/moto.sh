#!/usr/bin/env bash
# moto (PyPI moto[server]), the independent AWS emulator test/moto runs against: a virtualenv in
# the cache folder outside the repo, ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/moto/<version>,
# created and installed from test/moto/requirements.txt when missing or when the pins changed
# (.ci/pip-venv.sh). Prints the path of its moto_server on stdout, and nothing else (progress goes
# to stderr), so that .ci/run can export it as TRAIL_LAB_MOTO. Developers run it once: bash .ci/moto.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/.ci/pip-venv.sh"
pip_venv moto "$root/test/moto/requirements.txt" 'moto\[server\]' moto.server moto_server
