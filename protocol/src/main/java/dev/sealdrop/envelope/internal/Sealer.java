package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.KeyInternals;
import dev.sealdrop.keys.internal.KeyMaterial;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.XWing;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/** Writes an envelope (spec §"Sealing"): header at creation, a chunk per 64 KiB, trailer on close. */
public final class Sealer extends SealingOutputStream {
  private final OutputStream out;
  private final KeyMaterial signer;
  private final ChunkCipher cipher;
  private final PayloadDigest digest;
  private final long declaredSize;
  private final byte[] plain = new byte[Suite.CHUNK_BYTES];
  private int filled;
  private long index;
  private long written;
  private boolean closed;
  private boolean broken;
  private String fingerprint;

  private Sealer(OutputStream out, KeyMaterial signer, ChunkCipher cipher, PayloadDigest digest, long declaredSize) {
    this.out = out;
    this.signer = signer;
    this.cipher = cipher;
    this.digest = digest;
    this.declaredSize = declaredSize;
  }

  /** The production entry point: randomness from the platform's SecureRandom. */
  public static SealingOutputStream create(OutputStream out, String senderIdentity, PrivateKeys sender,
      List<RecipientKey> recipients, FileMetadata metadata) throws IOException {
    return create(out, senderIdentity, sender, recipients, metadata, new SecureRandom());
  }

  /**
   * TEST ONLY: seals with caller-supplied randomness so that known-answer vectors are
   * reproducible. Deterministic randomness in production would reuse file keys; never call this
   * outside tests.
   */
  public static SealingOutputStream testOnlySealWithRandomness(OutputStream out, String senderIdentity,
      PrivateKeys sender, List<RecipientKey> recipients, FileMetadata metadata, SecureRandom random)
      throws IOException {
    return create(out, senderIdentity, sender, recipients, metadata, random);
  }

  private static SealingOutputStream create(OutputStream out, String senderIdentity, PrivateKeys sender,
      List<RecipientKey> recipients, FileMetadata metadata, SecureRandom random) throws IOException {
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(metadata, "metadata");
    checkIdentity(senderIdentity);
    List<RecipientKey> unique = new ArrayList<>(new LinkedHashSet<>(Objects.requireNonNull(recipients, "recipients")));
    if (unique.isEmpty() || unique.size() > Suite.MAX_RECIPIENTS) {
      throw new IllegalArgumentException("recipients must hold 1.." + Suite.MAX_RECIPIENTS + " keys, not " + unique.size());
    }
    KeyMaterial signer = KeyInternals.material(sender);
    byte[] fileKey = new byte[Suite.FILE_KEY_BYTES];
    byte[] salt = new byte[Suite.SALT_BYTES];
    random.nextBytes(fileKey);
    random.nextBytes(salt);
    byte[] macKey = KeySchedule.headerMacKey(fileKey);
    byte[] metaKey = KeySchedule.metadataKey(fileKey);
    byte[] payloadKey = KeySchedule.payloadKey(fileKey, salt);
    try {
      List<Header.Stanza> stanzas = new ArrayList<>(unique.size());
      for (RecipientKey r : unique) {
        stanzas.add(wrap(fileKey, r, random));
      }
      byte[] metaCt = Aead.sealOnce(metaKey, MetadataCodec.encode(metadata));
      byte[] raw = HeaderCodec.build(senderIdentity, signer.verifyingPublic(), salt, stanzas, metaCt, macKey);
      Header header = HeaderCodec.parse(raw);
      out.write(raw);
      return new Sealer(out, signer, new ChunkCipher(payloadKey, header.hash()), new PayloadDigest(header.hash(), Suite.CHUNK_CT_BYTES, ChunkHasher.LOCAL_BATCH),
          metadata.size());
    } catch (dev.sealdrop.envelope.EnvelopeException e) {
      throw new IllegalStateException("envelope: internal error: sealer wrote a header it cannot parse", e);
    } finally {
      KeySchedule.wipe(fileKey, macKey, metaKey, payloadKey);
    }
  }

  private static void checkIdentity(String identity) {
    Objects.requireNonNull(identity, "senderIdentity");
    int n = identity.getBytes(StandardCharsets.UTF_8).length;
    if (n < 1 || n > Suite.MAX_IDENTITY_BYTES || !HeaderCodec.printable(identity)) {
      throw new IllegalArgumentException("senderIdentity must be 1.." + Suite.MAX_IDENTITY_BYTES
          + " UTF-8 bytes without control characters");
    }
  }

  private static Header.Stanza wrap(byte[] fileKey, RecipientKey recipient, SecureRandom random) {
    byte[] pub = recipient.encoded();
    byte[] fp = Fingerprints.hash(Labels.RECIPIENT_KEY_FP, pub);
    XWing.Encapsulated e;
    try {
      e = XWing.encapsulate(pub, random);
    } catch (FormatException ex) {
      throw new IllegalArgumentException("recipient key is malformed: " + ex.getMessage(), ex);
    }
    byte[] wrapKey = KeySchedule.wrapKey(e.sharedSecret(), fp, e.encapsulation());
    try {
      return new Header.Stanza(fp, e.encapsulation(), Aead.sealOnce(wrapKey, fileKey));
    } finally {
      KeySchedule.wipe(wrapKey, e.sharedSecret());
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    ensureWritable();
    if (written + len > declaredSize) {
      broken = true;
      throw new IOException("more plaintext than FileMetadata.size() = " + declaredSize
          + " declared; this envelope is incomplete and must be discarded");
    }
    written += len;
    while (len > 0) {
      if (filled == Suite.CHUNK_BYTES) {
        sealChunk(false);
      }
      int n = Math.min(len, Suite.CHUNK_BYTES - filled);
      System.arraycopy(b, off, plain, filled, n);
      filled += n;
      off += n;
      len -= n;
    }
  }

  private void sealChunk(boolean last) throws IOException {
    try {
      byte[] sealed = digest.buffer();
      int n = cipher.seal(index, last, plain, 0, filled, sealed);
      digest.chunk(sealed, 0, n); // hashed on another core while we write it out
      out.write(sealed, 0, n);
      index++;
      filled = 0;
    } catch (IOException | RuntimeException e) {
      broken = true;
      throw e;
    }
  }

  private void ensureWritable() throws IOException {
    if (closed) {
      throw new IOException("sealing stream is closed");
    }
    if (broken) {
      throw new IOException("sealing stream failed earlier; the envelope is incomplete and must be discarded");
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    ensureWritable();
    closed = true;
    try {
      if (written != declaredSize) {
        throw new IOException("wrote " + written + " bytes but FileMetadata.size() declared " + declaredSize
            + "; this envelope is incomplete and must be discarded");
      }
      sealChunk(true);
      byte[] d = digest.finish();
      out.write(signer.sign(digest.signedMessage(d)));
      out.flush();
      fingerprint = Fingerprints.hex(d);
    } finally {
      java.util.Arrays.fill(plain, (byte) 0);
    }
  }

  @Override
  public String fingerprint() {
    if (fingerprint == null) {
      throw new IllegalStateException("the fingerprint is known only after close() succeeded");
    }
    return fingerprint;
  }
}
