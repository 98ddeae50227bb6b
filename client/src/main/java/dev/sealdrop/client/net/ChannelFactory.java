package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.Pem;
import dev.sealdrop.keys.CertificateKeys;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens mutual-TLS gRPC channels the one way sealdrop allows: TLS 1.3 only, our client
 * certificate, and as trust anchor <em>only</em> the profile's CA (never the JDK's cacerts), with
 * hostname verification on. OpenSSL (netty-tcnative BoringSSL) when it loads, else the JDK.
 */
public final class ChannelFactory {
  /**
   * Largest gRPC message we accept: a download chunk is about 1 MiB, but a list (inbox, grants, an admin's) comes in one
   * message, about 180 bytes a grant (round T: at 8 MiB, 50,000 grants to one recipient made `inbox` fail for good).
   */
  public static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

  private final Path clientCertificate;
  private final Path clientKey;
  private final Path caCertificate;

  private final Path checkpointsDir;

  public ChannelFactory(Path clientCertificate, Path clientKey, Path caCertificate) {
    this(clientCertificate, clientKey, caCertificate, null);
  }

  private ChannelFactory(Path clientCertificate, Path clientKey, Path caCertificate, Path checkpointsDir) {
    this.clientCertificate = Objects.requireNonNull(clientCertificate, "clientCertificate");
    this.clientKey = Objects.requireNonNull(clientKey, "clientKey");
    this.caCertificate = Objects.requireNonNull(caCertificate, "caCertificate");
    this.checkpointsDir = checkpointsDir;
  }

  /** Channels from the returned factory keep the server's signed audit checkpoints in {@code dir}. */
  public ChannelFactory keepingCheckpointsIn(Path dir) {
    return new ChannelFactory(clientCertificate, clientKey, caCertificate, Objects.requireNonNull(dir, "dir"));
  }

  /**
   * The type of the in-memory key store Netty puts the client key into for the TLS engine. It is
   * never written anywhere, so its key protection protects nothing; PKCS#12 (the JDK default) would
   * run 10,000 rounds of PBKDF2 to store the key and again to take it out, on every command (about
   * 0.3 s of interpreter time, then a C2 compilation of as much).
   */
  static final String TRANSIENT_KEY_STORE = "JKS";

  /** Which TLS implementation we use here. */
  public static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  public ManagedChannel open(HostPort server) throws KeyStoreFailure {
    SslContext tls = sslContext();
    EventLoopGroup loop = SingleLoopChannel.newLoop();
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(server.host(), server.port())
        .eventLoopGroup(loop)
        .channelType(NioSocketChannel.class)
        .intercept(Delivery.INTERCEPTOR);
    if (checkpointsDir != null) {
      builder.intercept(new CheckpointKeeper(checkpointsDir));
    }
    try {
      return SingleLoopChannel.of(builder
          .sslContext(tls)
          .maxInboundMessageSize(MAX_INBOUND_BYTES)
          .flowControlWindow(4 << 20) // 1 MiB download messages never wait for a window update
          .keepAliveTime(60, TimeUnit.SECONDS)
          .build(), loop);
    } catch (RuntimeException e) {
      loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      throw e;
    }
  }

  /**
   * The client's TLS context. The PEM files are parsed here with the JDK alone and handed to Netty
   * as objects: Netty's own file-based key loading initialises Bouncy Castle's full JCA provider
   * whenever BC is on the class path (about half a second and a thousand classes per command).
   */
  SslContext sslContext() throws KeyStoreFailure {
    try {
      X509Certificate[] chain = Pem.certificates(clientCertificate);
      requireSupported(chain[0]);
      PrivateKey key = Pem.privateKey(clientKey);
      requireKeyOf(chain[0], key);
      X509Certificate[] anchors = Pem.certificates(caCertificate);
      return GrpcSslContexts.configure(SslContextBuilder.forClient(), provider())
          .keyStoreType(TRANSIENT_KEY_STORE)
          .keyManager(key, chain)
          .trustManager(anchors)
          .protocols("TLSv1.3")
          .endpointIdentificationAlgorithm("HTTPS")
          .build();
    } catch (UsageFailure | SSLException | IllegalArgumentException e) {
      throw new KeyStoreFailure("TLS_SETUP", "cannot load the profile's TLS files (" + clientCertificate + ", "
          + clientKey + ", " + caCertificate + "): " + e.getMessage(),
          "put the file named back into the profile's tls/ folder: a copy of what `sealdrop init` was given as --cert,"
              + " --key (PKCS#8 PEM) or --ca (`init --force` would also replace your encryption keys, and senders"
              + " would have to trust the new ones)", e);
    }
  }

  /**
   * The certificate's key must be of a type sealdrop supports (an Ed448 one would otherwise fail as an
   * unreadable or mismatched key), as {@code init} checks: a certificate copied into the profile later; and the
   * certificate must pass the server's client-certificate rule ({@link dev.sealdrop.keys.ClientCertificates#problem}).
   */
  private void requireSupported(X509Certificate certificate) throws KeyStoreFailure {
    java.util.Optional<String> unsupported = CertificateKeys.unsupportedAlgorithm(certificate);
    if (unsupported.isPresent()) {
      throw new KeyStoreFailure("CERT_KEY_UNSUPPORTED", "the profile's TLS certificate (" + clientCertificate + "): "
          + unsupported.get(), "put back the certificate and key `sealdrop init` was given, or ask your CA for a "
          + "certificate of a supported key type", null);
    }
    // the server's one client-certificate rule, checked here first: its refusal in the handshake is a bare TLS alert
    // (unsupported_certificate), which cannot say what is wrong (outside tests: a weak signature, a missing
    // digitalSignature, an unknown critical extension each got a misleading message)
    java.util.Optional<String> problem = dev.sealdrop.keys.ClientCertificates.problem(certificate);
    if (problem.isPresent()) {
      throw new KeyStoreFailure("CERT_NOT_USABLE", "the profile's TLS certificate (" + clientCertificate + ") "
          + problem.get() + ": a sealdrop server refuses it at every connection; nothing was sent", "ask your CA for a"
          + " new certificate of the same identity that meets this, then run `sealdrop keys renew --cert NEW.crt --key"
          + " NEW.key` (it keeps your keys)", null);
    }
  }

  /**
   * The profile's TLS key must be its certificate's (a certificate copied over from another profile
   * would otherwise fail in the handshake as OpenSSL's "General OpenSslEngine problem"): one
   * signature made with the key and checked with the certificate.
   */
  private void requireKeyOf(X509Certificate certificate, PrivateKey key) throws KeyStoreFailure {
    boolean matches = CertificateKeys.isKeyOf(certificate, key);
    if (!matches) {
      throw new KeyStoreFailure("TLS_KEY_MISMATCH", "the profile's TLS key (" + clientKey + ") is not the key of its"
          + " certificate (" + clientCertificate + ")", "put back the pair that belong together, or re-run `sealdrop "
          + "init` with --cert and its own --key", null);
    }
  }

  /** Closes a channel, waiting briefly for calls in flight, and its event loop. */
  public static void close(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
        channel.awaitTermination(1, TimeUnit.SECONDS); // so that its event loop stops too
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

}
