#!/usr/bin/env bash
# Installs a real n8n ($N8N_VERSION: package.json config.n8n, read by scripts/env.sh) once per machine into the cache and prints its
# bin path. Offline-safe recipe: install without lifecycle scripts (some optional native modules try
# to download sources), then compile only sqlite3 from source against Node 24's headers.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

N8N_HOME="$ENTRA_SYNC_CACHE/n8n-$N8N_VERSION"
N8N_BIN="$N8N_HOME/node_modules/.bin/n8n"
if [ ! -f "$N8N_HOME/.ready" ]; then
  echo "[n8n] installing n8n@$N8N_VERSION into $N8N_HOME (first time only, a few minutes)" >&2
  mkdir -p "$N8N_HOME"
  cd "$N8N_HOME"
  [ -f package.json ] || echo '{"name":"entra-sync-n8n","private":true}' > package.json
  npm install --ignore-scripts --no-audit --no-fund --loglevel=error "n8n@$N8N_VERSION" >&2
  echo "[n8n] building sqlite3 against Node $(node -v) headers" >&2
  npm_config_build_from_source=true npm_config_nodedir="$NODE24_HOME" \
    npm rebuild sqlite3 --ignore-scripts=false --foreground-scripts=false >&2
  node -e "require('$N8N_HOME/node_modules/sqlite3')" >&2
  touch "$N8N_HOME/.ready"
fi
echo "$N8N_BIN"
