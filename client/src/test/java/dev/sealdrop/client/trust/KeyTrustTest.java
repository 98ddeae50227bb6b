package dev.sealdrop.client.trust;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reasons scripts see for a refused key bundle (docs/cli.md): one {@code BUNDLE_} prefix each. */
class KeyTrustTest {
  @TempDir
  Path dir;

  @Test
  void anExpiredBundleIsBundleExpiredNotBundleBundleExpired() {
    DevPki pki = DevPki.create(dir.resolve("pki"), false);
    Instant until = Instant.now().plus(Duration.ofDays(2));
    byte[] bundle = KeyBundle.create("alice", PrivateKeys.generate().publicKeys(), until, pki.privateKey("alice"),
        List.of(pki.certificate("alice"))).encoded();
    // a day after the bundle ends, while alice's certificate is still valid
    KeyTrust later = new KeyTrust(pki.caCertificate(), Clock.fixed(until.plus(Duration.ofDays(1)), ZoneOffset.UTC),
        new PinStore(dir.resolve("trusted")));

    assertThatThrownBy(() -> later.verify(bundle, "alice")).isInstanceOfSatisfying(IntegrityFailure.class,
        e -> org.assertj.core.api.Assertions.assertThat(e.reason()).isEqualTo("BUNDLE_EXPIRED"));
  }

  /** Round BB: a certificate whose validity starts later was told to be renewed; a clock is wrong. */
  @Test
  void aCertificateNotValidYetIsAClocksDoingNotOneToRenew() {
    DevPki pki = DevPki.create(dir.resolve("pki"), false);
    Instant now = Instant.now();
    dev.sealdrop.certsdev.IssuedCert future = pki.issue(dev.sealdrop.certsdev.CertSpec.client("frank")
        .withValidity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(10))));
    byte[] bundle = KeyBundle.create("frank", PrivateKeys.generate().publicKeys(), now.plus(Duration.ofDays(5)),
        future.privateKey(), List.of(future.certificate())).encoded();
    KeyTrust trust = new KeyTrust(pki.caCertificate(), Clock.systemUTC(), new PinStore(dir.resolve("trusted")));
    assertThatThrownBy(() -> trust.verify(bundle, "frank")).isInstanceOfSatisfying(IntegrityFailure.class, e -> {
      org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("not valid yet");
      org.assertj.core.api.Assertions.assertThat(e.hint()).hasValueSatisfying(h -> org.assertj.core.api.Assertions
          .assertThat(h).contains("clock").doesNotContain("keys renew"));
    });
  }

  @Test
  void aBundleFromAnotherCaKeepsItsDocumentedReason() {
    DevPki pki = DevPki.create(dir.resolve("pki"), false);
    DevPki other = DevPki.create(dir.resolve("other"), false);
    byte[] bundle = KeyBundle.create("alice", PrivateKeys.generate().publicKeys(), Instant.now().plus(Duration.ofDays(2)),
        other.privateKey("alice"), List.of(other.certificate("alice"))).encoded();
    KeyTrust trust = new KeyTrust(pki.caCertificate(), Clock.systemUTC(), new PinStore(dir.resolve("trusted")));

    assertThatThrownBy(() -> trust.verify(bundle, "alice")).isInstanceOfSatisfying(IntegrityFailure.class,
        e -> org.assertj.core.api.Assertions.assertThat(e.reason()).isEqualTo("BUNDLE_UNTRUSTED_CERTIFICATE"));
  }

  /** Round AD: a pin that cannot be read was told "damaged", with a hint to delete it (and trust any key next). */
  @Test
  void anUnreadablePinIsNotCalledDamagedAndIsNotToBeDeleted() throws Exception {
    DevPki pki = DevPki.create(dir.resolve("pki"), false);
    byte[] bundle = KeyBundle.create("alice", PrivateKeys.generate().publicKeys(), Instant.now().plus(Duration.ofDays(2)),
        pki.privateKey("alice"), List.of(pki.certificate("alice"))).encoded();
    PinStore pins = new PinStore(dir.resolve("trusted"));
    KeyTrust trust = new KeyTrust(pki.caCertificate(), Clock.systemUTC(), pins);
    // unreadable even as root (which reads any mode): the pin's name is a folder
    java.nio.file.Files.createDirectories(pins.file("alice"));
    assertThatThrownBy(() -> trust.accept(bundle, "alice", false)).isInstanceOfSatisfying(
        dev.sealdrop.client.failure.KeyStoreFailure.class, e -> {
          org.assertj.core.api.Assertions.assertThat(e.reason()).isEqualTo("PIN_UNREADABLE");
          org.assertj.core.api.Assertions.assertThat(e.getMessage()).startsWith("cannot read the pinned key of alice");
          org.assertj.core.api.Assertions.assertThat(e.hint()).hasValueSatisfying(h -> org.assertj.core.api.Assertions
              .assertThat(h).contains("owner and permissions").contains("do not delete it"));
        });
    // a pin whose bytes are not a bundle is damaged, as before
    java.nio.file.Files.delete(pins.file("alice"));
    java.nio.file.Files.write(pins.file("alice"), new byte[] {1, 2, 3});
    assertThatThrownBy(() -> trust.accept(bundle, "alice", false)).isInstanceOfSatisfying(
        dev.sealdrop.client.failure.KeyStoreFailure.class,
        e -> org.assertj.core.api.Assertions.assertThat(e.reason()).isEqualTo("PIN_DAMAGED"));
    // and one that is a pipe, or a link to an endless device, is damaged too: not read forever (round AN)
    java.nio.file.Files.delete(pins.file("alice"));
    java.nio.file.Files.createSymbolicLink(pins.file("alice"), java.nio.file.Path.of("/dev/zero"));
    assertThatThrownBy(() -> trust.accept(bundle, "alice", false)).isInstanceOfSatisfying(
        dev.sealdrop.client.failure.KeyStoreFailure.class, e -> {
          org.assertj.core.api.Assertions.assertThat(e.reason()).isEqualTo("PIN_DAMAGED");
          org.assertj.core.api.Assertions.assertThat(e.getMessage()).contains("not a regular file");
        });
  }

  @Test
  void aBundleWithAnUnsupportedKeyIsNotMendedByPublishingAgainAndTheHintSaysWhatWould() {
    String hint = KeyTrust.hint(dev.sealdrop.keys.BundleException.Reason.UNSUPPORTED_KEY, "erin");
    org.assertj.core.api.Assertions.assertThat(hint).contains("re-publishing cannot mend it")
        .contains("erin needs a certificate for a key type sealdrop supports");
    org.assertj.core.api.Assertions.assertThat(KeyTrust.reasonName(dev.sealdrop.keys.BundleException.Reason.UNSUPPORTED_KEY))
        .isEqualTo("BUNDLE_UNSUPPORTED_KEY");
  }

  @Test
  void aBundleWhoseCertificateExpiredPointsItsOwnerAtKeysRenew() throws Exception {
    DevPki pki = DevPki.loadOrCreate(dir.resolve("pki"));
    byte[] bundle = KeyBundle.create("alice", PrivateKeys.generate().publicKeys(),
        pki.certificate("alice").getNotAfter().toInstant(), pki.privateKey("alice"),
        List.of(pki.certificate("alice"))).encoded();
    Clock later = Clock.fixed(pki.certificate("alice").getNotAfter().toInstant().plus(Duration.ofDays(1)),
        java.time.ZoneOffset.UTC);
    KeyTrust trust = new KeyTrust(pki.caCertificate(), later, new PinStore(dir.resolve("trusted-later")));
    assertThatThrownBy(() -> trust.verify(bundle, "alice")).isInstanceOfSatisfying(IntegrityFailure.class, e -> {
      org.assertj.core.api.Assertions.assertThat(e.reason()).isIn("BUNDLE_CERTIFICATE_EXPIRED", "BUNDLE_EXPIRED");
      org.assertj.core.api.Assertions.assertThat(e.hint()).hasValueSatisfying(h -> org.assertj.core.api.Assertions
          .assertThat(h).contains("ask alice to renew their certificate").contains("`sealdrop keys renew")
          .contains("if alice renewed already, fetch the renewed bundle with `sealdrop keys show alice`"));
    });
  }
}
