package dev.sealdrop.server.door.grpc.tls;

import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.core.identity.Origin;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.NettySslContextServerCredentials;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger LOG = LoggerFactory.getLogger(PeerAddressTls.class);
  private final SslContext tls;
  private final RefusalThrottle audit;
  /** The listener these credentials serve ({@code transfer}, {@code admin}), as audit records name it. */
  private final String listener;
  /** The listener's handshake timeout (grpc's, which may end a handshake before the TLS layer's own timer does). */
  private final long handshakeTimeoutNanos;

  PeerAddressTls(SslContext tls, RefusalThrottle audit, String listener, java.time.Duration handshakeTimeout) {
    this.tls = Objects.requireNonNull(tls, "tls");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.handshakeTimeoutNanos = handshakeTimeout.toNanos();
  }

  @Override
  public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> executorPool) {
    return new Negotiator(tls, audit, listener, handshakeTimeoutNanos, executorPool);
  }

  /**
   * Audits a connection whose handshake ended without a TLS error after the listener's handshake timeout: grpc's timer
   * closed it (a client that sent nothing, or too little, in time). The TLS layer's own timer, when it fires first,
   * ends it with a TLS error, audited by {@link #auditFailedHandshake}; which of the two fires first varied, so such
   * connections went unrecorded at random (round T).
   */
  static void auditTimedOutHandshake(RefusalThrottle audit, String peer, String listener, long timeoutNanos) {
    String why = "no TLS handshake within " + java.time.Duration.ofNanos(timeoutNanos).toMillis() + " ms";
    if (audit.refused("-", "tls-handshake", "handshake-timeout", peer, Map.of("why", why, "listener", listener))) {
      LOG.warn("TLS handshake from {} to the {} listener refused: handshake-timeout ({})", peer, listener, why);
    }
  }

  /**
   * Audits a handshake that failed for a reason the trust manager never saw: above all a client that
   * offered no certificate (BoringSSL refuses it with {@code certificate_required} before any
   * certificate check runs), or one that spoke no TLS 1.3 we accept. A certificate the trust manager
   * refused is audited there, with its subject, and not again here (its exception is in the cause
   * chain). A connection closed before or during the handshake without a TLS error (a port probe,
   * a health check) is not an attempt to authenticate and is not audited.
   */
  static void auditFailedHandshake(RefusalThrottle audit, Throwable failure, String peer, String listener) {
    if (failure == null || causeOfType(failure, SSLException.class) == null
        || causeOfType(failure, CertificateException.class) != null) {
      return;
    }
    SSLException tlsError = causeOfType(failure, SSLException.class);
    // Netty's message for a client that spoke no TLS ends with a hex dump of what it sent: plaintext
    // HTTP/2 or gRPC, which can carry a grant token or any other secret. Never log or audit it.
    String why = tlsError instanceof NotSslRecordException
        ? "not a TLS record: the client spoke no TLS (what it sent is not recorded)"
        : String.valueOf(tlsError.getMessage());
    boolean noCertificate = why.contains("CERTIFICATE_REQUIRED") || why.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")
        || why.contains("certificate_required") || why.contains("Empty client certificate chain");
    // the TLS layer's own timer (as gRPC's, auditTimedOutHandshake): one result for a timeout, whichever fired (round W)
    String result = noCertificate ? "no-client-certificate"
        : tlsError instanceof io.netty.handler.ssl.SslHandshakeTimeoutException ? "handshake-timeout" : "handshake-failed";
    // on the event loop: a stream of bad handshakes must not stall it on fsyncs, nor fill the disk (a budget a minute)
    if (audit.refused("-", "tls-handshake", result, peer, Map.of("why", why.length() > 200 ? why.substring(0, 200)
        : why, "listener", listener))) {
      LOG.warn("TLS handshake from {} to the {} listener refused: {} ({})", peer, listener, result, why);
    }
  }

  private static <T extends Throwable> T causeOfType(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  /** grpc's server TLS negotiator over {@code ctx}, as {@code NettyServerBuilder.sslContext(ctx)} would build it. */
  private static InternalProtocolNegotiator.ProtocolNegotiator grpcTls(SslContext ctx,
      ObjectPool<? extends Executor> executorPool) {
    return InternalNettyServerCredentials.toNegotiator(NettySslContextServerCredentials.create(ctx))
        .newNegotiator(executorPool);
  }

  private static final class Negotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
    private final SslContext tls;
    private final RefusalThrottle audit;
    private final String listener;
    private final ObjectPool<? extends Executor> executorPool;
    /** For a channel without an IP address (none on a TCP listener), and for {@link #scheme}. */
    private final InternalProtocolNegotiator.ProtocolNegotiator withoutPeer;

    private final long handshakeTimeoutNanos;

    Negotiator(SslContext tls, RefusalThrottle audit, String listener, long handshakeTimeoutNanos,
        ObjectPool<? extends Executor> executorPool) {
      this.tls = tls;
      this.audit = audit;
      this.listener = listener;
      this.handshakeTimeoutNanos = handshakeTimeoutNanos;
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
                new PeerSslContext(tls, a.getAddress().getHostAddress(), a.getPort(), listener), executorPool);
            ctx.channel().closeFuture().addListener(f -> own.close());
            grpcTlsHandler = own.newHandler(grpcHandler);
          } else {
            grpcTlsHandler = withoutPeer.newHandler(grpcHandler);
          }
          ChannelPipeline pipeline = ctx.pipeline();
          // grpc's TLS handler adds its SslHandler before itself once the channel is active, and
          // turns a failed handshake into an exception that travels on towards grpc's last handler
          pipeline.addAfter(ctx.name(), null, new FailedHandshakeAudit(audit, Origin.peerOf(remote), listener,
              handshakeTimeoutNanos));
          pipeline.replace(this, null, grpcTlsHandler);
        }
      };
    }

    @Override
    public void close() {
      withoutPeer.close();
    }
  }

  /**
   * Sits after grpc's TLS handler and audits the connection once if its TLS handshake failed. After
   * a successful handshake grpc's HTTP/2 handler takes every read before it, so it sees only
   * exceptions and the channel's end, never data.
   */
  /** How much earlier than the handshake timeout a timer may fire (its tick) and still be the timeout's. */
  private static final long TIMER_SLACK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200);

  private static final class FailedHandshakeAudit extends ChannelInboundHandlerAdapter {
    private final RefusalThrottle audit;
    private final String peer;
    private final String listener;
    private final long timeoutNanos;
    private final long startNanos = System.nanoTime();
    private boolean audited;

    FailedHandshakeAudit(RefusalThrottle audit, String peer, String listener, long timeoutNanos) {
      this.audit = audit;
      this.peer = peer;
      this.listener = listener;
      this.timeoutNanos = timeoutNanos;
    }

    private void check(ChannelHandlerContext ctx, boolean closed) {
      if (audited) {
        return;
      }
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      boolean failed = ssl != null && ssl.handshakeFuture().isDone() && !ssl.handshakeFuture().isSuccess();
      if (failed && causeOfType(ssl.handshakeFuture().cause(), SSLException.class) != null) {
        audited = true;
        auditFailedHandshake(audit, ssl.handshakeFuture().cause(), peer, listener);
      } else if (closed && (failed || ssl != null && !ssl.handshakeFuture().isDone())
          && System.nanoTime() - startNanos >= timeoutNanos - TIMER_SLACK_NANOS) {
        // closed without a TLS error once the handshake timeout had passed: grpc's timer ended it (a quick close
        // without one is a port probe, not audited)
        audited = true;
        auditTimedOutHandshake(audit, peer, listener, timeoutNanos);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      check(ctx, false);
      ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      check(ctx, true);
      super.channelInactive(ctx);
    }
  }

  /** The shared server context, creating engines that carry one connection's remote IP and port. */
  private static final class PeerSslContext extends SslContext {
    private final SslContext shared;
    private final String host;
    private final int port;
    private final String listener;

    PeerSslContext(SslContext shared, String host, int port, String listener) {
      this.shared = shared;
      this.host = host;
      this.port = port;
      this.listener = listener;
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
      return EngineListeners.mark(ServerTls.withoutResumption(shared.newEngine(alloc, host, port)), listener);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
      return EngineListeners.mark(ServerTls.withoutResumption(shared.newEngine(alloc, peerHost, peerPort)), listener);
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
