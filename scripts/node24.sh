#!/usr/bin/env bash
# Runs a script under the Node 24 runtime that the pinned n8n needs (installed on first use).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
eval "$("$here/ensure-n8n-runtime.sh" | grep -E '^(NODE24|N8N_BIN)=')"
export N8N_BIN NODE24
export PATH="$(dirname "$NODE24"):$PATH"
exec "$NODE24" "$@"
