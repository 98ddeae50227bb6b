package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One mTLS channel to a sealdrop server and its stubs. Unary calls get a deadline; every
 * {@link StatusRuntimeException} leaves through {@link #call} as a {@link SealdropFailure}.
 */
public final class ServerConnection implements AutoCloseable {
  static final long UNARY_DEADLINE_SECONDS = 30;
  private static final Logger LOG = LoggerFactory.getLogger(ServerConnection.class);

  private final ManagedChannel channel;
  private final HostPort server;

  public ServerConnection(ManagedChannel channel, HostPort server) {
    this.channel = Objects.requireNonNull(channel, "channel");
    this.server = Objects.requireNonNull(server, "server");
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

  public SessionServiceGrpc.SessionServiceBlockingStub session() {
    return SessionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public KeyDirectoryGrpc.KeyDirectoryBlockingStub keys() {
    return KeyDirectoryGrpc.newBlockingStub(channel).withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public TransferServiceGrpc.TransferServiceBlockingStub transfer() {
    return TransferServiceGrpc.newBlockingStub(channel).withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  public SshKeysGrpc.SshKeysBlockingStub sshKeys() {
    return SshKeysGrpc.newBlockingStub(channel).withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** For streams: no deadline (a large file takes as long as it takes); keepalive detects dead peers. */
  public TransferServiceGrpc.TransferServiceBlockingStub transferStreaming() {
    return TransferServiceGrpc.newBlockingStub(channel);
  }

  public TransferServiceGrpc.TransferServiceStub transferAsync() {
    return TransferServiceGrpc.newStub(channel);
  }

  /** One RPC; may itself fail before the call (e.g. while connecting). */
  @FunctionalInterface
  public interface Rpc<T> {
    T run() throws SealdropFailure;
  }

  /** Attempts of an RPC whose connection the server closed during the TLS handshake. */
  static final int HANDSHAKE_ATTEMPTS = 4;
  /** Pause before the first retry; doubles after each. Longer than gRPC's first reconnect backoff (1 s ± 20 %). */
  static final long FIRST_RETRY_MILLIS = 1500;

  /**
   * Runs one RPC, translating its failure. When the TLS handshake ended without a verdict (it timed
   * out, or the server closed the connection during it without a TLS alert: a server or client too
   * busy to finish in time), the request never left this process, so the RPC is tried again, up to
   * {@link #HANDSHAKE_ATTEMPTS} times in all ({@link GrpcFailures#handshakeCutShort}). A refused
   * certificate ends with a TLS alert instead, and nothing listening with a refused connection:
   * neither is retried.
   */
  public static <T> T call(GrpcFailures.Op op, Rpc<T> rpc) throws SealdropFailure {
    long pause = FIRST_RETRY_MILLIS;
    for (int attempt = 1; ; attempt++) {
      try {
        return rpc.run();
      } catch (StatusRuntimeException e) {
        if (attempt >= HANDSHAKE_ATTEMPTS || !GrpcFailures.handshakeCutShort(e)) {
          throw GrpcFailures.translate(e, op);
        }
        LOG.warn("the TLS handshake did not finish (attempt {} of {}); retrying in {} ms",
            attempt, HANDSHAKE_ATTEMPTS, pause);
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

  @Override
  public void close() {
    ChannelFactory.close(channel);
  }
}
