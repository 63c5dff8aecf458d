#!/usr/bin/env bash
# Prepares the n8n user folder that the e2e tests and the benchmarks copy: installs the packed
# tarball as n8n's installer does (scripts/n8n-install-package.sh), runs n8n once to migrate its
# database, and checks that n8n loads the package's node types.
#
# Usage: bash scripts/n8n-base-folder.sh <n8n bin> <package.tgz> <user folder> <scratch dir>
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
N8N_BIN="$1" TARBALL="$2" USER_FOLDER="$3" SCRATCH="$4"

bash "$PROJECT_ROOT/scripts/n8n-install-package.sh" "$TARBALL" "$USER_FOLDER"

echo "[n8n] checking that n8n $("$N8N_BIN" --version 2>/dev/null | tail -1) loads the package's nodes" >&2
(
  export N8N_USER_FOLDER="$USER_FOLDER" N8N_ENCRYPTION_KEY="entra-sync-e2e-encryption-key" DB_TYPE=sqlite \
    N8N_DIAGNOSTICS_ENABLED=false N8N_VERSION_NOTIFICATIONS_ENABLED=false N8N_TEMPLATES_ENABLED=false
  unset N8N_LOG_LEVEL
  # Also runs the database migrations once; every test and benchmark copies this user folder.
  "$N8N_BIN" export:nodes --output="$SCRATCH/nodes.json" > "$SCRATCH/export-nodes.log" 2>&1 || {
    cat "$SCRATCH/export-nodes.log" >&2
    exit 1
  }
)
node -e '
const types = require(process.argv[1]).map((n) => n.name);
const wanted = ["entraDirectory", "entraDirectoryTrigger", "entraDirectoryPushTrigger", "contactMapper", "messageMediaContacts"].map((n) => "n8n-nodes-entra-sync." + n);
const missing = wanted.filter((n) => !types.includes(n));
if (missing.length) { console.error("[n8n] n8n did not load: " + missing.join(", ")); process.exit(1); }
console.error("[n8n] n8n loads " + wanted.join(", "));
' "$SCRATCH/nodes.json"
