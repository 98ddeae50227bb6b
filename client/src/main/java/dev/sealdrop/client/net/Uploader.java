package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.protocol.v1.AbandonUploadRequest;
import dev.sealdrop.protocol.v1.AbandonUploadResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.CreateUploadResponse;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.GetUploadResponse;
import dev.sealdrop.protocol.v1.UploadResponse;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Resumable uploads of sealed envelopes. A new upload streams the envelope to the server
 * <em>while</em> it is being sealed. Nothing is written to disk while the network keeps up: the
 * upload stream keeps the newest {@link #RESUME_TAIL_BYTES} it sent in memory (the part the server
 * may not have stored yet). If the connection breaks, that tail and the rest of the sealing go to a
 * spool file in the profile's state folder (ciphertext, never plaintext), and a later run resumes
 * from the server's committed offset, provided the spool starts at or before it.
 *
 * <p>The spool is a cache for resuming, not a record anyone relies on, and it is not fsynced. A
 * killed process loses nothing (the page cache survives it); after a power loss a damaged spool is
 * refused by the server's validation when resumed, and the next run seals afresh. A server that
 * crashed (rather than saw the connection break) may have kept less than the spool covers; the
 * resume then starts over from a fresh seal.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "spool files live in the user's profile folder")
public final class Uploader {
  /** Writes the whole envelope into the stream it is given (and closes its sealing stream). */
  @FunctionalInterface
  public interface EnvelopeWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** The committed file. */
  public record Committed(String fileId, long size, String fingerprint) {}

  /** A new upload id and the server's message size. */
  public record Started(String uploadId, int maxMessageBytes) {}

  /**
   * The sealing ended (the envelope is complete) but the upload did not: the spool holds the
   * envelope from {@code spoolOffset} to its end.
   */
  @FunctionalInterface
  public interface SpoolReady {
    void spooled(long spoolOffset) throws IOException;
  }

  /**
   * What the upload stream keeps in memory for a resume: at least the server's checkpoint interval
   * (16 MiB by default; a broken stream makes everything received durable) plus what can be in flight
   * (gRPC's and the sockets' buffers, a few MiB).
   */
  public static final long RESUME_TAIL_BYTES = 32L << 20;

  private final ServerConnection connection;
  private final java.time.Duration stallAfter;
  private final java.time.Duration verdictWithin;

  public Uploader(ServerConnection connection) {
    this(connection, UploadStream.STALL_AFTER, UploadStream.VERDICT_WITHIN);
  }

  /** With other limits for a server that stops taking the upload, or answering it (tests). */
  Uploader(ServerConnection connection, java.time.Duration stallAfter, java.time.Duration verdictWithin) {
    this.connection = Objects.requireNonNull(connection, "connection");
    this.stallAfter = stallAfter;
    this.verdictWithin = verdictWithin;
  }

  /**
   * Starts an upload of an envelope of at least {@code expectedSize} bytes (0: unknown) meant for
   * {@code intendedRecipients} on {@code terms}: the server refuses at once an upload over its size limit or the
   * caller's quota, a recipient it would not grant the file to (unknown, not an acquirer, the caller itself), and
   * terms its grant would be refused for (a longer lifetime or more downloads than it allows).
   */
  public Started create(long expectedSize, java.util.List<String> intendedRecipients, IntendedTerms terms)
      throws SealdropFailure {
    CreateUploadResponse r = ServerConnection.call(GrpcFailures.Op.UPLOAD, () -> connection.transfer()
        .createUpload(CreateUploadRequest.newBuilder().setExpectedSize(expectedSize)
            .addAllIntendedRecipients(intendedRecipients).setIntendedExpiresInSeconds(terms.expiresInSeconds())
            .setIntendedMaxDownloads(terms.maxDownloads()).build()));
    return new Started(r.getUploadId(), r.getMaxMessageBytes());
  }

  /**
   * The terms the upload's grant will ask for, as CreateGrant takes them (0: the server's default), stated up front
   * so that terms the server refuses are refused before any byte is sent.
   */
  public record IntendedTerms(long expiresInSeconds, int maxDownloads) {}

  /** The server refused the terms a resume stated (GetUpload): nothing more was sent, and the upload is kept. */
  public static final class TermsRefused extends Exception {
    private static final long serialVersionUID = 1L;

    TermsRefused(UsageFailure refusal) {
      super(refusal.getMessage(), refusal);
    }

    /** The server's refusal, in its words. */
    public UsageFailure refusal() {
      return (UsageFailure) getCause();
    }
  }

  /** What the server said to {@link #abandon}: the bytes it deleted, or that the upload was closed already. */
  public record Abandoned(long bytesFreed, boolean alreadyClosed) {}

  /**
   * Gives up an unfinished upload (AbandonUpload): the server deletes what it stored, which then no
   * longer counts against the quota. One the server no longer knows (its data reset) counts as closed.
   */
  public Abandoned abandon(String uploadId) throws SealdropFailure {
    try {
      AbandonUploadResponse r = ServerConnection.call(GrpcFailures.Op.UPLOAD, () -> connection.transfer()
          .abandonUpload(AbandonUploadRequest.newBuilder().setUploadId(uploadId).build()));
      return new Abandoned(r.getBytesFreed(), r.getAlreadyClosed());
    } catch (SealdropFailure e) {
      if ("NOT_FOUND".equals(e.reason())) {
        return new Abandoned(0, true);
      }
      throw e;
    }
  }

  /**
   * The file the server committed upload {@code uploadId} as, if it did (GetUpload): an earlier run may have been
   * stopped while the server committed it, before the run recorded it (round BO).
   */
  public java.util.Optional<Committed> committedAs(String uploadId) throws SealdropFailure {
    GetUploadResponse state = ServerConnection.call(GrpcFailures.Op.UPLOAD,
        () -> connection.transfer().getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build()));
    return state.getFileId().isEmpty() ? java.util.Optional.empty()
        : java.util.Optional.of(new Committed(state.getFileId(), state.getCommittedOffset(), ""));
  }

  /**
   * Seals straight to the server. If only the network side fails, sealing continues into
   * {@code spool} (from the oldest byte the server may lack), {@code onSpooled} is told where the
   * spool starts, and a {@link NetworkFailure} (resumable) is thrown.
   */
  public Committed uploadWhileSealing(Started upload, Path spool, EnvelopeWriter writer, SpoolReady onSpooled,
      LongConsumer progress) throws SealdropFailure, IOException {
    Tee tee = new Tee(spool, progress);
    try {
      try {
        tee.net = UploadStream.open(connection.transferAsync(), upload.uploadId(), 0, upload.maxMessageBytes(),
            RESUME_TAIL_BYTES, stallAfter, verdictWithin);
      } catch (IOException e) {
        tee.netFailed(e);
      }
      writer.writeTo(tee);
      UploadResponse r = tee.finish();
      if (r != null) {
        return new Committed(r.getFileId(), r.getSize(), r.getFingerprint());
      }
      onSpooled.spooled(tee.spoolOffset);
      throw interrupted(tee.netError);
    } catch (RefusedForGood e) {
      tee.abort();
      throw e.failure;
    } catch (IOException | RuntimeException e) {
      tee.abort();
      throw e;
    } finally {
      tee.closeSpool();
    }
  }

  /**
   * Resumes from a spool holding the envelope from {@code spoolOffset} on, at the server's committed offset, for a grant
   * on {@code terms}: terms the server would refuse the grant for are refused before the rest is sent, and the upload
   * is then left as it is ({@link TermsRefused}).
   */
  public Committed resume(String uploadId, int maxMessageBytes, Path spool, long spoolOffset, IntendedTerms terms,
      LongConsumer progress, Runnable resuming) throws SealdropFailure, IOException, TermsRefused {
    GetUploadResponse state = ServerConnection.call(GrpcFailures.Op.UPLOAD,
        () -> connection.transfer().getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build()));
    long size = spoolOffset + Files.size(spool);
    if (!state.getFileId().isEmpty()) {
      return new Committed(state.getFileId(), size, "");
    }
    if (state.getClosed()) {
      throw new CannotResume("the server closed the upload (abandoned or expired unfinished, or its file was deleted"
          + " since)");
    }
    if (terms.expiresInSeconds() != 0 || terms.maxDownloads() != 0) {
      // asked apart, once the upload is known to be resumable: a refusal here is of the terms alone, never of the
      // upload id (review of this change: a damaged state's id was told to change --expires)
      try {
        ServerConnection.call(GrpcFailures.Op.UPLOAD, () -> connection.transfer().getUpload(GetUploadRequest
            .newBuilder().setUploadId(uploadId).setIntendedExpiresInSeconds(terms.expiresInSeconds())
            .setIntendedMaxDownloads(terms.maxDownloads()).build()));
      } catch (UsageFailure e) {
        if ("INVALID_REQUEST".equals(e.reason())) {
          throw new TermsRefused(e);
        }
        throw e;
      }
    }
    long offset = state.getCommittedOffset();
    if (offset < spoolOffset || offset > size) {
      throw new CannotResume("the server holds " + offset + " bytes of the upload; the saved part covers "
          + spoolOffset + " to " + size);
    }
    resuming.run(); // only now: an upload the server had committed is not resumed (round S: it said so anyway)
    progress.accept(offset);
    try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ);
        InputStream in = Channels.newInputStream(ch.position(offset - spoolOffset))) {
      UploadStream net = UploadStream.open(connection.transferAsync(), uploadId, offset, maxMessageBytes, 0,
          stallAfter, verdictWithin);
      byte[] buf = new byte[64 * 1024];
      int n;
      try {
        while ((n = in.read(buf)) > 0) {
          net.write(buf, 0, n);
          progress.accept(n);
        }
        UploadResponse r = net.finish();
        return new Committed(r.getFileId(), r.getSize(), r.getFingerprint());
      } catch (UploadStream.BrokenUpload e) {
        throw interrupted(e);
      } finally {
        net.abort();
      }
    }
  }

  /** The saved part of an interrupted upload does not meet what the server holds: seal afresh. */
  public static final class CannotResume extends IOException {
    CannotResume(String message) {
      super(message);
    }
  }

  /**
   * The server's refusal of an upload it deleted at once (the envelope itself, or an envelope grown
   * past the per-file limit): nothing of it can be resumed, so sealing stops and nothing is spooled.
   * Null for anything else.
   */
  private static SealdropFailure refusedForGood(IOException e) {
    if (e instanceof UploadStream.BrokenUpload b) {
      Status.Code code = b.status().getStatus().getCode();
      if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.RESOURCE_EXHAUSTED) {
        SealdropFailure f = GrpcFailures.translate(b.status(), GrpcFailures.Op.UPLOAD);
        if (f.reason().equals("UPLOAD_TOO_LARGE") || f.reason().startsWith("ENVELOPE_")) {
          return f;
        }
      }
    }
    return null;
  }

  /** Carries a {@link #refusedForGood} refusal out of the sealing stream. */
  private static final class RefusedForGood extends IOException {
    private final transient SealdropFailure failure;

    RefusedForGood(SealdropFailure failure) {
      super(failure.getMessage(), failure);
      this.failure = failure;
    }
  }

  /** A broken transfer is resumable unless the server refused the content itself. */
  static SealdropFailure interrupted(IOException e) {
    if (e instanceof UploadStream.StalledUpload s) {
      // this side's stall limit: the server stopped taking bytes, or answering, with the connection up
      return new NetworkFailure("UPLOAD_STALLED", s.status().getStatus().getDescription(), "the sealed file is kept"
          + " (encrypted) in your profile and the server keeps what it received: re-run the same command to resume;"
          + " if it stalls again, tell the server's operator", e);
    }
    if (e instanceof UploadStream.BrokenUpload b) {
      Status.Code code = b.status().getStatus().getCode();
      if (code != Status.Code.UNAVAILABLE && code != Status.Code.CANCELLED && code != Status.Code.DEADLINE_EXCEEDED
          && code != Status.Code.ABORTED && code != Status.Code.INTERNAL && code != Status.Code.UNKNOWN) {
        return GrpcFailures.translate(b.status(), GrpcFailures.Op.UPLOAD);
      }
      if ("LOCKED_DOWN".equals(GrpcFailures.reason(b.status()).orElse(null))) {
        // An admin switched transfers off (cut in flight, or a resume refused): say so, not "interrupted".
        String why = b.status().getStatus().getDescription();
        return new NetworkFailure("LOCKED_DOWN", "the server is locked down by an admin: "
            + (why == null ? "uploads are refused" : why), "the sealed file is kept (encrypted) in your profile and the"
            + " server keeps what it received; ask the operator when the lockdown will be lifted, then re-run the same"
            + " command to resume", e);
      }
      String reason = GrpcFailures.reason(b.status()).orElse("");
      if (reason.equals("UPLOAD_STALLED") || reason.equals("STORAGE_FULL")) {
        // the connection did not break: the server's stall timeout (this process sent nothing for minutes), or its
        // storage reserve (a re-run fails alike until the operator frees space), each told as such (outside tests)
        return GrpcFailures.translate(b.status(), GrpcFailures.Op.UPLOAD);
      }
    }
    String how = e instanceof UploadStream.BrokenUpload b ? GrpcFailures.howItBroke(b.status()) : e.getMessage();
    return new NetworkFailure("UPLOAD_INTERRUPTED", "the upload was interrupted: " + how,
        "the sealed file is kept (encrypted) in your profile; re-run the same command to resume", e);
  }

  /** Writes to the network until it fails, then (from the oldest byte the server may lack) to the spool. */
  private static final class Tee extends OutputStream {
    private final Path spoolPath;
    private final LongConsumer progress;
    private UploadStream net;
    private IOException netError;
    private OutputStream spool;
    private long spoolOffset;
    /** Envelope bytes written into this tee so far. */
    private long written;

    Tee(Path spoolPath, LongConsumer progress) {
      this.spoolPath = spoolPath;
      this.progress = progress;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (spool == null) {
        try {
          net.write(b, off, len);
        } catch (IOException e) {
          SealdropFailure refusal = refusedForGood(e);
          if (refusal != null) {
            throw new RefusedForGood(refusal);
          }
          netFailed(e);
          long taken = net.accepted() - written; // the part of b the stream holds; the spool has it now
          try {
            spool.write(b, off + (int) taken, len - (int) taken);
          } catch (IOException s) {
            throw naming(s);
          }
        }
      } else {
        try {
          spool.write(b, off, len);
        } catch (IOException s) {
          throw naming(s);
        }
      }
      written += len;
      progress.accept(len);
    }

    /** Ends the upload: the server's verdict, or null once everything is in the spool. */
    UploadResponse finish() throws IOException {
      if (spool == null) {
        try {
          return net.finish();
        } catch (UploadStream.BrokenUpload e) {
          SealdropFailure refusal = refusedForGood(e);
          if (refusal != null) {
            throw new RefusedForGood(refusal);
          }
          netFailed(e);
        }
      }
      try {
        spool.flush();
      } catch (IOException s) {
        throw naming(s);
      }
      return null;
    }

    /**
     * A failed write of the spool, naming it: a stream's write knows no file, and without one a full profile disk was
     * told "cannot write: the disk is full" with the hint to choose an output folder (-o), which `send` has none of,
     * where docs/cli.md names the profile and says to free space there or copy it and give the copy with --home.
     */
    private IOException naming(IOException e) {
      if (e instanceof java.nio.file.FileSystemException) {
        return e;
      }
      java.nio.file.FileSystemException named = new java.nio.file.FileSystemException(spoolPath.toString(), null,
          e.getMessage());
      named.initCause(e);
      return named;
    }

    /** From here on everything goes to the spool, starting with what the server may not have. */
    void netFailed(IOException e) throws IOException {
      netError = e;
      SecureFiles.ensureFile(spoolPath);
      spool = new java.io.BufferedOutputStream(Files.newOutputStream(spoolPath, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE), 1 << 16);
      if (net == null) {
        spoolOffset = 0;
        return;
      }
      net.abort();
      spoolOffset = net.retainedFrom();
      try {
        net.writeUnacknowledgedTo(spool);
      } catch (IOException s) {
        throw naming(s);
      }
    }

    void abort() {
      if (net != null) {
        net.abort();
      }
    }

    void closeSpool() throws IOException {
      if (spool != null) {
        try {
          spool.close();
        } catch (IOException s) {
          throw naming(s);
        }
      }
    }
  }
}
