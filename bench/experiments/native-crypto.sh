#!/usr/bin/env bash
# Experiment (not part of any benchmark table): would a native AES-GCM / SHA-256 (Conscrypt, i.e.
# BoringSSL through JNI, from Maven Central) spare the CLI the JIT warm-up that the JDK's intrinsics
# need? Times the envelope's per-chunk work from a fresh JVM's first call with each provider, Bouncy
# Castle's Ed25519 signing (the audit checkpoints) from a cold start, and the page-cache cost of fresh
# memory on this machine (dd). Measures only; docs/benchmarks.md,
# "Session 9", quotes a run.
#
#   bench/experiments/native-crypto.sh
#
# Environment: CONSCRYPT_VERSION (2.9.0), MIB (1024 per round), ROUNDS (3), OUT (bench/out/native-crypto).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

VERSION=${CONSCRYPT_VERSION:-2.9.0}
MIB=${MIB:-1024}
ROUNDS=${ROUNDS:-3}
OUT=${OUT:-$ROOT/bench/out/native-crypto}
mkdir -p "$OUT"
jar=$HOME/.m2/repository/org/conscrypt/conscrypt-openjdk-uber/$VERSION/conscrypt-openjdk-uber-$VERSION.jar
[[ -f $jar ]] || mvn -B -q dependency:get -Dartifact="org.conscrypt:conscrypt-openjdk-uber:$VERSION" >&2
javac -d "$OUT" "$ROOT/bench/experiments/native-crypto/ColdCrypto.java"
for mode in aead sha; do
  for provider in jdk conscrypt; do
    java -cp "$OUT:$jar" ColdCrypto "$mode" "$provider" $((MIB * 16)) "$ROUNDS"
  done
done

# Bouncy Castle's Ed25519 (the audit checkpoints' signatures) from a cold start, at the project's version
bc_version=$(sed -n 's:.*<bouncycastle.version>\(.*\)</bouncycastle.version>.*:\1:p' "$ROOT/pom.xml")
bc=$HOME/.m2/repository/org/bouncycastle/bcprov-jdk18on/$bc_version/bcprov-jdk18on-$bc_version.jar
[[ -f $bc ]] || mvn -B -q dependency:get -Dartifact="org.bouncycastle:bcprov-jdk18on:$bc_version" >&2
javac -cp "$bc" -d "$OUT" "$ROOT/bench/experiments/native-crypto/ColdEd25519.java"
java -cp "$OUT:$bc" ColdEd25519

# Fresh memory: writing 1 GiB into the page cache, first into pages the guest has just freed, then
# 4 GiB after dropping the caches (most of it memory the guest has not touched lately). Needs root.
if [[ -w /proc/sys/vm/drop_caches ]]; then
  f=$OUT/dd.bin
  for label in "1 GiB, first" "1 GiB, again (pages just freed)" "1 GiB, again"; do
    rm -f "$f"; sync
    /usr/bin/time -f "dd page cache, $label: wall %e s, sys %S s" dd if=/dev/zero of="$f" bs=1M count=1024 status=none
  done
  rm -f "$f"; sync; echo 3 >/proc/sys/vm/drop_caches
  /usr/bin/time -f "dd page cache, 4 GiB after drop_caches: wall %e s, sys %S s" dd if=/dev/zero of="$f" bs=1M count=4096 status=none
  rm -f "$f"; sync
  /usr/bin/time -f "dd O_DIRECT, 1 GiB: wall %e s, sys %S s" dd if=/dev/zero of="$f" bs=1M count=1024 oflag=direct status=none
  rm -f "$f"
fi
