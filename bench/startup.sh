#!/usr/bin/env bash
# Fixed cost per command: alternating runs of small commands for two builds of the CLI (each a jar and
# the launcher that runs it), on one warmed server. For "did this change make commands start faster?"
# on a shared machine, where only runs side by side mean much. Prints the median wall time of each
# command per build and their ratio.
#
#   A=/tmp/old.jar A_LAUNCHER=/tmp/old-sealdrop B=client/target/sealdrop.jar bench/startup.sh
#   ROUNDS=15 SIZE=20M bench/startup.sh ...
#
# Environment: A, B (client jars; B defaults to client/target/sealdrop.jar), A_LAUNCHER, B_LAUNCHER
# (the launcher script for each; default client/sealdrop), ROUNDS (10), SIZE (4K: the file sent and
# received), OUT (bench/out/startup). Commands timed, in this order per round and build: `send FILE
# --to bob`, `receive TOKEN`, `files`, `--version`. Each build has its own class-data-sharing cache,
# made by untimed first runs.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A=${A:?set A to the first client jar}
B=${B:-$ROOT/client/target/sealdrop.jar}
A_LAUNCHER=${A_LAUNCHER:-$ROOT/client/sealdrop}
B_LAUNCHER=${B_LAUNCHER:-$ROOT/client/sealdrop}
ROUNDS=${ROUNDS:-10}
SIZE=${SIZE:-4K}
OUT=${OUT:-$ROOT/bench/out/startup}
[[ -f $A && -f $B ]] || die "A and B must be client jars ($A, $B)"
[[ -x $A_LAUNCHER && -x $B_LAUNCHER ]] || die "A_LAUNCHER and B_LAUNCHER must be executable ($A_LAUNCHER, $B_LAUNCHER)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
ensure_jars

rm -rf "$OUT"; mkdir -p "$OUT/data" "$OUT/rx"
FILE=$OUT/data/file-$SIZE.bin
head -c "$(bytes "$SIZE")" /dev/urandom >"$FILE"
trap stop_server EXIT
start_server "$OUT/server"
make_profiles "$OUT/server" "$OUT/profiles"
P=$OUT/profiles

# cli SIDE ARGS...: the CLI of build SIDE (A or B) through its own launcher and CDS cache
cli() {
  local side=$1; shift
  local jar=$A launcher=$A_LAUNCHER
  if [[ $side == B ]]; then jar=$B; launcher=$B_LAUNCHER; fi
  SEALDROP_JAR="$jar" XDG_CACHE_HOME="$OUT/cds-$side" SEALDROP_JAVA_OPTS="${CLIENT_JAVA_OPTS:-}" "$launcher" "$@"
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
token_of() { sed -n 's/.*"token":"\([^"]*\)".*/\1/p'; }

for side in A B; do # untimed: each build's archive, and the server's JIT warmed by both
  for _ in 1 2; do
    t=$(cli "$side" --home "$P/alice" --json send "$FILE" --to bob | token_of)
    cli "$side" --home "$P/bob" --json receive "$t" -o "$OUT/rx" >/dev/null
    rm -f "$OUT/rx"/*
  done
done

declare -A times
log "A = $A ($A_LAUNCHER)"; log "B = $B ($B_LAUNCHER)"; log "load before: $(loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  order="A B"; (( r % 2 == 0 )) && order="B A"
  for side in $order; do
    t0=$(date +%s%N); t=$(cli "$side" --home "$P/alice" --json send "$FILE" --to bob | token_of); times[$side.send]+="$(ms "$t0") "
    [[ -n $t ]] || die "send ($side) gave no token"
    t0=$(date +%s%N); cli "$side" --home "$P/bob" --json receive "$t" -o "$OUT/rx" >/dev/null; times[$side.receive]+="$(ms "$t0") "
    cmp -s "$FILE" "$OUT/rx/$(basename "$FILE")" || die "receive ($side): the file differs"
    rm -f "$OUT/rx"/*
    t0=$(date +%s%N); cli "$side" --home "$P/alice" --json files >/dev/null; times[$side.files]+="$(ms "$t0") "
    t0=$(date +%s%N); cli "$side" --version >/dev/null; times[$side.version]+="$(ms "$t0") "
  done
done
log "load after: $(loadavg)"
printf '%-10s %12s %12s %8s   (median ms of %s rounds, %s file, alternating)\n' command A B "B/A" "$ROUNDS" "$SIZE"
for c in send receive files version; do
  # shellcheck disable=SC2086 # lists of numbers
  a=$(median ${times[A.$c]}); b=$(median ${times[B.$c]})
  printf '%-10s %12s %12s %8s\n' "$c" "$a" "$b" "$(ratio "$b" "$a")"
done
for k in A.send B.send A.receive B.receive A.files B.files A.version B.version; do echo "  $k: ${times[$k]}"; done
