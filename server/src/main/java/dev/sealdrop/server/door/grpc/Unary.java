package dev.sealdrop.server.door.grpc;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs a unary call's body and answers with its result or its mapped error. */
final class Unary {
  private Unary() {}

  static <T> void run(StreamObserver<T> out, Supplier<T> body) {
    run(out, body, result -> { });
  }

  /**
   * {@link #run(StreamObserver, Supplier)}; {@code unsent} undoes what the body did when its answer could not be
   * written: the server short of memory for it (round T: a redeem's claim was made and its id never sent, so its
   * holder was locked out for the claim window), and then the caller is told the server was busy; or the call was
   * cancelled while the body ran (the client's deadline passed), and then there is no one to tell.
   */
  static <T> void run(StreamObserver<T> out, Supplier<T> body, java.util.function.Consumer<T> unsent) {
    T result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      out.onError(ErrorMapper.toStatus(e));
      return;
    }
    if (io.grpc.Context.current().isCancelled()) {
      // the caller gave up (its deadline passed, it cancelled, its connection broke) while the body ran: the answer
      // can reach no one, so what the body did is undone (a redeem's claim would be held for nobody for its window)
      unsent.accept(result);
      return;
    }
    try {
      out.onNext(result);
    } catch (OutOfMemoryError e) {
      // (an error in the body is not caught: what it committed before is unknown; round W)
      unsent.accept(result);
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
