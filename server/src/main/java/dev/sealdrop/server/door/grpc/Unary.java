package dev.sealdrop.server.door.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Runs a unary call's body and answers with its result or its mapped error. */
final class Unary {
  private Unary() {}

  static <T> void run(StreamObserver<T> out, Supplier<T> body) {
    run(out, body, null);
  }

  /**
   * {@link #run(StreamObserver, Supplier)}; {@code unsent} undoes what the body did when its answer did not reach the
   * caller:
   * <ul>
   *   <li>the server was short of memory to write it (round T: a redeem's claim was made and its id never sent, so its
   *       holder was locked out for the claim window); the caller is told the server was busy;</li>
   *   <li>the call was cancelled (the client's deadline passed, it cancelled, its connection broke) while the body ran,
   *       or while the answer was being written (round AA: a cancel just after the check was lost); there is no one to
   *       tell. grpc reports such a call cancelled, never completed, so a caller that got the answer is not undone.</li>
   * </ul>
   * Undone once at most.
   */
  static <T> void run(StreamObserver<T> out, Supplier<T> body, Consumer<T> unsent) {
    T result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      out.onError(ErrorMapper.toStatus(e));
      return;
    }
    AtomicBoolean undone = new AtomicBoolean();
    Runnable undo = () -> {
      if (unsent != null && undone.compareAndSet(false, true)) {
        unsent.accept(result);
      }
    };
    if (unsent != null && out instanceof ServerCallStreamObserver<T> call) {
      call.setOnCancelHandler(undo); // a cancel that comes while the answer is written: grpc drops it silently
    }
    if (io.grpc.Context.current().isCancelled()) {
      // the caller gave up while the body ran: the answer can reach no one, so what the body did is undone now
      undo.run();
      return;
    }
    try {
      out.onNext(result);
    } catch (OutOfMemoryError e) {
      // (an error in the body is not caught: what it committed before is unknown; round W)
      undo.run();
      try {
        out.onError(ErrorMapper.toStatus(dev.sealdrop.server.core.LimitExceededException.shortOfMemory(e)));
      } catch (IllegalStateException closed) {
        // grpc closed the call itself (CANCELLED) when sending failed: the caller learns no more than that
      }
      return;
    }
    out.onCompleted();
  }
}
