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
  private static final class ShortOfMemory implements StreamObserver<String> {
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
      assertThat(s.getDescription()).startsWith("server busy: it is short of memory").contains("retry in a moment");
    });
  }

  @Test
  void aBodyThatRunsOutOfMemoryIsBusyToo() {
    ShortOfMemory out = new ShortOfMemory();
    Unary.run(out, () -> {
      throw new OutOfMemoryError("Cannot reserve 1638400 bytes of direct buffer memory");
    });
    assertThat(out.errors).singleElement().satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus()
        .getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }
}
