package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.testing.CuttingProxy;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.ListInboxResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A unary call's deadline starts once its connection is there ({@link ConnectionWait}): a slow
 * connection set-up (an overloaded machine, bench/load.sh) is not "the server did not answer in
 * time". The wait ends at once when the connection fails, and it is bounded.
 */
class ConnectionWaitTest {
  private final AtomicInteger received = new AtomicInteger();
  private final List<String> notes = new CopyOnWriteArrayList<>();
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
            response.onNext(ListInboxResponse.getDefaultInstance());
            response.onCompleted();
          }
        }).build().start();
    proxy = new CuttingProxy(server.getPort());
    ServerConnection.announceRetriesTo(notes::add);
  }

  @AfterEach
  void stop() throws Exception {
    ServerConnection.announceRetriesTo(null);
    if (channel != null) {
      channel.shutdownNow();
    }
    proxy.close();
    server.shutdownNow();
  }

  private ServerConnection through(String hostPort, Duration deadline, Duration waitLimit) {
    String[] hp = hostPort.split(":");
    channel = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).usePlaintext()
        .intercept(Delivery.INTERCEPTOR).build();
    HostPort address = new HostPort(hp[0], Integer.parseInt(hp[1]));
    return new ServerConnection(channel, address, deadline,
        new ConnectionWait(channel, "the sealdrop server at " + address, waitLimit, Duration.ofMillis(300)));
  }

  private static ListInboxResponse listInbox(ServerConnection c) throws SealdropFailure {
    return ServerConnection.call(GrpcFailures.Op.LIST, () -> c.transfer().listInbox(ListInboxRequest.getDefaultInstance()));
  }

  @Test
  void aConnectionSlowerThanTheDeadlineStillGetsItsCallAnswered() throws Exception {
    // the connection takes 3.5 s; the server answers at once, well within the 2.5 s deadline once the connection is
    // there (a busy machine may take a second or more for the call's round trip through the proxy)
    proxy.connectDelayMillis = 3500;
    ServerConnection c = through(proxy.address(), Duration.ofMillis(2500), Duration.ofSeconds(30));

    assertThat(listInbox(c)).isNotNull();
    assertThat(received.get()).isEqualTo(1);
    assertThat(notes).as("a wait longer than its note's threshold is told, once").hasSize(1);
    assertThat(notes.get(0)).startsWith("still connecting to the sealdrop server at " + proxy.address() + " after ")
        .contains("waiting up to 30 s");
  }

  @Test
  void aServerThatDoesNotAnswerOnAReadyConnectionStillTimesOut() throws Exception {
    // the server's first bytes (its HTTP/2 settings: the connection is ready) pass, nothing after them
    proxy.stallDownstreamAfter.set(1);
    // 2.5 s for the request to reach the server (through the proxy, on a busy machine), which then answers at once
    ServerConnection c = through(proxy.address(), Duration.ofMillis(2500), Duration.ofSeconds(30));
    SealdropFailure f = catchThrowableOfType(SealdropFailure.class, () -> listInbox(c));
    assertThat(f).isNotNull();
    assertThat(f.reason()).isEqualTo("TIMEOUT");
    // the server may count the request a moment after the client gave up on its answer
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.get() == 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(10);
    }
    assertThat(received.get()).as("the request was sent; its answer never came").isEqualTo(1);
  }

  @Test
  void theWaitIsBoundedThenTheDeadlineTakesOver() throws Exception {
    proxy.connectDelayMillis = 60_000; // a connection still under way long after the wait's limit
    ServerConnection c = through(proxy.address(), Duration.ofMillis(500), Duration.ofSeconds(1));
    long start = System.nanoTime();
    SealdropFailure f = catchThrowableOfType(SealdropFailure.class, () -> listInbox(c));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(f).isNotNull();
    assertThat(f.reason()).isEqualTo("TIMEOUT");
    assertThat(millis).as("the wait's limit, then the deadline (not the 60 s connection)").isBetween(1400L, 30_000L);
    assertThat(received.get()).isZero();
  }

  @Test
  void aRefusedConnectionEndsTheWaitAtOnce() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    ServerConnection c = through("127.0.0.1:" + closedPort, Duration.ofSeconds(30), Duration.ofSeconds(60));
    long start = System.nanoTime();
    SealdropFailure f = catchThrowableOfType(SealdropFailure.class, () -> listInbox(c));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(f).isNotNull();
    assertThat(f.reason()).isEqualTo("SERVER_UNAVAILABLE");
    assertThat(millis).as("neither the wait's limit nor the deadline").isLessThan(20_000L);
    assertThat(notes).isEmpty();
  }
}
