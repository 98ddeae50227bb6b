#!/usr/bin/env bash
# Experiment (not part of any benchmark table): the CLI on a newer JDK with an ahead-of-time cache
# (JEP 483 class loading and linking, JEP 515 method profiles; JDK 25+) against the same JDK with
# the launcher's CDS archive. One dev server on the default java; alice trains one cache with one
# 1 GiB send (-XX:AOTCacheOutput, through the launcher with SEALDROP_CDS=0), then RUNS alternating
# pairs of send + receive of that file, each with the launcher's CDS archive and with the AOT cache.
# Prints one line per run. Measures only.
#
#   AOT_JDK=/usr/lib/jvm/temurin-25-jdk-amd64 bench/experiments/jdk-aot.sh
#
# Environment: AOT_JDK (required: a JDK 25 or later), SIZE (1G), RUNS (3), OUT (bench/out/jdk-aot).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

AOT_JDK=${AOT_JDK:?set AOT_JDK to a JDK 25 or later}
SIZE=${SIZE:-1G}
RUNS=${RUNS:-3}
OUT=${OUT:-$ROOT/bench/out/jdk-aot}
"$AOT_JDK/bin/java" -XX:AOTMode=off -version >/dev/null 2>&1 || die "$AOT_JDK has no AOT cache (JDK 25 or later)"

cleanup() { stop_server; rm -rf "$OUT/server/data" "$OUT/rx" "$OUT/file.bin"; }
trap cleanup EXIT

ensure_jars
rm -rf "$OUT"; mkdir -p "$OUT"
start_server "$OUT/server" -Xmx1g
make_profiles "$OUT/server" "$OUT/profiles"
head -c "$(bytes "$SIZE")" /dev/urandom >"$OUT/file.bin"
export JAVA_HOME=$AOT_JDK
cache=$OUT/sealdrop.aot

run() { # run MODE: one send and one receive; prints their wall times
  local cds=1 opts="" t0 t1 t2 t3 json tok
  if [[ $1 == aot ]]; then cds=0; opts="-XX:AOTCache=$cache"; fi
  t0=$(now)
  json=$(SEALDROP_CDS=$cds CLIENT_JAVA_OPTS="$opts" sealdrop --home "$OUT/profiles/alice" --json send "$OUT/file.bin" \
    --to bob 2>"$OUT/send.err") || die "send failed: $(tail -3 "$OUT/send.err")"
  t1=$(now)
  tok=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$json")
  rm -rf "$OUT/rx"; mkdir -p "$OUT/rx"
  t2=$(now)
  SEALDROP_CDS=$cds CLIENT_JAVA_OPTS="$opts" sealdrop --home "$OUT/profiles/bob" --json receive "$tok" -o "$OUT/rx" \
    >/dev/null 2>"$OUT/receive.err" || die "receive failed: $(tail -3 "$OUT/receive.err")"
  t3=$(now)
  cmp -s "$OUT/file.bin" "$OUT/rx/file.bin" || die "the received file differs"
  printf '%s: send %s s, receive %s s\n' "$1" "$(elapsed "$t0" "$t1")" "$(elapsed "$t2" "$t3")"
}

log "training the AOT cache on one send of $SIZE ($("$AOT_JDK/bin/java" -version 2>&1 | head -1))"
t0=$(now)
SEALDROP_CDS=0 CLIENT_JAVA_OPTS="-XX:AOTCacheOutput=$cache" sealdrop --home "$OUT/profiles/alice" --json send \
  "$OUT/file.bin" --to bob >/dev/null 2>"$OUT/train.err" || die "training failed: $(tail -3 "$OUT/train.err")"
log "training took $(elapsed "$t0" "$(now)") s; cache $(du -h "$cache" | cut -f1)"
run cds >/dev/null # records the launcher's CDS archive for this JDK (untimed)
for _ in $(seq 1 "$RUNS"); do
  run cds
  run aot
done
