#!/usr/bin/env bash
# Installs a packed n8n-nodes-entra-sync tarball into an n8n user folder the way n8n's community
# package installer does: extract into <user folder>/.n8n/nodes/node_modules/<package>, strip the
# dev, peer and optional dependencies from its package.json, then install only the runtime
# dependencies next to it without lifecycle scripts. n8n-workflow (the peer) is never installed: the
# nodes use n8n's own copy, as they do after an install from the n8n UI.
#
# Usage: bash scripts/n8n-install-package.sh <package.tgz> <N8N_USER_FOLDER>
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

TARBALL="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
USER_FOLDER="$2"
[ -f "$TARBALL" ] || { echo "[install] no tarball at $TARBALL" >&2; exit 1; }

PACKAGE_NAME="$(tar -xOzf "$TARBALL" package/package.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).name))')"
TARGET="$USER_FOLDER/.n8n/nodes/node_modules/$PACKAGE_NAME"

rm -rf "$TARGET"
mkdir -p "$TARGET"
tar -xzf "$TARBALL" --strip-components=1 -C "$TARGET"
# n8n records installed packages in <user folder>/.n8n/nodes/package.json; keep one there too.
[ -f "$USER_FOLDER/.n8n/nodes/package.json" ] ||
  echo '{"name":"installed-nodes","private":true}' > "$USER_FOLDER/.n8n/nodes/package.json"

node -e '
const fs = require("fs");
const file = process.argv[1];
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
delete pkg.devDependencies;
delete pkg.peerDependencies;
delete pkg.optionalDependencies;
fs.writeFileSync(file, JSON.stringify(pkg, null, 2));
' "$TARGET/package.json"

(cd "$TARGET" && npm install --ignore-scripts --install-strategy=shallow --no-package-lock \
  --no-audit --no-fund --loglevel=error >&2)
echo "[install] $PACKAGE_NAME $(node -p "require('$TARGET/package.json').version") -> $TARGET" >&2
