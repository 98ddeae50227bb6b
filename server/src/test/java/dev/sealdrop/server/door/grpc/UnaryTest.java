package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Round T: under a flood of half-sent messages the server could not reserve the buffer for a redeem's answer; the claim
 * was made and its id never sent, so its holder was locked out for the claim window. An answer that cannot be written
 * undoes what its call did, and the caller is told the server was busy (which a client retries).
 */
class UnaryTest {
  /** Records what the call answered; its onNext fails as a JVM out of direct memory does. */
  private static class ShortOfMemory implements StreamObserver<String> {
    final List<Throwable> errors = new ArrayList<>();
    boolean completed;

    @Override
    public void onNext(String value) {
      throw new OutOfMemoryError("Cannot reserve 2097152 bytes of direct buffer memory");
    }

    @Override
    public void onError(Throwable t) {
      errors.add(t);
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  @Test
  void anAnswerThatCannotBeWrittenUndoesTheCallAndSaysTheServerIsBusy() {
    ShortOfMemory out = new ShortOfMemory();
    List<String> undone = new ArrayList<>();
    Unary.run(out, () -> "sdc_claim", undone::add);
    assertThat(undone).containsExactly("sdc_claim");
    assertThat(out.completed).isFalse();
    assertThat(out.errors).singleElement().satisfies(e -> {
      Status s = ((StatusRuntimeException) e).getStatus();
      assertThat(s.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(s.getDescription()).startsWith("server busy: it is short of memory").contains("retry in a moment")
          .doesNotContain("nothing was lost");
    });
  }

  /** Round W: grpc closes the call itself when sending fails with an Error, and a later onError then throws. */
  @Test
  void aCallGrpcAlreadyClosedIsUndoneWithoutThrowing() {
    List<String> undone = new ArrayList<>();
    StreamObserver<String> closedByGrpc = new ShortOfMemory() {
      @Override
      public void onError(Throwable t) {
        throw new IllegalStateException("call already closed");
      }
    };
    Unary.run(closedByGrpc, () -> "sdc_claim", undone::add);
    assertThat(undone).containsExactly("sdc_claim");
  }

  /** A call as grpc gives it to a unary method: the cancel handler is what grpc runs when the caller goes away. */
  private static class Call extends io.grpc.stub.ServerCallStreamObserver<String> {
    Runnable onCancel;
    boolean cancelWhileWriting;
    final List<String> sent = new ArrayList<>();
    boolean completed;

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setOnCancelHandler(Runnable onCancelHandler) {
      onCancel = onCancelHandler;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setOnReadyHandler(Runnable onReadyHandler) {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void onNext(String value) {
      if (cancelWhileWriting) {
        onCancel.run(); // the caller's cancel arrives now; grpc drops the answer without a word
        return;
      }
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  /** Round AA: a cancel that came after the body's check, while the answer was written, still left the claim held. */
  @Test
  void aCancelWhileTheAnswerIsWrittenUndoesTheCallOnce() {
    Call call = new Call();
    call.cancelWhileWriting = true;
    List<String> undone = new ArrayList<>();
    Unary.run(call, () -> "sdc_claim", undone::add);
    call.onCancel.run(); // grpc may report it again; undone once
    assertThat(undone).containsExactly("sdc_claim");
  }

  @Test
  void anAnswerThatWasSentIsNotUndone() {
    Call call = new Call();
    List<String> undone = new ArrayList<>();
    Unary.run(call, () -> "sdc_claim", undone::add);
    assertThat(call.sent).containsExactly("sdc_claim");
    assertThat(call.completed).isTrue();
    assertThat(undone).isEmpty();
  }

  /** Round W: what a body that ran out of memory had committed is unknown, so it is not answered "busy, retry". */
  @Test
  void aBodyThatRunsOutOfMemoryIsNotAnsweredAsBusy() {
    ShortOfMemory out = new ShortOfMemory();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Unary.run(out, () -> {
      throw new OutOfMemoryError("Java heap space");
    })).isInstanceOf(OutOfMemoryError.class);
    assertThat(out.errors).isEmpty();
  }
}
