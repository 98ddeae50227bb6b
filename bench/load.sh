#!/usr/bin/env bash
# Load test: N concurrent senders (separate `sealdrop send` JVMs) of SIZE each, then N concurrent
# receivers (bench/src/LoadReceivers.java: one TLS connection each, redeem at the same instant,
# download, open+verify, confirm) against ONE server started with -Xmx$HEAP. Reports aggregate
# MB/s, the server's peak RSS (VmHWM) and heap, p50/p99 redeem latency; fails (exit 1) unless every
# received file is byte-identical (sha256) and the server logged no OutOfMemoryError.
#
#   bench/load.sh                 # N=32 SIZE=64M HEAP=256m, updates docs/benchmarks.md
#   N=4 SIZE=8M WRITE_DOC=0 bench/load.sh     # smoke run
#
# Environment: N (32), SIZE (64M), HEAP (256m), OUT (bench/out/load), WRITE_DOC (1), BUILD (0),
# KEEP (0 = delete files and server data at the end), WARM_REDEEMS (20: untimed redeems of unknown
# tokens per receiver connection before the timed burst), CLIENT_JAVA_OPTS, SERVER_JAVA_OPTS.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-32}
SIZE=${SIZE:-64M}
HEAP=${HEAP:-256m}
WARM_REDEEMS=${WARM_REDEEMS:-20}
OUT=${OUT:-$ROOT/bench/out/load}
DOC=${DOC:-$ROOT/docs/benchmarks.md}
WRITE_DOC=${WRITE_DOC:-1}
COMMAND="N=$N SIZE=$SIZE HEAP=$HEAP WARM_REDEEMS=$WARM_REDEEMS bench/load.sh"
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$N'"
[[ $WARM_REDEEMS =~ ^[0-9]+$ ]] || die "WARM_REDEEMS must be a whole number, not '$WARM_REDEEMS'"
FILE_BYTES=$(bytes "$SIZE") || die "SIZE must look like 64M, not '$SIZE'"
TOTAL=$((N * FILE_BYTES))
FAILURES=()

SAMPLER_PID=
cleanup() {
  [[ -z $SAMPLER_PID ]] || kill "$SAMPLER_PID" 2>/dev/null || true
  stop_server
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$OUT/files" "$OUT/rx" "$OUT/server/data"; fi
}
trap cleanup EXIT

make_files() {
  mkdir -p "$OUT/files"
  local i f
  for i in $(seq -w 1 "$N"); do
    f=$OUT/files/file-$i.bin
    [[ -f $f && $(stat -c %s "$f") == "$FILE_BYTES" ]] || head -c "$FILE_BYTES" /dev/urandom >"$f"
  done
}

# sample_rss PID FILE: VmRSS/VmHWM (kB) every 0.5 s until the process is gone.
sample_rss() {
  while [[ -r /proc/$1/status ]]; do
    awk '/^VmRSS|^VmHWM/ { printf "%s %s ", $1, $2 } END { print "" }' "/proc/$1/status" 2>/dev/null >>"$2" || true
    sleep 0.5
  done
}

main() {
  ensure_jars
  rm -rf "$OUT/server" "$OUT/rx" "$OUT/send"; mkdir -p "$OUT/send" "$OUT/rx"
  log "generating $N files of $SIZE"
  make_files
  local started; started=$(date -u '+%Y-%m-%d %H:%M UTC')
  local load_before; load_before=$(loadavg)
  # shellcheck disable=SC2086
  mkdir -p "$OUT/server"
  many_receivers_config "$OUT/server/server.properties" "$N"
  SERVER_CONFIG="$OUT/server/server.properties" \
    start_server "$OUT/server" "-Xmx$HEAP" "-Xlog:gc:file=$OUT/server/gc.log" ${SERVER_JAVA_OPTS:-}
  sample_rss "$SERVER_PID" "$OUT/server/rss.log" &
  SAMPLER_PID=$!
  log "creating alice and bob profiles"
  make_profiles "$OUT/server" "$OUT/profiles"

  log "phase 1: $N concurrent senders x $SIZE"
  local t0 t1 i pids=()
  t0=$(now)
  for i in $(seq -w 1 "$N"); do
    sealdrop --home "$OUT/profiles/alice" --json send "$OUT/files/file-$i.bin" --to bob \
      >"$OUT/send/$i.json" 2>"$OUT/send/$i.err" &
    pids+=($!)
  done
  local bad=0
  for i in "${pids[@]}"; do wait "$i" || bad=$((bad + 1)); done
  t1=$(now)
  local send_s; send_s=$(elapsed "$t0" "$t1")
  ((bad == 0)) || FAILURES+=("$bad of $N senders failed (see $OUT/send/*.err)")
  : >"$OUT/tokens"
  for i in $(seq -w 1 "$N"); do
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$OUT/send/$i.json" >>"$OUT/tokens"
  done
  (($(wc -l <"$OUT/tokens") == N)) || die "only $(wc -l <"$OUT/tokens") of $N sends produced a token: ${FAILURES[*]}"

  log "phase 2: $N concurrent receivers"
  local recv_rc=0
  t0=$(now)
  # shellcheck disable=SC2086
  java ${CLIENT_JAVA_OPTS:-} -Dbench.warmRedeems="$WARM_REDEEMS" -cp "$CLIENT_JAR" "$ROOT/bench/src/LoadReceivers.java" "$OUT/profiles/bob" "$SERVER_ADDR" \
    alice "$OUT/tokens" "$OUT/rx" >"$OUT/receivers.out" 2>"$OUT/receivers.err" || recv_rc=$?
  t1=$(now)
  local recv_s; recv_s=$(elapsed "$t0" "$t1")
  ((recv_rc == 0)) || FAILURES+=("receivers failed (exit $recv_rc): $(grep -m3 FAILED "$OUT/receivers.out" || tail -3 "$OUT/receivers.err")")

  log "checking every received file (sha256)"
  local ok=0 f name got
  for f in "$OUT"/files/file-*.bin; do
    name=$(basename "$f")
    got=$(find "$OUT/rx" -name "$name" -type f | head -1)
    if [[ -n $got && $(sha256sum <"$f") == "$(sha256sum <"$got")" ]]; then ok=$((ok + 1)); fi
  done
  ((ok == N)) || FAILURES+=("only $ok of $N received files are byte-identical")

  local hwm_kb=0
  if [[ -r /proc/$SERVER_PID/status ]]; then
    hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")
  else
    FAILURES+=("the server exited during the test (see $OUT/server/server.log)")
  fi
  local oom; oom=$(cat "$OUT/server/server.log" "$OUT/server/server.out" | grep -c 'OutOfMemoryError' || true)
  ((oom == 0)) || FAILURES+=("the server logged OutOfMemoryError $oom time(s)")
  stop_server
  local heap_peak
  heap_peak=$(grep -o '[0-9]*M->[0-9]*M([0-9]*M)' "$OUT/server/gc.log" | awk -F'[M>(-]' '{ if ($1 > m) m = $1 } END { print m + 0 }')
  local load_after; load_after=$(loadavg)

  awk '/^receiver .* redeem_ms/ { for (i = 1; i <= NF; i++) if ($i == "redeem_ms") print $(i + 1) }' \
    "$OUT/receivers.out" >"$OUT/redeem_ms"
  awk '/^receiver .* connect_ms/ { for (i = 1; i <= NF; i++) if ($i == "connect_ms") print $(i + 1) }' \
    "$OUT/receivers.out" >"$OUT/connect_ms"
  local p50=n/a p99=n/a pmax=n/a dl_med=n/a open_med=n/a
  if [[ -s $OUT/redeem_ms ]]; then
    p50=$(percentile 50 "$OUT/redeem_ms"); p99=$(percentile 99 "$OUT/redeem_ms"); pmax=$(percentile 100 "$OUT/redeem_ms")
    mapfile -t dl < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "download_ms") print $(i + 1) }' "$OUT/receivers.out")
    mapfile -t op < <(awk '{ for (i = 1; i <= NF; i++) if ($i == "open_ms") print $(i + 1) }' "$OUT/receivers.out")
    dl_med=$(printf '%.0f' "$(median "${dl[@]}")"); open_med=$(printf '%.0f' "$(median "${op[@]}")")
  fi
  local wall_ms; wall_ms=$(awk '/^wall_ms/ { print $2 }' "$OUT/receivers.out")

  local body; body=$(mktemp)
  {
    echo "Written by \`bench/load.sh\` (this section is replaced on every run)."
    echo "$N senders (one \`sealdrop send\` JVM each) upload $N different $SIZE random files at once; then $N"
    echo "receivers (\`bench/src/LoadReceivers.java\`: one JVM, $N threads, one mutual-TLS connection each: redeem →"
    echo "download to a spool file → open and verify it → confirm; \`sealdrop receive\` opens while it downloads, with no"
    echo "spool, so these download and open figures include a write and a read of each file that it does not make) redeem at the same"
    echo "instant (one burst: downloads start once every receiver has redeemed, so that on this one shared machine"
    echo "the receivers' own decryption does not inflate the redeem times). Before the timed burst each connection"
    echo "makes $WARM_REDEEMS untimed redeems of unknown tokens, and the receivers' JVM runs with the CLI's compiler policy"
    echo "(C2 for the bulk crypto only), so that the one receiver JVM standing in for $N machines spends the shared"
    echo "cores as $N CLI processes would. One server, \`-Xmx$HEAP\`, with \`max-download-streams\`,"
    echo "\`max-download-streams-per-identity\`, \`max-upload-streams\` and \`max-upload-streams-per-identity\` all raised to"
    echo "$((N > 32 ? N : 32)) (defaults with this heap: 25 upload streams, 8 per identity; bob and alice stand in for $N machines each)."
    echo "MB = 10^6 bytes."
    echo
    echo "- Command: \`$COMMAND\`"
    echo "- Date: $started"
    machine_facts
    echo "- Load average (1/5/15 min) before: $load_before; after: $load_after"
    echo
    echo "| Measure | Result |"
    echo "|---|---|"
    echo "| Upload phase ($N senders, incl. JVM starts) | $(printf '%.1f' "$send_s") s, **$(mbps "$TOTAL" "$send_s") MB/s** aggregate |"
    echo "| Download phase ($N receivers, incl. open+verify) | $(printf '%.1f' "$recv_s") s process, ${wall_ms:-n/a} ms after the start signal, **$(mbps "$TOTAL" "$recv_s") MB/s** aggregate |"
    echo "| Redeem latency (RPC on an open connection, $N at once) | p50 **$p50 ms**, p99 **$p99 ms** (max $pmax ms; target p99 < 50 ms) |"
    echo "| Per receiver, median | download $dl_med ms, open+verify $open_med ms |"
    echo "| Server peak RSS (VmHWM) | **$((hwm_kb / 1024)) MiB** |"
    echo "| Server heap | capped at $HEAP; largest heap occupancy before a GC: ${heap_peak} MiB |"
    echo "| Files byte-identical (sha256) | $ok of $N |"
    echo "| OutOfMemoryError in the server log | $oom |"
    echo "| Verdict | $([[ ${#FAILURES[@]} == 0 ]] && echo "pass" || echo "FAIL: ${FAILURES[*]}") |"
  } >"$body"
  echo; cat "$body"
  if [[ $WRITE_DOC == 1 ]]; then
    replace_section "$DOC" "Load: concurrent senders and receivers" "$body"
    log "updated $DOC"
  fi
  rm -f "$body"
  if ((${#FAILURES[@]} > 0)); then
    printf 'bench/load.sh: FAIL: %s\n' "${FAILURES[@]}" >&2
    exit 1
  fi
}

main "$@"
