package dev.sealdrop.server.testing;

import com.google.protobuf.ByteString;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.protocol.v1.UploadStart;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Client-side upload and download flows for tests, as a real client would run them. */
public final class Transfers {
  public static final int CHUNK = 256 * 1024;

  private Transfers() {}

  public static String createUpload(Clients c, String user, long size) {
    return c.transfer(user).createUpload(CreateUploadRequest.newBuilder().setExpectedSize(size).build()).getUploadId();
  }

  /** Streams {@code bytes[from, to)} at offset {@code from}; finishes if {@code finish}. */
  public static CompletableFuture<UploadResponse> stream(Clients c, String user, String uploadId, byte[] bytes,
      int from, int to, boolean finish) {
    return stream(c.transferAsync(user), uploadId, bytes, from, to, finish);
  }

  /** Opens an Upload stream whose answer (or failure) completes {@code result}; the caller sends the messages. */
  public static StreamObserver<UploadRequest> openUpload(TransferServiceGrpc.TransferServiceStub stub,
      CompletableFuture<UploadResponse> result) {
    return stub.upload(new StreamObserver<>() {
      @Override
      public void onNext(UploadResponse value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        result.complete(null);
      }
    });
  }

  public static CompletableFuture<UploadResponse> stream(TransferServiceGrpc.TransferServiceStub stub, String uploadId,
      byte[] bytes, int from, int to, boolean finish) {
    CompletableFuture<UploadResponse> result = new CompletableFuture<>();
    StreamObserver<UploadRequest> req = openUpload(stub, result);
    req.onNext(UploadRequest.newBuilder().setStart(UploadStart.newBuilder().setUploadId(uploadId).setOffset(from))
        .build());
    for (int off = from; off < to; off += CHUNK) {
      req.onNext(UploadRequest.newBuilder().setData(ByteString.copyFrom(bytes, off, Math.min(CHUNK, to - off))).build());
    }
    if (finish) {
      req.onNext(UploadRequest.newBuilder().setFinish(true).build());
      req.onCompleted();
    }
    return result;
  }

  /** Uploads a whole envelope; returns the response or throws the call's StatusRuntimeException. */
  public static UploadResponse upload(Clients c, String user, byte[] envelope) {
    String id = createUpload(c, user, envelope.length);
    return await(stream(c, user, id, envelope, 0, envelope.length, true));
  }

  public static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Polls GetUpload until its committed offset satisfies {@code done}, for up to 60 s; fails with the last offset seen
   * if it never does (a slow machine must not turn into a wrong offset used further on).
   */
  public static long awaitCommittedOffset(Clients c, String user, String uploadId,
      java.util.function.LongPredicate done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      long offset = committedOffset(c, user, uploadId);
      if (done.test(offset)) {
        return offset;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("upload " + uploadId + ": its committed offset is still " + offset
            + " after 60 s, not the one waited for");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for upload " + uploadId + "'s offset", e);
      }
    }
  }

  /** GetUpload's committed offset of {@code uploadId} now. */
  public static long committedOffset(Clients c, String user, String uploadId) {
    return c.transfer(user).getUpload(dev.sealdrop.protocol.v1.GetUploadRequest.newBuilder().setUploadId(uploadId)
        .build()).getCommittedOffset();
  }


  public static CreateGrantResponse grant(Clients c, String owner, String fileId, String recipient) {
    return c.transfer(owner).createGrant(CreateGrantRequest.newBuilder().setFileId(fileId).setRecipient(recipient)
        .build());
  }

  /** Downloads from {@code offset} to the end. */
  public static byte[] download(TransferServiceGrpc.TransferServiceBlockingStub stub, String claimId, long offset) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Iterator<DownloadResponse> it = stub.download(DownloadRequest.newBuilder().setClaimId(claimId).setOffset(offset)
        .build());
    long expected = offset;
    while (it.hasNext()) {
      DownloadResponse r = it.next();
      if (r.getOffset() != expected) {
        throw new AssertionError("download chunk at " + r.getOffset() + ", expected " + expected);
      }
      out.writeBytes(r.getData().toByteArray());
      expected += r.getData().size();
    }
    return out.toByteArray();
  }

  public static void confirm(Clients c, String user, String claimId, String fingerprint) {
    c.transfer(user).confirmDownload(ConfirmDownloadRequest.newBuilder().setClaimId(claimId)
        .setFingerprint(fingerprint).build());
  }
}
