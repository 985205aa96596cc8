#!/bin/bash
# .ci/oauth-setup.sh — what tests/oauth/ needs on a fresh Debian 12 machine (run as root). Idempotent and cached.
#
#   Debian chromium + chromium-driver   /usr/bin/chromium, /usr/bin/chromedriver (the consent page in a real browser)
#   /opt/alecs-ci/oauth-node  [ALECS_OAUTH_NODE]  npm packages: @modelcontextprotocol/sdk (its OAuth client) and
#                                                 mcp-remote, the real remote-MCP clients the tests run against alecs
# Selenium (the WebDriver client) comes from PyPI with the project's `test` extra.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "oauth-setup: must run as root" >&2; exit 1; }
NODE_DIR=${ALECS_OAUTH_NODE:-/opt/alecs-ci/oauth-node}
SDK_VERSION=1.32.2
REMOTE_VERSION=0.15.1

need=()
for p in chromium chromium-driver nodejs npm; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
# node/npm may come from elsewhere than Debian (the CI image ships them): only ask apt for what is really missing
if command -v node >/dev/null && command -v npm >/dev/null; then
  need=("${need[@]/nodejs}"); need=("${need[@]/npm}")
fi
pkgs=(); for p in "${need[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
fi

mkdir -p "$NODE_DIR"
want="@modelcontextprotocol/sdk@$SDK_VERSION mcp-remote@$REMOTE_VERSION"
if [ "$(cat "$NODE_DIR/.installed" 2>/dev/null)" != "$want" ]; then
  (cd "$NODE_DIR" && { [ -f package.json ] || echo '{"name":"alecs-oauth-tests","private":true}' > package.json; } \
    && npm install --no-audit --no-fund --loglevel=error $want >/dev/null)
  echo "$want" > "$NODE_DIR/.installed"
fi
echo "oauth-setup: $(chromium --version 2>/dev/null | head -1); $(chromedriver --version 2>/dev/null | head -1);" \
     "node $(node --version); $want in $NODE_DIR"
