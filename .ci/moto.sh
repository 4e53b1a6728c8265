#!/usr/bin/env bash
# moto (PyPI moto[server]), the independent AWS emulator test/moto runs against, pinned in
# test/moto/requirements.txt, in its cached virtualenv (.ci/pinned-venv.sh). Prints the path of its
# moto_server, so that .ci/run can export it as TRAIL_LAB_MOTO. Developers run it once: bash .ci/moto.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/.ci/pinned-venv.sh"
pinned_venv moto "moto[server]" "$root/test/moto/requirements.txt" moto_server python -c "import moto.server"
