package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.testing.CuttingProxy;
import dev.sealdrop.protocol.v1.ListInboxResponse;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerConnection#call} tries an RPC again only if its request never left: once gRPC
 * handed the call to a connection, a lost connection is reported, however it ended. (The retry of
 * a request that never left is shown end to end in WalkThroughTest, through a real TLS server.)
 */
class ServerConnectionRetryTest {
  private final AtomicInteger received = new AtomicInteger();
  private final CountDownLatch arrived = new CountDownLatch(1);
  private Server server;
  private CuttingProxy proxy;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TransferServiceGrpc.TransferServiceImplBase() {
          @Override
          public void listInbox(ListInboxRequest request, StreamObserver<ListInboxResponse> response) {
            received.incrementAndGet();
            arrived.countDown(); // and never answers: the connection breaks first
          }
        }).build().start();
    proxy = new CuttingProxy(server.getPort());
    String[] hostPort = proxy.address().split(":");
    channel = NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1])).usePlaintext()
        .intercept(Delivery.INTERCEPTOR).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    proxy.close();
    server.shutdownNow();
  }

  @Test
  void aRequestHandedToAConnectionThatThenClosedWithoutAReasonIsNotSentAgain() throws Exception {
    ServerConnection connection = new ServerConnection(channel, new HostPort("127.0.0.1", server.getPort()));
    Thread breaker = new Thread(() -> {
      try {
        if (arrived.await(20, TimeUnit.SECONDS)) {
          proxy.breakConnections();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    breaker.start();
    SealdropFailure f = catchThrowableOfType(SealdropFailure.class, () -> ServerConnection.call(GrpcFailures.Op.LIST,
        () -> connection.transfer().listInbox(ListInboxRequest.getDefaultInstance())));
    breaker.join();
    assertThat(f).as("the call fails").isNotNull();
    assertThat(f.reason()).isEqualTo("SERVER_UNAVAILABLE");
    // the same failure would be retried, had the request not been handed to the connection
    assertThat(GrpcFailures.endedWithoutVerdict((StatusRuntimeException) f.getCause())).as(f.getMessage()).isTrue();
    assertThat(received.get()).as("requests the server received").isEqualTo(1);
    assertThat(proxy.connections()).as("connections made").isEqualTo(1);
  }

  /** Starts ListInbox on this thread without waiting; the server never answers it. */
  private void startCall(ManagedChannel on) {
    TransferServiceGrpc.newStub(on).withDeadlineAfter(30, TimeUnit.SECONDS).listInbox(
        ListInboxRequest.getDefaultInstance(), new StreamObserver<ListInboxResponse>() {
          @Override
          public void onNext(ListInboxResponse value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
  }

  @Test
  void anAttemptThatSawNoCallIsNotProvablyUnsent() {
    try (Delivery.Attempt a = Delivery.begin()) {
      assertThat(a.provablyUnsent()).as("no call watched: unsure, so never retried").isFalse();
    }
  }

  @Test
  void aCallOnAChannelWithoutTheInterceptorLeavesTheAttemptUnsure() throws Exception {
    ManagedChannel bare = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try (Delivery.Attempt a = Delivery.begin()) {
      startCall(bare);
      assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(a.provablyUnsent()).isFalse();
      assertThat(a.handedToConnection()).as("not watched").isFalse();
    } finally {
      bare.shutdownNow();
    }
  }

  @Test
  void whatAnInnerAttemptSeesItsOuterAttemptSeesToo() throws Exception {
    try (Delivery.Attempt outer = Delivery.begin()) {
      try (Delivery.Attempt inner = Delivery.begin()) {
        startCall(channel);
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(inner.handedToConnection()).isTrue();
      }
      assertThat(outer.handedToConnection()).isTrue();
      assertThat(outer.provablyUnsent()).isFalse();
    }
  }

  @Test
  void closingAnInnerAttemptHandsTheThreadBackToTheOuterOne() throws Exception {
    try (Delivery.Attempt outer = Delivery.begin()) {
      try (Delivery.Attempt inner = Delivery.begin()) {
        assertThat(inner.provablyUnsent()).isFalse();
      }
      startCall(channel);
      assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(outer.handedToConnection()).as("the call after the inner attempt closed is the outer's").isTrue();
    }
  }

  @Test
  void anAttemptDoesNotWatchTheCallsOfOtherThreads() throws Exception {
    try (Delivery.Attempt mine = Delivery.begin()) {
      Thread caller = new Thread(() -> startCall(channel));
      caller.start();
      caller.join();
      assertThat(arrived.await(20, TimeUnit.SECONDS)).as("the other thread's request arrived").isTrue();
      assertThat(mine.handedToConnection()).as("not this thread's call").isFalse();
      assertThat(mine.provablyUnsent()).isFalse();
    }
  }
}
