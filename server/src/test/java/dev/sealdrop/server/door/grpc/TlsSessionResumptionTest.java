package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.testing.FixedKeyManager;
import dev.sealdrop.server.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/security.md: "no tickets, no IDs (every connection is a full handshake, so a revoked
 * certificate cannot ride on a resumed session)". Netty turns TLS 1.3 session tickets on for each
 * BoringSSL engine by default; with one, a client's next connection resumes without presenting its
 * certificate, and the handshake's certificate checks (alerts, audit) never run for it.
 */
class TlsSessionResumptionTest {
  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = new TestServer(data);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void theServerIssuesNoSessionTicketSoEveryConnectionIsAFullHandshake() throws Exception {
    AtomicInteger certificatesPresented = new AtomicInteger();
    SSLContext ctx = clientContext("alice", certificatesPresented);
    for (int i = 0; i < 3; i++) {
      try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getByName("127.0.0.1"),
          server.port())) {
        SSLParameters params = socket.getSSLParameters();
        params.setProtocols(new String[] {"TLSv1.3"});
        params.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(params);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        assertThat(socket.getApplicationProtocol()).isEqualTo("h2");
        // the HTTP/2 preface and an empty SETTINGS frame; the server answers with its SETTINGS,
        // and any NewSessionTicket of TLS 1.3 arrives before that first application byte
        OutputStream out = socket.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
        out.flush();
        InputStream in = socket.getInputStream();
        assertThat(in.read()).as("the server's first HTTP/2 frame").isNotNegative();
      }
    }
    // a resumed TLS 1.3 handshake asks for no certificate: the client's key manager is not consulted
    assertThat(certificatesPresented).as("connections on which the server asked for alice's certificate")
        .hasValue(3);
  }

  private static SSLContext clientContext(String user, AtomicInteger certificatesPresented) throws Exception {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("ca", server.pki.caCertificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(anchors);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    FixedKeyManager keys = new FixedKeyManager(server.pki.privateKey(user), server.pki.certificate(user));
    X509ExtendedKeyManager counting = new X509ExtendedKeyManager() {
      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return keys.getClientAliases(keyType, issuers);
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        certificatesPresented.incrementAndGet();
        return keys.chooseClientAlias(keyType, issuers, socket);
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return keys.getCertificateChain(alias);
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return keys.getPrivateKey(alias);
      }
    };
    ctx.init(new KeyManager[] {counting}, tmf.getTrustManagers(), null);
    return ctx;
  }
}
