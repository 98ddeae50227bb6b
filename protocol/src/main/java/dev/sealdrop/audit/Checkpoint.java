package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.Text;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The unsigned content of a checkpoint: the log's origin, its size (the sequence number of the
 * last record covered, 0 for an empty log) and the chain head h_size.
 *
 * <p>Its note body is the C2SP tlog-checkpoint body {@code <origin>\n<size>\n<base64 head>\n};
 * the third line is our chain head, not a Merkle root (docs/audit-log.md, "Checkpoints").
 */
public record Checkpoint(String origin, long size, ChainHash head) {
  public Checkpoint {
    if (!Text.isNoteName(origin)) {
      throw new IllegalArgumentException("checkpoint: origin must be 1..200 printable ASCII characters without space or '+'");
    }
    if (size < 0) {
      throw new IllegalArgumentException("checkpoint: size must be >= 0, was " + size);
    }
    Objects.requireNonNull(head, "checkpoint: head must not be null");
  }

  /** The exact note body that is signed. */
  public String body() {
    return origin + "\n" + size + "\n" + head + "\n";
  }

  byte[] bodyBytes() {
    return body().getBytes(StandardCharsets.UTF_8);
  }
}
