#!/bin/sh
# The one test command (npm test): make sure the real DNS servers, dns-lexicon, apprise and
# Chromium the tests start are here, lint, build, run every test.
set -eu
cd "$(dirname "$0")/.."
# Binaries in /usr/sbin, which a non-login shell may not have on PATH.
PATH="$PATH:/usr/sbin:/sbin"
export PATH

# Debian packages the integration tests need: BIND 9 (RFC 2136, zone files, nsupdate for every
# server), Knot DNS, PowerDNS Authoritative with its SQLite backend (and the sqlite3 shell to set
# it up), dns-lexicon; openssl makes the throw-away CA the Google and Azure fakes serve TLS with
# (test/support/test-tls.ts); the apprise CLI (notifications); Chromium (the status page, in a
# real headless browser).
PACKAGES="bind9 bind9-dnsutils knot knot-dnsutils pdns-server pdns-backend-sqlite3 sqlite3 lexicon openssl apprise chromium"
missing=""
for tool in named named-checkzone nsupdate knotd pdns_server pdnsutil sqlite3 lexicon openssl apprise chromium; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing$missing ($PACKAGES)" >&2
    # The packages would start their system services (named, knot, pdns on port 53): a
    # policy-rc.d that refuses keeps them stopped; the tests start their own on free ports.
    policy=/usr/sbin/policy-rc.d
    own_policy=""
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES >/dev/null; }
    [ -z "$own_policy" ] || rm -f "$policy"
  else
    echo "test: missing$missing. Install them first: sudo apt-get install -y $PACKAGES" >&2
    exit 1
  fi
fi

# Lint first (a second): no explicit any, no unused imports or variables, the providers' import
# boundary, and the code style (npm run format writes it).
npm run --silent lint
# Build (the CLI tests run dist/) and type-check the tests too (vitest only strips types): two
# independent tsc runs, side by side (docs/design/test-gate.md).
npm run --silent build &
build=$!
typecheck=0
npm run --silent typecheck || typecheck=$?
wait "$build" || exit 1
[ "$typecheck" -eq 0 ] || exit "$typecheck"
exec npx vitest run "$@"
