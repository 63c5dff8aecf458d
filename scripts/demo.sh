#!/usr/bin/env bash
# `npm run demo` — one command after clone: Node 24 (scripts/env.sh), a real n8n (scripts/ensure-n8n.sh,
# cached per machine), the package built, packed and installed into the demo's n8n user folder as n8n's
# installer does, the fakes seeded with the sample organisation, the bundled template imported and run
# with a readable report, then n8n on http://localhost:5678 until Ctrl-C.
#
#   npm run demo                 run once, then keep n8n open
#   npm run demo -- --once       run once and exit (a second run shows a sync with 0 writes)
#   npm run demo -- --reset      forget the demo state (fresh sample organisation and n8n) first
#   options: --port <n8n port, 5678>  --fakes-port <port, 9443>
# State: $ENTRA_SYNC_DEMO_DIR (default <repo>/.cache/demo).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"

DEMO_DIR="${ENTRA_SYNC_DEMO_DIR:-$PROJECT_ROOT/.cache/demo}"
args=()
for arg in "$@"; do
  if [ "$arg" = "--reset" ]; then
    echo "[demo] removing $DEMO_DIR" >&2
    rm -rf "$DEMO_DIR"
  else
    args+=("$arg")
  fi
done
mkdir -p "$DEMO_DIR"

N8N_BIN="$(bash scripts/ensure-n8n.sh)"
echo "[demo] building and packing the package" >&2
npm run --silent build >&2
rm -f "$DEMO_DIR"/n8n-nodes-entra-sync-*.tgz
npm pack --silent --pack-destination "$DEMO_DIR" >/dev/null
bash scripts/n8n-install-package.sh "$(ls "$DEMO_DIR"/n8n-nodes-entra-sync-*.tgz)" "$DEMO_DIR/n8n"

exec node scripts/run-ts.ts scripts/n8n-demo.ts --dir "$DEMO_DIR" --n8n-bin "$N8N_BIN" "${args[@]}"
