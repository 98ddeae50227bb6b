package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.CheckpointTrailer;
import dev.sealdrop.server.core.audit.Audit;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

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
    // the highest sequence number this call appended: its callbacks run on whichever executor
    // thread is free, so what each one appended is collected when it returns
    AtomicLong own = new AtomicLong(-1);
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          collect(own);
          audit.checkpointCovering(own.get()).ifPresent(note -> trailers.put(CheckpointTrailer.KEY,
              note.getBytes(StandardCharsets.UTF_8)));
          super.close(status, trailers);
        }
      }, headers);
    } finally {
      collect(own);
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        try {
          super.onMessage(message);
        } finally {
          collect(own);
        }
      }

      @Override
      public void onHalfClose() {
        try {
          super.onHalfClose();
        } finally {
          collect(own);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          collect(own);
        }
      }

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          collect(own);
        }
      }

      @Override
      public void onReady() {
        try {
          super.onReady();
        } finally {
          collect(own);
        }
      }
    };
  }

  private void collect(AtomicLong own) {
    long appended = audit.takeAppendedOnThisThread();
    if (appended >= 0) {
      own.accumulateAndGet(appended, Math::max);
    }
  }
}
