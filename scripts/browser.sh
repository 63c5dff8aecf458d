#!/usr/bin/env bash
# The editor as users meet it: the packed package in a real n8n ($N8N_VERSION), its editor driven by
# Debian's Chromium through playwright-core (test/browser/). Self-contained like scripts/e2e.sh:
#   1. Node 24 + project dependencies (scripts/env.sh), n8n once per machine (scripts/ensure-n8n.sh),
#      Chromium (/usr/bin/chromium; installed with apt-get when missing)
#   2. npm run build && npm pack → installed into an n8n user folder as n8n's installer does
#      (scripts/n8n-install-package.sh)
#   3. jest -c test/browser/jest.config.js: the suite starts the fakes and `n8n start`, signs in as the
#      owner it sets up, and stops everything at the end
# ENTRA_SYNC_BROWSER_KEEP=1 keeps the scratch directory (n8n log, failure screenshots);
# ENTRA_SYNC_BROWSER_RESULTS=<file> keeps jest's JSON results there; ENTRA_SYNC_CHROMIUM=<path> uses
# another Chromium. Extra arguments go to jest.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"

started=$(date +%s)
CHROMIUM="${ENTRA_SYNC_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "[browser] installing Debian's chromium (apt-get)" >&2
  as_root=()
  [ "$(id -u)" = 0 ] || as_root=(sudo)
  "${as_root[@]}" apt-get install -y --no-install-recommends chromium >&2 ||
    { "${as_root[@]}" apt-get update >&2 && "${as_root[@]}" apt-get install -y --no-install-recommends chromium >&2; }
  CHROMIUM=/usr/bin/chromium
fi
echo "[browser] $("$CHROMIUM" --version 2>/dev/null | head -1)" >&2

N8N_BIN="$(bash scripts/ensure-n8n.sh)"
make_scratch_dir browser ENTRA_SYNC_BROWSER_KEEP

echo "[browser] build and pack" >&2
npm run --silent build >&2
npm pack --silent --pack-destination "$WORK_DIR" >/dev/null
bash scripts/n8n-install-package.sh "$(ls "$WORK_DIR"/n8n-nodes-entra-sync-*.tgz)" "$WORK_DIR/base-user-folder"

# The e2e harness (test/e2e/support) reads these.
export ENTRA_SYNC_E2E_N8N_BIN="$N8N_BIN"
export ENTRA_SYNC_E2E_BASE_USER_FOLDER="$WORK_DIR/base-user-folder"
export ENTRA_SYNC_E2E_WORK_DIR="$WORK_DIR"
export ENTRA_SYNC_CHROMIUM="$CHROMIUM"
echo "[browser] running the browser suite (setup took $(( $(date +%s) - started )) s)" >&2
status=0
run_jest "${ENTRA_SYNC_BROWSER_RESULTS:-$WORK_DIR/jest-browser.json}" -c test/browser/jest.config.js --ci --runInBand "$@" || status=$?
echo "[browser] finished in $(( $(date +%s) - started )) s (exit $status)" >&2
exit $status
