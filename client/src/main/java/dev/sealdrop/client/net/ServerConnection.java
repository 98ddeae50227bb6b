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

/**
 * One mTLS channel to a sealdrop server and its stubs. Unary calls get a deadline; every
 * {@link StatusRuntimeException} leaves through {@link #call} as a {@link SealdropFailure}.
 */
public final class ServerConnection implements AutoCloseable {
  static final long UNARY_DEADLINE_SECONDS = 30;

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

  /** Runs one RPC, translating its failure. */
  public static <T> T call(GrpcFailures.Op op, Rpc<T> rpc) throws SealdropFailure {
    try {
      return rpc.run();
    } catch (StatusRuntimeException e) {
      throw GrpcFailures.translate(e, op);
    }
  }

  @Override
  public void close() {
    ChannelFactory.close(channel);
  }
}
