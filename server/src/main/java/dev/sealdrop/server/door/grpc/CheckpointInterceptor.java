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
 * Puts a signed checkpoint of the audit log in the trailers of every call on the transfer port,
 * refused ones included ({@link CheckpointTrailer}), one that covers the records of the call itself:
 * a party that keeps it can later show that its own upload, grant or download was not cut from the
 * log (a periodic checkpoint could predate the act by up to its interval). The checkpoint is public
 * evidence (a sequence number, a chain head and a signature), never a secret.
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
        audit.checkpointCoveringNow().ifPresent(note -> trailers.put(CheckpointTrailer.KEY,
            note.getBytes(StandardCharsets.UTF_8)));
        super.close(status, trailers);
      }
    }, headers);
  }
}
