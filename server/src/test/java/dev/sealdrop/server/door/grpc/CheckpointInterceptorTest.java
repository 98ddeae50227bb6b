package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.protocol.CheckpointTrailer;
import dev.sealdrop.server.store.audit.FileAudit;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC runs a call's callbacks on whichever executor thread is free, and a call may be closed from
 * yet another thread: the checkpoint a response carries must still cover what the call recorded,
 * and what one call recorded must not be credited to the next call a thread serves.
 */
class CheckpointInterceptorTest {
  @TempDir
  Path data;
  FileAudit audit;
  ExecutorService callbackThread;

  @BeforeEach
  void open() throws Exception {
    // no periodic checkpoints: only those the interceptor asks for
    audit = FileAudit.open(data, "test.example/audit", 1_000_000, Duration.ofHours(1), Clock.systemUTC());
    callbackThread = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void close() throws Exception {
    callbackThread.shutdownNow();
    callbackThread.awaitTermination(10, TimeUnit.SECONDS);
    audit.close();
  }

  @Test
  void aCallClosedOnAnotherThreadThanItsRecordsGetsACheckpointCoveringThem() throws Exception {
    audit.record("-", "server.start", "", "ok", "");
    audit.checkpointCovering(audit.takeAppendedOnThisThread()); // the latest checkpoint covers record 1 only
    FakeCall call = new FakeCall();
    ServerCall.Listener<String> listener = new CheckpointInterceptor(audit).interceptCall(call, new Metadata(),
        (c, headers) -> {
          call.wrapped = c;
          return new ServerCall.Listener<>() {
          @Override
          public void onMessage(String message) {
            audit.record("alice", "upload.commit", "file:1", "ok", "127.0.0.1:1");
            audit.record("alice", "upload.commit", "file:2", "ok", "127.0.0.1:1");
          }
          };
        });

    callbackThread.submit(() -> listener.onMessage("data")).get();
    call.wrapped.close(Status.OK, new Metadata()); // on this thread, which recorded nothing for the call

    assertThat(call.checkpoint().checkpoint().size()).as("covers the call's last record").isEqualTo(3);
    assertThat(callbackThread.submit(audit::takeAppendedOnThisThread).get())
        .as("nothing of this call is left for the next call the callback thread serves").isEqualTo(-1L);
  }

  @Test
  void aCallThatRecordedNothingGetsTheLatestCheckpointAndNoNewSignature() throws Exception {
    audit.record("-", "server.start", "", "ok", "");
    long first = SignedCheckpoint.parse(audit.checkpointCovering(audit.takeAppendedOnThisThread()).orElseThrow())
        .checkpoint().size();
    FakeCall call = new FakeCall();
    ServerCall.Listener<String> listener = new CheckpointInterceptor(audit).interceptCall(call, new Metadata(),
        (c, headers) -> {
          call.wrapped = c;
          return new ServerCall.Listener<>() {};
        });
    callbackThread.submit(() -> listener.onMessage("data")).get();
    call.wrapped.close(Status.OK, new Metadata());
    assertThat(call.checkpoint().checkpoint().size()).isEqualTo(first);
  }

  @Test
  void recordsMadeWhileTheCallStartsAreCoveredWhenItIsClosedLater() throws Exception {
    FakeCall call = new FakeCall();
    callbackThread.submit(() -> new CheckpointInterceptor(audit).interceptCall(call, new Metadata(), (c, headers) -> {
      call.wrapped = c;
      audit.record("bob", "call.refuse", "rpc:ListInbox", "role-forbidden", "127.0.0.1:2");
      return new ServerCall.Listener<String>() {};
    })).get();
    call.wrapped.close(Status.PERMISSION_DENIED, new Metadata());
    assertThat(call.checkpoint().checkpoint().size()).isEqualTo(1);
  }

  /** A server call that keeps the trailers it is closed with. */
  private static final class FakeCall extends ServerCall<String, String> {
    private final AtomicReference<Metadata> trailers = new AtomicReference<>();
    /** The call as the interceptor hands it on (what the service closes). */
    volatile ServerCall<String, String> wrapped;

    SignedCheckpoint checkpoint() throws Exception {
      byte[] note = trailers.get().get(CheckpointTrailer.KEY);
      assertThat(note).as("a checkpoint trailer").isNotNull();
      return SignedCheckpoint.parse(new String(note, StandardCharsets.UTF_8));
    }

    @Override
    public void request(int numMessages) {}

    @Override
    public void sendHeaders(Metadata headers) {}

    @Override
    public void sendMessage(String message) {}

    @Override
    public void close(Status status, Metadata t) {
      trailers.set(t);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public Attributes getAttributes() {
      return Attributes.EMPTY;
    }

    @Override
    public MethodDescriptor<String, String> getMethodDescriptor() {
      MethodDescriptor.Marshaller<String> m = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          throw new UnsupportedOperationException("not used");
        }
      };
      return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("test/Call").setRequestMarshaller(m).setResponseMarshaller(m).build();
    }
  }
}
