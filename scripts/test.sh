#!/bin/sh
# The one test command (npm test): make sure the Debian packages the tests use are here, build, run every test.
set -eu
cd "$(dirname "$0")/.."
# Debian packages the tests drive: BIND 9 (RFC 2136 and zone-file tests), the apprise CLI
# (notifications), Chromium (the status page, in a real headless browser), openssl (the throw-away
# CA the Google and Azure fakes serve TLS with, test/support/test-tls.ts).
missing=""
command -v named >/dev/null 2>&1 || [ -x /usr/sbin/named ] || missing="$missing bind9"
{ command -v named-checkzone >/dev/null 2>&1 || [ -x /usr/sbin/named-checkzone ]; } && command -v nsupdate >/dev/null 2>&1 || missing="$missing bind9-dnsutils"
command -v apprise >/dev/null 2>&1 || missing="$missing apprise"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing$missing" >&2
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $missing >/dev/null; }
  else
    echo "test: missing Debian packages. Install them first: sudo apt-get install -y$missing" >&2
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
