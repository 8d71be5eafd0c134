#!/bin/sh
# The one test command (npm test): make sure BIND 9 is here, build, run every test.
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
# openssl makes the throw-away CA the Google and Azure fakes serve TLS with (test/support/test-tls.ts).
if ! command -v openssl >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing openssl (needed by the Google Cloud DNS and Azure DNS tests)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y openssl >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y openssl >/dev/null; }
  else
    echo "test: openssl is missing. Install it first: sudo apt-get install -y openssl" >&2
    exit 1
  fi
fi
# named lives in /usr/sbin, which a non-login shell may not have on PATH.
PATH="$PATH:/usr/sbin:/sbin"
export PATH
npm run --silent build
# Tests are type-checked too (vitest only strips types).
npm run --silent typecheck
exec npx vitest run "$@"
