#!/usr/bin/env bash
# SFTP upload load test: N concurrent OpenSSH `sftp -b` runs, each putting the same sealed SIZE file
# into alice's /outbox/ through sealdrop's SFTP door, against ONE server started with -Xmx$HEAP and
# the server-wide upload-stream cap (max-upload-streams=$CAP, max-upload-streams-per-identity=$SHARE).
# Puts past the cap are refused at open (SSH_FX_FAILURE "server busy: ... [SERVER_BUSY]"; OpenSSH
# prints `dest open "/outbox/i.sd": Failure`) and create no upload (the slot is taken before the upload is
# created; the audit log's stream-refused abandons count any that were not). Reports how many runs exited 0, how many
# were refused and how (other failures are listed with their message), how many files the server
# committed (`sealdrop files` as alice), OutOfMemoryErrors in the server's logs, the server's peak RSS,
# its live heap after the last full GC (-Xlog:gc), the wall time and aggregate MB/s of the successful
# puts. Then a slot-leak check: one more put must succeed, and min(CAP, SHARE) puts at once must all
# succeed (a slot leaked by the burst would refuse one of them).
# Prints a markdown table; never writes docs/benchmarks.md.
#
#   bench/sftp-load.sh                              # N=48 SIZE=64M HEAP=256m CAP=32 SHARE=32
#   N=48 SHARE=8 bench/sftp-load.sh                 # the default per-identity share
#   N=4 SIZE=8M bench/sftp-load.sh                  # smoke run
#   OLD=1 SERVER_JAR=/tmp/old/server/target/sealdrop-server.jar bench/sftp-load.sh
#                                                   # a build before the cap (it refuses the cap's keys)
#
# Exit 1 if the server logged any OutOfMemoryError, if any sftp run failed other than by the busy refusal
# at open (including a run killed after RUN_TIMEOUT), if the committed file count does not match the
# successful runs, if the server died, or if the leak check fails.
#
# Environment: N (48), SIZE (64M: random bytes, sealed once for bob), HEAP (256m), CAP (32: max-upload-streams),
# SHARE (CAP: max-upload-streams-per-identity, so that one identity can fill the server-wide cap), OLD (0; 1 =
# omit the two max-upload-streams keys, for servers built before them), SERVER_JAR (lib.sh: the server jar to
# run), OUT (bench/out/sftp-load), DATA (bench/out/data, shared with run.sh/sftp.sh), RUN_TIMEOUT (300: seconds
# before an sftp run counts as hung and is killed), LEAK_CHECK (1; 0 = skip the concurrent re-put), CIPHER
# (empty = OpenSSH's default), KEEP (0 = delete server data at the end), BUILD (0), INSTALL_SSH (1),
# SERVER_JAVA_OPTS, CLIENT_JAVA_OPTS.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-48}
SIZE=${SIZE:-64M}
HEAP=${HEAP:-256m}
CAP=${CAP:-32}
SHARE=${SHARE:-$CAP}
OLD=${OLD:-0}
OUT=${OUT:-$ROOT/bench/out/sftp-load}
DATA=${DATA:-$ROOT/bench/out/data}
RUN_TIMEOUT=${RUN_TIMEOUT:-300}
LEAK_CHECK=${LEAK_CHECK:-1}
CIPHER=${CIPHER:-}
[[ $N =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, not '$N'"
[[ $CAP =~ ^[1-9][0-9]*$ ]] || die "CAP must be a positive integer, not '$CAP'"
[[ $SHARE =~ ^[1-9][0-9]*$ ]] || die "SHARE must be a positive integer, not '$SHARE'"
((SHARE <= CAP)) || die "SHARE ($SHARE) must not exceed CAP ($CAP)"
[[ $RUN_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "RUN_TIMEOUT must be a positive integer (seconds), not '$RUN_TIMEOUT'"
FILE_BYTES=$(bytes "$SIZE") || die "SIZE must look like 64M, not '$SIZE'"
if [[ $OLD == 1 ]]; then
  COMMAND="N=$N SIZE=$SIZE HEAP=$HEAP OLD=1 SERVER_JAR=$SERVER_JAR bench/sftp-load.sh"
else
  COMMAND="N=$N SIZE=$SIZE HEAP=$HEAP CAP=$CAP SHARE=$SHARE bench/sftp-load.sh"
fi
FAILURES=()

SAMPLER_PID=
cleanup() {
  [[ -z $SAMPLER_PID ]] || kill "$SAMPLER_PID" 2>/dev/null || true
  local p
  for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done # sftp runs still going (interrupted run)
  stop_server
  if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$OUT/server/data" "$OUT/sealed"; fi
}
trap cleanup EXIT

# sample_rss PID FILE: VmRSS/VmHWM (kB) every 0.5 s until the process is gone (as bench/load.sh).
if ! declare -F sample_rss >/dev/null; then
  sample_rss() {
    while [[ -r /proc/$1/status ]]; do
      awk '/^VmRSS|^VmHWM/ { printf "%s %s ", $1, $2 } END { print "" }' "/proc/$1/status" 2>/dev/null >>"$2" || true
      sleep 0.5
    done
  }
fi

# sd_sftp BATCH_FILE: one OpenSSH sftp batch run as alice against the door (own known_hosts, no config).
sd_sftp() {
  local cipher=()
  [[ -z $CIPHER ]] || cipher=(-c "$CIPHER")
  timeout -k 10 "$RUN_TIMEOUT" sftp -q -P "$SFTP_PORT" -i "$OUT/keys/alice" -F /dev/null -o BatchMode=yes \
    -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$OUT/keys/known_hosts" \
    -o GlobalKnownHostsFile=/dev/null "${cipher[@]}" -b "$1" alice@127.0.0.1
}

# run_put DIR NAME FILE: puts FILE as /outbox/NAME.sd; writes DIR/NAME.{out,err,res} (res: rc t0 t1).
run_put() {
  local dir=$1 name=$2 file=$3 rc=0 t0 t1
  printf 'put %s /outbox/%s.sd\n' "$file" "$name" >"$dir/$name.batch"
  t0=$(now)
  sd_sftp "$dir/$name.batch" >"$dir/$name.out" 2>"$dir/$name.err" || rc=$?
  t1=$(now)
  echo "$rc $t0 $t1" >"$dir/$name.res"
}

# burst DIR COUNT FILE: COUNT concurrent run_put, waits for all.
burst() {
  local dir=$1 count=$2 file=$3 i pids=()
  rm -rf "$dir"; mkdir -p "$dir"
  for i in $(seq 1 "$count"); do
    run_put "$dir" "$i" "$file" &
    pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || true; done
}

# classify DIR: sets OK, REFUSED, OTHER and writes DIR/refused.msgs, DIR/other.msgs (one normalised message a run).
classify() {
  local dir=$1 f rc name msg
  OK=0; REFUSED=0; OTHER=0
  : >"$dir/refused.msgs"; : >"$dir/other.msgs"; : >"$dir/ok.list"
  for f in "$dir"/*.res; do
    name=$(basename "$f" .res)
    read -r rc _ <"$f"
    if [[ $rc == 0 ]]; then
      OK=$((OK + 1)); echo "$name" >>"$dir/ok.list"; continue
    fi
    msg=$(tr -d '\r' <"$dir/$name.err" | grep -v '^[[:space:]]*$' | grep -v '^sftp> ' | tail -1 | sed -E 's/[0-9]+\.sd/N.sd/g' || true)
    [[ -n $msg ]] || msg="(no message)"
    if [[ $rc == 124 || $rc == 137 ]]; then
      OTHER=$((OTHER + 1)); echo "exit $rc (killed after ${RUN_TIMEOUT}s: hung): $msg" >>"$dir/other.msgs"
    elif tr -d '\r' <"$dir/$name.err" | grep -Eq '^(dest open "[^"]*"|remote open\(.*\)): Failure$'; then
      # OpenSSH 9.x: dest open "/outbox/i.sd": Failure (older: remote open("..."): Failure): refused at open
      REFUSED=$((REFUSED + 1)); echo "$msg" >>"$dir/refused.msgs"
    else
      OTHER=$((OTHER + 1)); echo "exit $rc: $msg" >>"$dir/other.msgs"
    fi
  done
}

# msgs FILE: "COUNT x MESSAGE; ..." or "none".
msgs() {
  if [[ ! -s $1 ]]; then echo none; return; fi
  sort "$1" | uniq -c | sort -rn | awk '{ c = $1; $1 = ""; sub(/^ /, ""); printf "%s%d × `%s`", (NR > 1 ? "; " : ""), c, $0 }'
}

# span DIR LIST: seconds from the first run's start to the last end among the runs named in LIST (all if empty).
span() {
  local dir=$1 list=${2:-}
  local files=()
  if [[ -n $list ]]; then
    mapfile -t names <"$list"
    ((${#names[@]} > 0)) || { echo 0; return; }
    local n; for n in "${names[@]}"; do files+=("$dir/$n.res"); done
  else
    files=("$dir"/*.res)
  fi
  awk -v start="$BURST_T0" '{ if ($3 > e) e = $3 } END { printf "%.3f", e - start }' "${files[@]}"
}

# alice_files: "COUNT SIZED" (all of alice's files; those of the sealed file's size), or "n/a n/a".
alice_files() {
  local json
  if json=$(SEALDROP_JAR="$CLIENT_JAR" SEALDROP_JAVA_OPTS="${CLIENT_JAVA_OPTS:-}" XDG_CACHE_HOME="$CDS_CACHE" \
      timeout 120 "$ROOT/client/sealdrop" --home "$OUT/profiles/alice" --json files 2>>"$OUT/files.err"); then
    awk -v want="$SEALED_BYTES" '
      { while (match($0, /"size":[0-9]+/)) { n++; if (substr($0, RSTART + 7, RLENGTH - 7) == want) s++; $0 = substr($0, RSTART + RLENGTH) } }
      END { printf "%d %d", n, s }' <<<"$json"
  else
    echo "n/a n/a"
  fi
}

# lines FILE: its line count (0 if missing): marks a phase's start and end in gc.log and rss.log.
lines() { if [[ -f $1 ]]; then wc -l <"$1"; else echo 0; fi; }

# gc_phase FROM TO: the -Xlog:gc lines FROM+1..TO ("... GC(12) Pause Full (G1 Compaction Pause) 255M->250M(256M) 300ms"):
# prints "FULLS|LAST|RANGE|MAX": full GCs, heap after the last one ("250 of 256 MiB"), min-max heap after full GCs,
# largest heap after any GC (MiB).
gc_phase() {
  awk -v a="$1" -v b="$2" 'NR > a && NR <= b && match($0, /[0-9]+M->[0-9]+M\([0-9]+M\)/) {
      split(substr($0, RSTART, RLENGTH), v, /[^0-9]+/); after = v[2] + 0
      if (after > max) max = after
      if ($0 ~ /Pause Full/) { n++; last = after " of " v[3] " MiB"; if (!lo || after < lo) lo = after; if (after > hi) hi = after }
    }
    END { printf "%d|%s|%s|%d", n, (n ? last : "n/a (no full GC)"), (n ? lo "-" hi " MiB" : "-"), max }' "$OUT/server/gc.log"
}

# rss_phase FROM TO: the largest VmRSS (MiB) sampled in rss.log lines FROM+1..TO.
rss_phase() {
  awk -v a="$1" -v b="$2" 'NR > a && NR <= b { for (i = 1; i < NF; i++) if ($i == "VmRSS:" && $(i + 1) > m) m = $(i + 1) }
    END { printf "%d", m / 1024 }' "$OUT/server/rss.log" 2>/dev/null || echo 0
}

main() {
  command -v sftp >/dev/null && command -v ssh-keygen >/dev/null || ensure_ssh
  ensure_jars
  [[ -f $SERVER_JAR ]] || die "no server jar at $SERVER_JAR"
  mkdir -p "$OUT" "$DATA"
  local raw=$DATA/random-$SIZE.bin
  if [[ ! -f $raw || $(stat -c %s "$raw") != "$FILE_BYTES" ]]; then
    log "generating $raw ($FILE_BYTES random bytes)"
    head -c "$FILE_BYTES" /dev/urandom >"$raw.tmp" && mv "$raw.tmp" "$raw"
  fi
  rm -rf "$OUT/server" "$OUT/keys" "$OUT/sealed" "$OUT/runs" "$OUT/check" "$OUT/leak" "$OUT/files.err"
  mkdir -p "$OUT/server" "$OUT/keys" "$OUT/sealed"

  SFTP_PORT=$(free_port)
  {
    echo "sftp-port=$SFTP_PORT"
    echo "sftp-max-sessions-per-identity=$((N + 8))"
    if [[ $OLD != 1 ]]; then
      echo "max-upload-streams=$CAP"
      echo "max-upload-streams-per-identity=$SHARE"
    fi
  } >"$OUT/server/server.properties"
  # shellcheck disable=SC2086
  SERVER_CONFIG="$OUT/server/server.properties" \
    start_server "$OUT/server" "-Xmx$HEAP" "-Xlog:gc:file=$OUT/server/gc.log" ${SERVER_JAVA_OPTS:-}
  local sftp_addr; sftp_addr=$(sed -n 's/^sftp listening on //p' "$OUT/server/server.out" | head -1)
  [[ ${sftp_addr##*:} == "$SFTP_PORT" ]] || die "the server's SFTP door is not on port $SFTP_PORT (it printed '$sftp_addr')"
  sample_rss "$SERVER_PID" "$OUT/server/rss.log" &
  SAMPLER_PID=$!

  log "creating alice and bob profiles; alice's SSH key"
  make_profiles "$OUT/server" "$OUT/profiles"
  ssh-keygen -q -t ed25519 -N '' -f "$OUT/keys/alice" -C bench-alice
  sealdrop --home "$OUT/profiles/alice" --json keys add-ssh "$OUT/keys/alice.pub" >/dev/null 2>"$OUT/keys/add-ssh.err" \
    || { cat "$OUT/keys/add-ssh.err" >&2; die "sealdrop keys add-ssh failed"; }

  # The door validates envelopes at close: the put file is random bytes sealed for bob (as alice).
  SEALED=$OUT/sealed/sealed.sd
  log "sealing $raw for bob"
  sealdrop --home "$OUT/profiles/alice" --json seal "$raw" --to bob -o "$SEALED" >/dev/null
  SEALED_BYTES=$(stat -c %s "$SEALED")
  head -c 65536 /dev/urandom >"$OUT/sealed/small.raw"
  sealdrop --home "$OUT/profiles/alice" --json seal "$OUT/sealed/small.raw" --to bob -o "$OUT/sealed/small.sd" >/dev/null

  # One small put first: the door works, the host key is in known_hosts before the burst writes it.
  mkdir -p "$OUT/check"
  run_put "$OUT/check" pre "$OUT/sealed/small.sd"
  read -r rc _ <"$OUT/check/pre.res"
  [[ $rc == 0 ]] || { cat "$OUT/check/pre.err" >&2; die "a single small put through the door failed (exit $rc)"; }
  local before; read -r before _ <<<"$(alice_files)"
  [[ $before =~ ^[0-9]+$ ]] || die "sealdrop files failed before the burst (see $OUT/files.err)"
  cat "$SEALED" >/dev/null # page cache

  local started; started=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
  local load_before; load_before=$(loadavg)
  log "burst: $N concurrent sftp puts of $SEALED_BYTES bytes ($([[ $OLD == 1 ]] && echo "no cap set: OLD=1" || echo "cap $CAP, share $SHARE"))"
  local gc0 rss0 gc1 rss1; gc0=$(lines "$OUT/server/gc.log"); rss0=$(lines "$OUT/server/rss.log")
  BURST_T0=$(now)
  burst "$OUT/runs" "$N" "$SEALED"
  sleep 1 # one more RSS sample
  gc1=$(lines "$OUT/server/gc.log"); rss1=$(lines "$OUT/server/rss.log")
  local burst_s; burst_s=$(span "$OUT/runs")
  local load_after_burst; load_after_burst=$(loadavg)
  classify "$OUT/runs"
  local ok=$OK refused=$REFUSED other=$OTHER
  local ok_s=0 agg=n/a
  if ((ok > 0)); then ok_s=$(span "$OUT/runs" "$OUT/runs/ok.list"); agg=$(mbps $((ok * SEALED_BYTES)) "$ok_s"); fi
  log "burst done in ${burst_s}s: $ok ok, $refused refused, $other other"
  ((other == 0)) || FAILURES+=("$other sftp run(s) failed other than by the busy refusal: $(msgs "$OUT/runs/other.msgs")")
  ((ok + refused + other == N)) || FAILURES+=("only $((ok + refused + other)) of $N runs left a result")

  local alive=1
  kill -0 "$SERVER_PID" 2>/dev/null || { alive=0; FAILURES+=("the server died during the burst"); }
  local after sized committed=n/a
  read -r after sized <<<"$(alice_files)"
  if [[ $after =~ ^[0-9]+$ ]]; then
    committed=$((after - before))
    ((committed == ok)) || FAILURES+=("the server committed $committed file(s) for $ok successful put(s)")
    # every committed burst file has the sealed file's size (the pin file and the small check file do not)
    ((sized == committed)) || FAILURES+=("$sized of $committed new file(s) have the sealed file's size $SEALED_BYTES")
  else
    FAILURES+=("sealdrop files failed after the burst (see $OUT/files.err)")
  fi

  # The audit log's view of the refusals: refused before an upload was created (upload.start), or created and given
  # up again because another stream took the last slot between the check and the stream (upload.abandon, server).
  local audit=$OUT/server/data/audit/audit.jsonl audit_refusals=n/a
  if [[ -f $audit ]]; then
    audit_refusals=$(awk '
      /"action":"upload.start"/ && !/"result":"ok"/ { match($0, /"result":"[^"]*"/); r[substr($0, RSTART + 10, RLENGTH - 11)]++; pre++ }
      /"action":"upload.abandon"/ && /"cause":"stream-refused"/ { race++ }
      END { s = ""; for (k in r) s = s (s == "" ? "" : ", ") r[k] " " k; printf "%d refused before an upload was created (%s); %d created, then given up (stream-refused)", pre, (s == "" ? "-" : s), race }' "$audit")
  fi

  # Leak check: slots of finished, refused or failed puts must all be free again.
  local post=n/a leak=n/a leak_mem=n/a leak_k=$((SHARE < CAP ? SHARE : CAP))
  if ((alive)); then
    run_put "$OUT/check" post "$OUT/sealed/small.sd"
    read -r rc _ <"$OUT/check/post.res"
    if [[ $rc == 0 ]]; then post=ok; else
      post="FAILED (exit $rc: $(tail -1 "$OUT/check/post.err"))"; FAILURES+=("the single put after the burst failed: $post")
    fi
    if [[ $LEAK_CHECK == 1 && $OLD != 1 ]]; then
      log "leak check: $leak_k concurrent puts of the sealed file (every slot must be free)"
      local lgc0 lrss0; lgc0=$(lines "$OUT/server/gc.log"); lrss0=$(lines "$OUT/server/rss.log")
      BURST_T0=$(now)
      burst "$OUT/leak" "$leak_k" "$SEALED"
      local leak_s; leak_s=$(span "$OUT/leak")
      sleep 1
      local lgc; IFS='|' read -r -a lgc <<<"$(gc_phase "$lgc0" "$(lines "$OUT/server/gc.log")")"
      leak_mem="peak RSS $(rss_phase "$lrss0" "$(lines "$OUT/server/rss.log")") MiB; ${lgc[0]} full GC(s), heap after them ${lgc[2]}, after the last ${lgc[1]}"
      classify "$OUT/leak"
      leak="$OK of $leak_k ok in ${leak_s} s"
      ((OK == leak_k)) || { leak="$leak; $REFUSED refused ($(msgs "$OUT/leak/refused.msgs")), $OTHER other ($(msgs "$OUT/leak/other.msgs"))"
        FAILURES+=("leak check: only $OK of $leak_k concurrent puts succeeded after the burst"); }
    fi
  fi

  local hwm_kb=0
  if [[ -r /proc/$SERVER_PID/status ]]; then hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status"); fi
  local sampled_kb; sampled_kb=$(awk '{ for (i = 1; i < NF; i++) if ($i ~ /^Vm(RSS|HWM):$/ && $(i + 1) > m) m = $(i + 1) } END { print m + 0 }' "$OUT/server/rss.log" 2>/dev/null || echo 0)
  if ((sampled_kb > hwm_kb)); then hwm_kb=$sampled_kb; fi
  local oom; oom=$(cat "$OUT/server/server.log" "$OUT/server/server.out" | grep -c 'OutOfMemoryError' || true)
  ((oom == 0)) || FAILURES+=("the server logged OutOfMemoryError $oom time(s)")
  local busy_logged; busy_logged=$(grep -c 'upload stream of .* refused' "$OUT/server/server.log" || true)
  stop_server
  kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  local load_after; load_after=$(loadavg)
  local ended; ended=$(date -u '+%Y-%m-%d %H:%M:%S UTC')

  local g; IFS='|' read -r -a g <<<"$(gc_phase "$gc0" "$gc1")"
  local rss_burst; rss_burst=$(rss_phase "$rss0" "$rss1")

  local verdict; if ((${#FAILURES[@]} == 0)); then verdict=pass; else verdict="FAIL: $(printf '%s; ' "${FAILURES[@]}")"; fi
  echo
  echo "### \`$COMMAND\`"
  echo
  echo "- Date: $started → $ended; load average (1/5/15 min) before: $load_before; after the burst: $load_after_burst; at the end: $load_after"
  machine_facts
  echo "- Server: \`java -Xmx$HEAP -Xlog:gc -jar $SERVER_JAR --dev\`; config: $(paste -sd' ' "$OUT/server/server.properties")"
  echo "- Each run: \`sftp -b\` of \`put sealed.sd /outbox/i.sd\` as alice, $SEALED_BYTES bytes ($SIZE random, sealed for bob); MB = 10^6 bytes"
  echo
  echo "| started | ok | refused | committed | OOM | peak RSS (burst) | heap after last full GC (burst) | wall (ok) | aggregate (ok) |"
  echo "|---|---|---|---|---|---|---|---|---|"
  echo "| $N | $ok | $refused$( ((other == 0)) || echo " (+$other other)") | $committed | $oom | $rss_burst MiB | ${g[1]} | $(printf '%.1f' "$ok_s") s | $agg MB/s |"
  echo
  echo "| Detail | Value |"
  echo "|---|---|"
  echo "| Refusal messages (OpenSSH stderr) | $(msgs "$OUT/runs/refused.msgs") |"
  echo "| Other failures | $(msgs "$OUT/runs/other.msgs") |"
  echo "| Audit log (burst) | $audit_refusals |"
  echo "| Server log: refusal warnings (once a minute) | $busy_logged |"
  echo "| Burst wall (first start → last exit, all runs) | $(printf '%.1f' "$burst_s") s |"
  echo "| GC during the burst | ${g[0]} full GC(s), heap after them ${g[2]}; largest heap after any GC: ${g[3]} MiB |"
  echo "| Server peak RSS over the whole run (VmHWM, incl. the leak check) | $((hwm_kb / 1024)) MiB |"
  echo "| Single put after the burst | $post |"
  echo "| Leak check ($leak_k puts at once after the burst) | $leak |"
  echo "| Leak check memory | $leak_mem |"
  echo "| Verdict | $verdict |"
  echo
  log "logs: $OUT/server (server.out, server.log, gc.log, rss.log), $OUT/runs (per run .err/.res)"
  if ((${#FAILURES[@]} > 0)); then
    printf 'bench/sftp-load.sh: FAIL: %s\n' "${FAILURES[@]}" >&2
    exit 1
  fi
}

main "$@"
