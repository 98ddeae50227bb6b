package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.FixedKeyManager;
import dev.sealdrop.server.testing.TestServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection whose client completes TLS (with a certificate of the CA) but never starts HTTP/2, or sends half its
 * preface, is closed once {@code handshake-timeout} has passed (grpc's handshake timeout covers the HTTP/2 set-up as
 * docs/admin.md says); one that starts HTTP/2 stays. An outside test took such connections for open because it read the
 * server's SETTINGS frame, which the server sends before it closes them: here the client reads to the end.
 */
class Http2SetupTimeoutTest {
  /**
   * The handshake timeout, which also covers this client's TLS handshake: long enough for a busy machine to finish that
   * (the JDK's TLS is slow to start), far shorter than the bound the closing tests allow.
   */
  static final Duration SETUP = Duration.ofSeconds(3);
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  @TempDir
  static Path data;
  static TestServer server;

  @BeforeAll
  static void start() {
    server = new TestServer(data, c -> {
      ServerConfig.Network n = c.network();
      return c.withNetwork(new ServerConfig.Network(n.host(), n.port(), SETUP, n.maxConnectionIdle(),
          n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
          n.maxConcurrentCallsPerConnection(), n.shutdownGrace()));
    });
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** A TLS connection as alice, handshake done; the caller sends what it likes. */
  static SSLSocket connected() throws Exception {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("ca", server.pki.caCertificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(anchors);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(new KeyManager[] {new FixedKeyManager(server.pki.privateKey("alice"), server.pki.certificate("alice"))},
        tmf.getTrustManagers(), null);
    SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getByName("127.0.0.1"),
        server.port());
    SSLParameters params = socket.getSSLParameters();
    params.setProtocols(new String[] {"TLSv1.3"});
    params.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(params);
    socket.setSoTimeout(30_000);
    socket.startHandshake();
    return socket;
  }

  /** Reads until the server closes the connection; returns how long that took. */
  static Duration untilClosed(SSLSocket socket) throws Exception {
    long t0 = System.nanoTime();
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // the server's SETTINGS (after a whole preface), or nothing
      }
    } catch (java.net.SocketException e) {
      // reset: closed as well
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  @Test
  void aClientThatSendsNothingAfterTlsIsClosed() throws Exception {
    try (SSLSocket socket = connected()) {
      // closed SETUP after it was accepted (3 s); without the timeout it would stay for minutes
      assertThat(untilClosed(socket)).isLessThan(SETUP.plusSeconds(5)); // under the 10 s default (review ES)
    }
  }

  @Test
  void aClientThatSendsHalfThePrefaceIsClosed() throws Exception {
    try (SSLSocket socket = connected()) {
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE, 0, 16);
      out.flush();
      assertThat(untilClosed(socket)).isLessThan(SETUP.plusSeconds(5)); // under the 10 s default (review ES)
    }
  }

  @Test
  void aClientThatStartsHttp2IsNotClosed() throws Exception {
    try (SSLSocket socket = connected()) {
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE);
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
      out.flush();
      InputStream in = socket.getInputStream();
      assertThat(in.read()).as("the server's first HTTP/2 frame").isNotNegative();
      // past the setup timeout, which started before the TLS handshake, by 2 s more
      Thread.sleep(SETUP.plusSeconds(2).toMillis());
      socket.setSoTimeout(500);
      // still open: reading times out (or gets more frames, e.g. the SETTINGS ack), it does not see the end
      try {
        int b;
        while ((b = in.read()) >= 0) {
          assertThat(b).isNotNegative();
        }
        org.assertj.core.api.Assertions.fail("the server closed a connection that started HTTP/2");
      } catch (java.net.SocketTimeoutException expected) {
        // open
      }
    }
  }
}
