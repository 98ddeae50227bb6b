package dev.sealdrop.protocol;

import io.grpc.Metadata;

/**
 * The trailer in which the transfer port hands every caller the server's latest signed audit
 * checkpoint (the note text of {@link dev.sealdrop.audit.SignedCheckpoint}, UTF-8). Clients keep
 * what they receive, so an operator who later truncates or re-signs the log is caught by
 * {@code sealdrop audit verify --checkpoints DIR}. See docs/protocol.md ("Audit checkpoints").
 */
public final class CheckpointTrailer {
  /** {@code sealdrop-audit-checkpoint-bin}: binary metadata, because a note spans several lines. */
  public static final Metadata.Key<byte[]> KEY =
      Metadata.Key.of("sealdrop-audit-checkpoint-bin", Metadata.BINARY_BYTE_MARSHALLER);

  /** A note larger than this is not a checkpoint; receivers drop it. */
  public static final int MAX_BYTES = 16 * 1024;

  private CheckpointTrailer() {}
}
