#!/usr/bin/env bash
# SFTP door benchmark: OpenSSH's `sftp` client putting and getting the same sealed file through
# sealdrop's SFTP door and through a throwaway OpenSSH sshd, alternately, in one run. See
# bench/README.md. Writes docs/benchmarks.md "SFTP door vs OpenSSH sshd".
#
#   bench/sftp.sh                     # 1 GiB, 3 runs each, updates docs/benchmarks.md
#   SIZE=64M RUNS=1 WRITE_DOC=0 bench/sftp.sh   # smoke run
#
# Environment: SIZE (1G: random bytes, sealed once for the measured file), RUNS (3), OUT
# (bench/out/sftp), DATA (bench/out/data, shared with run.sh), WRITE_DOC (1), BUILD (0), KEEP (0),
# SERVER_JAVA_OPTS (extra server JVM flags, e.g. JFR), CIPHER (aes128-gcm@openssh.com, used for
# both servers; sealdrop offers only AES-GCM), INSTALL_SSH (1), LABEL (a note printed in the doc),
# WARM (64M: the untimed warm-up file, put and got once per server start, so the server's JIT has
# compiled the AES-GCM and SHA-256 paths as in a long-running server), VARIANTS (experiments: "NAME|JAR|JVM_OPTS;NAME|JAR|JVM_OPTS..." measures several server builds or
# settings in the same run, each restarted on the same data folder before its round; an empty JAR
# means SERVER_JAR; the first variant is the one the target verdict refers to).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=${SIZE:-1G}
RUNS=${RUNS:-3}
WARM=${WARM:-64M}
OUT=${OUT:-$ROOT/bench/out/sftp}
DATA=${DATA:-$ROOT/bench/out/data}
DOC=${DOC:-$ROOT/docs/benchmarks.md}
WRITE_DOC=${WRITE_DOC:-1}
CIPHER=${CIPHER:-aes128-gcm@openssh.com}
COMMAND="SIZE=$SIZE RUNS=$RUNS WARM=$WARM${VARIANTS:+ VARIANTS='$VARIANTS'} bench/sftp.sh"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
BIG_BYTES=$(bytes "$SIZE") || die "SIZE must look like 1G, 64M or 1048576, not '$SIZE'"

# setup_tool VERB ARGS...: bench/src/SftpSetup.java (gRPC: register an SSH key, list files, grant).
setup_tool() {
  if [[ ! -f $OUT/tool/SftpSetup.class || $ROOT/bench/src/SftpSetup.java -nt $OUT/tool/SftpSetup.class ]]; then
    mkdir -p "$OUT/tool" && javac -nowarn -d "$OUT/tool" -cp "$CLIENT_JAR" "$ROOT/bench/src/SftpSetup.java" >&2
  fi
  java -XX:TieredStopAtLevel=1 -cp "$CLIENT_JAR:$OUT/tool" SftpSetup "$@"
}

cleanup() {
  stop_server
  stop_sshd
  if [[ ${KEEP:-0} != 1 ]]; then
    rm -rf "$OUT/server/data/blobs" "$OUT/ssh/remote" "$OUT/rx" "$OUT/sealed" "$OUT/server/data"
  fi
}
trap cleanup EXIT

timed() {
  local name=$1; shift
  sync
  local t0 t1; t0=$(now)
  "$@"
  t1=$(now)
  elapsed "$t0" "$t1" >>"$OUT/times/$name"; echo >>"$OUT/times/$name"
}

# sftp batch mode against sealdrop's door as USER (alice uploads, bob redeems).
sd_sftp() {
  local user=$1; shift
  sftp -q -P "$SD_SFTP_PORT" -i "$OUT/keys/$user" -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile="$OUT/keys/known_hosts" -o GlobalKnownHostsFile=/dev/null -c "$CIPHER" -b - "$user@127.0.0.1"
}
sd_put() { sd_sftp alice <<<"put $SEALED /outbox/sealed.bin" >/dev/null; }
sd_get() { sd_sftp bob <<<"get /redeem/$TOKEN $OUT/rx/sd.bin" >/dev/null; }
ssh_put() { sftp "${SSH_OPTS[@]}" -c "$CIPHER" -b - "$(id -un)@127.0.0.1" <<<"put $SEALED $OUT/ssh/remote/sealed.bin" >/dev/null; }
ssh_get() { sftp "${SSH_OPTS[@]}" -c "$CIPHER" -b - "$(id -un)@127.0.0.1" <<<"get $OUT/ssh/remote/sealed.bin $OUT/rx/ssh.bin" >/dev/null; }
same() { cmp -s "$1" "$2" || die "$2 differs from $1"; }

# next_token: a fresh one-time grant for bob on the file alice uploaded last (created untimed).
next_token() {
  TOKEN=$(setup_tool grant-newest "$OUT/profiles/alice" "$SERVER_ADDR" bob)
  [[ -n $TOKEN ]] || die "no grant token"
}

sd_round() {
  local v=$1
  timed "sd$v.put" sd_put
  next_token
  timed "sd$v.get" sd_get
  same "$SEALED" "$OUT/rx/sd.bin"; rm -f "$OUT/rx/sd.bin"
}

# use_variant I: (re)starts the sealdrop server as variant I (same data folder, profiles and keys).
use_variant() {
  local spec=${VARIANT_SPECS[$1]} jar opts
  jar=$(cut -d'|' -f2 <<<"$spec"); opts=$(cut -d'|' -f3- <<<"$spec")
  if [[ ${CURRENT_VARIANT:-} == "$1" ]]; then return 0; fi
  stop_server
  rm -f "$OUT/server/server.out"
  # shellcheck disable=SC2086
  SERVER_JAR=${jar:-$DEFAULT_SERVER_JAR} start_server "$OUT/server" $opts
  local sftp_addr; sftp_addr=$(sed -n 's/^sftp listening on //p' "$OUT/server/server.out" | head -1)
  [[ -n $sftp_addr ]] || die "the dev server printed no 'sftp listening on' line"
  SD_SFTP_PORT=${sftp_addr##*:}
  CURRENT_VARIANT=$1
}
sd_rounds() {
  local i
  for i in "${!VARIANT_SPECS[@]}"; do
    if (( ${#VARIANT_SPECS[@]} > 1 )); then
      use_variant "$i"
      log "  variant $(cut -d'|' -f1 <<<"${VARIANT_SPECS[$i]}")"
      # a small untimed transfer after a restart: JIT warm-up, as for the first variant
      local keep=$SEALED; SEALED=$OUT/sealed/warm.bin; sd_round warm; SEALED=$keep
    fi
    sd_round "$i"
  done
}
ssh_round() {
  timed ssh.put ssh_put
  timed ssh.get ssh_get
  same "$SEALED" "$OUT/rx/ssh.bin"; rm -f "$OUT/rx/ssh.bin" "$OUT/ssh/remote/sealed.bin"
}

med() { mapfile -t v <"$OUT/times/$1"; median "${v[@]}"; }
runs_of() { paste -sd' ' "$OUT/times/$1" | sed 's/ /, /g'; }
cell() { local s; s=$(med "$1"); printf '%.2f s, %s MB/s' "$s" "$(mbps "$SEALED_BYTES" "$s")"; }

main() {
  ensure_ssh
  ensure_jars
  mkdir -p "$OUT" "$DATA"
  local big=$DATA/random-$SIZE.bin
  if [[ ! -f $big || $(stat -c %s "$big") != "$BIG_BYTES" ]]; then
    log "generating $big ($BIG_BYTES random bytes)"
    head -c "$BIG_BYTES" /dev/urandom >"$big.tmp" && mv "$big.tmp" "$big"
  fi
  rm -rf "$OUT/times" "$OUT/rx" "$OUT/keys" "$OUT/sealed"; mkdir -p "$OUT/times" "$OUT/rx" "$OUT/keys" "$OUT/sealed"
  local load_before; load_before=$(loadavg)
  local started; started=$(date -u '+%Y-%m-%d %H:%M UTC')
  rm -rf "$OUT/server"
  DEFAULT_SERVER_JAR=$SERVER_JAR
  IFS=';' read -r -a VARIANT_SPECS <<<"${VARIANTS:-sealdrop||${SERVER_JAVA_OPTS:-}}"
  use_variant 0
  log "creating alice and bob profiles"
  make_profiles "$OUT/server" "$OUT/profiles"

  # The door validates envelopes at close: the measured file is random bytes sealed for bob.
  SEALED=$OUT/sealed/sealed.bin
  log "sealing $big for bob"
  sealdrop --home "$OUT/profiles/alice" --json seal "$big" --to bob -o "$SEALED" >/dev/null
  SEALED_BYTES=$(stat -c %s "$SEALED")
  head -c "$(bytes "$WARM")" /dev/urandom >"$OUT/sealed/warm.raw"
  sealdrop --home "$OUT/profiles/alice" --json seal "$OUT/sealed/warm.raw" --to bob -o "$OUT/sealed/warm.bin" >/dev/null

  local u
  for u in alice bob; do
    ssh-keygen -q -t ed25519 -N '' -f "$OUT/keys/$u" -C "bench-$u"
    setup_tool add-ssh "$OUT/profiles/$u" "$SERVER_ADDR" "$OUT/keys/$u.pub" >/dev/null
  done
  start_sshd

  # Warm-up, untimed: a small put and get on each server (the sealdrop server runs for days; its
  # JIT should not be what we measure; OpenSSH gets the same page-cache treatment).
  log "warm-up: $WARM put and get on both servers"
  local keep_sealed=$SEALED; SEALED=$OUT/sealed/warm.bin
  sd_round warm
  ssh_put; ssh_get; rm -f "$OUT/rx/ssh.bin" "$OUT/ssh/remote/sealed.bin"
  SEALED=$keep_sealed
  cat "$SEALED" >/dev/null

  local r
  for r in $(seq 1 "$RUNS"); do
    # Alternate who goes first, so a drift in the machine's load does not favour one side.
    if (( r % 2 )); then
      log "run $r/$RUNS: sealdrop door, then OpenSSH sshd"; sd_rounds; ssh_round
    else
      log "run $r/$RUNS: OpenSSH sshd, then sealdrop door"; ssh_round; sd_rounds
    fi
  done
  local load_after; load_after=$(loadavg)

  local t_op t_og; t_op=$(med ssh.put); t_og=$(med ssh.get)
  verdict() { awk -v r="$1" 'BEGIN { print (r >= 0.9) ? "met (≥ 0.9)" : "missed (≥ 0.9)" }'; }
  local body; body=$(mktemp)
  {
    echo "Written by \`bench/sftp.sh\` (this section is replaced on every run; other sections are kept)."
    echo "OpenSSH's \`sftp\` client (batch mode, its defaults: 32 KiB requests, 64 in flight) puts and gets the"
    echo "same sealed file ($SIZE of random bytes sealed for bob: $SEALED_BYTES bytes) through sealdrop's SFTP"
    echo "door (\`/outbox/\` as alice; \`/redeem/TOKEN\` as bob, a fresh one-time grant per get, created untimed) and"
    echo "through a throwaway OpenSSH \`sshd\` (\`internal-sftp\`) on another loopback port, alternately (odd runs"
    echo "sealdrop first, even runs OpenSSH first), both with \`-c $CIPHER\`. Times are whole \`sftp\` processes"
    echo "(connection, key exchange, authentication, transfer, close). sealdrop's put includes the envelope's full"
    echo "validation and durable commit at close; its get includes the redemption and the confirmation at close."
    echo "Before the timed runs, each server (and each variant after its restart) gets an untimed put and get of a"
    echo "$WARM sealed file, so that the server JVM's JIT has compiled the AES-GCM and hashing paths, as in a server"
    echo "that has been running (under this machine's load, C2 needs more than a few MiB to get there)."
    echo "Each figure is the **median of $RUNS run(s)**; MB = 10^6 bytes. **Ratio = OpenSSH time / sealdrop"
    echo "time** (≥ 1: sealdrop is at least as fast), from the same run. Every received copy is compared with \`cmp\`."
    echo
    echo "- Command: \`$COMMAND\`${LABEL:+ ($LABEL)}"
    echo "- Date: $started"
    machine_facts
    echo "- Load average (1/5/15 min) before: $load_before; after: $load_after (shared 2-vCPU machine)"
    echo
    local i name
    if (( ${#VARIANT_SPECS[@]} > 1 )); then
      echo "Variants (same run; each restarted on the same data folder, then an untimed $WARM put and get):"
      echo
      for i in "${!VARIANT_SPECS[@]}"; do echo "- \`${VARIANT_SPECS[$i]}\`"; done
      echo
    fi
    echo "| Transfer | sealdrop SFTP door | OpenSSH sshd | ratio | issue 7 target |"
    echo "|---|---|---|---|---|"
    for i in "${!VARIANT_SPECS[@]}"; do
      name=""; (( ${#VARIANT_SPECS[@]} == 1 )) || name=" ($(cut -d'|' -f1 <<<"${VARIANT_SPECS[$i]}"))"
      local r_put r_get; r_put=$(ratio "$t_op" "$(med "sd$i.put")"); r_get=$(ratio "$t_og" "$(med "sd$i.get")")
      echo "| put$name | $(cell "sd$i.put") | $(cell ssh.put) | **$r_put** | $(verdict "$r_put") |"
      echo "| get$name | $(cell "sd$i.get") | $(cell ssh.get) | **$r_get** | $(verdict "$r_get") |"
    done
    echo
    echo "Per-run seconds (in run order): OpenSSH put $(runs_of ssh.put); OpenSSH get $(runs_of ssh.get)."
    for i in "${!VARIANT_SPECS[@]}"; do
      echo "sealdrop$( (( ${#VARIANT_SPECS[@]} == 1 )) || echo " ($(cut -d'|' -f1 <<<"${VARIANT_SPECS[$i]}"))") put $(runs_of "sd$i.put"); get $(runs_of "sd$i.get")."
    done
  } >"$body"
  echo
  cat "$body"
  if [[ $WRITE_DOC == 1 ]]; then
    replace_section "$DOC" "SFTP door vs OpenSSH sshd" "$body"
    log "updated $DOC (section \"SFTP door vs OpenSSH sshd\")"
  fi
  rm -f "$body"
}

main "$@"
