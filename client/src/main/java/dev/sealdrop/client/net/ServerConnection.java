package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mTLS channel to a sealdrop server and its stubs. Unary calls get a deadline, which starts once
 * the channel has a connection ({@link ConnectionWait}); every
 * {@link StatusRuntimeException} leaves through {@link #call} as a {@link SealdropFailure}.
 */
public final class ServerConnection implements AutoCloseable {
  static final Duration UNARY_DEADLINE = Duration.ofSeconds(30);
  private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

  private final ManagedChannel channel;
  /** {@link #channel}, with each call naming {@link #server} for the failures that cannot reach it. */
  private final Channel calls;
  private final HostPort server;
  private final ConnectionWait connected;
  private final Duration unaryDeadline;

  public ServerConnection(ManagedChannel channel, HostPort server) {
    this(channel, server, UNARY_DEADLINE, null);
  }

  /** With another deadline for unary calls, and another wait for their connection (tests). */
  ServerConnection(ManagedChannel channel, HostPort server, Duration unaryDeadline, ConnectionWait connected) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.server = Objects.requireNonNull(server, "server");
    this.unaryDeadline = Objects.requireNonNull(unaryDeadline, "unaryDeadline");
    this.calls = ServerAddress.naming(channel, "the sealdrop server", server);
    this.connected = connected != null ? connected : new ConnectionWait(channel, "the sealdrop server at " + server);
  }

  public static ServerConnection open(ChannelFactory factory, HostPort server) throws SealdropFailure {
    return new ServerConnection(factory.open(server), server);
  }

  /** Starts connecting (TCP and the TLS handshake) in the background, without waiting. */
  public void warmUp() {
    channel.getState(true);
  }

  public HostPort server() {
    return server;
  }

  /** For one unary call: its deadline starts once the connection is there ({@link #unary}). */
  public SessionServiceGrpc.SessionServiceBlockingStub session() {
    return unary(SessionServiceGrpc.newBlockingStub(calls));
  }

  /** For one unary call: its deadline starts once the connection is there ({@link #unary}). */
  public KeyDirectoryGrpc.KeyDirectoryBlockingStub keys() {
    return unary(KeyDirectoryGrpc.newBlockingStub(calls));
  }

  /** For one unary call: its deadline starts once the connection is there ({@link #unary}). */
  public TransferServiceGrpc.TransferServiceBlockingStub transfer() {
    return unary(TransferServiceGrpc.newBlockingStub(calls));
  }

  /** For one unary call: its deadline starts once the connection is there ({@link #unary}). */
  public SshKeysGrpc.SshKeysBlockingStub sshKeys() {
    return unary(SshKeysGrpc.newBlockingStub(calls));
  }

  /**
   * {@code stub} with the unary deadline, which starts now: after waiting for the connection
   * ({@link ConnectionWait}), so that the deadline measures the server's answer, not the set-up.
   */
  private <S extends io.grpc.stub.AbstractStub<S>> S unary(S stub) {
    connected.await(retryNotice);
    return stub.withDeadlineAfter(unaryDeadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** For streams: no deadline (a large file takes as long as it takes); keepalive detects dead peers. */
  public TransferServiceGrpc.TransferServiceBlockingStub transferStreaming() {
    return TransferServiceGrpc.newBlockingStub(calls);
  }

  public TransferServiceGrpc.TransferServiceStub transferAsync() {
    return TransferServiceGrpc.newStub(calls);
  }

  /** One RPC; may itself fail before the call (e.g. while connecting). */
  @FunctionalInterface
  public interface Rpc<T> {
    T run() throws SealdropFailure;
  }

  /** Where {@link #call} announces a retry: the log, unless a command routes it to its user. */
  private static volatile Consumer<String> retryNotice = LOG::warn;

  /** Announces {@link #call}'s retries to {@code notice} (the CLI: a note on stderr); null: to the log again. */
  public static void announceRetriesTo(Consumer<String> notice) {
    retryNotice = notice != null ? notice : LOG::warn;
  }

  /** Attempts of an RPC whose connection ended before the request was handed to it. */
  static final int CONNECT_ATTEMPTS = 4;
  /** Pause before the first retry; doubles after each. Longer than gRPC's first reconnect backoff (1 s ± 20 %). */
  static final long FIRST_RETRY_MILLIS = 1500;

  /**
   * Runs one RPC, translating its failure. When the connection ended before the request was
   * handed to it ({@link Delivery}) and without a verdict ({@link GrpcFailures#endedWithoutVerdict}:
   * the server cut the TLS handshake without a TLS alert, our own handshake timer ran out (an
   * overloaded server that accepted the connection late), the connection was found closed when TLS
   * wrote its own records, or it closed with no reason given, as when the server's handshake timer
   * ran out just after this side finished the handshake; a server or client too busy to finish in
   * time), the request never left this process, so the RPC is tried again, up to
   * {@link #CONNECT_ATTEMPTS} times in all. A refused certificate ends with a TLS alert instead, and
   * nothing listening with a refused connection: neither is retried, nor is anything once its request
   * was handed to a connection.
   */
  public static <T> T call(GrpcFailures.Op op, Rpc<T> rpc) throws SealdropFailure {
    long pause = FIRST_RETRY_MILLIS;
    for (int attempt = 1; ; attempt++) {
      try (Delivery.Attempt watch = Delivery.begin()) {
        try {
          return rpc.run();
        } catch (StatusRuntimeException e) {
          if (attempt >= CONNECT_ATTEMPTS || !watch.provablyUnsent() || !GrpcFailures.endedWithoutVerdict(e)) {
            throw GrpcFailures.translate(e, op);
          }
          retryNotice.accept("the connection ended before the request was sent ("
              + GrpcFailures.detailOf(e)
              + "); trying again in " + pause / 1000.0 + " s (attempt " + (attempt + 1) + " of " + CONNECT_ATTEMPTS + ")");
          try {
            Thread.sleep(pause);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw GrpcFailures.translate(e, op);
          }
          pause *= 2;
        }
      }
    }
  }

  @Override
  public void close() {
    ChannelFactory.close(channel);
  }
}
