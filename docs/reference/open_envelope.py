#!/usr/bin/env python3
"""An independent reader of the sealdrop envelope format, suite v1, written from
docs/envelope-format.md alone (not from the Java code).

It needs Python 3.9+ with `cryptography` (Debian: python3-cryptography) and, for the one step that
library lacks (ML-KEM-768 inside X-Wing), a helper command that speaks a line protocol on
stdin/stdout (see MLKEM_HELPER below): "pk <d||z hex>" -> ML-KEM-768 public key hex,
"decaps <d||z hex> <ct hex>" -> shared secret hex.

    open_envelope.py vectors DIR                      # run every *.vec file of DIR
    open_envelope.py open ENVELOPE -o OUT --key-file KEYFILE --sender NAME --bundle SENDER_BUNDLE
    open_envelope.py bundle BUNDLE                    # parse a key bundle, print its fields

Not part of the build or CI.
"""
import argparse
import base64
import hashlib
import hmac
import os
import shlex
import subprocess
import sys
import unicodedata

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# --- Labels (docs/envelope-format.md, "Labels") ---
ENVELOPE_MAGIC = b"sealdrop"
SUITE_V1 = b"sealdrop/v1/xwing768x25519-hkdfsha256-aes256gcm64k-sha256-ed25519"
WRAP = b"sealdrop/v1/wrap"
HEADER_MAC = b"sealdrop/v1/header-mac"
METADATA = b"sealdrop/v1/metadata"
PAYLOAD = b"sealdrop/v1/payload"
DIGEST = b"sealdrop/v1/digest"
SIGNATURE = b"sealdrop/v1/signature"
RECIPIENT_KEY_FP = b"sealdrop/v1/fingerprint/recipient-key"
SIGNING_KEY_FP = b"sealdrop/v1/fingerprint/signing-key"
BUNDLE_FP = b"sealdrop/v1/fingerprint/key-bundle"
BUNDLE_MAGIC = b"sdbundle"
BUNDLE_SIGNATURE = b"sealdrop/v1/key-bundle"
KEY_FILE_MAGIC = b"sdprivk1"

CHUNK = 65536
TAG = 16
SIG = 64
MAX_BODY = 65536
STANZA = 32 + 1120 + 48

MLKEM_HELPER = os.environ.get("MLKEM_HELPER")


class Malformed(Exception):
    kind = "header failure"


class UnknownSuite(Exception):
    kind = "unknown suite"


class UntrustedSender(Exception):
    kind = "untrusted sender"


class NoMatch(Exception):
    kind = "no match"


class PayloadFailure(Exception):
    kind = "payload failure"


class SignatureFailure(Exception):
    kind = "signature failure"


# --- primitives ---
def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def hkdf(ikm, salt, info, length=32):
    # "An empty salt means the RFC's default, 32 zero bytes."
    return HKDF(hashes.SHA256(), length, salt if salt else None, info).derive(ikm)


def str8(b):
    return bytes([len(b)]) + b


def u64(n):
    return n.to_bytes(8, "big")


# --- X-Wing (draft-connolly-cfrg-xwing-kem, seed-based keys) ---
XWING_LABEL = b"\\.//^\\"


class MlKem:
    def __init__(self):
        if not MLKEM_HELPER:
            sys.exit("set MLKEM_HELPER to a command that computes ML-KEM-768 (see the docstring)")
        self.p = subprocess.Popen(shlex.split(MLKEM_HELPER), stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        return bytes.fromhex(self.p.stdout.readline().strip())


_mlkem = None


def mlkem():
    global _mlkem
    if _mlkem is None:
        _mlkem = MlKem()
    return _mlkem


def xwing_expand(seed):
    e = hashlib.shake_256(seed).digest(96)
    return e[0:64], e[64:96]  # ML-KEM (d || z), X25519 private key


def xwing_public(seed):
    dz, skx = xwing_expand(seed)
    pk_m = mlkem().ask("pk " + dz.hex())
    pk_x = x25519.X25519PrivateKey.from_private_bytes(skx).public_key().public_bytes_raw()
    return pk_m + pk_x


def xwing_decaps(seed, enc):
    dz, skx = xwing_expand(seed)
    ct_m, ct_x = enc[:1088], enc[1088:]
    ss_m = mlkem().ask("decaps %s %s" % (dz.hex(), ct_m.hex()))
    sk = x25519.X25519PrivateKey.from_private_bytes(skx)
    pk_x = sk.public_key().public_bytes_raw()
    try:
        ss_x = sk.exchange(x25519.X25519PublicKey.from_public_bytes(ct_x))
    except ValueError:
        # a low-order point (an all-zero shared secret): the spec's "exactly like a stanza that fails authentication"
        raise Malformed("recipient stanza failed authentication")
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()


# --- parsing helpers ---
class Reader:
    def __init__(self, data, exc=Malformed):
        self.d, self.i, self.exc = data, 0, exc

    def take(self, n):
        if self.i + n > len(self.d):
            raise self.exc("truncated field")
        b = self.d[self.i:self.i + n]
        self.i += n
        return b

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return int.from_bytes(self.take(2), "big")

    def u32(self):
        return int.from_bytes(self.take(4), "big")

    def i64(self):
        return int.from_bytes(self.take(8), "big", signed=True)

    def str8(self):
        return self.take(self.u8())

    def str16(self):
        return self.take(self.u16())

    def end(self):
        if self.i != len(self.d):
            raise self.exc("trailing bytes")


def utf8(b, exc=Malformed):
    try:
        return b.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise exc("invalid UTF-8")


def is_control(cp):
    return cp <= 0x1F or 0x7F <= cp <= 0x9F or cp in (0x2028, 0x2029, 0x202E)


# --- header ---
class Header:
    pass


def read_header(stream):
    """Steps 1-4 of 'Reading: verification order'."""
    magic = stream.read(8)
    if magic != ENVELOPE_MAGIC:
        raise Malformed("not a sealdrop envelope (magic)")
    lb = stream.read(4)
    if len(lb) != 4:
        raise Malformed("truncated header")
    body_len = int.from_bytes(lb, "big")
    if not 1 <= body_len <= MAX_BODY:
        raise Malformed("body length out of range")
    rest = stream.read(body_len + 32)
    if len(rest) != body_len + 32:
        raise Malformed("truncated header")
    body, mac = rest[:body_len], rest[body_len:]
    h = Header()
    h.raw = magic + lb + body + mac
    h.mac = mac
    h.hash = sha256(h.raw)
    r = Reader(body)
    h.suite = r.str8()
    if h.suite != SUITE_V1:
        raise UnknownSuite("unknown suite %r" % h.suite)
    ident = r.str8()
    if not 1 <= len(ident) <= 255:
        raise Malformed("sender identity length")
    h.sender = utf8(ident)
    if any(is_control(ord(c)) for c in h.sender):
        raise Malformed("control character in sender identity")
    h.sender_key = r.take(32)
    h.salt = r.take(32)
    n = r.u8()
    if not 1 <= n <= 32:
        raise Malformed("recipient count out of range")
    h.stanzas = []
    seen = set()
    for _ in range(n):
        fp, enc, wrapped = r.take(32), r.take(1120), r.take(48)
        if fp in seen:
            raise Malformed("duplicate stanza")
        seen.add(fp)
        h.stanzas.append((fp, enc, wrapped))
    mlen = r.u16()
    if not 16 <= mlen <= 2048:
        raise Malformed("metadata length out of range")
    h.metadata_ct = r.take(mlen)
    r.end()
    h.mac_input = magic + lb + body
    return h


def unwrap_file_key(h, seed):
    pk = xwing_public(seed)
    my_fp = sha256(RECIPIENT_KEY_FP, pk)
    match = None
    for fp, enc, wrapped in h.stanzas:
        if hmac.compare_digest(fp, my_fp):
            match = (enc, wrapped)
    if match is None:
        raise NoMatch("no stanza for this key")
    enc, wrapped = match
    ss = xwing_decaps(seed, enc)
    wrap_key = hkdf(ss, b"", WRAP + str8(h.suite) + my_fp + enc)
    try:
        return AESGCM(wrap_key).decrypt(bytes(12), wrapped, b"")
    except InvalidTag:
        raise Malformed("recipient stanza failed authentication")


def parse_metadata(pt):
    r = Reader(pt)
    name = r.str16()
    if not 1 <= len(name) <= 1024:
        raise Malformed("file name length")
    name = utf8(name)
    size = r.i64()
    if size < 0:
        raise Malformed("negative size")
    ctype = r.str8()
    if any(not 0x20 <= c <= 0x7E for c in ctype):
        raise Malformed("content type not printable ASCII")
    secs = r.i64()
    if not -31557014167219200 <= secs <= 31556889864403199:
        raise Malformed("created_seconds out of range")
    nanos = r.u32()
    if nanos > 999_999_999:
        raise Malformed("nanos out of range")
    r.end()
    return {"file_name": name, "size": size, "content_type": ctype.decode("ascii"),
            "created_seconds": secs, "created_nanos": nanos}


def frame_chunks(stream):
    """Framing: yields (index, chunk, is_last) and finally returns the trailer via StopIteration."""
    buf = bytearray()
    i = 0
    while True:
        data = stream.read(CHUNK + TAG + SIG)
        if data:
            buf += data
        while len(buf) > CHUNK + TAG + SIG:
            yield i, bytes(buf[:CHUNK + TAG]), False
            del buf[:CHUNK + TAG]
            i += 1
        if not data:
            break
    if len(buf) < TAG + SIG:
        raise PayloadFailure("chunk %d failed authentication; file corrupted or tampered with" % i)
    last, trailer = bytes(buf[:-SIG]), bytes(buf[-SIG:])
    if len(last) == TAG and i != 0:
        raise PayloadFailure("chunk %d failed authentication; file corrupted or tampered with" % i)
    yield i, last, True
    yield None, trailer, None


def open_envelope(stream, out, seed, trusted_sender, trusted_key):
    """Returns (metadata, fingerprint hex). Writes plaintext to `out` (a file object) as it goes;
    the caller must only release it when this returns."""
    h = read_header(stream)
    # 5. sender policy
    if h.sender != trusted_sender or not hmac.compare_digest(h.sender_key, trusted_key):
        raise UntrustedSender("sender %r with an untrusted key" % h.sender)
    # 6. stanza
    file_key = unwrap_file_key(h, seed)
    # 7. header MAC
    mac_key = hkdf(file_key, b"", HEADER_MAC)
    if not hmac.compare_digest(hmac.new(mac_key, h.mac_input, hashlib.sha256).digest(), h.mac):
        raise Malformed("header failed authentication")
    # 8. metadata
    metadata_key = hkdf(file_key, b"", METADATA)
    try:
        meta = parse_metadata(AESGCM(metadata_key).decrypt(bytes(12), h.metadata_ct, b""))
    except InvalidTag:
        raise Malformed("metadata failed authentication")
    payload_key = hkdf(file_key, h.salt, PAYLOAD)
    aes = AESGCM(payload_key)
    # 9. chunks
    digest = hashlib.sha256(DIGEST + h.hash)
    n = 0
    total = 0
    trailer = None
    for i, chunk, last in frame_chunks(stream):
        if i is None:
            trailer = chunk
            break
        if i >= 2 ** 32:
            raise PayloadFailure("too many chunks")
        nonce = i.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
        try:
            pt = aes.decrypt(nonce, chunk, h.hash)
        except InvalidTag:
            raise PayloadFailure("chunk %d failed authentication; file corrupted or tampered with" % i)
        digest.update(sha256(chunk))
        n += 1
        total += len(pt)
        out.write(pt)
    digest.update(u64(n))
    d = digest.digest()
    # 10. trailer
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(trusted_key).verify(trailer, SIGNATURE + h.hash + d)
    except InvalidSignature:
        raise SignatureFailure("bad sender signature")
    if total != meta["size"]:
        raise Malformed("payload length differs from the declared size")
    return meta, d.hex()


def inspect_envelope(stream, sender_key):
    """The keyless inspector: steps 1-4, framing, digest, signature."""
    h = read_header(stream)
    digest = hashlib.sha256(DIGEST + h.hash)
    n = 0
    for i, chunk, last in frame_chunks(stream):
        if i is None:
            trailer = chunk
            break
        digest.update(sha256(chunk))
        n += 1
    digest.update(u64(n))
    d = digest.digest()
    if h.sender_key != sender_key:
        raise UntrustedSender("sender key")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(sender_key).verify(trailer, SIGNATURE + h.hash + d)
    except InvalidSignature:
        raise SignatureFailure("bad sender signature")
    return h, d.hex()


# --- fingerprints ---
def display_fp(fp):
    s = base64.b32encode(fp[:20]).decode().lower()
    return "-".join(s[i:i + 4] for i in range(0, 32, 4))


# --- key bundle ---
def parse_bundle(data):
    if len(data) > 40960:
        raise Malformed("bundle too large")
    r = Reader(data)
    if r.take(8) != BUNDLE_MAGIC:
        raise Malformed("bundle magic")
    if r.u8() != 1:
        raise Malformed("bundle version")
    ident = r.str8()
    if not 1 <= len(ident) <= 255:
        raise Malformed("identity length")
    b = {"identity": utf8(ident), "xwing": r.take(1216), "ed25519": r.take(32),
         "not_before": r.i64(), "not_after": r.i64()}
    if not b["not_after"] > b["not_before"]:
        raise Malformed("not_after <= not_before")
    cc = r.u8()
    if not 1 <= cc <= 4:
        raise Malformed("cert count")
    b["certs"] = []
    for _ in range(cc):
        der = r.str16()
        if not 1 <= len(der) <= 8192:
            raise Malformed("cert length")
        b["certs"].append(der)
    b["tbs"] = data[:r.i]
    sl = r.u16()
    if not 1 <= sl <= 1024:
        raise Malformed("signature length")
    b["signature"] = r.take(sl)
    r.end()
    b["fingerprint"] = sha256(BUNDLE_FP, str8(ident), b["xwing"], b["ed25519"])
    return b


def verify_bundle_signature(b):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa, padding
    leaf = x509.load_der_x509_certificate(b["certs"][0])
    pub = leaf.public_key()
    msg = BUNDLE_SIGNATURE + b["tbs"]
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(b["signature"], msg, ec.ECDSA(hashes.SHA256()))
    elif isinstance(pub, ed25519.Ed25519PublicKey):
        pub.verify(b["signature"], msg)
    elif isinstance(pub, rsa.RSAPublicKey):
        pub.verify(b["signature"], msg, padding.PKCS1v15(), hashes.SHA256())
    else:
        raise Malformed("unsupported certificate key")
    cns = leaf.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if len(cns) != 1 or cns[0].value != b["identity"]:
        raise Malformed("identity mismatch")
    return leaf


# --- private key file ---
def read_key_file(data, passphrase):
    if len(data) != 136 or data[:8] != KEY_FILE_MAGIC:
        raise Malformed("not a private key file")
    kdf, log2n, r, p = data[8], data[9], data[10], data[11]
    if kdf != 1 or not (14 <= log2n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
        raise Malformed("key file parameters")
    salt, nonce, ct = data[12:44], data[44:56], data[56:136]
    k = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=2 ** log2n, r=r, p=p, dklen=32,
                       maxmem=2 ** 31 - 1)
    try:
        return AESGCM(k).decrypt(nonce, ct, data[:56])
    except InvalidTag:
        raise Malformed("wrong passphrase or damaged key file")


# --- vectors ---
def read_vec(path):
    fields, key = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line.startswith(" "):
                fields[key] += line[1:]
            elif line:
                key, _, value = line.partition(":")
                fields[key] = value[1:] if value.startswith(" ") else value
    return fields


def gen_stream(seed, length):
    out = bytearray()
    i = 0
    while len(out) < length:
        out += sha256(seed.encode("utf-8"), u64(i))
        i += 1
    return bytes(out[:length])


def run_vectors(directory):
    import io
    failures = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".vec"):
            continue
        v = read_vec(os.path.join(directory, name))
        key = bytes.fromhex(v["recipient-key"])
        sender_key = bytes.fromhex(v["sender-key"])
        env = bytes.fromhex(v["envelope"])
        out = io.BytesIO()
        try:
            meta, fp = open_envelope(io.BytesIO(env), out, key[:32], v["sender"], sender_key)
            got = "success"
        except (Malformed, UnknownSuite, UntrustedSender, NoMatch, PayloadFailure, SignatureFailure) as e:
            got, meta, fp = e.kind, None, None
        try:
            inspect_envelope(io.BytesIO(env), sender_key)
            got_i = "success"
        except (Malformed, UnknownSuite, UntrustedSender, PayloadFailure, SignatureFailure) as e:
            got_i = e.kind
        problems = []
        if got != v["expect"]:
            problems.append("open: expected %s, got %s" % (v["expect"], got))
        if got_i != v.get("inspect", v["expect"]):
            problems.append("inspect: expected %s, got %s" % (v.get("inspect"), got_i))
        if got == "success" and v["expect"] == "success":
            pt = out.getvalue()
            if len(pt) != int(v["plaintext-length"]) or sha256(pt).hex() != v["payload-sha256"]:
                problems.append("plaintext differs")
            if pt != gen_stream(v["plaintext-seed"], int(v["plaintext-length"])):
                problems.append("plaintext differs from the generator")
            if meta["file_name"] != v["file-name"] or meta["content_type"] != v["content-type"]:
                problems.append("metadata differs: %r" % meta)
            import datetime
            created = datetime.datetime.fromtimestamp(meta["created_seconds"], datetime.timezone.utc)
            if created.strftime("%Y-%m-%dT%H:%M:%SZ") != v["created"] or meta["created_nanos"]:
                problems.append("created differs: %r" % meta)
            if fp != v["fingerprint"]:
                problems.append("fingerprint differs")
            # the reader's own keys derive from the seeds as documented
            gen_keys = gen_stream("key:" + v["reader"], 64)
            if gen_keys != key:
                problems.append("recipient-key is not the first 64 bytes of key:<reader>")
        print(("FAIL " if problems else "ok   ") + name + ("" if not problems else ": " + "; ".join(problems)))
        failures += bool(problems)
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vectors")
    v.add_argument("dir")
    o = sub.add_parser("open")
    o.add_argument("envelope")
    o.add_argument("-o", "--out", required=True)
    o.add_argument("--key-file", required=True, help="a sdprivk1 file; passphrase from $SEALDROP_PASSPHRASE")
    o.add_argument("--sender", required=True)
    o.add_argument("--bundle", required=True, help="the sender's key bundle (sealdrop keys export)")
    b = sub.add_parser("bundle")
    b.add_argument("bundle")
    a = ap.parse_args()
    if a.cmd == "vectors":
        sys.exit(1 if run_vectors(a.dir) else 0)
    if a.cmd == "bundle":
        bd = parse_bundle(open(a.bundle, "rb").read())
        verify_bundle_signature(bd)
        print("identity:", bd["identity"])
        print("fingerprint:", display_fp(bd["fingerprint"]))
        print("signing key fp:", display_fp(sha256(SIGNING_KEY_FP, bd["ed25519"])))
        print("recipient key fp:", display_fp(sha256(RECIPIENT_KEY_FP, bd["xwing"])))
        print("valid:", bd["not_before"], "..", bd["not_after"], "; signature verifies (chain NOT checked)")
        return
    bd = parse_bundle(open(a.bundle, "rb").read())
    verify_bundle_signature(bd)
    if bd["identity"] != a.sender:
        sys.exit("bundle is for %r, not %r" % (bd["identity"], a.sender))
    keys = read_key_file(open(a.key_file, "rb").read(), os.environ["SEALDROP_PASSPHRASE"])
    tmp = a.out + ".part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out, open(a.envelope, "rb") as env:
            meta, fp = open_envelope(env, out, keys[:32], a.sender, bd["ed25519"])
            out.flush()
            os.fsync(out.fileno())
        os.rename(tmp, a.out)
    except BaseException as e:
        os.unlink(tmp)
        if isinstance(e, Exception):
            sys.exit("refused: %s: %s" % (getattr(e, "kind", type(e).__name__), e))
        raise
    print("opened %s (%d bytes, %s), fingerprint %s" % (meta["file_name"], meta["size"], meta["content_type"], fp))


if __name__ == "__main__":
    main()
