#!/usr/bin/env bash
# The end-to-end proving ground: the packed package in a real n8n ($N8N_VERSION, 2.41.1) against the
# local HTTPS fakes (Entra token endpoint, Microsoft Graph, MessageMedia). Self-contained:
#   1. Node 24 + project dependencies (scripts/env.sh), n8n once per machine (scripts/ensure-n8n.sh)
#   2. npm run build && npm pack → the tarball users would install
#   3. install the tarball into an n8n user folder as n8n's installer does (scripts/n8n-install-package.sh)
#      and check that n8n loads our four node types
#   4. jest -c test/e2e/jest.config.js (each test file starts its own fakes and n8n processes)
# Exits non-zero when anything fails. ENTRA_SYNC_E2E_KEEP=1 keeps the scratch directory.
# Extra arguments go to jest, e.g. `bash scripts/e2e.sh -t "certificate"`.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"

started=$(date +%s)
N8N_BIN="$(bash scripts/ensure-n8n.sh)"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/entra-sync-e2e.XXXXXX")"
cleanup() {
  if [ "${ENTRA_SYNC_E2E_KEEP:-0}" = "1" ]; then
    echo "[e2e] scratch kept in $WORK_DIR" >&2
  else
    rm -rf "$WORK_DIR"
  fi
}
trap cleanup EXIT

echo "[e2e] build and pack" >&2
npm run --silent build >&2
npm pack --silent --pack-destination "$WORK_DIR" >/dev/null
TARBALL="$(ls "$WORK_DIR"/n8n-nodes-entra-sync-*.tgz)"

BASE_USER_FOLDER="$WORK_DIR/base-user-folder"
bash scripts/n8n-install-package.sh "$TARBALL" "$BASE_USER_FOLDER"

echo "[e2e] checking that n8n $("$N8N_BIN" --version 2>/dev/null | tail -1) loads the package's nodes" >&2
(
  export N8N_USER_FOLDER="$BASE_USER_FOLDER" N8N_ENCRYPTION_KEY="entra-sync-e2e-encryption-key" DB_TYPE=sqlite \
    N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false
  unset N8N_LOG_LEVEL
  # Also runs the database migrations once; every test copies this user folder.
  "$N8N_BIN" export:nodes --output="$WORK_DIR/nodes.json" > "$WORK_DIR/export-nodes.log" 2>&1 || {
    cat "$WORK_DIR/export-nodes.log" >&2
    exit 1
  }
)
node -e '
const types = require(process.argv[1]).map((n) => n.name);
const wanted = ["entraDirectory", "entraDirectoryTrigger", "contactMapper", "messageMediaContacts"].map((n) => "n8n-nodes-entra-sync." + n);
const missing = wanted.filter((n) => !types.includes(n));
if (missing.length) { console.error("[e2e] n8n did not load: " + missing.join(", ")); process.exit(1); }
console.error("[e2e] n8n loads " + wanted.join(", "));
' "$WORK_DIR/nodes.json"

export ENTRA_SYNC_E2E_N8N_BIN="$N8N_BIN"
export ENTRA_SYNC_E2E_BASE_USER_FOLDER="$BASE_USER_FOLDER"
export ENTRA_SYNC_E2E_WORK_DIR="$WORK_DIR"
echo "[e2e] running the e2e suite (setup took $(( $(date +%s) - started )) s)" >&2
status=0
npx jest -c test/e2e/jest.config.js --ci --runInBand "$@" || status=$?
echo "[e2e] finished in $(( $(date +%s) - started )) s (exit $status)" >&2
exit $status
