package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.IssuedCert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate {@code sealdrop init} takes is one the server's TLS will take: an Ed25519 or ECDSA P-521 key,
 * which key bundles accept but the server's default TLS library (BoringSSL) never verifies from a client, is
 * refused at init (not at the first transfer, as CERTIFICATE_UNTRUSTED); and a certificate is valid up to and
 * including its notAfter (RFC 5280), as the server and the bundle verifier take it.
 */
class InitCertificateChoiceTest {
  @TempDir
  static Path root;
  static DevPki pki;

  @BeforeAll
  static void pki() {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
  }

  /** A certificate in its own files (DevPki writes NAME.crt/.key, which the next issue of NAME replaces). */
  private static IssuedCert issue(CertSpec spec, String label) throws Exception {
    IssuedCert c = pki.issue(spec);
    Path dir = Files.createDirectories(root.resolve("issued-" + label));
    Path cert = Files.copy(c.certFile(), dir.resolve(spec.name() + ".crt"));
    Path key = Files.copy(c.keyFile(), dir.resolve(spec.name() + ".key"));
    return new IssuedCert(spec.name(), c.certificate(), c.privateKey(), cert, key);
  }

  private static CliRun init(Cli user, Clock clock, IssuedCert c) {
    return user.at(clock, "--json", "init", "--server", "localhost:8443", "--cert", c.certFile().toString(), "--key",
        c.keyFile().toString(), "--ca", pki.caCertFile().toString());
  }

  @Test
  void ed25519AndP521CertificatesAreRefusedAtInitWithTheKeyTypesTheServerTakes() throws Exception {
    for (String[] k : new String[][] {{"Ed25519", "Ed25519"}, {"EC-P521", "ECDSA P-521"}}) {
      IssuedCert c = issue(CertSpec.client("erin").withKeyAlgorithm(k[0]), k[0]);
      Cli erin = Users.user(root.resolve(k[0]), "erin");
      CliRun r = init(erin, Clock.systemUTC(), c).assertExit(2);
      assertThat(r.jsonError()).as(k[0]).containsEntry("reason", "CERT_KEY_NOT_FOR_TLS")
          .satisfies(e -> assertThat((String) e.get("message")).startsWith("cannot use " + c.certFile() + ": its "
              + k[1] + " key").contains("BoringSSL").contains("every connection would be refused"))
          .satisfies(e -> assertThat((String) e.get("hint")).contains("ECDSA P-256").contains("RSA")
              .contains("openssl x509"));
      assertThat(erin.home()).as("nothing written").doesNotExist();
    }
  }

  @Test
  void p384AndRsaCertificatesAreTaken() throws Exception {
    for (String algorithm : new String[] {"EC-P384", "RSA"}) {
      IssuedCert c = issue(CertSpec.client("fred").withKeyAlgorithm(algorithm), algorithm);
      Cli fred = Users.user(root.resolve(algorithm), "fred");
      assertThat(init(fred, Clock.systemUTC(), c).assertExit(0).json()).as(algorithm).containsEntry("ok", true);
    }
  }

  @Test
  void aCertificateIsRefusedAfterItsNotAfterSecondAndTakenAtIt() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    IssuedCert c = issue(CertSpec.client("nora").withValidity(now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofDays(30))), "nora");
    Instant notAfter = c.certificate().getNotAfter().toInstant();

    Cli late = Users.user(root.resolve("late"), "nora");
    CliRun r = init(late, Clock.fixed(notAfter.plusMillis(1), ZoneOffset.UTC), c).assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "CERTIFICATE_EXPIRED");
    assertThat(late.home()).doesNotExist();

    Cli last = Users.user(root.resolve("last"), "nora");
    CliRun taken = init(last, Clock.fixed(notAfter, ZoneOffset.UTC), c).assertExit(0);
    assertThat(taken.json()).containsEntry("ok", true).containsEntry("identity", "nora");
  }
}
