#!/usr/bin/env bash
# Redeem latency alone (issue 8 target: p99 < 50 ms with 32 concurrent receivers): the redeem
# burst of bench/load.sh without its 32 sender JVMs, repeated. One server (-Xmx$HEAP); alice sends
# one small file once; bench/src/MakeGrants.java grants it to bob N x (WARM_ROUNDS + ROUNDS) times;
# then one bench/src/LoadReceivers.java JVM (N threads, one TLS connection each, connected before
# the first start signal) runs the rounds one after another: in each, the N receivers redeem at the
# same instant, then download, open, verify and confirm; the next round starts when all are done.
# The first WARM_ROUNDS rounds are warm-up (printed, not counted): until a method has run about
# 5,000 times HotSpot's C2 has not compiled it, and while it compiles, the compilers take a third
# of the 2 CPUs during each burst; 100 rounds (3,200 redeems, downloads and confirms) bring the
# server close to the steady state of one that has been serving for a while. Warm-up 1 shows what a
# server that has just started costs. Prints p50/p99/max per round and over the timed rounds.
# Measures only; writes no doc. Exit 1 if any receiver failed.
#
#   bench/redeem.sh                        # N=32 WARM_ROUNDS=100 ROUNDS=20, 1-2 minutes
#   WARM_ROUNDS=10 bench/redeem.sh         # a server that has served 320 downloads
#   SERVER_JAR=/path/old-server.jar bench/redeem.sh   # the same against another build (A/B)
#
# Environment: N (32), WARM_ROUNDS (100), ROUNDS (20), SIZE (64K), HEAP (256m), OUT (bench/out/redeem),
# BUILD (0), WARM_REDEEMS (20: untimed redeems of unknown tokens per receiver connection before the
# first round), CLIENT_JAVA_OPTS, SERVER_JAVA_OPTS (e.g. -Xlog:gc:file=/tmp/server-gc.log, or
# -XX:StartFlightRecording=filename=/tmp/redeem.jfr,settings=profile). The receivers print each
# round's start and end (System.nanoTime) to $OUT/receivers.err, for profilers that record
# CLOCK_MONOTONIC (perf record -k CLOCK_MONOTONIC).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-32}
WARM_ROUNDS=${WARM_ROUNDS:-100}
ROUNDS=${ROUNDS:-20}
SIZE=${SIZE:-64K}
HEAP=${HEAP:-256m}
WARM_REDEEMS=${WARM_REDEEMS:-20}
OUT=${OUT:-$ROOT/bench/out/redeem}
[[ $N =~ ^[1-9][0-9]*$ && $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "N and ROUNDS must be positive integers"
[[ $WARM_ROUNDS =~ ^[0-9]+$ ]] || die "WARM_ROUNDS must be a whole number, not '$WARM_ROUNDS'"
[[ $WARM_REDEEMS =~ ^[0-9]+$ ]] || die "WARM_REDEEMS must be a whole number, not '$WARM_REDEEMS'"
FILE_BYTES=$(bytes "$SIZE") || die "SIZE must look like 64K, not '$SIZE'"

cleanup() { stop_server; [[ ${KEEP:-0} == 1 ]] || rm -rf "$OUT/server/data" "$OUT/rx"; }
trap cleanup EXIT

main() {
  ensure_jars
  rm -rf "$OUT"; mkdir -p "$OUT"
  log "load average before: $(loadavg)"
  # shellcheck disable=SC2086
  mkdir -p "$OUT/server"
  many_receivers_config "$OUT/server/server.properties" "$N"
  SERVER_CONFIG="$OUT/server/server.properties" start_server "$OUT/server" "-Xmx$HEAP" ${SERVER_JAVA_OPTS:-}
  make_profiles "$OUT/server" "$OUT/profiles"
  head -c "$FILE_BYTES" /dev/urandom >"$OUT/file.bin"
  local json file_id
  json=$(sealdrop --home "$OUT/profiles/alice" --json send "$OUT/file.bin" --to bob 2>"$OUT/send.err") \
    || die "sealdrop send failed: $(tail -3 "$OUT/send.err")"
  file_id=$(sed -n 's/.*"file_id":"\([^"]*\)".*/\1/p' <<<"$json")
  [[ -n $file_id ]] || die "no file_id in: $json"

  local total=$((WARM_ROUNDS + ROUNDS))
  # shellcheck disable=SC2086
  java ${CLIENT_JAVA_OPTS:-} -cp "$CLIENT_JAR" "$ROOT/bench/src/MakeGrants.java" "$OUT/profiles/alice" \
    "$SERVER_ADDR" "$file_id" bob "$((N * total))" >"$OUT/tokens" 2>"$OUT/grants.err" \
    || die "MakeGrants failed: $(tail -3 "$OUT/grants.err")"
  log "$total rounds of $N redeems ($WARM_ROUNDS warm-up), load average $(loadavg)"
  local r rc=0 all=$OUT/redeem_ms.timed label
  # shellcheck disable=SC2086
  java ${CLIENT_JAVA_OPTS:-} -Dbench.warmRedeems="$WARM_REDEEMS" -Dbench.bursts="$total" -cp "$CLIENT_JAR" \
    "$ROOT/bench/src/LoadReceivers.java" "$OUT/profiles/bob" "$SERVER_ADDR" alice "$OUT/tokens" "$OUT/rx" \
    >"$OUT/receivers.out" 2>"$OUT/receivers.err" || rc=1
  : >"$all"
  for r in $(seq 1 "$total"); do
    awk -v r="$r" '/^receiver .* redeem_ms/ && $NF == r && $(NF - 1) == "burst" {
        for (i = 1; i <= NF; i++) if ($i == "redeem_ms") print $(i + 1) }' "$OUT/receivers.out" >"$OUT/redeem_ms.$r"
    if ((r <= WARM_ROUNDS)); then
      label="warm-up $r"
    else
      label="round $((r - WARM_ROUNDS))"
      cat "$OUT/redeem_ms.$r" >>"$all"
    fi
    printf '%s: redeem p50 %s ms, p99 %s ms, max %s ms (%s of %s ok)\n' "$label" \
      "$(percentile 50 "$OUT/redeem_ms.$r")" "$(percentile 99 "$OUT/redeem_ms.$r")" \
      "$(percentile 100 "$OUT/redeem_ms.$r")" "$(wc -l <"$OUT/redeem_ms.$r")" "$N"
  done
  if [[ -s $all ]]; then
    printf 'rounds 1-%d after %d warm-up: redeem p50 %s ms, p99 %s ms, max %s ms (%s redeems)\n' "$ROUNDS" \
      "$WARM_ROUNDS" "$(percentile 50 "$all")" "$(percentile 99 "$all")" "$(percentile 100 "$all")" "$(wc -l <"$all")"
  fi
  log "load average after: $(loadavg)"
  ((rc == 0)) || { grep -h -m3 FAILED "$OUT/receivers.out" >&2 || tail -3 "$OUT/receivers.err" >&2; die "some receivers failed"; }
}

main "$@"
