#!/usr/bin/env bash
# The end-to-end proving ground: the packed package in a real n8n ($N8N_VERSION, pinned in package.json config.n8n) against the
# local HTTPS fakes (Entra token endpoint, Microsoft Graph, MessageMedia). Self-contained:
#   1. Node 24 + project dependencies (scripts/env.sh), n8n once per machine (scripts/ensure-n8n.sh)
#   2. npm run build && npm pack → the tarball users would install
#   3. install the tarball into an n8n user folder as n8n's installer does and check that n8n loads
#      our four node types (scripts/n8n-base-folder.sh)
#   4. jest -c test/e2e/jest.config.js (each test file starts its own fakes and n8n processes)
# Exits non-zero when anything fails (a jest kept alive after the run by a leftover process fails too,
# see run_jest in scripts/env.sh). ENTRA_SYNC_E2E_KEEP=1 keeps the scratch directory;
# ENTRA_SYNC_E2E_RESULTS=<file> keeps jest's JSON results there.
# Extra arguments go to jest, e.g. `bash scripts/e2e.sh -t "certificate"`.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"

started=$(date +%s)
N8N_BIN="$(bash scripts/ensure-n8n.sh)"
make_scratch_dir e2e ENTRA_SYNC_E2E_KEEP
# Queue-mode tests start PostgreSQL and Redis (scripts/queue-services.sh) and list their folders here;
# whatever a test left running (a crash, a kill) is stopped on the way out.
stop_queue_services() {
  [ -f "$WORK_DIR/queue-services.list" ] || return 0
  while read -r dir; do
    [ -n "$dir" ] || continue
    bash "$PROJECT_ROOT/scripts/queue-services.sh" stop "$dir" || true
    [ "${ENTRA_SYNC_E2E_KEEP:-0}" = 1 ] || rm -rf "$dir"
  done < "$WORK_DIR/queue-services.list"
}
trap 'stop_queue_services; remove_scratch_dir' EXIT

echo "[e2e] build and pack" >&2
npm run --silent build >&2
npm pack --silent --pack-destination "$WORK_DIR" >/dev/null
TARBALL="$(ls "$WORK_DIR"/n8n-nodes-entra-sync-*.tgz)"

BASE_USER_FOLDER="$WORK_DIR/base-user-folder"
bash scripts/n8n-base-folder.sh "$N8N_BIN" "$TARBALL" "$BASE_USER_FOLDER" "$WORK_DIR"

export ENTRA_SYNC_E2E_N8N_BIN="$N8N_BIN"
export ENTRA_SYNC_E2E_BASE_USER_FOLDER="$BASE_USER_FOLDER"
export ENTRA_SYNC_E2E_WORK_DIR="$WORK_DIR"
echo "[e2e] running the e2e suite (setup took $(( $(date +%s) - started )) s)" >&2
status=0
run_jest "${ENTRA_SYNC_E2E_RESULTS:-$WORK_DIR/jest-e2e.json}" -c test/e2e/jest.config.js --ci --runInBand "$@" || status=$?
echo "[e2e] finished in $(( $(date +%s) - started )) s (exit $status)" >&2
exit $status
