# Sourced by .ci/moto.sh and .ci/ocsf.sh: a Python tool pinned in a requirements file, installed
# into a virtualenv in the cache folder outside the repo,
# ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/<name>/<version>, when missing or when the pins
# changed. Prints the path of the venv's <program> on stdout, and nothing else (progress goes to
# stderr), so that .ci/run can export it.
#   pip_venv <name> <requirements> <package pattern, sed-escaped> <module to import> <program>
# shellcheck shell=bash

pip_venv() {
  local name=$1 requirements=$2 package=$3 module=$4 program=$5
  local version venv
  version="$(sed -n "s/^${package}==\([0-9][0-9A-Za-z.]*\)$/\1/p" "$requirements")"
  if [ -z "$version" ]; then
    echo "$name.sh: $requirements pins no ${package//\\/}==<version>" >&2
    return 1
  fi
  venv="${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/$name/$version"

  # The copy of the requirements inside the venv is written last: without it (an install that died
  # half way) or with other pins, the venv is built again.
  if [ ! -x "$venv/bin/$program" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    if ! command -v python3 >/dev/null 2>&1; then
      echo "$name.sh: python3 is needed to install ${package//\\/} (Debian: apt-get install python3 python3-venv)" >&2
      return 1
    fi
    echo "$name.sh: installing ${package//\\/}==$version into $venv" >&2
    rm -rf -- "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! python3 -m venv "$venv" >&2; then
      echo "$name.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
      return 1
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 900 "$venv/bin/pip" install --quiet --no-input -r "$requirements" >&2
    "$venv/bin/python" -c "import $module" >&2
    cp "$requirements" "$venv/requirements.txt"
  fi
  echo "$venv/bin/$program"
}
