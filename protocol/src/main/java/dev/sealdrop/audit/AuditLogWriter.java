package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.JsonLines;
import dev.sealdrop.audit.internal.KeyFiles;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The append-only, hash-chained audit log (docs/audit-log.md). Thread-safe.
 *
 * <ul>
 *   <li>{@link #append(AuditEvent)} returns only once the record is fsynced (both
 *       {@link Durability} modes): an acknowledged record is never lost.
 *   <li>Every {@code checkpointEveryRecords} records, once a record has been pending (not covered by a checkpoint)
 *       for {@code checkpointInterval} (looked at every twentieth of it), and at {@link #close()}, it signs a
 *       checkpoint with the {@link AuditKey}.
 *   <li>On open, an existing file is verified with the writer's own key before the chain resumes;
 *       an incomplete last line (a crash mid-write, never acknowledged) is cut off and that is
 *       itself recorded ({@value #TORN_TAIL_ACTION}). Records a previous writer left unsigned (it
 *       stopped without closing) are signed, after a record that names them
 *       ({@value #UNSIGNED_TAIL_ACTION}); with a {@link Lifecycle}, a tail that writer could never have
 *       left is refused instead.
 *   <li>After any write error, or an fsync that does not return normally, the writer refuses all
 *       further appends (fail closed): the caller must treat the audited operation as failed.
 *       Restarting recovers.
 * </ul>
 * The file is exactly the export format, so an export is a byte copy up to a fresh checkpoint.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the log path comes from the server's configuration")
public final class AuditLogWriter implements Closeable {
  /** Action of the record appended when a torn last line was discarded on open. */
  public static final String TORN_TAIL_ACTION = "audit.torn-tail-discarded";
  /**
   * Action of the record appended on open before the checkpoint that signs what a previous writer left
   * unsigned: details {@code first} and {@code last} (sequence numbers) and {@code records} (how many).
   * Those records were signed after the fact, by a writer that did not write them.
   */
  public static final String UNSIGNED_TAIL_ACTION = "audit.unsigned-tail-signed";

  /**
   * The action of the record a server writes when it starts a new log in place of one it can no longer sign (its key
   * lost): details {@code previous-verifier-key} and {@code previous-records}. Verifiers warn of it.
   */
  public static final String LOG_REPLACED_ACTION = "audit.log-replaced";

  /**
   * The actions with which the log's user (a server) records its start and its stop. Given to
   * {@link #open(AuditLogConfig, AuditKey, Lifecycle)}, they let the writer refuse, on open, an unsigned
   * tail that no crash of such a user can leave (docs/audit-log.md, "Resuming a log"), and the writer
   * refuses to append after a stop record (the user's log ends there until its next start).
   * The user must record its start as the first record of its run and sign it at once
   * ({@link #checkpoint()}), and record its stop last, before {@link #close()}.
   */
  public record Lifecycle(String startAction, String stopAction) {
    public Lifecycle {
      Objects.requireNonNull(startAction, "startAction");
      Objects.requireNonNull(stopAction, "stopAction");
      if (startAction.equals(stopAction)) {
        throw new IllegalArgumentException("lifecycle: the start and stop actions must differ");
      }
    }
  }

  /**
   * Records {@code first..last} that the previous writer left unsigned and that this writer signed on
   * open, after an {@value #UNSIGNED_TAIL_ACTION} record naming them.
   */
  public record AdoptedTail(long first, long last) {
    /** How many records. */
    public long records() {
      return last - first + 1;
    }
  }

  private final AuditLogConfig config;
  private final AuditKey key;
  private final Lifecycle lifecycle; // null: none
  private final AdoptedTail adoptedTail; // null: none
  /** Whether the log was empty or ended with the lifecycle's stop when this writer opened it. */
  private boolean openedAfterStop = true;
  /** The result of the stop record the log ended with when this writer opened it; null if it did not end with one. */
  private String openedAfterStopWith;
  private long tornTailBytes;
  // Classic (non-interruptible) I/O for appends and fsync: an interrupted caller thread must not
  // close the log, as interrupting a thread in FileChannel I/O would (ClosedByInterruptException).
  private final RandomAccessFile file;
  private final FileChannel channel; // of file; used only for the lock and for recovery at open (never closed alone)
  private final FileLock fileLock;
  private final ReentrantLock lock = new ReentrantLock();
  /** Guards {@link #syncing} and {@link #syncRound}; never held during an fsync. */
  private final Object syncLock = new Object();
  private final ScheduledExecutorService timer;
  private final Fsync fsync;

  /** How the log reaches stable storage: {@link java.io.FileDescriptor#sync()}; tests watch it. */
  @FunctionalInterface
  interface Fsync {
    void sync(java.io.FileDescriptor fd) throws IOException;
  }

  // Guarded by lock.
  private ChainHash head;
  private long size;
  private long pending;
  /**
   * When the oldest record no checkpoint covers was appended (for records pending at open: the open). Review BJ: timed
   * from the last checkpoint instead, a record appended just before the timer's look waited for its next one, up to
   * twice the interval unsigned.
   */
  private long oldestPendingNanos = System.nanoTime();
  private boolean closed;
  /** The stop record of this run (lifecycle only), after which nothing is appended; 0 before it. */
  private long stoppedAt;

  private volatile long writtenPos;
  private volatile Written lastWritten;
  private volatile SignedCheckpoint durableCheckpoint;
  private volatile IOException failure;
  /** Every byte before this position is on stable storage. Only the thread leading an fsync raises it. */
  private volatile long syncedPos;
  private boolean syncing; // guarded by syncLock: an fsync is under way
  /** Completes when the fsync under way ends (guarded by syncLock; replaced by each fsync's leader). */
  private CompletableFuture<Void> syncRound = new CompletableFuture<>(); // guarded by syncLock

  /** A checkpoint and the file position just after its line. */
  private record Written(SignedCheckpoint checkpoint, long end) {}

  private AuditLogWriter(AuditLogConfig config, AuditKey key, Lifecycle lifecycle, RandomAccessFile file,
      FileLock fileLock, ChainHash head, long size, SignedCheckpoint lastCheckpoint, AdoptedTail adoptedTail,
      Fsync fsync) throws IOException {
    this.config = config;
    this.fsync = fsync;
    this.key = key;
    this.lifecycle = lifecycle;
    this.adoptedTail = adoptedTail;
    this.file = file;
    this.channel = file.getChannel();
    this.fileLock = fileLock;
    this.head = head;
    this.size = size;
    this.pending = size - (lastCheckpoint == null ? 0 : lastCheckpoint.checkpoint().size());
    this.writtenPos = channel.size();
    this.syncedPos = writtenPos;
    if (lastCheckpoint != null) {
      this.lastWritten = new Written(lastCheckpoint, writtenPos);
      this.durableCheckpoint = lastCheckpoint;
    }
    if (config.checkpointInterval().isZero()) {
      this.timer = null;
    } else {
      this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sealdrop-audit-checkpoint");
        t.setDaemon(true);
        return t;
      });
    }
  }

  /** Starts the periodic checkpoints, once the recovery at open is done (it must sign first, see open). */
  private void startCheckpointTimer() {
    if (timer != null) {
      // looked at every twentieth of the interval: a record waits at most that much past it
      long every = Math.max(5, config.checkpointInterval().toMillis() / 20);
      timer.scheduleWithFixedDelay(this::checkpointIfDue, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** Creates the log, or verifies and resumes an existing one; no {@link Lifecycle} rule applies. */
  public static AuditLogWriter open(AuditLogConfig config, AuditKey key) throws IOException {
    return open(config, key, null, java.io.FileDescriptor::sync);
  }

  /**
   * Creates the log, or verifies and resumes an existing one, whose user records its start and stop
   * with these actions. On top of what {@link #open(AuditLogConfig, AuditKey)} refuses, it refuses
   * ({@link AuditLogCorruptException}, the file left as it was) an unsigned tail after a signed stop
   * record, unless it is one start record, and records after a stop record in an unsigned tail.
   */
  public static AuditLogWriter open(AuditLogConfig config, AuditKey key, Lifecycle lifecycle) throws IOException {
    return open(config, key, Objects.requireNonNull(lifecycle, "lifecycle"), java.io.FileDescriptor::sync);
  }

  /**
   * {@link #open(AuditLogConfig, AuditKey, Lifecycle)} that also requires the log to hold {@code witnessed}, a checkpoint
   * this log's writer signed before, kept by its user apart from the log (a server keeps its latest in its database): a
   * log cut back, or replaced by an older copy, while the writer was not running fails to open
   * ({@link AuditLogCorruptException}, whose result says {@code TRUNCATED} or {@code REWRITTEN}, the file left as it
   * was), instead of the writer signing new records at sizes it had signed before with other heads. A checkpoint that
   * the key did not sign fails the open too ({@code BAD_CHECKPOINT_SIGNATURE}): the caller passes only one of this key.
   */
  public static AuditLogWriter open(AuditLogConfig config, AuditKey key, Lifecycle lifecycle,
      SignedCheckpoint witnessed) throws IOException {
    return open(config, key, Objects.requireNonNull(lifecycle, "lifecycle"), Objects.requireNonNull(witnessed,
        "witnessed"), java.io.FileDescriptor::sync);
  }

  /** {@link #open(AuditLogConfig, AuditKey)} with the fsync given (tests). */
  static AuditLogWriter open(AuditLogConfig config, AuditKey key, Fsync fsync) throws IOException {
    return open(config, key, null, fsync);
  }

  /** The lifecycle is null for none. */
  static AuditLogWriter open(AuditLogConfig config, AuditKey key, Lifecycle lifecycle, Fsync fsync)
      throws IOException {
    return open(config, key, lifecycle, null, fsync);
  }

  /** The lifecycle is null for none, and so is the witnessed checkpoint. */
  private static AuditLogWriter open(AuditLogConfig config, AuditKey key, Lifecycle lifecycle,
      SignedCheckpoint witnessed, Fsync fsync) throws IOException {
    Path file = config.file().toAbsolutePath();
    Files.createDirectories(file.getParent());
    boolean created = !Files.exists(file);
    if (created) {
      Files.createFile(file, KeyFiles.ownerOnly(file));
    }
    RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
    FileChannel ch = raf.getChannel();
    try {
      FileLock fl = lockOrFail(ch, file);
      Recovery r = LogRecovery.recover(ch, file, config, key, lifecycle, witnessed);
      // What the previous process wrote may not have reached the disk (it may have stopped between
      // a write and its fsync), yet the writer starts from "the whole file is durable" and reports
      // its last checkpoint as durable: make that true first.
      fsync.sync(raf.getFD());
      if (created) {
        KeyFiles.fsyncDirectory(file.getParent());
      }
      long signed = r.lastCheckpoint() == null ? 0 : r.lastCheckpoint().checkpoint().size();
      AdoptedTail adopted = r.size() > signed ? new AdoptedTail(signed + 1, r.size()) : null;
      AuditLogWriter w = new AuditLogWriter(config, key, lifecycle, raf, fl, r.head(), r.size(), r.lastCheckpoint(),
          adopted, fsync);
      w.openedAfterStop = r.endedWithStop();
      w.openedAfterStopWith = r.stopResult();
      w.tornTailBytes = r.tornBytes();
      String name = config.file().getFileName().toString();
      List<AuditEvent> recovery = new ArrayList<>(2);
      if (r.tornBytes() > 0) {
        recovery.add(AuditEvent.of("server", TORN_TAIL_ACTION, name, "ok", "",
            Map.of("bytes", Long.toString(r.tornBytes()))));
      }
      if (adopted != null) {
        // The previous run stopped without closing: this writer signs records it did not write, and says so
        // in the log itself, so that a third party sees which records were signed after the fact.
        recovery.add(AuditEvent.of("server", UNSIGNED_TAIL_ACTION, name, "ok", "", Map.of(
            "first", Long.toString(adopted.first()), "last", Long.toString(adopted.last()),
            "records", Long.toString(adopted.records()))));
      }
      if (!recovery.isEmpty()) {
        // before the timer starts: a periodic checkpoint must not sign the adopted tail before it is named
        try {
          w.appendSigned(recovery);
        } catch (IOException | RuntimeException e) {
          if (w.timer != null) {
            w.timer.shutdownNow(); // nothing was scheduled yet: no thread to stop, but no executor left behind
          }
          throw e;
        }
      }
      w.startCheckpointTimer();
      return w;
    } catch (IOException | RuntimeException e) {
      raf.close();
      throw e;
    }
  }

  private static FileLock lockOrFail(FileChannel ch, Path file) throws IOException {
    FileLock fl;
    try {
      fl = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      fl = null;
    }
    if (fl == null) {
      throw new InUseException(file);
    }
    return fl;
  }

  /**
   * The log is locked by another writer (another process, or another writer in this one): only one may
   * append, or the hash chain would fork. Its own type, so that a server can tell its operator that
   * another server runs on the same data folder rather than report a failed write.
   */
  public static final class InUseException extends IOException {
    private static final long serialVersionUID = 1L;

    InUseException(Path file) {
      super("audit log " + file + " is already open by another writer; only one process may append");
    }
  }

  /**
   * The records the previous writer left unsigned and this one signed on open (after an
   * {@value #UNSIGNED_TAIL_ACTION} record), if any: an auditor should check them against checkpoints
   * held by the parties.
   */
  public Optional<AdoptedTail> adoptedTail() {
    return Optional.ofNullable(adoptedTail);
  }

  /**
   * How many bytes of a line cut short (a write the previous process did not finish: a crash, a full disk) this writer
   * discarded from the log's end on open, after which it wrote {@value #TORN_TAIL_ACTION}; 0 if none.
   */
  public long tornTailBytes() {
    return tornTailBytes;
  }

  /**
   * Whether the log was new, or ended with the {@link Lifecycle}'s stop record with result {@code ok}, when this writer
   * opened it: the previous run closed it after running. False after a crash or a failed start (or without a
   * lifecycle, once the log holds records).
   */
  public boolean openedAfterStop() {
    return openedAfterStop;
  }

  /**
   * The result of the {@link Lifecycle}'s stop record the log ended with when this writer opened it, whatever it was
   * ({@code ok}, or a stop that says acts had not ended); empty if the log did not end with one (a crash, no lifecycle)
   * or was new.
   */
  public Optional<String> openedAfterStopWith() {
    return Optional.ofNullable(openedAfterStopWith);
  }

  /**
   * Appends these records and a checkpoint of them with one write and one fsync: a process that is
   * killed leaves all of them or none (or a torn line, cut off at the next open), never writer
   * records of its own unsigned after a recovery.
   */
  private void appendSigned(List<AuditEvent> events) throws IOException {
    long end;
    lock.lock();
    try {
      ensureWritable();
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      ChainHash h = head;
      long n = size;
      for (AuditEvent event : events) {
        AuditRecord record = new AuditRecord(n + 1, config.clock().millis(), event.actor(), event.action(),
            event.object(), event.result(), event.peer(), event.details(), h);
        h = record.hash();
        lines.writeBytes(JsonLines.record(record, h));
        n++;
      }
      SignedCheckpoint cp = SignedCheckpoint.sign(new Checkpoint(config.origin(), n, h), key);
      lines.writeBytes(JsonLines.checkpoint(cp));
      write(lines.toByteArray());
      head = h;
      size = n;
      lastWritten = new Written(cp, writtenPos);
      pending = 0;
      end = writtenPos;
    } finally {
      lock.unlock();
    }
    syncTo(end);
  }

  /** The state a resumed log continues from. */
  /** {@code endedWithStop}: the log was empty or its last record was the lifecycle's stop with result ok (a clean one). */
  record Recovery(ChainHash head, long size, SignedCheckpoint lastCheckpoint, long tornBytes, boolean endedWithStop,
      String stopResult) {}

  /**
   * Appends one record; returns it once it is durable. Throws if the log is closed or has failed,
   * in which case the caller must treat the audited operation as failed.
   */
  public AuditRecord append(AuditEvent event) throws IOException {
    return append(event, true);
  }

  /**
   * Appends one record to the chain like {@link #append} but returns without waiting for the disk:
   * the record is durable once any later {@link #append} or {@link #checkpoint()} returns (an fsync
   * covers the whole file), or at the next periodic checkpoint. For events seen on network I/O threads,
   * which must never stall on an fsync (a peer could otherwise slow every connection by causing them).
   */
  public AuditRecord appendWithoutWaiting(AuditEvent event) throws IOException {
    return append(event, false);
  }

  private AuditRecord append(AuditEvent event, boolean waitForDisk) throws IOException {
    AuditRecord record;
    long end;
    lock.lock();
    try {
      ensureWritable();
      if (stoppedAt > 0) {
        throw new IOException("audit log " + config.file() + ": record " + stoppedAt + " (" + lifecycle.stopAction()
            + ") ended this run's log; nothing may be appended after it (a restart resumes the log)");
      }
      record = new AuditRecord(size + 1, config.clock().millis(), event.actor(), event.action(), event.object(),
          event.result(), event.peer(), event.details(), head);
      ChainHash hash = record.hash();
      write(JsonLines.record(record, hash));
      head = hash;
      size++;
      if (pending == 0) {
        oldestPendingNanos = System.nanoTime();
      }
      pending++;
      if (lifecycle != null && record.action().equals(lifecycle.stopAction())) {
        stoppedAt = record.sequence();
      }
      if (pending >= config.checkpointEveryRecords()) {
        writeCheckpoint();
      }
      end = writtenPos;
      if (waitForDisk && config.durability() == Durability.FSYNC_EACH_RECORD) {
        syncTo(end);
      }
    } finally {
      lock.unlock();
    }
    if (waitForDisk) {
      syncTo(end);
    }
    return record;
  }

  /**
   * Signs a checkpoint of the current head if records were added since the last one, and returns
   * the latest checkpoint once it is durable. Hand this to parties (e.g. in transfer responses).
   */
  public SignedCheckpoint checkpoint() throws IOException {
    return checkpointCovering(Long.MAX_VALUE);
  }

  /**
   * The latest checkpoint if it covers the first {@code records} records, else a new one of the
   * current head; returned once durable. Callers who each need their own record covered share a
   * checkpoint signed after all their records were appended, instead of one signature each.
   */
  public SignedCheckpoint checkpointCovering(long records) throws IOException {
    Written w = checkpointWritten(records);
    syncTo(w.end());
    return w.checkpoint();
  }

  private Written checkpointWritten(long records) throws IOException {
    lock.lock();
    try {
      ensureWritable();
      if (lastWritten == null || lastWritten.checkpoint().checkpoint().size() < Math.min(records, size)) {
        writeCheckpoint();
      }
      return lastWritten;
    } finally {
      lock.unlock();
    }
  }

  /** The latest checkpoint that is on stable storage, if any; never one that a crash could undo. */
  public Optional<SignedCheckpoint> latestCheckpoint() {
    return Optional.ofNullable(durableCheckpoint);
  }

  /** Writes a fresh checkpoint, then copies the log up to and including it to {@code out}. */
  public SignedCheckpoint exportTo(OutputStream out) throws IOException {
    Written w = checkpointWritten(Long.MAX_VALUE);
    long end = w.end(); // the export ends with this checkpoint, even if records are appended meanwhile
    syncTo(end);
    try (InputStream in = new RangeInputStream(this::readAt, end)) {
      in.transferTo(out);
    }
    out.flush();
    return w.checkpoint();
  }

  /**
   * A reader of the log as written so far (complete lines only), for a tail. It reads through the
   * writer's own descriptor: opening the file again and closing it would drop the writer's lock on
   * it (POSIX locks belong to the process and go with any of its descriptors), so that another
   * process could then open the log and fork the chain. Never open the live log by path.
   */
  public AuditLogReader reader() {
    return new AuditLogReader(new RangeInputStream(this::readAt, writtenPos));
  }

  /**
   * Reads at {@code position} with the classic, non-interruptible I/O the appends use (an
   * interrupted FileChannel read would close the channel, and with it the lock), under the
   * append lock, since the seek moves the position the appends write at.
   */
  private int readAt(long position, byte[] b, int off, int len) throws IOException {
    lock.lock();
    try {
      if (closed) {
        throw new IOException("audit log " + config.file() + " is closed");
      }
      file.seek(position);
      return file.read(b, off, len);
    } finally {
      lock.unlock();
    }
  }

  /** Number of records in the log. */
  public long size() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  public String origin() {
    return config.origin();
  }

  public AuditPublicKey publicKey() {
    return key.publicKey();
  }

  private void checkpointIfDue() {
    long end;
    lock.lock();
    try {
      if (closed || failure != null || pending == 0
          || System.nanoTime() - oldestPendingNanos < config.checkpointInterval().toNanos()) {
        return;
      }
      writeCheckpoint();
      end = writtenPos;
    } catch (IOException e) {
      return; // recorded in failure by write(); the next append reports it
    } finally {
      lock.unlock();
    }
    try {
      syncTo(end);
    } catch (IOException e) {
      // recorded in failure by syncTo(); the next append reports it
    }
  }

  private void writeCheckpoint() throws IOException {
    SignedCheckpoint cp = SignedCheckpoint.sign(new Checkpoint(config.origin(), size, head), key);
    write(JsonLines.checkpoint(cp));
    lastWritten = new Written(cp, writtenPos);
    pending = 0;
  }

  private void write(byte[] line) throws IOException {
    long pos = writtenPos;
    try {
      file.seek(pos);
      file.write(line);
      pos += line.length;
    } catch (IOException e) {
      failure = e;
      throw new IOException("audit log " + config.file() + ": write failed; the log refuses further appends until"
          + " restarted: " + e.getMessage(), e);
    }
    writtenPos = pos;
  }

  /**
   * Returns once every byte before {@code end} is on stable storage. Group commit: one caller leads
   * an fsync that covers everything written so far; callers arriving meanwhile wait for it to end,
   * all woken at once (no lock is handed from waiter to waiter), and then either find their bytes
   * covered or lead the next fsync.
   */
  private void syncTo(long end) throws IOException {
    while (syncedPos < end) {
      CompletableFuture<Void> underWay;
      synchronized (syncLock) {
        if (syncedPos >= end) {
          return;
        }
        if (failure != null) {
          throw unavailable();
        }
        underWay = syncing ? syncRound : null;
        syncing = true;
      }
      if (underWay != null) {
        underWay.join(); // not interruptible, like the fsync it waits for
      } else {
        leadSync();
      }
    }
  }

  /** One fsync of everything written so far; wakes every caller waiting for it. */
  private void leadSync() throws IOException {
    Written w = lastWritten; // read before target, so w.end() <= target
    long target = writtenPos;
    CompletableFuture<Void> next = new CompletableFuture<>();
    boolean synced = false;
    try {
      fsync.sync(file.getFD()); // fsync; not interruptible, unlike FileChannel.force
      synced = true;
    } catch (IOException e) {
      failure = e; // after a failed fsync the page cache cannot be trusted (fsyncgate): fail closed
      throw new IOException("audit log " + config.file() + ": fsync failed; the log refuses further appends"
          + " until restarted: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) { // not an I/O error, but the fsync's outcome is unknown all the same
      failure = new IOException("fsync ended abnormally: " + e, e);
      throw e;
    } finally {
      CompletableFuture<Void> ended;
      synchronized (syncLock) {
        if (synced) {
          syncedPos = target;
          if (w != null && w.end() <= target) {
            durableCheckpoint = w.checkpoint();
          }
        }
        syncing = false;
        ended = syncRound;
        syncRound = next;
      }
      ended.complete(null); // the waiters look again: covered, or one of them leads the next fsync
    }
  }

  private void ensureWritable() throws IOException {
    if (closed) {
      throw new IOException("audit log " + config.file() + " is closed");
    }
    if (failure != null) {
      throw unavailable();
    }
  }

  private IOException unavailable() {
    return new IOException("audit log " + config.file() + " is unavailable after an earlier I/O error ("
        + failure.getMessage() + "); restart to recover", failure);
  }

  /** Signs a final checkpoint (if records are pending), fsyncs and closes. Idempotent. */
  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (timer != null) {
        timer.shutdownNow();
      }
      try {
        if (failure == null && (pending > 0 || lastWritten == null)) {
          writeCheckpoint();
        }
        if (failure == null) {
          syncTo(writtenPos);
        }
      } finally {
        try {
          fileLock.release();
        } finally {
          file.close();
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
