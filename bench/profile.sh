#!/usr/bin/env bash
# Where a send's and a receive's CPU goes, per thread, in both JVMs: one server warmed as a long-running one is
# (WARM_ROUNDS untimed sends and receives of the file), then one `sealdrop send` and one `sealdrop receive` of it,
# each CLI JVM run with async-profiler (from Maven Central, checksum pinned) and the server profiled for that step
# only (attached with jcmd). Prints, for each JVM and step, the CPU seconds of each thread (threads of one kind
# summed: "sealdrop-nettyN" as one) and the frames where each spent most; keeps the collapsed stacks in $OUT.
# Measures only; writes no doc. docs/benchmarks.md, "Session 60", came from this.
#
#   bench/profile.sh                      # 1 GiB, cpu samples every 1 ms
#   SIZE=256M EVENT=wall bench/profile.sh # wall clock instead: where threads wait (all threads, running or not)
#
# Environment: SIZE (1G), WARM_ROUNDS (3), EVENT (cpu or wall), INTERVAL (1ms), TOP (6 frames per thread),
# OUT (bench/out/profile), SERVER_JAVA_OPTS, CLIENT_JAVA_OPTS.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=${SIZE:-1G}
WARM_ROUNDS=${WARM_ROUNDS:-3}
EVENT=${EVENT:-cpu}
INTERVAL=${INTERVAL:-1ms}
TOP=${TOP:-6}
OUT=${OUT:-$ROOT/bench/out/profile}
[[ $WARM_ROUNDS =~ ^[0-9]+$ ]] || die "WARM_ROUNDS must be a whole number, not '$WARM_ROUNDS'"
[[ $EVENT == cpu || $EVENT == wall ]] || die "EVENT must be cpu or wall, not '$EVENT'"
[[ $TOP =~ ^[1-9][0-9]*$ ]] || die "TOP must be a positive integer"
FILE_BYTES=$(bytes "$SIZE") || die "SIZE must look like 1G, not '$SIZE'"
[[ $(uname -s) == Linux && $(uname -m) == x86_64 ]] || die "async-profiler's build used here is for Linux x86-64"

AP_VERSION=4.1
AP_SHA256=d4d74707248527b024abeb5d5d4e270e4b4ba4ededc061941795a0f67d3bd706
AP_DIR=$ROOT/bench/out/async-profiler-$AP_VERSION
AP=$AP_DIR/linux-x64/libasyncProfiler.so
if [[ ! -f $AP ]]; then
  mkdir -p "$AP_DIR"
  jar=$AP_DIR/async-profiler-$AP_VERSION-linux-x64.jar
  curl -sSf -o "$jar" \
    "https://repo1.maven.org/maven2/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION-linux-x64.jar"
  echo "$AP_SHA256  $jar" | sha256sum -c --quiet - || { rm -f "$jar"; die "async-profiler's checksum does not match"; }
  (cd "$AP_DIR" && unzip -oq "$jar" 'linux-x64/*')
fi
command -v jcmd >/dev/null || die "jcmd (from the JDK) is needed to profile the running server"

ensure_jars
rm -rf "$OUT/server" "$OUT/profiles" "$OUT/rx" "$OUT"/*.collapsed
mkdir -p "$OUT/data" "$OUT/rx"
FILE=$OUT/data/random-$SIZE.bin
[[ -f $FILE && $(stat -c %s "$FILE") == "$FILE_BYTES" ]] || head -c "$FILE_BYTES" /dev/urandom >"$FILE"
CDS_CACHE=$OUT/cds
trap stop_server EXIT
start_server "$OUT/server" ${SERVER_JAVA_OPTS:-}
make_profiles "$OUT/server" "$OUT/profiles"
for ((i = 1; i <= WARM_ROUNDS; i++)); do
  log "warming the server: untimed send and receive $i of $WARM_ROUNDS"
  token=$(send_token "$OUT/profiles" "$FILE")
  rm -rf "$OUT/rx"; mkdir -p "$OUT/rx"
  sealdrop --home "$OUT/profiles/bob" --json receive "$token" -o "$OUT/rx" >/dev/null
done

# summary FILE: per thread kind, its seconds and its TOP leaf frames (samples are INTERVAL apart)
summary() {
  local ms=${INTERVAL%ms}
  [[ $ms =~ ^[0-9]+$ ]] || ms=1
  awk -v ms="$ms" -v top="$TOP" '
    { n = $NF; stack = substr($0, 1, length($0) - length(n) - 1); k = split(stack, f, ";")
      t = f[1]; gsub(/ tid=[0-9]+/, "", t); gsub(/[0-9]+/, "N", t)
      total += n; thread[t] += n; leaf[t SUBSEP f[k]] += n }
    END {
      printf "  all threads: %.2f s\n", total * ms / 1000
      for (t in thread) order[t] = thread[t]
      while (length(order) > 0) {
        best = ""; for (t in order) if (best == "" || order[t] > order[best]) best = t
        delete order[best]
        if (thread[best] * ms < 10) continue
        printf "  %7.2f s %s\n", thread[best] * ms / 1000, best
        delete l; for (key in leaf) { split(key, p, SUBSEP); if (p[1] == best) l[p[2]] = leaf[key] }
        for (i = 0; i < top && length(l) > 0; i++) {
          b = ""; for (x in l) if (b == "" || l[x] > l[b]) b = x
          printf "            %6.3f s  %s\n", l[b] * ms / 1000, substr(b, 1, 100); delete l[b]
        }
      }
    }' "$1"
}

for step in send receive; do
  sync
  jcmd "$SERVER_PID" JVMTI.agent_load "$AP" "\"start,event=$EVENT,interval=$INTERVAL,threads\"" >/dev/null
  opts="${CLIENT_JAVA_OPTS:-} -agentpath:$AP=start,event=$EVENT,interval=$INTERVAL,threads,collapsed,file=$OUT/cli-$step.collapsed"
  t0=$(now)
  if [[ $step == send ]]; then
    CLIENT_JAVA_OPTS=$opts sealdrop --home "$OUT/profiles/alice" --json send "$FILE" --to bob >"$OUT/send.json"
    token=$(sed -n 's/.*"token":"\([^"]*\)".*/\1/p' "$OUT/send.json")
  else
    rm -rf "$OUT/rx"; mkdir -p "$OUT/rx"
    CLIENT_JAVA_OPTS=$opts sealdrop --home "$OUT/profiles/bob" --json receive "$token" -o "$OUT/rx" >/dev/null
    cmp -s "$FILE" "$OUT/rx/$(basename "$FILE")" || die "the received copy differs"
  fi
  t1=$(now)
  jcmd "$SERVER_PID" JVMTI.agent_load "$AP" "\"stop,file=$OUT/server-$step.collapsed,collapsed\"" >/dev/null
  echo "$step of $SIZE: $(elapsed "$t0" "$t1") s wall (with the profiler); $EVENT samples every $INTERVAL"
  echo " CLI (sealdrop $step):"
  summary "$OUT/cli-$step.collapsed"
  echo " server:"
  summary "$OUT/server-$step.collapsed"
done
log "collapsed stacks (one line per stack: [thread];frame;...;frame samples) in $OUT"
