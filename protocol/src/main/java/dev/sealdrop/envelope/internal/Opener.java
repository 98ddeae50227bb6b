package dev.sealdrop.envelope.internal;

import dev.sealdrop.envelope.BadSignatureException;
import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.MalformedEnvelopeException;
import dev.sealdrop.envelope.NoMatchingIdentityException;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.envelope.TamperedPayloadException;
import dev.sealdrop.envelope.TruncatedEnvelopeException;
import dev.sealdrop.envelope.UntrustedSenderException;
import dev.sealdrop.keys.KeyFormatException;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.VerifyingKey;
import dev.sealdrop.keys.internal.FormatException;
import dev.sealdrop.keys.internal.Fingerprints;
import dev.sealdrop.keys.internal.KeyInternals;
import dev.sealdrop.keys.internal.KeyMaterial;
import dev.sealdrop.keys.internal.Labels;
import dev.sealdrop.keys.internal.Primitives;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads an envelope for one recipient in the order of spec §"Reading": header (suite, structure),
 * sender policy, recipient stanza, header MAC, metadata, chunks, trailer signature, size. Writes
 * plaintext to a sink that the caller must treat as unverified until {@link #open} returns.
 */
public final class Opener implements Framer.Listener {
  /** Told the authenticated-by-MAC metadata before any payload is decrypted (e.g. to refuse an overwrite early). */
  public interface MetadataCheck {
    void accept(FileMetadata metadata) throws IOException;
  }

  /**
   * Told when reading the envelope fails (the stream, not the envelope: an {@link IOException} from
   * {@code read}), with what had been verified so far, before the failure is rethrown.
   */
  public interface InputFailure {
    void inputFailed(VerifiedPrefix verified, IOException cause);
  }

  /** The verified outcome. */
  public record Result(FileMetadata metadata, String senderIdentity, String fingerprint, long envelopeBytes) {}

  private final KeyMaterial me;
  private final SenderPolicy trust;
  private final OutputStream sink;
  private final MetadataCheck check;
  private VerifyingKey sender;
  private FileMetadata metadata;
  private ChunkCipher cipher;
  private final byte[] plain = new byte[Suite.CHUNK_BYTES];
  private long plaintextBytes;

  private Opener(PrivateKeys me, SenderPolicy trust, OutputStream sink, MetadataCheck check) {
    this.me = KeyInternals.material(me);
    this.trust = trust;
    this.sink = sink;
    this.check = check;
  }

  public static Result open(InputStream in, PrivateKeys me, SenderPolicy trust, OutputStream sink, MetadataCheck check)
      throws IOException {
    return open(in, me, trust, sink, check, null);
  }

  /**
   * Like {@link #open(InputStream, PrivateKeys, SenderPolicy, OutputStream, MetadataCheck)}; if reading
   * {@code in} fails once the header was verified, {@code onInputFailure} (if not null) is told what was
   * verified (every chunk written to {@code sink}) before the failure is rethrown.
   */
  public static Result open(InputStream in, PrivateKeys me, SenderPolicy trust, OutputStream sink, MetadataCheck check,
      InputFailure onInputFailure) throws IOException {
    Opener o = new Opener(me, trust, sink, check);
    Framer f = new Framer(o, ChunkHasher.LOCAL_BATCH);
    byte[] buf = new byte[Suite.CHUNK_CT_BYTES];
    try {
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (IOException e) {
          if (onInputFailure != null && o.cipher != null) {
            long chunks = f.chunkCount();
            onInputFailure.inputFailed(new VerifiedPrefix(f.header(), chunks, o.cipher, f.digestOfChunksSoFar()), e);
          }
          throw e;
        }
        if (n == -1) {
          break;
        }
        f.update(buf, 0, n);
      }
      byte[] signature;
      try {
        signature = f.finish();
      } catch (TamperedPayloadException e) {
        throw o.cutShortOr(f, e);
      }
      byte[] digest = f.digest();
      if (!o.sender.verify(f.signedMessage(digest), signature)) {
        throw new BadSignatureException();
      }
      if (o.plaintextBytes != o.metadata.size()) {
        throw new MalformedEnvelopeException("payload is " + o.plaintextBytes + " bytes but the metadata says "
            + o.metadata.size());
      }
      return new Result(o.metadata, f.header().senderIdentity(), Fingerprints.hex(digest), f.totalBytes());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      Arrays.fill(o.plain, (byte) 0);
    }
  }

  @Override
  public void onHeader(Header h) throws EnvelopeException {
    sender = acceptedSender(h, trust);
    byte[] myFp = Fingerprints.hash(Labels.RECIPIENT_KEY_FP, me.recipientPublic());
    Header.Stanza mine = h.stanzas().stream()
        .filter(s -> Primitives.constantTimeEquals(s.recipientFingerprint(), myFp))
        .findFirst().orElseThrow(() -> new NoMatchingIdentityException(h.stanzas().stream()
            .map(s -> Fingerprints.display(s.recipientFingerprint())).toList()));
    byte[] ss;
    try {
      ss = me.decapsulate(mine.encapsulation());
    } catch (FormatException e) {
      throw new MalformedEnvelopeException("recipient stanza failed authentication; file corrupted or tampered with");
    }
    byte[] wrapKey = KeySchedule.wrapKey(ss, mine.recipientFingerprint(), mine.encapsulation());
    byte[] fileKey = Aead.openOnce(wrapKey, mine.wrappedFileKey());
    KeySchedule.wipe(ss, wrapKey);
    if (fileKey == null) {
      throw new MalformedEnvelopeException("recipient stanza failed authentication; file corrupted or tampered with");
    }
    byte[] macKey = KeySchedule.headerMacKey(fileKey);
    byte[] metaKey = KeySchedule.metadataKey(fileKey);
    byte[] payloadKey = KeySchedule.payloadKey(fileKey, h.payloadSalt());
    try {
      byte[] mac = Primitives.hmacSha256(macKey).doFinal(Arrays.copyOf(h.raw(), h.macInputLength()));
      if (!Primitives.constantTimeEquals(mac, h.mac())) {
        throw new MalformedEnvelopeException("header failed authentication; file corrupted or tampered with");
      }
      byte[] meta = Aead.openOnce(metaKey, h.metadataCiphertext());
      if (meta == null) {
        throw new MalformedEnvelopeException("metadata failed authentication; file corrupted or tampered with");
      }
      metadata = MetadataCodec.decode(meta);
      cipher = new ChunkCipher(payloadKey, h.hash());
    } catch (FormatException e) {
      throw new MalformedEnvelopeException(e.getMessage());
    } finally {
      KeySchedule.wipe(fileKey, macKey, metaKey, payloadKey);
    }
    if (check != null) {
      try {
        check.accept(metadata);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The sender's key if the policy trusts the header's declared identity with the declared key. */
  public static VerifyingKey acceptedSender(Header h, SenderPolicy trust) throws UntrustedSenderException {
    String fp = declaredKeyFingerprint(h);
    Optional<VerifyingKey> trusted = trust.keyFor(h.senderIdentity());
    if (trusted.isEmpty() || !Arrays.equals(trusted.get().encoded(), h.senderKey())) {
      throw new UntrustedSenderException(HeaderCodec.printableOrEscaped(h.senderIdentity()), fp);
    }
    return trusted.get();
  }

  static String declaredKeyFingerprint(Header h) {
    return Fingerprints.display(Fingerprints.hash(Labels.SIGNING_KEY_FP, h.senderKey()));
  }

  static Optional<VerifyingKey> declaredKey(Header h) {
    try {
      return Optional.of(VerifyingKey.decode(h.senderKey()));
    } catch (KeyFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The envelope's last chunk failed: if it ended before the length the header and the (authenticated) metadata
   * announce, it was most likely cut short, and the failure says so ({@link TruncatedEnvelopeException}); otherwise
   * (the metadata not read yet, or an envelope of the announced length or longer) it is {@code failure}.
   */
  private TamperedPayloadException cutShortOr(Framer f, TamperedPayloadException failure) {
    if (metadata == null || f.headerLength() < 0) {
      return failure;
    }
    // the announced chunks and trailer: the lower bound's fixed header parts are in headerLength already
    long expected = f.headerLength() + metadata.envelopeSizeAtLeast() - Suite.PREFIX_BYTES - Suite.MAC_BYTES;
    return f.totalBytes() < expected ? new TruncatedEnvelopeException(f.totalBytes(), expected) : failure;
  }

  @Override
  public void onChunk(long index, boolean last, byte[] buf, int off, int len) throws EnvelopeException {
    int n = cipher.open(index, last, buf, off, len, plain);
    if (n < 0) {
      throw new TamperedPayloadException(index);
    }
    plaintextBytes += n;
    if (plaintextBytes > metadata.size()) {
      throw new MalformedEnvelopeException("payload is longer than the metadata says");
    }
    try {
      sink.write(plain, 0, n);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
