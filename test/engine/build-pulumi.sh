#!/usr/bin/env bash
# Builds the real `pulumi` CLI and `pulumi-language-nodejs` from their Go modules, at the version
# pinned in test/engine/versions.env, into ${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/pulumi/<version>/bin,
# through small wrapper modules generated there (wrapper.go.mod.tmpl). Nothing of Pulumi's source
# enters the repository. A second run finds the binaries and costs seconds.
#
# Usage: test/engine/build-pulumi.sh        builds if needed; the last line of stdout is the bin folder
# Progress goes to stderr; the build's time and the binaries' sizes go to <version>/build.json.
set -euo pipefail

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
: "${PULUMI_VERSION:?versions.env must set PULUMI_VERSION}"
: "${LANGUAGE_HOST_SDK_VERSION:?versions.env must set LANGUAGE_HOST_SDK_VERSION}"

cache=${TRAIL_LAB_CACHE:-$HOME/.cache/trail-lab}/pulumi/$PULUMI_VERSION
bin=$cache/bin
log() { printf 'build-pulumi: %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "Go is not on PATH: the engine tests build Pulumi from its Go modules. Install Go 1.25 or newer and rerun $0."
  exit 2
fi
# The machine's own Go; never download another toolchain.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

mkdir -p "$cache"
# One build at a time per version: a second caller waits, then finds the binaries.
exec 9>"$cache/.lock"
flock 9

built() {
  [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ] &&
    [ "$("$bin/pulumi" version 2>/dev/null)" = "v$PULUMI_VERSION" ]
}
if built; then
  log "cached: $bin ($("$bin/pulumi" version))"
  echo "$bin"
  exit 0
fi

# writes a wrapper module in $1 for module $2@v$3 building package $4, then its non-local replaces
wrapper() {
  local dir=$1 module=$2 version=$3 package=$4 gomod
  mkdir -p "$dir"
  sed -e "s|@NAME@|$(basename "$dir")|" -e "s|@MODULE@|$module|" -e "s|@VERSION@|$version|" -e "s|@PACKAGE@|$package|" \
    "$here/wrapper.go.mod.tmpl" >"$dir/go.mod"
  rm -f "$dir/go.sum"
  gomod=$(cd "$dir" && go mod download -json "$module@v$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.GoMod)})')
  # Local replaces (../sdk) point into Pulumi's repository and cannot be had; the others pin forks.
  go mod edit -json "$gomod" | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      for (const r of JSON.parse(s).Replace ?? []) {
        if (/^(\.|\/)/.test(r.New.Path)) continue;
        const old = r.Old.Version ? `${r.Old.Path}@${r.Old.Version}` : r.Old.Path;
        console.log(`-replace=${old}=${r.New.Path}@${r.New.Version}`);
      }
    });' | while read -r flag; do (cd "$dir" && go mod edit "$flag"); done
  (cd "$dir" && go mod tidy)
}

# The language host's own module when the proxy serves it at the CLI's version; otherwise the
# last sdk/v3 release that still held it as a package (versions.env says why).
host_module=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
if (cd "$cache" && go mod download -json "$host_module@v$PULUMI_VERSION" >/dev/null 2>&1); then
  host_version=$PULUMI_VERSION host_package=$host_module
else
  log "the Go module proxy serves no $host_module@v$PULUMI_VERSION; using the language host inside github.com/pulumi/pulumi/sdk/v3@v$LANGUAGE_HOST_SDK_VERSION"
  host_module=github.com/pulumi/pulumi/sdk/v3 host_version=$LANGUAGE_HOST_SDK_VERSION
  host_package=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
fi

start=$(date +%s)
log "preparing wrapper modules in $cache"
wrapper "$cache/cli" github.com/pulumi/pulumi/pkg/v3 "$PULUMI_VERSION" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
wrapper "$cache/language-host" "$host_module" "$host_version" "$host_package"

mkdir -p "$bin.partial"
build() { # dir, version stamped into the binary
  local dir=$1 version=$2
  (cd "$dir" && go build -trimpath -o "$bin.partial/" \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" tool)
}
log "building pulumi v$PULUMI_VERSION (the first time about 15 minutes on 2 cores, with 2 GB of module downloads)"
build "$cache/cli" "$PULUMI_VERSION"
log "building pulumi-language-nodejs v$host_version"
build "$cache/language-host" "$host_version"
rm -rf "$bin"
mv "$bin.partial" "$bin"
seconds=$(($(date +%s) - start))

size() { stat -c %s "$1"; }
cat >"$cache/build.json" <<JSON
{
  "pulumiVersion": "$PULUMI_VERSION",
  "languageHost": { "module": "$host_module", "version": "$host_version", "package": "$host_package" },
  "go": "$(go env GOVERSION)",
  "seconds": $seconds,
  "bytes": { "pulumi": $(size "$bin/pulumi"), "pulumi-language-nodejs": $(size "$bin/pulumi-language-nodejs") }
}
JSON
log "built in ${seconds}s: $(cat "$cache/build.json" | tr -d '\n ')"
built || { log "the built pulumi does not report v$PULUMI_VERSION"; exit 1; }
echo "$bin"
