#!/usr/bin/env bash
# A/B comparison of two CLI jars on one server: alternating sends and receives of the same file,
# each printed with its wall time and the CPU seconds of the CLI and of the server. For "did this
# change help?" questions on a shared machine, where only runs side by side mean much.
#
#   A=/tmp/old.jar B=client/target/sealdrop.jar bench/ab.sh
#   A=... B=... SIZE=256M ROUNDS=4 RECEIVE=0 bench/ab.sh
#
# Environment: A, B (client jars; B defaults to client/target/sealdrop.jar), SIZE (1G), ROUNDS (2),
# RECEIVE (1: also receive each send, with the same jar), WARM (256M untimed send and receive first),
# OUT (bench/out/ab), CLIENT_JAVA_OPTS (both jars), A_JAVA_OPTS / B_JAVA_OPTS (one jar's CLI only),
# SERVER_JAVA_OPTS. Each jar runs through client/sealdrop
# with its own class-data-sharing cache.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A=${A:?set A to the first client jar}
B=${B:-$ROOT/client/target/sealdrop.jar}
SIZE=${SIZE:-1G}
ROUNDS=${ROUNDS:-2}
RECEIVE=${RECEIVE:-1}
WARM=${WARM:-256M}
OUT=${OUT:-$ROOT/bench/out/ab}
[[ -f $A && -f $B ]] || die "A and B must be client jars ($A, $B)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
ensure_jars

rm -rf "$OUT/server" "$OUT/profiles" "$OUT/rx"; mkdir -p "$OUT/data" "$OUT/rx"
FILE=$OUT/data/random-$SIZE.bin
[[ -f $FILE && $(stat -c %s "$FILE") == "$(bytes "$SIZE")" ]] || head -c "$(bytes "$SIZE")" /dev/urandom >"$FILE"
trap stop_server EXIT
start_server "$OUT/server" ${SERVER_JAVA_OPTS:-}
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # clock ticks (1/100 s)
cds_of() { echo "$OUT/cds-$(sha256sum <<<"$1" | cut -c1-12)"; } # one CDS cache per jar path

# run_with JAR LABEL COMMAND...: the CLI command with JAR; prints LABEL, wall, CLI and server CPU
run_with() {
  local jar=$1 label=$2; shift 2
  local opts=${CLIENT_JAVA_OPTS:-}
  case $label in
    A*) opts="$opts ${A_JAVA_OPTS:-}" ;;
    B*) opts="$opts ${B_JAVA_OPTS:-}" ;;
  esac
  sync
  local s0 s1 t
  s0=$(cpu "$SERVER_PID")
  /usr/bin/time -o "$OUT/last.time" -f "%e %U %S" env SEALDROP_JAR="$jar" XDG_CACHE_HOME="$(cds_of "$jar")" \
    SEALDROP_JAVA_OPTS="$opts" "$ROOT/client/sealdrop" "$@" >"$OUT/last.json" 2>"$OUT/last.err" || true
  t=$(tail -1 "$OUT/last.time")
  s1=$(cpu "$SERVER_PID")
  grep -q '"ok":true' "$OUT/last.json" || { cat "$OUT/last.err" >&2; die "$label failed"; }
  awk -v l="$label" -v t="$t" -v s=$((s1 - s0)) 'BEGIN { split(t, a, " ");
    printf "%-12s wall %6.2f s  CLI CPU %6.2f s  server CPU %6.2f s\n", l, a[1], a[2] + a[3], s / 100 }'
}

CLIENT_JAR=$B make_profiles "$OUT/server" "$OUT/profiles"
for jar in "$A" "$B"; do # each jar's first send and receive (untimed) make its CDS archive and pin keys
  CLIENT_JAR=$jar CDS_CACHE=$(cds_of "$jar") send_token "$OUT/profiles" "$OUT/profiles/pin.bin" >/dev/null
done
if [[ $WARM != 0 ]]; then
  log "warming the server: untimed send and receive of $WARM"
  head -c "$(bytes "$WARM")" /dev/urandom >"$OUT/data/warm.bin"
  token=$(send_token "$OUT/profiles" "$OUT/data/warm.bin")
  sealdrop --home "$OUT/profiles/bob" --json receive "$token" -o "$OUT/rx" >/dev/null
  rm -f "$OUT/rx/warm.bin"
fi
log "A = $A"; log "B = $B"
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    jar=${!side}
    run_with "$jar" "$side send" --home "$OUT/profiles/alice" --json send "$FILE" --to bob
    if [[ $RECEIVE == 1 ]]; then
      token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$OUT/last.json")
      rm -rf "$OUT/rx"; mkdir -p "$OUT/rx"
      run_with "$jar" "$side receive" --home "$OUT/profiles/bob" --json receive "$token" -o "$OUT/rx"
      cmp -s "$FILE" "$OUT/rx/$(basename "$FILE")" || die "the received copy differs"
    fi
  done
done
