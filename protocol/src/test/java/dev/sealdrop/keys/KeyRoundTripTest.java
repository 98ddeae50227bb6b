package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyRoundTripTest {
  @TempDir Path dir;

  @Test
  void bundleCreatedWithTheClientCertificateDecodesAndVerifies() throws Exception {
    DevPki pki = DevPki.create(dir.resolve("pki"), false);
    PrivateKeys keys = PrivateKeys.generate();
    Instant until = Instant.now().plus(30, ChronoUnit.DAYS);
    KeyBundle b = KeyBundle.create("alice", keys.publicKeys(), until, pki.privateKey("alice"),
        List.of(pki.certificate("alice")));

    KeyBundle decoded = KeyBundle.decode(b.encoded());
    assertThat(decoded.encoded()).isEqualTo(b.encoded());
    assertThat(decoded.identity()).isEqualTo("alice");
    assertThat(decoded.recipientKey()).isEqualTo(keys.publicKeys().encryption());
    assertThat(decoded.verifyingKey()).isEqualTo(keys.publicKeys().signing());
    assertThat(decoded.certificate()).isEqualTo(pki.certificate("alice"));
    assertThat(decoded.notAfter()).isEqualTo(until.truncatedTo(ChronoUnit.SECONDS));
    assertThat(decoded.fingerprint()).isEqualTo(b.fingerprint()).matches("([a-z2-7]{4}-){7}[a-z2-7]{4}");

    KeyBundle verified = new BundleVerifier(pki.caCertificate(), Clock.systemUTC()).verify(b.encoded(), "alice");
    assertThat(verified.publicKeys()).isEqualTo(keys.publicKeys());
  }

  @Test
  void keysSurviveThePassphraseFileAndAWrongPassphraseIsRefused() throws Exception {
    PrivateKeys keys = PrivateKeys.generate();
    Path f = dir.resolve("me.key");
    PrivateKeyFile.write(f, keys, "correct horse".toCharArray());
    if (f.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
    }
    PrivateKeys back = PrivateKeyFile.read(f, "correct horse".toCharArray());
    assertThat(back.bytes(SecretAccess.insecure())).isEqualTo(keys.bytes(SecretAccess.insecure()));
    assertThat(back.publicKeys()).isEqualTo(keys.publicKeys());
    assertThatThrownBy(() -> PrivateKeyFile.read(f, "wrong horse".toCharArray()))
        .isInstanceOf(WrongPassphraseException.class);
  }

  @Test
  void publicKeysRoundTripThroughTheirEncodings() throws Exception {
    PublicKeys p = PrivateKeys.generate().publicKeys();
    assertThat(RecipientKey.decode(p.encryption().encoded())).isEqualTo(p.encryption());
    assertThat(VerifyingKey.decode(p.signing().encoded())).isEqualTo(p.signing());
    assertThat(p.encryption().fingerprint()).isNotEqualTo(p.signing().fingerprint());
    assertThatThrownBy(() -> RecipientKey.decode(new byte[12])).isInstanceOf(KeyFormatException.class);
    assertThatThrownBy(() -> VerifyingKey.decode(new byte[31])).isInstanceOf(KeyFormatException.class);
  }

  @Test
  void privateKeysRedactAndCanBeDestroyed() {
    PrivateKeys k = PrivateKeys.generate();
    assertThat(k.toString()).contains("redacted");
    k.destroy();
    assertThat(k.isDestroyed()).isTrue();
    assertThatThrownBy(() -> k.bytes(SecretAccess.insecure())).isInstanceOf(IllegalStateException.class);
  }
}
