package dev.sealdrop.server.door.grpc.tls;

import io.grpc.internal.ObjectPool;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.NettySslContextServerCredentials;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * grpc's own server TLS negotiator, except that each connection's SSLEngine knows the remote
 * address. grpc-netty creates the engine with {@code SslContext.newEngine(alloc)}, without a peer
 * host or port, so {@link ClientCertificateTrustManager} — which sees only the engine — could not
 * say where a refused handshake came from. For each accepted connection this reads the remote
 * address from the Netty channel and hands grpc a view of the one shared {@link SslContext} that
 * creates the engine with that IP and port ({@code newEngine(alloc, host, port)}). Nothing else
 * changes: same context and ALPN, same handshake executor, grpc's own TLS handler.
 */
final class PeerAddressTls implements InternalProtocolNegotiator.ServerFactory {
  private final SslContext tls;

  PeerAddressTls(SslContext tls) {
    this.tls = Objects.requireNonNull(tls, "tls");
  }

  @Override
  public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> executorPool) {
    return new Negotiator(tls, executorPool);
  }

  /** grpc's server TLS negotiator over {@code ctx}, as {@code NettyServerBuilder.sslContext(ctx)} would build it. */
  private static InternalProtocolNegotiator.ProtocolNegotiator grpcTls(SslContext ctx,
      ObjectPool<? extends Executor> executorPool) {
    return InternalNettyServerCredentials.toNegotiator(NettySslContextServerCredentials.create(ctx))
        .newNegotiator(executorPool);
  }

  private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private final SslContext tls;
    private final ObjectPool<? extends Executor> executorPool;
    /** For a channel without an IP address (none on a TCP listener), and for {@link #scheme}. */
    private final InternalProtocolNegotiator.ProtocolNegotiator withoutPeer;

    Negotiator(SslContext tls, ObjectPool<? extends Executor> executorPool) {
      this.tls = tls;
      this.executorPool = executorPool;
      this.withoutPeer = grpcTls(tls, executorPool);
    }

    @Override
    public AsciiString scheme() {
      return withoutPeer.scheme();
    }

    @Override
    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
      return new ChannelHandlerAdapter() {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
          SocketAddress remote = ctx.channel().remoteAddress();
          ChannelHandler grpcTlsHandler;
          if (remote instanceof InetSocketAddress a && a.getAddress() != null) {
            InternalProtocolNegotiator.ProtocolNegotiator own = grpcTls(
                new PeerSslContext(tls, a.getAddress().getHostAddress(), a.getPort()), executorPool);
            ctx.channel().closeFuture().addListener(f -> own.close());
            grpcTlsHandler = own.newHandler(grpcHandler);
          } else {
            grpcTlsHandler = withoutPeer.newHandler(grpcHandler);
          }
          ctx.pipeline().replace(this, null, grpcTlsHandler);
        }
      };
    }

    @Override
    public void close() {
      withoutPeer.close();
    }
  }

  /** The shared server context, creating engines that carry one connection's remote IP and port. */
  private static final class PeerSslContext extends SslContext {
    private final SslContext shared;
    private final String host;
    private final int port;

    PeerSslContext(SslContext shared, String host, int port) {
      this.shared = shared;
      this.host = host;
      this.port = port;
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
      return shared.newEngine(alloc, host, port);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
      return shared.newEngine(alloc, peerHost, peerPort);
    }

    @Override
    public boolean isClient() {
      return shared.isClient();
    }

    @Override
    public List<String> cipherSuites() {
      return shared.cipherSuites();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
      return shared.applicationProtocolNegotiator();
    }

    @Override
    public SSLSessionContext sessionContext() {
      return shared.sessionContext();
    }
  }
}
