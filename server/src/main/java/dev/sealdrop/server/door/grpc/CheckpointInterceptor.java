package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.CheckpointTrailer;
import dev.sealdrop.server.core.audit.Audit;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Puts the audit log's latest signed checkpoint in the trailers of every call on the transfer
 * port, refused ones included ({@link CheckpointTrailer}). The checkpoint is public evidence (a
 * sequence number, a chain head and a signature), never a secret.
 */
public final class CheckpointInterceptor implements ServerInterceptor {
  private final Audit audit;

  public CheckpointInterceptor(Audit audit) {
    this.audit = Objects.requireNonNull(audit, "audit");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        audit.latestCheckpoint().ifPresent(note -> trailers.put(CheckpointTrailer.KEY,
            note.getBytes(StandardCharsets.UTF_8)));
        super.close(status, trailers);
      }
    }, headers);
  }
}
