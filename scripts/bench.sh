#!/usr/bin/env bash
# The benchmark (not part of CI): the shipped templates and a hand-built peer workflow in a
# real n8n ($N8N_VERSION) against the local HTTPS fakes with 20 ms latency per request, plus the
# Contact Mapper throughput benchmark. Results: bench/results.md (+ results.json, results-mapping.json).
#   1. Node 24 + project dependencies (scripts/env.sh), n8n once per machine (scripts/ensure-n8n.sh)
#   2. build and pack the package in a scratch copy of the working tree (the checkout's dist/ is left alone)
#   3. install the tarball into an n8n user folder, migrate its database (scripts/n8n-base-folder.sh)
#   4. mapping benchmark (bench/mapping.ts), then bench/run.ts (scenarios; see its header)
# Usage: npm run bench [-- --scenarios initial10k,rerun10k,changed10k,peer10k,full100k,trigger100k]
# Environment: BENCH_SMALL_USERS, BENCH_LARGE_USERS, BENCH_LATENCY_MS, BENCH_SKIP_MAPPING=1, ENTRA_SYNC_BENCH_KEEP=1.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"

started=$(date +%s)
N8N_BIN="$(bash scripts/ensure-n8n.sh)"
make_scratch_dir bench ENTRA_SYNC_BENCH_KEEP

echo "[bench] build and pack (in $WORK_DIR/src)" >&2
mkdir -p "$WORK_DIR/src"
tar --exclude=./node_modules --exclude=./dist --exclude=./.git --exclude=./bench/out -cf - . | tar -xf - -C "$WORK_DIR/src"
ln -s "$PROJECT_ROOT/node_modules" "$WORK_DIR/src/node_modules"
(cd "$WORK_DIR/src" && npm run --silent build >&2 && npm pack --silent --pack-destination "$WORK_DIR" >/dev/null)
TARBALL="$(ls "$WORK_DIR"/n8n-nodes-entra-sync-*.tgz)"

BASE_USER_FOLDER="$WORK_DIR/base-user-folder"
bash scripts/n8n-base-folder.sh "$N8N_BIN" "$TARBALL" "$BASE_USER_FOLDER" "$WORK_DIR"

if [ "${BENCH_SKIP_MAPPING:-0}" != "1" ]; then
  echo "[bench] mapping throughput (bench/mapping.ts)" >&2
  npx tsc bench/mapping.ts --outDir bench/out --rootDir . --module node16 --moduleResolution node16 \
    --target es2022 --strict --esModuleInterop --resolveJsonModule --skipLibCheck --types node
  node bench/out/bench/mapping.js > "$WORK_DIR/mapping.log"
fi

echo "[bench] n8n scenarios (setup took $(( $(date +%s) - started )) s)" >&2
status=0
node --max-old-space-size=4096 scripts/run-ts.ts bench/run.ts --n8n-bin "$N8N_BIN" \
  --base-user-folder "$BASE_USER_FOLDER" --work-dir "$WORK_DIR" "$@" || status=$?
echo "[bench] finished in $(( $(date +%s) - started )) s (exit $status)" >&2
exit $status
