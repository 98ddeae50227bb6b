package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * Resumable download of a claimed envelope into a ciphertext spool in the profile's state
 * folder: starts at the spool's current length, checks every message's offset, refuses more
 * bytes than announced, fsyncs before reporting the spool complete. Nothing here decrypts.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "spool files live in the user's profile folder")
public final class Downloader {
  private final ServerConnection connection;

  public Downloader(ServerConnection connection) {
    this.connection = Objects.requireNonNull(connection, "connection");
  }

  /**
   * Downloads until the spool holds {@code expectedSize} bytes.
   *
   * @return the spool's size, equal to {@code expectedSize}
   */
  public long download(String claimId, Path spool, long expectedSize, LongConsumer progress)
      throws SealdropFailure, IOException {
    SecureFiles.ensureFile(spool);
    long have = Files.size(spool);
    if (have > expectedSize) {
      Files.write(spool, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
      have = 0;
    }
    progress.accept(have);
    if (have == expectedSize && expectedSize > 0) {
      return have;
    }
    Context.CancellableContext ctx = Context.current().withCancellation();
    Context previous = ctx.attach();
    try (FileChannel out = FileChannel.open(spool, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      Iterator<DownloadResponse> it = connection.transferStreaming()
          .download(DownloadRequest.newBuilder().setClaimId(claimId).setOffset(have).build());
      while (it.hasNext()) {
        DownloadResponse r = it.next();
        if (r.getOffset() != have) {
          throw new NetworkFailure("DOWNLOAD_OUT_OF_ORDER", "the server sent data for offset " + r.getOffset()
              + " while " + have + " was expected", "re-run the command; the download resumes", null);
        }
        if (r.getTotalSize() != expectedSize || have + r.getData().size() > expectedSize) {
          throw new NetworkFailure("DOWNLOAD_SIZE_MISMATCH", "the server sent more data than the grant's size ("
              + expectedSize + " bytes)", "re-run the command; if it persists, tell the sender", null);
        }
        for (ByteBuffer b : r.getData().asReadOnlyByteBufferList()) {
          while (b.hasRemaining()) {
            out.write(b);
          }
        }
        have += r.getData().size();
        progress.accept(r.getData().size());
      }
      out.force(true);
    } catch (StatusRuntimeException e) {
      SealdropFailure f = GrpcFailures.translate(e, GrpcFailures.Op.DOWNLOAD);
      if (f instanceof NetworkFailure) {
        throw new NetworkFailure("DOWNLOAD_INTERRUPTED", "the download was interrupted after " + have + " of "
            + expectedSize + " bytes: " + f.getMessage(),
            "re-run the same command before the claim expires; the download resumes", e);
      }
      throw f;
    } finally {
      ctx.detach(previous);
      ctx.cancel(null);
    }
    if (have != expectedSize) {
      throw new NetworkFailure("DOWNLOAD_TRUNCATED", "the server ended the download after " + have + " of "
          + expectedSize + " bytes", "re-run the same command; the download resumes", null);
    }
    return have;
  }
}
