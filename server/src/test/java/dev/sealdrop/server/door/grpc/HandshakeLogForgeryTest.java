package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.WhoAmIRequest;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anyone who can reach the transfer port can present a certificate with any subject. A refused
 * handshake is logged with that subject, so its control characters must not reach the server log:
 * a newline would forge a log line ("identity 'carol' revoked"), an escape sequence would rewrite
 * the operator's terminal.
 */
class HandshakeLogForgeryTest {
  private static final String FORGED = "evil\n12:00:00.000 WARN  identity 'carol' revoked\u001b[2K";

  @TempDir
  static Path data;
  static TestServer server;
  static Clients clients;

  @BeforeAll
  static void start() {
    server = new TestServer(data);
    clients = server.clients();
  }

  @AfterAll
  static void stop() {
    clients.close();
    server.close();
  }

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

    ListAppender<ILoggingEvent> logs = new ListAppender<>();
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
    synchronized (logs.list) {
      refusals = logs.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.startsWith("TLS handshake refused for ")).toList();
    }
    assertThat(refusals).as("the refusal is logged, with the subject made printable").singleElement().asString()
        .doesNotContain("\n", "\r", "\u001b")
        .contains("evil\uFFFD12:00:00.000 WARN  identity 'carol' revoked\uFFFD[2K", "forged\uFFFD\uFFFDO")
        .contains("does not chain to the configured CA");
  }

  private static ch.qos.logback.classic.Logger rootLogger() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
