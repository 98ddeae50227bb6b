package dev.sealdrop.client.net;

import dev.sealdrop.audit.AuditFormatException;
import dev.sealdrop.audit.HeldCheckpoints;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.protocol.CheckpointTrailer;
import io.grpc.Metadata;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the signed audit checkpoint that every transfer-port response carries
 * ({@link CheckpointTrailer}) in the profile's {@code checkpoints/} folder, where
 * {@code sealdrop audit verify --checkpoints DIR} reads it. Evidence is kept as received, unchecked
 * (the verifier checks it against the log's key); a trailer that is not a checkpoint is dropped.
 * Keeping it never fails the call it came with.
 */
public final class CheckpointKeeper extends TrailerWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointKeeper.class);
  private final Path dir;

  public CheckpointKeeper(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  @Override
  void closing(Metadata trailers) {
    keep(trailers);
  }

  void keep(Metadata trailers) {
    byte[] note = trailers == null ? null : trailers.get(CheckpointTrailer.KEY);
    if (note == null) {
      return;
    }
    if (note.length > CheckpointTrailer.MAX_BYTES) {
      LOG.debug("dropped an audit checkpoint trailer of {} bytes (too large)", note.length);
      return;
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(note)).toString();
      HeldCheckpoints.save(dir, SignedCheckpoint.parse(text));
    } catch (CharacterCodingException | AuditFormatException e) {
      LOG.debug("dropped an audit checkpoint trailer that is not a checkpoint note: {}", e.getMessage());
    } catch (IOException e) {
      LOG.warn("could not keep the server's audit checkpoint in {}: {}", dir, IoReason.of(e));
    }
  }
}
