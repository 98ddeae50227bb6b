#!/usr/bin/env bash
# End-to-end benchmark: sealdrop send/receive vs OpenSSH sftp put/get on the same loopback, same
# files, same run. See bench/README.md. Writes docs/benchmarks.md "End-to-end vs OpenSSH".
#
#   bench/run.sh                      # 1 GiB + 20 MB CSV, 3 runs, updates docs/benchmarks.md
#   SIZE=64M RUNS=1 WRITE_DOC=0 bench/run.sh      # smoke run (WRITE_DOC=1 needs RUNS >= 3)
#
# Environment: SIZE (1G), CSV_SIZE (20M), RUNS (3), WARM and WARM_ROUNDS (3 untimed sends and receives
# of 1G to warm the server's JIT; WARM=0: none),
# OUT (bench/out), WRITE_DOC (1), BUILD (0 =
# build jars only if missing), KEEP (0 = delete server blobs and sftp copies at the end),
# CLIENT_JAVA_OPTS / SERVER_JAVA_OPTS (extra JVM flags, e.g. for JFR), INSTALL_SSH (1 = apt-get
# install openssh-server if sshd is missing and we are root).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZE=${SIZE:-1G}
CSV_SIZE=${CSV_SIZE:-20M}
RUNS=${RUNS:-3}
WARM=${WARM:-1G}
WARM_ROUNDS=${WARM_ROUNDS:-3}
OUT=${OUT:-$ROOT/bench/out}
DOC=${DOC:-$ROOT/docs/benchmarks.md}
WRITE_DOC=${WRITE_DOC:-1}
GCM=aes128-gcm@openssh.com
COMMAND="SIZE=$SIZE CSV_SIZE=$CSV_SIZE RUNS=$RUNS WARM=$WARM WARM_ROUNDS=$WARM_ROUNDS bench/run.sh"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer, not '$RUNS'"
[[ $WARM_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "WARM_ROUNDS must be a positive integer, not '$WARM_ROUNDS'"
# issue 8 asks for medians of at least 3 runs: a smoke run never replaces the published table
[[ $WRITE_DOC != 1 || $RUNS -ge 3 ]] || die "RUNS=$RUNS would replace the table in $DOC with fewer than 3 runs; set WRITE_DOC=0 for a smoke run"
ensure_tools openssl ssh cmp
BIG_BYTES=$(bytes "$SIZE") || die "SIZE must look like 1G, 64M or 1048576, not '$SIZE'"
CSV_BYTES=$(bytes "$CSV_SIZE") || die "CSV_SIZE must look like 20M, not '$CSV_SIZE'"

make_data() {
  mkdir -p "$OUT/data"
  BIG=$OUT/data/random-$SIZE.bin
  CSV=$OUT/data/clients-$CSV_SIZE.csv
  if [[ ! -f $BIG || $(stat -c %s "$BIG") != "$BIG_BYTES" ]]; then
    log "generating $BIG ($BIG_BYTES random bytes)"
    head -c "$BIG_BYTES" /dev/urandom >"$BIG.tmp" && mv "$BIG.tmp" "$BIG"
  fi
  if [[ ! -f $CSV ]] || (( $(stat -c %s "$CSV") > CSV_BYTES || $(stat -c %s "$CSV") < CSV_BYTES - 4096 )); then
    log "generating $CSV (a client list of $CSV_BYTES bytes)"
    # Whole rows, as many as fit in CSV_BYTES (so the file is up to one row shorter).
    awk -v limit="$CSV_BYTES" '
      function row(i,   f, l, c) {
        f = first[int(rand() * 16) + 1]; l = last[int(rand() * 12) + 1]; c = cc[int(rand() * 12) + 1]
        return sprintf("C%08d,%s,%s,%s.%s%d@example.com,%s%02d%08d%08d,%s,%.2f,20%02d-%02d-%02d\n", i, f, l, tolower(f),
          tolower(l), i, c, int(rand() * 100), int(rand() * 1e8), int(rand() * 1e8), c, rand() * 250000, int(rand() * 25), int(rand() * 12) + 1,
          int(rand() * 28) + 1)
      }
      BEGIN {
        srand(8); split("Anna Ben Chloe David Emma Felix Greta Hugo Ines Jonas Klara Lena Marco Nora Oskar Paula", first, " ")
        split("Meier Schmidt Rossi Dubois Novak Silva Jensen Kowalski Garcia Berg Fischer Moreau", last, " ")
        split("DE FR IT ES PL NL DK SE AT CH PT CZ", cc, " ")
        line = "client_id,first_name,last_name,email,iban,country,balance_eur,opened_on\n"; n = length(line)
        printf "%s", line
        for (i = 1; ; i++) { line = row(i); if (n + length(line) > limit) break; n += length(line); printf "%s", line }
      }' >"$CSV.tmp"
    mv "$CSV.tmp" "$CSV"
  fi
}

cleanup() {
  stop_server
  stop_sshd
  if [[ ${KEEP:-0} != 1 ]]; then
    rm -rf "$OUT/server/data" "$OUT/ssh/remote" "$OUT/rx" "$OUT/sftp-rx"
  fi
}
trap cleanup EXIT

# timed NAME COMMAND...: runs COMMAND after a sync, appends its wall seconds to $OUT/times/NAME and
# the CPU seconds of both ends to $OUT/times/NAME.cpu: this shell's reaped children (the CLI, or
# sftp and ssh), the sealdrop server's delta and the sshd's reaped sessions (internal-sftp runs in them).
cpu_ticks() { if [[ -n ${1:-} && -r /proc/$1/stat ]]; then awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; else echo 0; fi; }
all_ticks() { echo $(( $(cpu_ticks $$) + $(cpu_ticks "${SERVER_PID:-}") + $(cpu_ticks "${SSHD_PID:-}") )); }
timed() {
  local name=$1; shift
  sync
  local t0 t1 c0 c1; c0=$(all_ticks); t0=$(now)
  "$@"
  t1=$(now)
  sleep 0.3 # sshd reaps the session that served the transfer
  c1=$(all_ticks)
  elapsed "$t0" "$t1" >>"$OUT/times/$name"; echo >>"$OUT/times/$name"
  awk -v t=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f\n", t / hz }' >>"$OUT/times/$name.cpu"
}

# SFTP_FLAG=-f: sftp fsyncs the file after the transfer (put: on the server, fsync@openssh.com; get: locally),
# as sealdrop does before it answers that a file is stored or received.
sftp_put() { sftp "${SSH_OPTS[@]}" "$@" -b - "$(id -un)@127.0.0.1" <<<"put ${SFTP_FLAG:-} $SRC $OUT/ssh/remote/$(basename "$SRC")" >/dev/null; }
sftp_get() { sftp "${SSH_OPTS[@]}" "$@" -b - "$(id -un)@127.0.0.1" <<<"get ${SFTP_FLAG:-} $OUT/ssh/remote/$(basename "$SRC") $OUT/sftp-rx/" >/dev/null; }
# The disk's own floor for a durable 1 GiB: copying the file with dd and an fsync at the end.
dd_durable() { dd if="$SRC" of="$OUT/sftp-rx/dd.bin" bs=1M conv=fsync status=none; rm -f "$OUT/sftp-rx/dd.bin"; }
sd_send() { TOKEN=$(send_token "$OUT/profiles" "$SRC"); [[ -n $TOKEN ]] || die "send printed no token"; }
sd_receive() {
  sealdrop --home "$OUT/profiles/bob" --json receive "$TOKEN" -o "$OUT/rx" >/dev/null 2>>"$OUT/profiles/receive.err" \
    || { tail -5 "$OUT/profiles/receive.err" >&2; die "sealdrop receive failed"; }
}
same() { cmp -s "$1" "$2" || die "$2 differs from $1"; }

# WARM_ROUNDS untimed sends and receives of WARM random bytes, so that the server (which in production
# runs for weeks) has compiled its upload and download paths before the timed runs, as bench/sftp.sh
# does. Measured on this machine: the server's JIT threads used 9.6, 3.0, 1.4, 0.5 and 0.7 s of CPU in
# five successive 1 GiB send+receive rounds, so one small warm-up left a JIT still compiling during the
# timed runs, on the two cores the CLI needs. The client JVMs of the timed runs start cold, as every
# CLI command does.
warm_server() {
  [[ $WARM != 0 ]] || return 0
  log "warming the server: $WARM_ROUNDS untimed send(s) and receive(s) of $WARM"
  head -c "$(bytes "$WARM")" /dev/urandom >"$OUT/warm.bin"
  SRC=$OUT/warm.bin
  local i
  for i in $(seq 1 "$WARM_ROUNDS"); do
    rm -rf "$OUT/rx"; mkdir -p "$OUT/rx"
    sd_send
    sd_receive
    same "$OUT/warm.bin" "$OUT/rx/warm.bin"
  done
  rm -rf "$OUT/rx" "$OUT/warm.bin"
}

one_run() {
  local key=$1
  SRC=$2
  rm -rf "$OUT/rx" "$OUT/sftp-rx"; mkdir -p "$OUT/rx" "$OUT/sftp-rx"
  timed "$key.sd.send" sd_send
  timed "$key.sd.receive" sd_receive
  same "$SRC" "$OUT/rx/$(basename "$SRC")"
  timed "$key.ssh.put" sftp_put
  timed "$key.ssh.get" sftp_get
  same "$SRC" "$OUT/sftp-rx/$(basename "$SRC")"
  rm -f "$OUT/sftp-rx/$(basename "$SRC")"
  timed "$key.gcm.put" sftp_put -c "$GCM"
  timed "$key.gcm.get" sftp_get -c "$GCM"
  same "$SRC" "$OUT/sftp-rx/$(basename "$SRC")"
  rm -f "$OUT/sftp-rx/$(basename "$SRC")" "$OUT/ssh/remote/$(basename "$SRC")"
  SFTP_FLAG=-f timed "$key.sync.put" sftp_put
  SFTP_FLAG=-f timed "$key.sync.get" sftp_get
  same "$SRC" "$OUT/sftp-rx/$(basename "$SRC")"
  timed "$key.dd" dd_durable
  rm -rf "$OUT/rx" "$OUT/sftp-rx" "$OUT/ssh/remote/$(basename "$SRC")"
}

med() { mapfile -t v <"$OUT/times/$1"; median "${v[@]}"; }
runs_of() { paste -sd' ' "$OUT/times/$1" | sed 's/ /, /g'; }
cell() { local s; s=$(med "$1"); printf '%.2f s, %s MB/s' "$s" "$(mbps "$2" "$s")"; }
row() {
  local key=$1 label=$2 what=$3 size=$4 sd=$5 ssh=$6 target=$7
  local t_sd t_ssh t_gcm t_sync r1 r2 r3 verdict=""
  t_sd=$(med "$key.sd.$sd"); t_ssh=$(med "$key.ssh.$ssh"); t_gcm=$(med "$key.gcm.$ssh"); t_sync=$(med "$key.sync.$ssh")
  r1=$(ratio "$t_ssh" "$t_sd"); r2=$(ratio "$t_gcm" "$t_sd"); r3=$(ratio "$t_sync" "$t_sd")
  if [[ -n $target ]]; then
    verdict=$(awk -v a="$r1" -v b="$r2" -v t="$target" 'BEGIN { print (a >= t && b >= t) ? "met (≥ " t ")" : "missed (≥ " t ")" }')
  fi
  printf '| %s | %s | %s | %s | %s | **%s** | **%s** | %s | %s | **%s** |\n' "$what" "$label" "$(cell "$key.sd.$sd" "$size")" \
    "$(cell "$key.ssh.$ssh" "$size")" "$(cell "$key.gcm.$ssh" "$size")" "$r1" "$r2" "${verdict:-—}" \
    "$(cell "$key.sync.$ssh" "$size")" "$r3"
}

cpu_row() {
  local key=$1 label=$2 what=$3 sd=$4 ssh=$5
  printf '| %s | %s | %s s | %s s | %s s | %s s |\n' "$what" "$label" "$(med "$key.sd.$sd.cpu")" "$(med "$key.ssh.$ssh.cpu")" \
    "$(med "$key.gcm.$ssh.cpu")" "$(med "$key.sync.$ssh.cpu")"
}

main() {
  ensure_ssh
  ensure_jars
  mkdir -p "$OUT"
  make_data
  rm -rf "$OUT/times"; mkdir -p "$OUT/times"
  local load_before; load_before=$(loadavg)
  local started; started=$(date -u '+%Y-%m-%d %H:%M UTC')
  rm -rf "$OUT/server"
  # shellcheck disable=SC2086
  start_server "$OUT/server" ${SERVER_JAVA_OPTS:-}
  log "creating alice and bob profiles"
  make_profiles "$OUT/server" "$OUT/profiles"
  warm_server
  start_sshd
  local default_cipher
  default_cipher=$(ssh -G -F /dev/null 127.0.0.1 </dev/null 2>/dev/null | awk '/^ciphers / { split($2, c, ","); print c[1] }')

  log "openssl speed -evp aes-256-gcm (one core)"
  local ossl
  ossl=$(openssl speed -seconds 2 -evp aes-256-gcm 2>/dev/null | awk '/^(AES-256-GCM|aes-256-gcm)/ { v = $NF } END { sub(/k$/, "", v); printf "%.0f", v / 1000 }')

  local r
  for r in $(seq 1 "$RUNS"); do
    log "run $r/$RUNS: $SIZE random file"
    one_run big "$BIG"
    log "run $r/$RUNS: $CSV_SIZE CSV"
    one_run csv "$CSV"
  done
  local load_after; load_after=$(loadavg)

  local body; body=$(mktemp)
  {
    echo "Written by \`bench/run.sh\` (this section is replaced on every run; other sections are kept)."
    echo "Each figure is the **median of $RUNS run(s)**, whole-process wall time: sealdrop includes both JVM starts"
    echo "(client; the server runs throughout), key unlock, sealing/opening, TLS, server-side validation and fsyncs;"
    echo "sftp includes ssh connection setup. MB = 10^6 bytes of the original file. **Ratio = sftp time / sealdrop"
    echo "time** (> 1: sealdrop is faster), taken from the same run on the same files. All on 127.0.0.1; the files sent"
    echo "are in the page cache for both; sftp's get reads the copy its put left in the page cache, while the sealdrop"
    echo "server stores blobs with O_DIRECT (they are fsynced anyway) and its download reads them from disk, also with O_DIRECT;"
    echo "\`sync\` before each step. Before the timed runs the server got WARM_ROUNDS untimed sends and receives"
    echo "of WARM bytes (JIT warm-up of a long-running server; the CLI JVMs of the timed runs start cold)."
    if [[ ${SEALDROP_CDS:-1} == 0 ]]; then
      echo "The CLI ran through its launcher \`client/sealdrop\` with \`SEALDROP_CDS=0\` (plain \`java -jar\`)."
    else
      echo "The CLI ran through its launcher \`client/sealdrop\`, with the class-data-sharing archives its first run of"
      echo "each command made (during the untimed profile set-up), as on a user's machine after the first use."
    fi
    echo
    echo "- Command: \`$COMMAND\`"
    echo "- Date: $started"
    machine_facts
    echo "- Load average (1/5/15 min) before: $load_before; after: $load_after (a shared 2-vCPU machine where others"
    echo "  compile and test: absolute figures swing by tens of percent, the ratios much less)"
    echo
    echo "| Transfer | File | sealdrop | sftp default ($default_cipher) | sftp $GCM | ratio vs default | ratio vs aes128-gcm | issue 8 target | sftp default with \`-f\` (fsync) | ratio vs \`-f\` |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    row big "$SIZE random" "send vs put" "$BIG_BYTES" send put 1.3
    row big "$SIZE random" "receive vs get" "$BIG_BYTES" receive get 1.0
    row csv "$CSV_SIZE CSV" "send vs put" "$(stat -c %s "$CSV")" send put ""
    row csv "$CSV_SIZE CSV" "receive vs get" "$(stat -c %s "$CSV")" receive get ""
    echo
    echo "CPU seconds of both ends for the same steps (median; user + system): sealdrop's CLI and server, or"
    echo "sftp, ssh and the sshd session that served it. On $(nproc) vCPU shared by both ends, wall time cannot be"
    echo "less than this sum divided by $(nproc)."
    echo
    echo "| Transfer | File | sealdrop | sftp default | sftp $GCM | sftp default with \`-f\` |"
    echo "|---|---|---|---|---|---|"
    cpu_row big "$SIZE random" "send vs put" send put
    cpu_row big "$SIZE random" "receive vs get" receive get
    cpu_row csv "$CSV_SIZE CSV" "send vs put" send put
    cpu_row csv "$CSV_SIZE CSV" "receive vs get" receive get
    echo
    echo "Ceiling: \`openssl speed -evp aes-256-gcm\`, 16 KiB blocks, one core: **$ossl MB/s**."
    echo
    echo "Durability: sealdrop fsyncs before it answers (the server before an upload counts as stored, the CLI before"
    echo "a download counts as received); plain \`sftp\` put and get never fsync, so their figures exclude the disk."
    echo "The \`-f\` column is \`put -f\` / \`get -f\` (fsync after the transfer, default cipher). The disk alone:"
    echo "copying the $SIZE file with \`dd bs=1M conv=fsync\` took **$(cell big.dd "$BIG_BYTES")** (median);"
    echo "a durable send or receive of it cannot take less, while the send target (1.3× plain put) asks for"
    echo "**$(awk -v t="$(med big.ssh.put)" 'BEGIN { printf "%.2f s", t / 1.3 }')** in this run."
    echo
    echo "Per-run seconds (in run order):"
    echo
    local k
    for k in big.sd.send big.sd.receive big.ssh.put big.ssh.get big.gcm.put big.gcm.get big.sync.put big.sync.get big.dd \
      csv.sd.send csv.sd.receive csv.ssh.put csv.ssh.get csv.gcm.put csv.gcm.get csv.sync.put csv.sync.get csv.dd; do
      echo "- \`$k\`: $(runs_of "$k")"
    done
  } >"$body"
  echo
  cat "$body"
  if [[ $WRITE_DOC == 1 ]]; then
    replace_section "$DOC" "End-to-end vs OpenSSH" "$body"
    log "updated $DOC (section \"End-to-end vs OpenSSH\")"
  fi
  rm -f "$body"
}

main "$@"
