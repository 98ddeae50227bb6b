package dev.sealdrop.server.core.upload;

import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.identity.Principal;
import java.util.HashMap;
import java.util.Map;

/**
 * The upload streams the server receives at once, counted for {@link UploadPolicy#maxUploadStreams} (server-wide, both
 * doors) and {@link UploadPolicy#maxUploadStreamsPerIdentity}. Every stream holds buffers outside any other budget
 * (an SFTP upload the channel window MINA queues in the heap, a gRPC one its connection's flow-control window), so
 * without a cap enough concurrent uploads run the server out of memory (round BD: 48 OpenSSH uploads, a 256 MiB heap).
 * A stream over a cap is refused at once and loses nothing; the caller's own share is checked first, as waiting for
 * other callers' uploads would not help it.
 */
final class UploadStreams {
  private final UploadPolicy policy;
  /** Upload id to its owner, for each stream holding a slot. */
  private final Map<String, String> holders = new HashMap<>();
  private final Map<String, Integer> byOwner = new HashMap<>();
  /** A caller that loops on a refusal writes a log line a minute, not one a call (its refusals are audited anyway). */
  private final dev.sealdrop.server.logging.OncePerMinute logged = new dev.sealdrop.server.logging.OncePerMinute();

  UploadStreams(UploadPolicy policy) {
    this.policy = policy;
  }

  /**
   * A slot taken for a stream whose upload does not exist yet (an SFTP file opened for writing is created and attached
   * at once): {@link #take} hands it to the upload, {@link #release} gives it back if the upload never came.
   */
  static final class Reservation {
    private final String key = "reserved:" + java.util.UUID.randomUUID();
  }

  /** Takes a slot for a stream of {@code caller}'s whose upload is not created yet, or refuses it as {@link #take} does. */
  synchronized Reservation reserve(Principal caller) {
    Reservation r = new Reservation();
    take(caller, r.key, null);
    return r;
  }

  /**
   * Takes a slot for {@code uploadId}'s stream, or refuses it ({@code SERVER_BUSY}, {@code TOO_MANY_UPLOAD_STREAMS});
   * with a {@code reservation} of the caller's, that slot becomes the stream's and nothing is refused.
   */
  synchronized void take(Principal caller, String uploadId, Reservation reservation) {
    if (holders.containsKey(uploadId)) {
      throw new IllegalStateException("upload " + uploadId + " holds a stream slot already");
    }
    if (reservation != null && caller.identity().equals(holders.remove(reservation.key))) {
      holders.put(uploadId, caller.identity());
      return;
    }
    refuseIfFull(caller);
    holders.put(uploadId, caller.identity());
    byOwner.merge(caller.identity(), 1, Integer::sum);
  }

  /** Gives back a {@link #reserve reserved} slot that no upload took; harmless once it was taken. */
  synchronized void release(Reservation reservation) {
    release(reservation.key);
  }

  /** Gives back {@code uploadId}'s slot, if it holds one (so calling it twice, or for a stream refused, is harmless). */
  synchronized void release(String uploadId) {
    String owner = holders.remove(uploadId);
    if (owner != null) {
      byOwner.computeIfPresent(owner, (o, n) -> n == 1 ? null : n - 1);
    }
  }

  /** How many streams hold a slot now. */
  synchronized int running() {
    return holders.size();
  }

  private void refuseIfFull(Principal caller) {
    int mine = byOwner.getOrDefault(caller.identity(), 0);
    int share = policy.maxUploadStreamsPerIdentity();
    // a share at or above the cap: the caller's own uploads hold every slot once it has the cap (round BE: it was told
    // the server was busy, and waited for others, when only its own uploads were running)
    if (mine >= Math.min(share, policy.maxUploadStreams())) {
      String key = share < policy.maxUploadStreams() ? "max-upload-streams-per-identity" : "max-upload-streams";
      if (logged.first("share " + caller.identity())) {
        UploadService.LOG.warn("upload stream of '{}' ({}) refused: it has {} uploads running, the most one identity"
            + " may (logged once a minute)",
            caller.identity(), caller.origin().door(), mine);
      }
      throw new LimitExceededException(Reason.TOO_MANY_UPLOAD_STREAMS, "'" + caller.identity() + "' has " + mine
          + " uploads running, the most one identity may have at once (" + key + "); let one finish, then retry"
          + " (nothing was lost)");
    }
    int running = holders.size();
    if (running >= policy.maxUploadStreams()) {
      if (logged.first("server-wide")) {
        UploadService.LOG.warn("upload stream of '{}' ({}) refused: {} uploads running, the most this server"
            + " receives (logged once a minute)",
            caller.identity(), caller.origin().door(), running);
      }
      throw new LimitExceededException(Reason.SERVER_BUSY, "server busy: it is receiving " + running
          + " uploads, the most it receives at once (max-upload-streams); retry in a moment (nothing was"
          + " lost)");
    }
  }
}
