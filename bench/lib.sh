# Shared helpers for bench/run.sh and bench/load.sh (sourced, not run).
# Everything here is plain bash + coreutils + awk; no python.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLIENT_JAR=${CLIENT_JAR:-$ROOT/client/target/sealdrop.jar}
SERVER_JAR=${SERVER_JAR:-$ROOT/server/target/sealdrop-server.jar}
export SEALDROP_PASSPHRASE=${SEALDROP_PASSPHRASE:-bench-only-passphrase}

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# bytes SIZE: 1G, 64M, 8M, 1024 (IEC suffixes: K/M/G = KiB/MiB/GiB)
bytes() { numfmt --from=iec "$1"; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# mbps BYTES SECONDS -> MB/s (10^6 bytes)
mbps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s / 1e6 }'; }
# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%s", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# percentile P of the numbers in FILE (nearest-rank)
percentile() { sort -g "$2" | awk -v p="$1" '{ v[NR] = $1 } END { r = int((p / 100) * NR + 0.999999); if (r < 1) r = 1; if (r > NR) r = NR; printf "%s", v[r] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# ensure_tools CMD...: every command a measurement needs is there, before anything is started (review DX: a missing
# openssl ended run.sh with exit 127 and no message, after the warm-up)
ensure_tools() {
  local t missing=()
  for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
  ((${#missing[@]} == 0)) || die "missing: ${missing[*]} (Debian: apt-get install openssl openssh-client openssh-server diffutils; or INSTALL_SSH=1 as root for ssh)"
}

# The jars are rebuilt when missing, older than a source file, or BUILD=1 (review DX: jars built before a `git pull`
# were measured silently).
ensure_jars() {
  local stale=""
  if [[ -f $CLIENT_JAR && -f $SERVER_JAR ]]; then
    stale=$(find "$ROOT/protocol/src/main" "$ROOT/server/src/main" "$ROOT/client/src/main" "$ROOT/pom.xml" \
      "$ROOT"/*/pom.xml -newer "$CLIENT_JAR" -type f -print -quit 2>/dev/null; \
      find "$ROOT/protocol/src/main" "$ROOT/server/src/main" "$ROOT/pom.xml" "$ROOT"/*/pom.xml -newer "$SERVER_JAR" \
      -type f -print -quit 2>/dev/null)
  fi
  if [[ ${BUILD:-0} == 1 || ! -f $CLIENT_JAR || ! -f $SERVER_JAR || -n $stale ]]; then
    log "building the server and CLI jars (mvn package, tests skipped)"
    (cd "$ROOT" && mvn -B -q -DskipTests -Dspotbugs.skip package) >&2
  fi
}

# start_server DIR [JVM options...]: starts a dev server with cwd DIR; sets SERVER_PID, SERVER_ADDR.
# SERVER_CONFIG (optional): a server configuration file (--config).
start_server() {
  local dir=$1; shift
  mkdir -p "$dir"
  local config=()
  [[ -z ${SERVER_CONFIG:-} ]] || config=(--config "$SERVER_CONFIG")
  (cd "$dir" && exec java "$@" -jar "$SERVER_JAR" --dev --port 0 --data data "${config[@]}" >server.out 2>server.log) &
  SERVER_PID=$!
  local i
  for i in $(seq 1 240); do
    if grep -q '^listening on ' "$dir/server.out" 2>/dev/null; then
      SERVER_ADDR=$(sed -n 's/^listening on //p' "$dir/server.out" | head -1)
      log "sealdrop server (pid $SERVER_PID) listening on $SERVER_ADDR"
      return 0
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$dir/server.log" >&2; die "the server exited during startup"; }
    sleep 0.5
  done
  die "the server did not start within 120 s (see $dir/server.log)"
}

# many_receivers_config FILE N: a server configuration that lets one identity (bob, standing in for N receiving
# machines) hold N downloads at once, and one (alice, for N sending machines) N uploads:
# max-download-streams-per-identity and max-upload-streams-per-identity (default 8) would make the rest wait.
many_receivers_config() {
  local streams=$(( $2 > 32 ? $2 : 32 ))
  printf 'max-download-streams=%s\nmax-download-streams-per-identity=%s\n' "$streams" "$streams" >"$1"
  printf 'max-upload-streams=%s\nmax-upload-streams-per-identity=%s\n' "$streams" "$streams" >>"$1"
}

stop_server() {
  if [[ -n ${SERVER_PID:-} ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}

# The CLI through its launcher (client/sealdrop), as users run it: JVM class-data-sharing archives are
# made by the first run of each command (untimed: profile set-up and warm-up) in CDS_CACHE;
# SEALDROP_CDS=0 measures plain `java -jar`.
CDS_CACHE=${CDS_CACHE:-$ROOT/bench/out/cds}
sealdrop() {
  SEALDROP_JAR="$CLIENT_JAR" SEALDROP_JAVA_OPTS="${CLIENT_JAVA_OPTS:-}" XDG_CACHE_HOME="$CDS_CACHE" \
    "$ROOT/client/sealdrop" "$@"
}

# make_profiles SERVER_DIR PROFILES_DIR: fresh alice (sender) and bob (recipient) profiles, keys
# published, and each other's keys pinned (a tiny send/receive), so timed runs do no first-use work.
make_profiles() {
  local sdir=$1 pdir=$2 u
  rm -rf "$pdir"; mkdir -p "$pdir"
  for u in alice bob; do
    sealdrop --home "$pdir/$u" --json init --server "$SERVER_ADDR" --cert "$sdir/certs-dev/out/$u.crt" \
      --key "$sdir/certs-dev/out/$u.key" --ca "$sdir/certs-dev/out/ca.crt" >/dev/null 2>"$pdir/init-$u.err" \
      || { cat "$pdir/init-$u.err" >&2; die "sealdrop init $u failed"; }
    sealdrop --home "$pdir/$u" --json keys publish >/dev/null 2>>"$pdir/init-$u.err" \
      || { cat "$pdir/init-$u.err" >&2; die "sealdrop keys publish $u failed"; }
  done
  head -c 4096 /dev/urandom >"$pdir/pin.bin"
  local token; token=$(send_token "$pdir" "$pdir/pin.bin")
  mkdir -p "$pdir/pin-rx"
  sealdrop --home "$pdir/bob" --json receive "$token" -o "$pdir/pin-rx" >/dev/null 2>>"$pdir/init-bob.err" \
    || { cat "$pdir/init-bob.err" >&2; die "the warm-up receive failed"; }
}

# send_token PROFILES_DIR FILE: alice sends FILE to bob; prints the grant token.
send_token() {
  local json
  json=$(sealdrop --home "$1/alice" --json send "$2" --to bob 2>>"$1/send.err") \
    || { tail -5 "$1/send.err" >&2; die "sealdrop send $2 failed: $json"; }
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p' <<<"$json"
}

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free loopback port found"
}

# OpenSSH: ensure_ssh installs sshd/sftp if missing (root + apt-get); start_sshd starts a throwaway
# sshd on a loopback port with its own keys and config in $OUT/ssh (sets SSHD_PID, SSH_PORT, SSH_OPTS);
# stop_sshd stops it.
ensure_ssh() {
  if [[ -x /usr/sbin/sshd ]] && command -v sftp >/dev/null && command -v ssh-keygen >/dev/null; then return 0; fi
  if [[ ${INSTALL_SSH:-1} == 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    log "installing openssh-server and openssh-client (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        openssh-server openssh-client; } >&2 || die "apt-get install openssh-server failed"
  else
    die "OpenSSH's sshd/sftp are missing; install openssh-server and openssh-client (or run as root with apt-get)"
  fi
}

start_sshd() {
  local d=$OUT/ssh
  rm -rf "$d"; mkdir -p "$d/remote"; chmod 700 "$d"
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_ed25519" -C bench-host
  ssh-keygen -q -t ed25519 -N '' -f "$d/client_ed25519" -C bench-client
  cp "$d/client_ed25519.pub" "$d/authorized_keys"; chmod 600 "$d/authorized_keys"
  SSH_PORT=$(free_port)
  cat >"$d/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $d/host_ed25519
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowUsers $(id -un)
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
  [[ $(id -u) != 0 ]] || mkdir -p /run/sshd   # privilege separation directory
  /usr/sbin/sshd -t -f "$d/sshd_config" || die "sshd rejected its configuration ($d/sshd_config)"
  /usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log" &
  SSHD_PID=$!
  SSH_OPTS=(-q -P "$SSH_PORT" -i "$d/client_ed25519" -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
    -o UserKnownHostsFile="$d/known_hosts" -o GlobalKnownHostsFile=/dev/null)
  local i
  for i in $(seq 1 40); do
    if sftp "${SSH_OPTS[@]}" -b - "$(id -un)@127.0.0.1" <<<"pwd" >/dev/null 2>&1; then
      log "throwaway sshd (pid $SSHD_PID) on 127.0.0.1:$SSH_PORT"
      return 0
    fi
    kill -0 "$SSHD_PID" 2>/dev/null || { cat "$d/sshd.log" >&2; die "sshd exited"; }
    sleep 0.25
  done
  cat "$d/sshd.log" >&2; die "cannot reach the throwaway sshd"
}

stop_sshd() {
  if [[ -n ${SSHD_PID:-} ]] && kill -0 "$SSHD_PID" 2>/dev/null; then
    kill "$SSHD_PID" 2>/dev/null || true
    wait "$SSHD_PID" 2>/dev/null || true
  fi
  SSHD_PID=
}

machine_facts() {
  local cpu; cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "- Machine: $(nproc) vCPU, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
  local launcher_jdk=""
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    launcher_jdk=" (client/sealdrop runs \$JAVA_HOME/bin/java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -2 | tail -1))"
  fi
  echo "- JDK: $(java -version 2>&1 | head -2 | tail -1)$launcher_jdk"
  echo "- Commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
  echo "- OpenSSH: $(ssh -V 2>&1)"
}

# replace_section FILE HEADING BODY_FILE: replaces "## HEADING" (up to the next "## ") or appends it.
replace_section() {
  local file=$1 heading=$2 body=$3 tmp
  [[ -f $file ]] || printf '# Benchmarks\n' >"$file"
  tmp=$(mktemp)
  awk -v h="## $heading" -v body="$body" '
    function out(line) { print line; blank = (line == "") }
    function emit() { out(h); out(""); while ((getline line < body) > 0) out(line); close(body); out(""); after = 1 }
    $0 == h { skip = 1; done = 1; emit(); next }
    skip && /^## / { skip = 0 }
    skip { next }
    after && $0 == "" { next }
    { after = 0; out($0) }
    END { if (!done) { if (!blank) out(""); emit() } }' "$file" >"$tmp"
  mv "$tmp" "$file"
}
