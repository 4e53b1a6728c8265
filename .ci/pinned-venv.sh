# Sourced by .ci/moto.sh, .ci/awscli.sh and .ci/ocsf.sh: a Python tool pinned in a requirements file, installed
# into a virtualenv in the cache folder outside the repo,
# ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/<name>/<version>, when missing or when the pins changed.
# Prints the path of the tool's executable on stdout, and nothing else (progress goes to stderr), so
# that .ci/run can export it. PIP_FIND_LINKS (pip's own variable) points pip at pre-fetched wheels.
#
# pinned_venv <name> <pin> <requirements> <executable> <check...>
#   <pin>: the requirement whose version names the venv ("moto[server]", "awscli");
#   <executable>: the file under the venv's bin/ to print; <check...>: run once installed (bin/ first on PATH).
pinned_venv() {
  local name="$1" pin="$2" requirements="$3" executable="$4"
  shift 4
  local pattern version venv
  pattern="$(printf '%s' "$pin" | sed 's/[].[]/\\&/g')"
  version="$(sed -n "s/^${pattern}==\([0-9][0-9A-Za-z.]*\)\$/\1/p" "$requirements")"
  if [ -z "$version" ]; then
    echo "$name.sh: $requirements pins no $pin==<version>" >&2
    return 1
  fi
  venv="${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/$name/$version"

  # The copy of the requirements inside the venv is written last: without it (an install that died
  # half way) or with other pins, the venv is built again.
  if [ ! -x "$venv/bin/$executable" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    if ! command -v python3 >/dev/null 2>&1; then
      echo "$name.sh: python3 is needed to install $pin (Debian: apt-get install python3 python3-venv)" >&2
      return 1
    fi
    echo "$name.sh: installing $pin==$version into $venv" >&2
    rm -rf -- "$venv"
    mkdir -p "$(dirname "$venv")"
    if ! python3 -m venv "$venv" >&2; then
      echo "$name.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
      return 1
    fi
    PIP_DISABLE_PIP_VERSION_CHECK=1 timeout 900 "$venv/bin/pip" install --quiet --no-input -r "$requirements" >&2
    PATH="$venv/bin:$PATH" "$@" >&2
    cp "$requirements" "$venv/requirements.txt"
  fi
  echo "$venv/bin/$executable"
}
