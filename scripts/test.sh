#!/usr/bin/env bash
# The README's test command (`npm test`): works on a fresh machine with only Node 20 and npm.
# Bootstraps Node 24, installs, builds, lints, type-checks, runs the unit/workflow suite (which
# includes the loader test over dist/), checks `npm pack`, then the real-n8n e2e suite.
# ENTRA_SYNC_SKIP_E2E=1 skips the e2e part (for quick local loops; CI never sets it).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"
echo "== build (node $(node -v))"
npm run --silent build
echo "== lint"
npm run --silent lint
echo "== typecheck"
npm run --silent typecheck
echo "== unit and workflow tests"
npx jest --ci
echo "== npm pack"
npm pack --dry-run --json > /dev/null
if [ "${ENTRA_SYNC_SKIP_E2E:-0}" != "1" ]; then
  echo "== e2e in a real n8n"
  bash scripts/e2e.sh
fi
echo "== all checks passed"
