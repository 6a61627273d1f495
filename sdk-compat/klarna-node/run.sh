#!/usr/bin/env bash
# Install klarna-node 0.1.2 from npm into a scratch folder, point its hard-coded
# Klarna host at Kassa, and run check.js against KASSA_URL.
# Needs: KASSA_URL (e.g. http://127.0.0.1:18181), KASSA_USERNAME, KASSA_PASSWORD
# (playground credentials from `kassa key create --store ... --json`).
set -euo pipefail
: "${KASSA_URL:?set KASSA_URL}" "${KASSA_USERNAME:?set KASSA_USERNAME}" "${KASSA_PASSWORD:?set KASSA_PASSWORD}"
here="$(cd "$(dirname "$0")" && pwd)"
work="${SDKC_WORK_DIR:-$(mktemp -d)}"
cp "$here/package.json" "$here/check.js" "$work/"
cd "$work"
npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null
test "$(node -p 'require("klarna-node/package.json").version')" = 0.1.2
# The only change: the base URL. klarna-node keeps it as string constants in src/*.js.
url="${KASSA_URL%/}"
sed -i -e "s#https://api.playground.klarna.com#${url}#g" -e "s#https://api.klarna.com#${url}#g" \
  node_modules/klarna-node/src/klarna-checkout.js node_modules/klarna-node/src/klarna-orderManagement.js
if grep -q 'klarna\.com' node_modules/klarna-node/src/*.js; then
  echo "base URL rewrite incomplete" >&2; exit 1
fi
exec node check.js
