#!/usr/bin/env bash
# Redeem latency alone (issue 8 target: p99 < 50 ms with 32 concurrent receivers): the redeem
# burst of bench/load.sh without its 32 sender JVMs, repeated. One server (-Xmx$HEAP); alice sends
# one small file once; then, per round, bench/src/MakeGrants.java grants it to bob N times and
# bench/src/LoadReceivers.java redeems the N grants at the same instant (one TLS connection each,
# connected before the start signal), downloads, opens, verifies and confirms. Prints p50/p99/max
# per round and over all rounds after the first (the first also pays the server's JIT warm-up).
# Measures only; writes no doc. Exit 1 if any receiver failed.
#
#   bench/redeem.sh                        # N=32 ROUNDS=6
#   SERVER_JAR=/path/old-server.jar bench/redeem.sh   # the same against another build (A/B)
#
# Environment: N (32), ROUNDS (6), SIZE (64K), HEAP (256m), OUT (bench/out/redeem), BUILD (0),
# WARM_REDEEMS (20: untimed redeems of unknown tokens per receiver connection before the burst),
# CLIENT_JAVA_OPTS, SERVER_JAVA_OPTS (e.g. -XX:StartFlightRecording=filename=/tmp/redeem.jfr,settings=profile).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-32}
ROUNDS=${ROUNDS:-6}
SIZE=${SIZE:-64K}
HEAP=${HEAP:-256m}
WARM_REDEEMS=${WARM_REDEEMS:-20}
OUT=${OUT:-$ROOT/bench/out/redeem}
[[ $N =~ ^[1-9][0-9]*$ && $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "N and ROUNDS must be positive integers"
[[ $WARM_REDEEMS =~ ^[0-9]+$ ]] || die "WARM_REDEEMS must be a whole number, not '$WARM_REDEEMS'"
FILE_BYTES=$(bytes "$SIZE") || die "SIZE must look like 64K, not '$SIZE'"

cleanup() { stop_server; [[ ${KEEP:-0} == 1 ]] || rm -rf "$OUT/server/data" "$OUT/rx"; }
trap cleanup EXIT

main() {
  ensure_jars
  rm -rf "$OUT"; mkdir -p "$OUT"
  log "load average before: $(loadavg)"
  # shellcheck disable=SC2086
  start_server "$OUT/server" "-Xmx$HEAP" ${SERVER_JAVA_OPTS:-}
  make_profiles "$OUT/server" "$OUT/profiles"
  head -c "$FILE_BYTES" /dev/urandom >"$OUT/file.bin"
  local json file_id
  json=$(sealdrop --home "$OUT/profiles/alice" --json send "$OUT/file.bin" --to bob 2>"$OUT/send.err") \
    || die "sealdrop send failed: $(tail -3 "$OUT/send.err")"
  file_id=$(sed -n 's/.*"file_id":"\([^"]*\)".*/\1/p' <<<"$json")
  [[ -n $file_id ]] || die "no file_id in: $json"

  local r rc=0 all=$OUT/redeem_ms.all
  : >"$all"
  for r in $(seq 1 "$ROUNDS"); do
    # shellcheck disable=SC2086
    java ${CLIENT_JAVA_OPTS:-} -cp "$CLIENT_JAR" "$ROOT/bench/src/MakeGrants.java" "$OUT/profiles/alice" \
      "$SERVER_ADDR" "$file_id" bob "$N" >"$OUT/tokens.$r" 2>"$OUT/grants.$r.err" \
      || die "MakeGrants failed: $(tail -3 "$OUT/grants.$r.err")"
    rm -rf "$OUT/rx"
    # shellcheck disable=SC2086
    java ${CLIENT_JAVA_OPTS:-} -Dbench.warmRedeems="$WARM_REDEEMS" -cp "$CLIENT_JAR" "$ROOT/bench/src/LoadReceivers.java" "$OUT/profiles/bob" \
      "$SERVER_ADDR" alice "$OUT/tokens.$r" "$OUT/rx" >"$OUT/receivers.$r.out" 2>"$OUT/receivers.$r.err" || rc=1
    awk '/^receiver .* redeem_ms/ { for (i = 1; i <= NF; i++) if ($i == "redeem_ms") print $(i + 1) }' \
      "$OUT/receivers.$r.out" >"$OUT/redeem_ms.$r"
    ((r == 1)) || cat "$OUT/redeem_ms.$r" >>"$all"
    printf 'round %d: redeem p50 %s ms, p99 %s ms, max %s ms (%s of %s ok); load %s\n' "$r" \
      "$(percentile 50 "$OUT/redeem_ms.$r")" "$(percentile 99 "$OUT/redeem_ms.$r")" \
      "$(percentile 100 "$OUT/redeem_ms.$r")" "$(wc -l <"$OUT/redeem_ms.$r")" "$N" "$(loadavg)"
  done
  if [[ -s $all ]]; then
    printf 'rounds 2-%d: redeem p50 %s ms, p99 %s ms, max %s ms (%s redeems)\n' "$ROUNDS" "$(percentile 50 "$all")" \
      "$(percentile 99 "$all")" "$(percentile 100 "$all")" "$(wc -l <"$all")"
  fi
  log "load average after: $(loadavg)"
  ((rc == 0)) || { grep -h -m3 FAILED "$OUT"/receivers.*.out >&2 || true; die "some receivers failed"; }
}

main "$@"
