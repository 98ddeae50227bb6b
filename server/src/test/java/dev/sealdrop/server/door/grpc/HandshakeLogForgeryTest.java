package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.WhoAmIRequest;
import dev.sealdrop.server.testing.OneServerPerClass;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * Anyone who can reach the transfer port can present a certificate with any subject. A refused
 * handshake is logged with that subject, so its control characters must not reach the server log:
 * a newline would forge a log line ("identity 'carol' revoked"), an escape sequence would rewrite
 * the operator's terminal. Nor may what a client that speaks no TLS sends (a plaintext request,
 * which can carry a token) reach the log or the audit log.
 */
class HandshakeLogForgeryTest extends OneServerPerClass {
  private static final String FORGED = "evil\n12:00:00.000 WARN  identity 'carol' revoked\u001b[2K";

  @Test
  void aSelfSignedCertificateCannotForgeLinesInTheServerLog() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "forged\r\nO").addRDN(BCStyle.CN, FORGED)
        .build();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));

    CapturedLog logs = new CapturedLog();
    logs.start();
    rootLogger().addAppender(logs);
    try {
      StatusRuntimeException e = (StatusRuntimeException) org.assertj.core.api.Assertions.catchThrowable(() ->
          SessionServiceGrpc.newBlockingStub(clients.channel(keys.getPrivate(), cert))
              .withDeadlineAfter(20, TimeUnit.SECONDS).whoAmI(WhoAmIRequest.getDefaultInstance()));
      assertThat(e).as("the handshake must fail").isNotNull();
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    } finally {
      rootLogger().detachAppender(logs);
      logs.stop();
    }
    List<String> refusals;
    refusals = logs.events().stream().map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith("TLS handshake refused (transfer listener) for ")).toList();
    // the client's channel may try the handshake more than once before the call fails: each try is logged
    assertThat(refusals).as("the refusal is logged, with the subject made printable").isNotEmpty()
        .allSatisfy(line -> assertThat(line).doesNotContain("\n", "\r", "\u001b")
            .contains("evil\uFFFD12:00:00.000 WARN  identity 'carol' revoked\uFFFD[2K", "forged\uFFFD\uFFFDO")
            .contains("does not chain to the configured CA"));
  }

  @Test
  void whatAClientThatSpeaksNoTlsSendsIsNeitherLoggedNorAudited() throws Exception {
    // a client set to plaintext (grpcurl -plaintext, h2c) sends its request in the clear, token included
    byte[] secret = "sdg_ThisTokenMustNeverReachAnyLog0123456789abcd".getBytes(StandardCharsets.US_ASCII);
    byte[] request = ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nx-token: " + new String(secret, StandardCharsets.US_ASCII)
        + "\r\n").getBytes(StandardCharsets.US_ASCII);
    String hex = HexFormat.of().formatHex(secret);
    long before = server.server().audit().tail(1).stream().mapToLong(e -> e.sequence()).max().orElse(0);
    CapturedLog logs = new CapturedLog();
    logs.start();
    rootLogger().addAppender(logs);
    try {
      try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), server.port())) {
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
        // the server answers with an alert or closes: either way the refusal has been handled
        try {
          while (socket.getInputStream().read() >= 0) {
            // drain
          }
        } catch (java.io.IOException closed) {
          // reset by the server
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (refusalsAfter(before).isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
    } finally {
      rootLogger().detachAppender(logs);
      logs.stop();
    }
    assertThat(refusalsAfter(before)).as("the refused handshake is audited").singleElement().satisfies(e -> {
      assertThat(e.result()).isEqualTo("handshake-failed");
      assertThat(e.details().get("why")).contains("no TLS").doesNotContain(hex, hex.substring(0, 16));
    });
    List<String> messages;
    messages = logs.events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("TLS handshake from 127.0.0.1:"))
        .noneSatisfy(m -> assertThat(m).containsAnyOf(hex.substring(0, 16), "x-token", "sdg_"));
  }

  private static List<dev.sealdrop.server.core.audit.Audit.Entry> refusalsAfter(long sequence) throws java.io.IOException {
    return server.server().audit().tail(10_000).stream()
        .filter(e -> e.sequence() > sequence && e.action().equals("connection.refuse")).toList();
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
