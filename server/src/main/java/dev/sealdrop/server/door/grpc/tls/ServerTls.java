package dev.sealdrop.server.door.grpc.tls;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.identity.IdentityService;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.grpc.ServerCredentials;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.InternalNettyServerCredentials;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS side of the gRPC door, in one place (after grpc-java's HelloWorldServerTls): TLS 1.3
 * only, client certificate REQUIRED, the configured CA as the only trust anchor, sealdrop's own
 * client-certificate checks, and netty-tcnative BoringSSL when it loads (the JDK provider
 * otherwise; the log says which).
 */
public final class ServerTls {
  private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);
  /** The subject CN certs-dev gives its CA; a server trusting it is a development server. */
  static final String DEV_CA_MARKER = "sealdrop development CA";
  /** TLS 1.3 key-exchange groups offered (Mozilla "Modern"): X25519, P-256, P-384. */
  static final String[] GROUPS = {"X25519", "P-256", "P-384"};

  private ServerTls() {}

  /** Reads the CA certificate that client certificates must chain to. */
  public static X509Certificate readCertificate(Path file) throws IOException {
    X509Certificate ca = readFirstCertificate(file, "CA certificate", "ca");
    warnIfMoreThanOne(file, ca);
    return ca;
  }

  /**
   * A {@code ca} file with several certificates (a chain file, intermediate then root) trusts only its first: say so,
   * since the operator may have meant the root (docs/admin.md, {@code ca}).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the path comes from server configuration")
  private static void warnIfMoreThanOne(Path file, X509Certificate first) {
    try {
      int count = Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1)
          .split("-----BEGIN CERTIFICATE-----", -1).length - 1;
      if (count > 1) {
        LOG.warn("the ca file {} holds {} certificates; only the first ({}) is trusted to issue client certificates:"
            + " name a file with just the CA that issues them (the root, if intermediates issue them and clients send"
            + " their chains)", file, count, first.getSubjectX500Principal().getName());
      }
    } catch (IOException | RuntimeException e) {
      // read once already; nothing more to say
    }
  }

  /**
   * The first X.509 certificate in {@code file}; a refusal names it as {@code what} and the
   * configuration {@code setting} (and option) that points at it.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the path comes from server configuration")
  static X509Certificate readFirstCertificate(Path file, String what, String setting) throws IOException {
    String check = "check the " + setting + " setting (--" + setting + ")";
    if (Files.isDirectory(file)) {
      throw new IOException("the " + what + " " + file + " is a folder, not a certificate file; " + check);
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      // a pipe would hold the start until someone writes to it
      throw new IOException("the " + what + " " + file + " is not a regular file (a device, pipe or socket); " + check);
    }
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("the " + what + " " + file + " does not exist; " + check, e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException("the " + what + " " + file + " cannot be read (permission denied); " + check
          + " and the file's permissions", e);
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IOException("the " + what + " " + file + " is not a PEM X.509 certificate (" + e.getMessage() + "); "
          + check, e);
    }
  }

  /** The provider in use: BoringSSL if netty-tcnative loads, else the JDK's. */
  public static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "key and certificate paths come from server configuration")
  public static SslContext build(ServerConfig.Tls tls, X509Certificate ca, IdentityService identities,
      dev.sealdrop.server.core.audit.RefusalThrottle audit) throws IOException {
    SslProvider provider = provider();
    if (provider == SslProvider.OPENSSL) {
      LOG.info("TLS provider: netty-tcnative {} ({})", OpenSsl.versionString(), "BoringSSL");
    } else {
      LOG.warn("TLS provider: JDK (netty-tcnative did not load: {}); expect lower throughput",
          String.valueOf(OpenSsl.unavailabilityCause()));
    }
    warnIfDevelopmentCa(ca, tls.caCertificate());
    try {
      SslContextBuilder builder = SslContextBuilder.forServer(tls.certificateChain().toFile(), tls.privateKey().toFile());
      if (provider == SslProvider.OPENSSL) {
        // Mozilla "Modern" key-exchange groups only (testssl showed BoringSSL also offering secp521r1).
        builder.option(OpenSslContextOption.GROUPS, GROUPS.clone());
      }
      SslContext context = GrpcSslContexts.configure(builder, provider)
          .protocols("TLSv1.3")
          .clientAuth(ClientAuth.REQUIRE)
          .trustManager(new ClientCertificateTrustManager(ca, identities, provider == SslProvider.OPENSSL, audit))
          .build();
      noSessionCache(context);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot read the server certificate " + tls.certificateChain() + " or its key "
          + tls.privateKey() + " (PEM, PKCS#8 key expected): " + e.getMessage(), e);
    }
  }

  /**
   * Every connection is a full handshake, so that the trust manager judges every client
   * certificate (and a refusal is its TLS alert and audit record): Netty clears BoringSSL's
   * {@code SSL_OP_NO_TICKET} on each TLS 1.3 engine (unless {@code
   * jdk.tls.server.enableSessionTicketExtension=false}), and a ticket would let a client resume
   * without presenting its certificate again. Applied to every engine the gRPC doors create
   * ({@link PeerAddressTls}); no session cache either. (The JDK fallback keeps its defaults;
   * PeerIdentityInterceptor re-checks every call either way.)
   */
  static SSLEngine withoutResumption(SSLEngine engine) {
    if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
      SSL.setOptions(openSsl.sslPointer(), SSL.SSL_OP_NO_TICKET);
    }
    return engine;
  }

  private static void noSessionCache(SslContext context) {
    if (context instanceof ReferenceCountedOpenSslContext openSsl) {
      openSsl.sessionContext().setSessionCacheEnabled(false);
    }
  }

  /**
   * The credentials of a gRPC listener using {@code tls}: grpc's own server TLS, with each
   * connection's SSLEngine created with the client's IP and port, so that a refused handshake is
   * audited with its peer address ({@link PeerAddressTls}), also when the client offered no
   * certificate at all (refused by BoringSSL before the trust manager runs), and with {@code listener}
   * ({@code transfer}, {@code admin}), which both listeners' shared context cannot tell apart itself; a connection
   * that the listener's {@code handshakeTimeout} ended before any TLS error is audited as {@code handshake-timeout}.
   */
  public static ServerCredentials credentials(SslContext tls, dev.sealdrop.server.core.audit.RefusalThrottle audit,
      String listener, java.time.Duration handshakeTimeout) {
    return InternalNettyServerCredentials.create(new PeerAddressTls(tls, audit, listener, handshakeTimeout));
  }

  static boolean isDevelopmentCa(X509Certificate ca) {
    return ca.getSubjectX500Principal().getName().contains(DEV_CA_MARKER);
  }

  private static void warnIfDevelopmentCa(X509Certificate ca, java.nio.file.Path caFile) {
    if (isDevelopmentCa(ca)) {
      String line = "!".repeat(78);
      LOG.warn(line);
      LOG.warn("!! DEVELOPMENT CA: this server trusts certs-dev's CA ({}).", ca.getSubjectX500Principal().getName());
      LOG.warn("!! The development PKI (CA, users' certificates and keys) is in {}", caFile.toAbsolutePath().getParent());
      LOG.warn("!! Its private key is on this disk and anyone with it can mint identities. NEVER use in production.");
      LOG.warn(line);
    }
  }
}
