package dev.sealdrop.server.core.upload;

import dev.sealdrop.server.core.LimitExceededException;
import dev.sealdrop.server.core.Reason;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The per-identity storage quota, exact across an owner's concurrent upload streams on this node.
 *
 * <p>The quota counts an owner's committed files and the bytes of its unfinished uploads. The
 * database knows an upload's bytes only as of its last checkpoint (every 16 MiB), so two streams
 * of one owner checked against it alone each miss the other's newer bytes and could together pass
 * the quota by up to a checkpoint each. Here, while an owner has a stream attached, its usage is
 * kept in memory: what the database holds apart from the attached streams ({@code settled}, read
 * when a stream attaches or ends, at checkpoints, and again before any refusal, so that space freed
 * by a purge or an expiry counts at once) plus each attached stream's bytes as they arrive. Every
 * chunk is checked and counted under the owner's lock before it is written: a comparison in
 * memory, no query while it fits. Both doors' uploads go through it ({@link UploadSession}).
 *
 * <p>The in-memory count is per node; a commit checks the database once more under the same lock
 * ({@link Stream#commit}), which also holds when several nodes share one database (where each
 * node sees the other nodes' streams as of their checkpoints).
 */
final class Quota {
  private final UploadRepository uploads;
  private final UploadPolicy policy;
  /** Owners with at least one stream attached on this node. */
  private final Map<String, Owner> owners = new ConcurrentHashMap<>();

  Quota(UploadRepository uploads, UploadPolicy policy) {
    this.uploads = Objects.requireNonNull(uploads, "uploads");
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  /** One owner's usage while it has streams attached; every field is guarded by the object's lock. */
  private static final class Owner {
    /**
     * Bytes received by each attached stream's upload (a resumed upload's stored prefix included);
     * the entry leaves the map when none is left.
     */
    final Map<String, Long> received = new HashMap<>();
    /** The sum of {@link #received}. */
    long streaming;
    /** What the database holds for the owner apart from the attached streams' uploads. */
    long settled;
    /** Its last stream ended and it left the map: a new stream takes a new entry. */
    boolean gone;
  }

  /**
   * Refuses {@code size} more bytes for {@code owner} (an upload about to be created) if its usage
   * now, its attached streams' newest bytes included, and {@code size} together pass the quota.
   */
  void check(String owner, long size) {
    Owner o = owners.get(owner);
    if (o != null) {
      synchronized (o) {
        if (!o.gone) {
          refuseIfOverFresh(owner, o, o.streaming, size);
          return;
        }
      }
    }
    refuseIfOver(owner, uploads.storedBytes(owner, java.util.Set.of()), size);
  }

  /** Counts upload {@code uploadId}'s stream, attached with {@code offset} bytes already stored. */
  Stream attach(String owner, String uploadId, long offset) {
    while (true) {
      Owner o = owners.computeIfAbsent(owner, k -> new Owner());
      synchronized (o) {
        if (o.gone) {
          continue; // its last stream just ended: take the next entry
        }
        // an upload counted already (a stream of it that was never detached) is counted once, from its new offset
        Long before = o.received.put(uploadId, offset);
        o.streaming += offset - (before == null ? 0 : before);
        try {
          o.settled = uploads.storedBytes(owner, o.received.keySet());
        } catch (RuntimeException e) {
          o.received.remove(uploadId);
          o.streaming -= offset;
          release(owner, o);
          throw e;
        }
        return new Stream(owner, o, uploadId);
      }
    }
  }

  /**
   * Stops counting upload {@code uploadId}'s bytes as a stream's and re-reads what the database
   * holds apart from the other streams; under {@code o}'s lock.
   */
  private void forget(String owner, Owner o, String uploadId) {
    long bytes = o.received.remove(uploadId);
    o.streaming -= bytes;
    if (o.received.isEmpty()) {
      return;
    }
    try {
      o.settled = uploads.storedBytes(owner, o.received.keySet());
    } catch (RuntimeException e) {
      // the stream is ending (perhaps for this very failure): count its bytes as stored rather than lose them
      o.settled += bytes;
      UploadService.LOG.warn("quota of '{}': cannot re-read stored bytes: {}", owner, e.toString());
    }
  }

  /**
   * Drops the owner's entry once its last stream has ended;
   * under {@code o}'s lock (the map's own lock is never held while an entry's is taken).
   */
  private void release(String owner, Owner o) {
    if (o.received.isEmpty()) {
      o.gone = true;
      owners.remove(owner, o);
    }
  }

  /**
   * Refuses {@code size} more bytes if the owner's usage ({@code streaming} bytes of its attached
   * streams plus what the database holds apart from them) and {@code size} together pass the quota.
   * {@code o.settled} may be older than a file purged or an upload expired since it was read: a
   * refusal re-reads it first (a query only on that rare path), so freed space counts at once and a
   * refusal always rests on what is stored now. Under {@code o}'s lock.
   */
  private void refuseIfOverFresh(String owner, Owner o, long streaming, long size) {
    if (o.settled + streaming + size <= policy.quotaBytes()) {
      return;
    }
    o.settled = uploads.storedBytes(owner, o.received.keySet());
    refuseIfOver(owner, o.settled + streaming, size);
  }

  private void refuseIfOver(String owner, long stored, long size) {
    if (stored + size > policy.quotaBytes()) {
      throw new LimitExceededException(Reason.QUOTA_EXCEEDED, "'" + owner + "' stores " + stored + " bytes in files"
          + " and unfinished uploads; " + size + " more would exceed the quota of " + policy.quotaBytes()
          + " bytes; an unfinished upload counts until it is finished, given up or expires idle; delete files you no"
          + " longer need (`sealdrop files delete FILE_ID`), or ask an admin to raise the quota");
    }
  }

  /** One attached stream's share of its owner's usage. Called from the stream's thread only. */
  final class Stream {
    private final String owner;
    private final Owner usage;
    private final String uploadId;
    private boolean detached;

    private Stream(String owner, Owner usage, String uploadId) {
      this.owner = owner;
      this.usage = usage;
      this.uploadId = uploadId;
    }

    /**
     * Counts {@code n} more bytes of this upload, unless the owner's usage (its other streams' bytes
     * received so far included) would pass the quota: then refuses, and counts nothing.
     */
    void add(long n) {
      synchronized (usage) {
        long mine = usage.received.get(uploadId);
        refuseIfOverFresh(owner, usage, usage.streaming - mine, mine + n);
        usage.received.put(uploadId, mine + n);
        usage.streaming += n;
      }
    }

    /**
     * Re-reads what the database holds apart from the attached streams (a query): at a checkpoint,
     * so that files purged meanwhile make room, and after this stream's upload was closed and its
     * data deleted, so that the owner's other streams stop counting it.
     */
    void refresh() {
      synchronized (usage) {
        if (!usage.gone && !usage.received.isEmpty()) {
          usage.settled = uploads.storedBytes(owner, usage.received.keySet());
        }
      }
    }

    /**
     * Runs {@code commit} (the upload's row becomes a file of {@code size} bytes) under the owner's
     * lock, after one more check against the database, then stops counting the stream: its bytes
     * move from the stream to the files with no moment at which another stream of the owner sees
     * them twice or not at all. Uploads finished at the same moment each see the others' files.
     */
    <T> T commit(long size, Supplier<T> commit) {
      synchronized (usage) {
        refuseIfOver(owner, uploads.storedBytes(owner, java.util.Set.of(uploadId)), size);
        try {
          return commit.get();
        } finally {
          detach();
        }
      }
    }

    /**
     * Stops counting the stream (it ended): the owner's other streams count this upload as the
     * database holds it from now on (its durable bytes if it stays open for a resume, none once it
     * is closed). Does nothing the second time.
     */
    void detach() {
      synchronized (usage) {
        if (detached) {
          return;
        }
        detached = true;
        forget(owner, usage, uploadId);
        release(owner, usage);
      }
    }
  }
}
