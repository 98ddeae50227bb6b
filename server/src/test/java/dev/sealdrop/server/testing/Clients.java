package dev.sealdrop.server.testing;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** gRPC clients over real mutual TLS 1.3 to a test server. Close to shut every channel down. */
public final class Clients implements AutoCloseable {
  private final DevPki pki;
  private final int port;
  private final List<ManagedChannel> channels = new ArrayList<>();

  Clients(DevPki pki, int port) {
    this.pki = pki;
    this.port = port;
  }

  /** Clients of a server started outside this JVM (ServerMain in a process) that trusts {@code pki}. */
  public static Clients of(DevPki pki, int port) {
    return new Clients(pki, port);
  }

  /** A channel presenting {@code user}'s certificate (from the dev PKI directory). */
  public ManagedChannel channel(String user) {
    return channel(pki.privateKey(user), pki.certificate(user));
  }

  /** A channel presenting {@code chain} (the client's certificate first) with {@code key}. */
  public ManagedChannel channel(PrivateKey key, X509Certificate... chain) {
    return open(builder().keyManager(new FixedKeyManager(key, chain)));
  }

  /** A channel that presents no client certificate at all. */
  public ManagedChannel anonymous() {
    return open(builder());
  }

  private SslContextBuilder builder() {
    return GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
        .trustManager(pki.caCertificate()).protocols("TLSv1.3");
  }

  private ManagedChannel open(SslContextBuilder b) {
    SslContext ctx;
    try {
      ctx = b.build();
    } catch (SSLException e) {
      throw new IllegalStateException(e);
    }
    // A fixed 1 MiB window (which also turns off gRPC's auto-tuning, that grows it up to 8 MiB): a test that cuts
    // a download in progress knows how far ahead of its reads the server can be, so an 8 MiB file is still streaming
    ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", port).sslContext(ctx)
        .maxInboundMessageSize(4 << 20).flowControlWindow(1 << 20).build();
    synchronized (channels) {
      channels.add(ch);
    }
    return ch;
  }

  public SessionServiceGrpc.SessionServiceBlockingStub session(String user) {
    return SessionServiceGrpc.newBlockingStub(channel(user)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  public KeyDirectoryGrpc.KeyDirectoryBlockingStub keys(String user) {
    return KeyDirectoryGrpc.newBlockingStub(channel(user)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  public TransferServiceGrpc.TransferServiceBlockingStub transfer(String user) {
    return TransferServiceGrpc.newBlockingStub(channel(user)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public TransferServiceGrpc.TransferServiceStub transferAsync(String user) {
    return TransferServiceGrpc.newStub(channel(user));
  }

  @Override
  public void close() {
    synchronized (channels) {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
      }
      for (ManagedChannel ch : channels) {
        try {
          ch.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      channels.clear();
    }
  }
}
