package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * An authenticated client that sends a gRPC message over the transport limit (1 MiB + 4 KiB) made
 * grpc-java log WARN "Exception processing message" with a stack trace of about 15 lines, every
 * time. The server's logging writes one line without a stack trace instead, and keeps grpc-java's
 * record of every other failure to process a message.
 */
class OversizedMessageLogFilterTest {
  final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  final CapturedLog seen = new CapturedLog();
  final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void capture() {
    if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
      org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger(); // as ServerMain does
      org.slf4j.bridge.SLF4JBridgeHandler.install();
    }
    seen.setContext(context);
    seen.start();
    root.addAppender(seen);
  }

  @AfterEach
  void release() {
    root.detachAppender(seen);
    seen.stop();
  }

  private List<ILoggingEvent> events() {
    return seen.events();
  }

  private List<ILoggingEvent> about(String loggerName) {
    return events().stream().filter(e -> e.getLoggerName().equals(loggerName)).toList();
  }

  @Test
  void aRealOversizedMessageIsOneLineWithoutAStackTrace(@TempDir Path data) throws Exception {
    assertThat(context.getTurboFilterList()).as("registered by logback.xml")
        .anyMatch(f -> f instanceof OversizedMessageLogFilter);
    context.getTurboFilterList().stream().filter(f -> f instanceof OversizedMessageLogFilter)
        .forEach(f -> ((OversizedMessageLogFilter) f).forgetWhatWasLogged());
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      for (int i = 0; i < 3; i++) {
        // 2 MiB in one message (the client sets no limit on what it sends)
        refused(() -> clients.transfer("bob").redeem(RedeemRequest.newBuilder().setToken("x".repeat(2 << 20)).build()),
            Status.Code.RESOURCE_EXHAUSTED, null);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (about(OversizedMessageLogFilter.class.getName()).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200); // (the other two would be logged by now)
    }
    List<ILoggingEvent> lines = about(OversizedMessageLogFilter.class.getName());
    // once a minute (review DN: one line per message let any enrolled client write thousands a second)
    assertThat(lines).as("one line for the three oversized messages").hasSize(1).allSatisfy(e -> {
      assertThat(e.getLevel()).isEqualTo(ch.qos.logback.classic.Level.WARN);
      assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
      assertThat(e.getFormattedMessage()).startsWith("a client sent a gRPC message larger than the server accepts"
          + " (gRPC message exceeds maximum size 1052672: ").contains("refused with RESOURCE_EXHAUSTED");
    });
    assertThat(about(OversizedMessageLogFilter.GRPC_SERVER_STREAM)).as("grpc-java's record with its trace").isEmpty();
    assertThat(events()).as("no stack trace about it anywhere").noneMatch(e -> e.getThrowableProxy() != null
        && String.valueOf(e.getThrowableProxy().getMessage()).contains("exceeds maximum size"));
  }

  @Test
  void otherFailuresToProcessAMessageKeepGrpcsRecord() {
    // as grpc-java logs them, through java.util.logging
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger(OversizedMessageLogFilter.GRPC_SERVER_STREAM);
    jul.log(Level.WARNING, OversizedMessageLogFilter.GRPC_FORMAT, Status.RESOURCE_EXHAUSTED
        .withDescription("gRPC message exceeds maximum size 1052672: 2097162").asRuntimeException());
    jul.log(Level.WARNING, OversizedMessageLogFilter.GRPC_FORMAT, Status.INTERNAL
        .withDescription("Can't decode compressed gRPC message as compression not configured").asRuntimeException());
    jul.log(Level.WARNING, OversizedMessageLogFilter.GRPC_FORMAT, new IllegalStateException("other"));
    jul.log(Level.WARNING, "Exception in onDataRead()", Status.RESOURCE_EXHAUSTED.asRuntimeException());

    assertThat(about(OversizedMessageLogFilter.GRPC_SERVER_STREAM)).as("kept, with their traces")
        .extracting(e -> e.getThrowableProxy().getMessage())
        .containsExactly("INTERNAL: Can't decode compressed gRPC message as compression not configured", "other",
            "RESOURCE_EXHAUSTED");
    assertThat(about(OversizedMessageLogFilter.class.getName())).singleElement().satisfies(e -> {
      assertThat(e.getThrowableProxy()).isNull();
      assertThat(e.getFormattedMessage()).contains("(gRPC message exceeds maximum size 1052672: 2097162)");
    });
  }

  /** A byte[] marshaller: the request is sent as given, not as a message. */
  private static final io.grpc.MethodDescriptor.Marshaller<byte[]> RAW = new io.grpc.MethodDescriptor.Marshaller<>() {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  };

  /**
   * Round BY: a request that is not valid protobuf made grpc-java log ERROR with a 26-line stack trace per call (500 calls,
   * 13,000 lines). Now one WARN line a minute counts them; the call is answered as grpc-java answers it.
   */
  @Test
  void requestsThatAreNotProtobufAreOneCountingLineAMinuteWithoutAStackTrace(@TempDir Path data) throws Exception {
    assertThat(context.getTurboFilterList()).as("registered by logback.xml")
        .anyMatch(f -> f instanceof MalformedRequestLogFilter);
    io.grpc.MethodDescriptor<byte[], byte[]> redeem = io.grpc.MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(io.grpc.MethodDescriptor.MethodType.UNARY).setFullMethodName("sealdrop.v1.TransferService/Redeem")
        .setRequestMarshaller(RAW).setResponseMarshaller(RAW).build();
    try (TestServer server = new TestServer(data); Clients clients = server.clients()) {
      for (int i = 0; i < 5; i++) {
        refused(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(clients.channel("bob"), redeem,
            io.grpc.CallOptions.DEFAULT, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}),
            Status.Code.UNKNOWN, null);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (about(MalformedRequestLogFilter.class.getName()).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(200);
    }
    assertThat(about(MalformedRequestLogFilter.class.getName())).as("one line this minute").singleElement()
        .satisfies(e -> {
          assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
          assertThat(e.getFormattedMessage()).contains("not valid protobuf");
        });
    assertThat(events()).as("no grpc-java trace of them").noneSatisfy(e -> assertThat(e.getLoggerName())
        .isEqualTo(MalformedRequestLogFilter.GRPC_EXECUTOR));
  }
}
