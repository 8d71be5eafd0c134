#!/bin/sh
# The script an operator would otherwise write (scenario 2): for each "name target" line
# of RECORDS, look the target up with dig, read what the primary publishes at the name with dig,
# and when they differ replace the name's A and AAAA with nsupdate (TSIG, over TCP).
#
# Careful, as a good operator's script is: a failed or empty lookup never wipes a record, answers
# are filtered to addresses (a CNAME chain's names are dropped) and sorted before comparing, both
# families go in one UPDATE, every dig/nsupdate failure is counted, and the TSIG key is read from
# stdin and handed to nsupdate on its stdin (printf is a shell builtin), never on a command line.
# Generous to the script: one dig asks for A and AAAA together, and the TTL is a fixed 300.
#
# usage: printf 'hmac-sha256:keyname secret\n' | sync-loop.sh RESOLVER_IP RESOLVER_PORT PRIMARY_IP PRIMARY_PORT ZONE RECORDS
set -u
resolver_ip=$1 resolver_port=$2 primary_ip=$3 primary_port=$4 zone=$5 records=$6
ttl=300
IFS= read -r key || { echo "sync-loop: no TSIG key on stdin" >&2; exit 2; }

updated=0 unchanged=0 failed=0
addresses() { # $1 = dig output; $2 = a | aaaa → sorted addresses of that family, one per line
  if [ "$2" = a ]; then printf '%s\n' "$1" | grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | sort
  else printf '%s\n' "$1" | grep -E '^[0-9a-fA-F:]+:[0-9a-fA-F:.]*$' | sort; fi
}

while read -r name target; do
  [ -n "$name" ] || continue
  if ! wanted=$(dig +short +time=2 +tries=2 -p "$resolver_port" @"$resolver_ip" "$target" A "$target" AAAA); then
    failed=$((failed + 1)); continue
  fi
  want_a=$(addresses "$wanted" a); want_aaaa=$(addresses "$wanted" aaaa)
  if [ -z "$want_a$want_aaaa" ]; then failed=$((failed + 1)); continue; fi # never publish "nothing"
  if ! current=$(dig +short +norecurse +tcp +time=2 +tries=2 -p "$primary_port" @"$primary_ip" "$name" A "$name" AAAA); then
    failed=$((failed + 1)); continue
  fi
  have_a=$(addresses "$current" a); have_aaaa=$(addresses "$current" aaaa)
  if [ "$want_a" = "$have_a" ] && [ "$want_aaaa" = "$have_aaaa" ]; then unchanged=$((unchanged + 1)); continue; fi
  {
    printf 'key %s\nserver %s %s\nzone %s\n' "$key" "$primary_ip" "$primary_port" "$zone"
    printf 'update delete %s. A\nupdate delete %s. AAAA\n' "$name" "$name"
    for a in $want_a; do printf 'update add %s. %s A %s\n' "$name" "$ttl" "$a"; done
    for a in $want_aaaa; do printf 'update add %s. %s AAAA %s\n' "$name" "$ttl" "$a"; done
    printf 'send\n'
  } | nsupdate -v -t 5 >/dev/null 2>&1 && updated=$((updated + 1)) || failed=$((failed + 1))
done < "$records"

echo "updated $updated unchanged $unchanged failed $failed"
[ "$failed" -eq 0 ]
