package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.MalformedEnvelopeException;
import dev.sealdrop.envelope.UnknownSuiteException;
import dev.sealdrop.keys.internal.ByteReader;
import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.Primitives;
import dev.sealdrop.keys.internal.XWing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Writes and strictly parses the header of spec §"Header". Bounded: lengths are checked before allocation. */
public final class HeaderCodec {
  private HeaderCodec() {}

  static final byte[] MAGIC = Labels.ascii(Labels.ENVELOPE_MAGIC);

  /** Checks a prefix of the envelope against the magic as soon as bytes arrive. */
  static void checkMagicPrefix(byte[] prefix, int length) throws MalformedEnvelopeException {
    for (int i = 0; i < Math.min(length, Suite.MAGIC_BYTES); i++) {
      if (prefix[i] != MAGIC[i]) {
        throw new MalformedEnvelopeException("not a sealdrop envelope (bad magic)");
      }
    }
  }

  /** The body length declared by {@code magic || u32}, checked against the limit before any allocation. */
  static int bodyLength(byte[] prefix) throws MalformedEnvelopeException {
    checkMagicPrefix(prefix, Suite.MAGIC_BYTES);
    long len = ((prefix[8] & 0xffL) << 24) | ((prefix[9] & 0xff) << 16) | ((prefix[10] & 0xff) << 8) | (prefix[11] & 0xff);
    if (len < 1 || len > Suite.MAX_HEADER_BODY) {
      throw new MalformedEnvelopeException("header length " + len + " is outside 1.." + Suite.MAX_HEADER_BODY);
    }
    return (int) len;
  }

  /** Parses a complete header ({@code magic || u32 || body || mac}). */
  public static Header parse(byte[] raw) throws MalformedEnvelopeException, UnknownSuiteException {
    if (raw.length < Suite.PREFIX_BYTES + Suite.MAC_BYTES) {
      throw new MalformedEnvelopeException("header truncated");
    }
    int bodyLen = bodyLength(raw);
    if (raw.length != Suite.PREFIX_BYTES + bodyLen + Suite.MAC_BYTES) {
      throw new MalformedEnvelopeException("header truncated");
    }
    ByteReader r = new ByteReader(raw, Suite.PREFIX_BYTES, bodyLen);
    try {
      String suite = readSuite(r);
      String sender = r.str8("sender identity", 1, Suite.MAX_IDENTITY_BYTES);
      if (!printable(sender)) {
        throw new FormatException("sender identity contains control characters");
      }
      byte[] senderKey = r.bytes(32, "sender key");
      byte[] salt = r.bytes(Suite.SALT_BYTES, "payload salt");
      int n = r.u8("recipient count");
      if (n < 1 || n > Suite.MAX_RECIPIENTS) {
        throw new FormatException("recipient count " + n + " is outside 1.." + Suite.MAX_RECIPIENTS);
      }
      if ((long) n * Suite.STANZA_BYTES > r.remaining()) {
        throw new FormatException("recipient stanzas are truncated");
      }
      List<Header.Stanza> stanzas = new ArrayList<>(n);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < n; i++) {
        Header.Stanza s = new Header.Stanza(r.bytes(32, "recipient fingerprint"),
            r.bytes(XWing.ENCAPSULATION_BYTES, "encapsulation"), r.bytes(Suite.WRAPPED_KEY_BYTES, "wrapped file key"));
        if (!seen.add(Arrays.toString(s.recipientFingerprint()))) {
          throw new FormatException("duplicate recipient stanza");
        }
        stanzas.add(s);
      }
      int metaLen = r.u16("metadata length");
      if (metaLen < Primitives.GCM_TAG_BYTES || metaLen > Suite.MAX_METADATA_CT) {
        throw new FormatException("metadata length " + metaLen + " is outside " + Primitives.GCM_TAG_BYTES + ".."
            + Suite.MAX_METADATA_CT);
      }
      byte[] meta = r.bytes(metaLen, "metadata");
      r.expectEnd("header");
      byte[] mac = Arrays.copyOfRange(raw, raw.length - Suite.MAC_BYTES, raw.length);
      return new Header(raw, Primitives.sha256(raw), suite, sender, senderKey, salt, List.copyOf(stanzas), meta, mac);
    } catch (FormatException e) {
      throw new MalformedEnvelopeException(e.getMessage());
    }
  }

  private static String readSuite(ByteReader r) throws FormatException, UnknownSuiteException {
    int len = r.u8("suite length");
    byte[] b = r.bytes(len, "suite");
    String suite = new String(b, StandardCharsets.ISO_8859_1);
    if (!Arrays.equals(b, Labels.ascii(Suite.ID))) {
      throw new UnknownSuiteException(printableOrEscaped(suite));
    }
    return suite;
  }

  static boolean printable(String s) {
    return s.codePoints().noneMatch(c -> Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0x202e);
  }

  /** Safe for error messages and logs: non-printable characters become {@code \\uXXXX}, max 80 chars. */
  public static String printableOrEscaped(String s) {
    StringBuilder sb = new StringBuilder();
    s.codePoints().limit(80).forEach(c -> {
      if (c >= 0x20 && c < 0x7f) {
        sb.appendCodePoint(c);
      } else {
        // beyond U+FFFF with eight digits (round BH: U+10FFFF read as "\\u10ffff", which is U+10FF then "ff")
        sb.append(String.format(java.util.Locale.ROOT, c > 0xffff ? "\\U%08x" : "\\u%04x", c));
      }
    });
    return sb.toString();
  }

  /** Builds the header; {@code macKey} keys the HMAC that closes it (spec §"Header MAC"). */
  static byte[] build(String sender, byte[] senderKey, byte[] salt, List<Header.Stanza> stanzas, byte[] metaCt,
      byte[] macKey) {
    ByteWriter body = new ByteWriter().str8(Suite.ID).str8(sender).bytes(senderKey).bytes(salt).u8(stanzas.size());
    for (Header.Stanza s : stanzas) {
      body.bytes(s.recipientFingerprint()).bytes(s.encapsulation()).bytes(s.wrappedFileKey());
    }
    byte[] b = body.u16(metaCt.length).bytes(metaCt).toByteArray();
    byte[] macInput = new ByteWriter().bytes(MAGIC).u32(b.length).bytes(b).toByteArray();
    byte[] mac = Primitives.hmacSha256(macKey).doFinal(macInput);
    return new ByteWriter().bytes(macInput).bytes(mac).toByteArray();
  }
}
