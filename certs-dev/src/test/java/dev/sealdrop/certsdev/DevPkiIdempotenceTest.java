package dev.sealdrop.certsdev;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Re-running keeps what is sound, repairs what is not, and replaces the CA only when forced. */
class DevPkiIdempotenceTest {

  @TempDir Path dir;

  @Test
  void aKeyWithoutItsCaCertificateIsAnErrorNotASilentNewCa() throws Exception {
    DevPki.loadOrCreate(dir);
    Files.delete(dir.resolve("ca.crt"));
    assertThatThrownBy(() -> DevPki.loadOrCreate(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ca.crt is missing")
        .hasMessageContaining("--force");
  }

  @Test
  void aCaKeyThatDoesNotMatchTheCaCertificateIsAnError() throws Exception {
    DevPki.loadOrCreate(dir);
    Files.copy(dir.resolve("foreign-ca.key"), dir.resolve("ca.key"), StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> DevPki.loadOrCreate(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is not the key of")
        .hasMessageContaining("--force");
  }

  @Test
  void aSecondRunKeepsEveryFileByteForByte() throws Exception {
    DevPki first = DevPki.loadOrCreate(dir);
    Map<String, byte[]> before = snapshot(dir);
    DevPki second = DevPki.loadOrCreate(dir);
    Map<String, byte[]> after = snapshot(dir);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
    assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
    assertThat(second.report()).allMatch(line -> line.startsWith("kept"));
    assertThat(first.report()).allMatch(line -> line.startsWith("wrote"));
  }

  @Test
  void forceReplacesTheCaAndEveryCertificate() throws Exception {
    DevPki first = DevPki.loadOrCreate(dir);
    Map<String, byte[]> before = snapshot(dir);
    DevPki forced = DevPki.create(dir, true);
    Map<String, byte[]> after = snapshot(dir);
    before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isNotEqualTo(bytes));
    assertThat(forced.caCertificate()).isNotEqualTo(first.caCertificate());
    Pkix.validate(forced.certificate("alice"), forced.caCertificate(), Instant.now());
    assertThat(forced.report()).allMatch(line -> line.startsWith("wrote"));
  }

  @Test
  void aMissingLeafFileIsRegeneratedFromTheExistingCa() throws Exception {
    DevPki first = DevPki.loadOrCreate(dir);
    byte[] caBytes = Files.readAllBytes(first.caCertFile());
    byte[] bobBytes = Files.readAllBytes(first.certFile("bob"));
    byte[] oldAliceKey = Files.readAllBytes(first.keyFile("alice"));
    Files.delete(first.keyFile("alice"));

    DevPki second = DevPki.loadOrCreate(dir);

    assertThat(Files.readAllBytes(second.caCertFile())).isEqualTo(caBytes);
    assertThat(Files.readAllBytes(second.certFile("bob"))).isEqualTo(bobBytes);
    assertThat(Files.readAllBytes(second.keyFile("alice"))).isNotEqualTo(oldAliceKey);
    Pkix.validate(second.certificate("alice"), first.caCertificate(), Instant.now());
    DevPkiFilesTest.assertSignsFor(DevPkiFilesTest.parsePkcs8(second.keyFile("alice")), second.certificate("alice"));
    assertThat(second.report()).anyMatch(line -> line.startsWith("wrote") && line.contains("alice.crt"));
    assertThat(second.report()).anyMatch(line -> line.startsWith("kept") && line.contains("bob.crt"));
  }

  @Test
  void aLeafOverwrittenWithTheWrongProfileIsRepairedOnTheNextRun() throws Exception {
    DevPki first = DevPki.loadOrCreate(dir);
    first.issue(CertSpec.client("carol").withEku(Eku.NO_EXTENSION));
    first.issue(CertSpec.client("dave").withValidity(Instant.now().minusSeconds(7200), Instant.now().minusSeconds(3600)));
    first.issue(CertSpec.client("bob").asCa());
    first.issue(CertSpec.client("alice").withoutDigitalSignature());

    DevPki second = DevPki.loadOrCreate(dir);

    assertThat(second.certificate("alice").getKeyUsage()[0]).as("alice's key may sign again").isTrue();

    assertThat(second.certificate("bob").getBasicConstraints()).as("bob is an end entity again").isEqualTo(-1);

    assertThat(second.certificate("carol").getExtendedKeyUsage()).containsExactly(DevPkiChainTest.CLIENT_AUTH);
    Pkix.validate(second.certificate("dave"), second.caCertificate(), Instant.now());
    assertThat(second.certificate("dave")).isEqualTo(DevPki.loadOrCreate(dir).certificate("dave"));
  }

  @Test
  void aCorruptLeafIsReplaced() throws Exception {
    DevPki first = DevPki.loadOrCreate(dir);
    Files.writeString(first.certFile("bob"), "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
    DevPki second = DevPki.loadOrCreate(dir);
    Pkix.validate(second.certificate("bob"), second.caCertificate(), Instant.now());
  }

  @Test
  void concurrentFirstRunsAgreeOnOneCa() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<DevPki>> runs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        runs.add(pool.submit(() -> DevPki.loadOrCreate(dir)));
      }
      DevPki last = DevPki.loadOrCreate(dir);
      for (Future<DevPki> run : runs) {
        DevPki pki = run.get(30, TimeUnit.SECONDS);
        assertThat(pki.caCertificate()).isEqualTo(last.caCertificate());
        assertThat(pki.certificate("alice")).isEqualTo(last.certificate("alice"));
      }
      Pkix.validate(last.certificate("alice"), PkiFiles.readCertificate(dir.resolve("ca.crt")), Instant.now());
    } finally {
      pool.shutdownNow();
    }
  }

  static Map<String, byte[]> snapshot(Path dir) throws Exception {
    Map<String, byte[]> files = new HashMap<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        if (!List.of(".lock").contains(name)) {
          files.put(name, Files.readAllBytes(p));
        }
      }
    }
    return files;
  }
}
