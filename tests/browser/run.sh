#!/usr/bin/env bash
# Runs the browser test of clogin-demo (login.mjs beside this file).
#
#   CLOGIN_DEMO=build/check/clogin-demo tests/browser/run.sh
#
# Installs the one npm dependency (playwright-core, exact version from
# package-lock.json) when node_modules is missing or older than the lock
# file; afterwards it runs offline. Needs Node.js >= 20, npm, and Debian's
# chromium at /usr/bin/chromium (scripts/install-deps). Environment:
# CLOGIN_DEMO (required), SCREENSHOT_DIR (default build/browser-screenshots).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "browser-test: $tool is missing (Node.js >= 20 and npm are needed)" >&2
        exit 2
    fi
done

stamp="$here/node_modules/.package-lock.json"  # npm rewrites it on every install
if [[ ! -f "$stamp" || ! -d "$here/node_modules/playwright-core" ||
      "$here/package-lock.json" -nt "$stamp" ]]; then
    echo "browser-test: installing node dependencies (npm ci)"
    (cd "$here" && npm ci --no-audit --no-fund)
fi

exec node "$here/login.mjs" "$@"
