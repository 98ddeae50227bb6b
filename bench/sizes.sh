#!/usr/bin/env bash
# Send time by file size: sealdrop `send` and OpenSSH `sftp` put of the same random files of several
# sizes, alternating, on one warmed dev server and one throwaway sshd (loopback). From the medians it
# prints each tool's cost per extra GiB (the slope between the smallest and the largest size) and its
# fixed cost (the line's value at 0 bytes): whether a gap at one size comes from per-byte work or from
# per-command start-up. Measures only; writes no doc.
#
#   bench/sizes.sh                          # SIZES="256M 1G 2G" ROUNDS=3, about 5 minutes
#   SIZES="64M 1G 3G" ROUNDS=2 bench/sizes.sh
#
# Environment: SIZES, ROUNDS (3), WARM (1G untimed send and receive first), OUT (bench/out/sizes),
# CLIENT_JAR, SERVER_JAR, BUILD (0), SFTP_FLAG (empty; -f makes sftp fsync, as sealdrop does).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=${SIZES:-256M 1G 2G}
ROUNDS=${ROUNDS:-3}
WARM=${WARM:-1G}
OUT=${OUT:-$ROOT/bench/out/sizes}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
read -r -a sizes <<<"$SIZES"
((${#sizes[@]} >= 2)) || die "SIZES needs at least two sizes"
ensure_jars
ensure_ssh

rm -rf "$OUT/server" "$OUT/profiles"; mkdir -p "$OUT/data"
for s in "${sizes[@]}"; do
  f=$OUT/data/random-$s.bin
  [[ -f $f && $(stat -c %s "$f") == "$(bytes "$s")" ]] || head -c "$(bytes "$s")" /dev/urandom >"$f"
done
trap 'stop_server; stop_sshd' EXIT
log "load average before: $(loadavg)"
start_server "$OUT/server"
CDS_CACHE=$OUT/cds make_profiles "$OUT/server" "$OUT/profiles"
export CDS_CACHE=$OUT/cds
if [[ $WARM != 0 ]]; then
  log "warming the server: untimed send and receive of $WARM"
  head -c "$(bytes "$WARM")" /dev/urandom >"$OUT/data/warm.bin"
  token=$(send_token "$OUT/profiles" "$OUT/data/warm.bin")
  mkdir -p "$OUT/rx"; sealdrop --home "$OUT/profiles/bob" --json receive "$token" -o "$OUT/rx" >/dev/null
  rm -rf "$OUT/rx" "$OUT/data/warm.bin"
fi
start_sshd

# timed LABEL COMMAND...: runs COMMAND after a sync; appends its wall seconds to $OUT/LABEL.times
timed() {
  local label=$1; shift
  sync
  local t0; t0=$(now)
  "$@"
  printf '%s\n' "$(elapsed "$t0" "$(now)")" >>"$OUT/$label.times"
}
sd_send() { sealdrop --home "$OUT/profiles/alice" --json send "$1" --to bob >"$OUT/last.json" 2>"$OUT/last.err" \
  || { cat "$OUT/last.err" >&2; die "sealdrop send $1 failed"; }; }
sftp_put() { sftp "${SSH_OPTS[@]}" -b - "$(id -un)@127.0.0.1" \
  <<<"put ${SFTP_FLAG:-} $1 $OUT/ssh/remote/$(basename "$1")" >/dev/null; }

rm -f "$OUT"/*.times
for r in $(seq 1 "$ROUNDS"); do
  for s in "${sizes[@]}"; do
    f=$OUT/data/random-$s.bin
    timed "sd-$s" sd_send "$f"
    timed "ssh-$s" sftp_put "$f"
    rm -f "$OUT/ssh/remote/$(basename "$f")"
    log "round $r, $s: sealdrop $(tail -1 "$OUT/sd-$s.times") s, sftp $(tail -1 "$OUT/ssh-$s.times") s"
  done
done
log "load average after: $(loadavg)"

med() { median $(cat "$OUT/$1.times"); }
first=${sizes[0]} last=${sizes[${#sizes[@]} - 1]}
gib=$(awk -v a="$(bytes "$first")" -v b="$(bytes "$last")" 'BEGIN { printf "%.6f", (b - a) / 1073741824 }')
echo "| Size | sealdrop send (median of $ROUNDS) | sftp put${SFTP_FLAG:+ $SFTP_FLAG} | ratio (sftp / sealdrop) |"
echo "|---|---|---|---|"
for s in "${sizes[@]}"; do
  echo "| $s | $(med "sd-$s") s | $(med "ssh-$s") s | $(ratio "$(med "ssh-$s")" "$(med "sd-$s")") |"
done
for tool in sd ssh; do
  awk -v t="$tool" -v a="$(med "$tool-$first")" -v b="$(med "$tool-$last")" -v g="$gib" -v x="$(bytes "$first")" \
    'BEGIN { slope = (b - a) / g; printf "%s: %.2f s per extra GiB, %.2f s fixed (at 0 bytes)\n",
      (t == "sd" ? "sealdrop send" : "sftp put"), slope, a - slope * x / 1073741824 }'
done
