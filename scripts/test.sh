#!/bin/sh
# The one test command (npm test): make sure BIND 9 is here, lint, build, run every test.
set -eu
cd "$(dirname "$0")/.."
if ! command -v named >/dev/null 2>&1 || ! command -v named-checkzone >/dev/null 2>&1 || ! command -v nsupdate >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing bind9 and bind9-dnsutils (needed by the RFC 2136 and zone-file tests)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y bind9 bind9-dnsutils >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y bind9 bind9-dnsutils >/dev/null; }
  else
    echo "test: BIND 9 is missing. Install it first: sudo apt-get install -y bind9 bind9-dnsutils" >&2
    exit 1
  fi
fi
# named lives in /usr/sbin, which a non-login shell may not have on PATH.
PATH="$PATH:/usr/sbin:/sbin"
export PATH
# Lint rules first (a second): no explicit any, no unused imports or variables, the providers' import boundary.
# Formatting joins this check once the tree has been formatted (npm run format): then drop the flag.
npm run --silent lint -- --formatter-enabled=false
# Build (the CLI tests run dist/) and type-check the tests too (vitest only strips types): two
# independent tsc runs, side by side (docs/design/test-gate.md).
npm run --silent build &
build=$!
typecheck=0
npm run --silent typecheck || typecheck=$?
wait "$build" || exit 1
[ "$typecheck" -eq 0 ] || exit "$typecheck"
exec npx vitest run "$@"
