#!/usr/bin/env bash
# The model-based sync suite, run long (not part of CI): a new seed each time unless MODEL_SEED is
# set, many more cases and longer step sequences than the CI run. Each invariant is its own property.
# Usage: npm run test:soak [-- extra jest arguments, e.g. -t consent]
# Environment: MODEL_SEED (default: random, printed), MODEL_RUNS (cases per invariant, default 100000),
#   MODEL_STEPS (steps per case, default 40), MODEL_DURATION_MS (time limit per invariant, default 120000).
# A failure prints its random seed, the fast-check path and the shrunk steps; replay it with the same
# MODEL_SEED, MODEL_RUNS and MODEL_STEPS, or add it to test/unit/sync/model/counterexamples.test.ts.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ensure_deps
cd "$PROJECT_ROOT"

export MODEL_SEED="${MODEL_SEED:-$(( (RANDOM << 15) | RANDOM ))}"
export MODEL_RUNS="${MODEL_RUNS:-100000}"
export MODEL_STEPS="${MODEL_STEPS:-40}"
export MODEL_DURATION_MS="${MODEL_DURATION_MS:-120000}"
echo "[soak] seed $MODEL_SEED, up to $MODEL_RUNS cases of up to $MODEL_STEPS steps per invariant, at most ${MODEL_DURATION_MS} ms each" >&2
exec npx jest --runTestsByPath test/unit/sync/model/model.test.ts "$@"
