package dev.sealdrop.server.door.grpc;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs a unary call's body and answers with its result or its mapped error. */
final class Unary {
  private Unary() {}

  static <T> void run(StreamObserver<T> out, Supplier<T> body) {
    T result;
    try {
      result = body.get();
    } catch (RuntimeException e) {
      out.onError(ErrorMapper.toStatus(e));
      return;
    }
    out.onNext(result);
    out.onCompleted();
  }
}
