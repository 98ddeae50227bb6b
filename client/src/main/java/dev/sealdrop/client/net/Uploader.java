package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.keystore.SecureFiles;
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
 * <em>while</em> it is being sealed, and tees the same ciphertext into a spool file in the
 * profile's state folder (never plaintext). If the connection breaks, sealing still completes
 * into the spool, and a later run resumes from the server's committed offset.
 *
 * <p>The spool is a cache for resuming, not a record anyone relies on, and it is not fsynced
 * (that would write the whole file to disk a second time, on the critical path). A killed process
 * loses nothing (the page cache survives it); after a power loss a damaged spool is refused by the
 * server's validation when resumed, and the next run seals afresh.
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

  private final ServerConnection connection;

  public Uploader(ServerConnection connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
  }

  public Started create() throws SealdropFailure {
    CreateUploadResponse r = ServerConnection.call(GrpcFailures.Op.UPLOAD,
        () -> connection.transfer().createUpload(CreateUploadRequest.getDefaultInstance()));
    return new Started(r.getUploadId(), r.getMaxMessageBytes());
  }

  /**
   * Seals into spool and server at once. If only the network side fails, sealing continues
   * into the spool and a {@link NetworkFailure} (resumable) is thrown afterwards; call
   * {@code onSealed} once the spool is complete either way.
   */
  public Committed uploadWhileSealing(Started upload, Path spool, EnvelopeWriter writer, Runnable onSealed,
      LongConsumer progress) throws SealdropFailure, IOException {
    SecureFiles.ensureFile(spool);
    UploadStream net = null;
    IOException netError = null;
    try {
      net = UploadStream.open(connection.transferAsync(), upload.uploadId(), 0, upload.maxMessageBytes());
    } catch (IOException e) {
      netError = e;
    }
    Tee tee;
    try (OutputStream file = Files.newOutputStream(spool, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      tee = new Tee(file, net, netError, progress);
      writer.writeTo(tee);
      tee.flush();
    } catch (IOException | RuntimeException e) {
      if (net != null) {
        net.abort();
      }
      throw e;
    }
    onSealed.run();
    if (tee.netError() != null) {
      throw interrupted(tee.netError());
    }
    try {
      UploadResponse r = tee.net().finish();
      return new Committed(r.getFileId(), r.getSize(), r.getFingerprint());
    } catch (UploadStream.BrokenUpload e) {
      throw interrupted(e);
    }
  }

  /** Resumes from a complete spool at the server's committed offset. */
  public Committed resume(String uploadId, int maxMessageBytes, Path spool, LongConsumer progress)
      throws SealdropFailure, IOException {
    GetUploadResponse state = ServerConnection.call(GrpcFailures.Op.UPLOAD,
        () -> connection.transfer().getUpload(GetUploadRequest.newBuilder().setUploadId(uploadId).build()));
    long size = Files.size(spool);
    if (!state.getFileId().isEmpty()) {
      return new Committed(state.getFileId(), size, "");
    }
    long offset = state.getCommittedOffset();
    if (offset < 0 || offset > size) {
      throw new NetworkFailure("UPLOAD_STATE_MISMATCH", "the server holds " + offset + " bytes of an upload of "
          + size, "the saved upload cannot be resumed; it will start over on the next run", null);
    }
    progress.accept(offset);
    try (FileChannel ch = FileChannel.open(spool, StandardOpenOption.READ);
        InputStream in = Channels.newInputStream(ch.position(offset))) {
      UploadStream net = UploadStream.open(connection.transferAsync(), uploadId, offset, maxMessageBytes);
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

  /** A broken transfer is resumable unless the server refused the content itself. */
  private static SealdropFailure interrupted(IOException e) {
    if (e instanceof UploadStream.BrokenUpload b) {
      Status.Code code = b.status().getStatus().getCode();
      if (code != Status.Code.UNAVAILABLE && code != Status.Code.CANCELLED && code != Status.Code.DEADLINE_EXCEEDED
          && code != Status.Code.ABORTED && code != Status.Code.INTERNAL && code != Status.Code.UNKNOWN) {
        return GrpcFailures.translate(b.status(), GrpcFailures.Op.UPLOAD);
      }
    }
    return new NetworkFailure("UPLOAD_INTERRUPTED", "the upload was interrupted: " + e.getMessage(),
        "the sealed file is kept (encrypted) in your profile; re-run the same command to resume", e);
  }

  /** Writes to the spool always, and to the network until it fails. */
  private static final class Tee extends OutputStream {
    private final OutputStream file;
    private final UploadStream net;
    private final LongConsumer progress;
    private IOException netError;

    Tee(OutputStream file, UploadStream net, IOException netError, LongConsumer progress) {
      this.file = file;
      this.net = net;
      this.netError = netError;
      this.progress = progress;
    }

    UploadStream net() {
      return net;
    }

    IOException netError() {
      return netError;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      file.write(b, off, len);
      if (netError == null) {
        try {
          net.write(b, off, len);
        } catch (IOException e) {
          netError = e;
          net.abort();
        }
      }
      progress.accept(len);
    }

    @Override
    public void flush() throws IOException {
      file.flush();
    }
  }
}
