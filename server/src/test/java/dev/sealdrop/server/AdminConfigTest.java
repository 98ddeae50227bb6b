package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 6: the admin listener and retention are configured by flags and the configuration file. */
class AdminConfigTest {
  @TempDir
  Path dir;

  @Test
  void theAdminListenerDefaultsToLoopbackAndTakesItsFlags() throws Exception {
    ServerConfig dev = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString()));
    assertThat(dev.admin().host()).isEqualTo("127.0.0.1");
    assertThat(dev.admin().port()).as("--dev picks a free admin port").isZero();
    assertThat(ServerConfig.Admin.DEFAULT.host()).isEqualTo("127.0.0.1");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--admin-port", "9444",
        "--admin-host", "10.0.0.5"));
    assertThat(c.admin().port()).isEqualTo(9444);
    assertThat(c.admin().host()).isEqualTo("10.0.0.5");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--admin-port",
        "x"))).hasMessageContaining("--admin-port needs a number");
  }

  @Test
  void theAdminListenerAndTheSftpDoorNeverShareAPortWithAnotherListener() throws Exception {
    String certs = TestPki.dir().toString();
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", certs, "--port", "9443", "--admin-port",
        "9443"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("admin-port 9443 is also the transfer port");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", certs, "--port", "9443", "--sftp-port",
        "9443"))).hasMessageContaining("sftp-port 9443 is also the transfer port");
    Path file = Files.writeString(dir.resolve("ports.properties"), "admin-port=2222\nsftp-port=2222\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", certs, "--config", file.toString())))
        .hasMessageContaining("sftp-port 2222 is also the admin port");
    // 0 (a free port) is always distinct
    ServerConfig free = ServerMain.parse(List.of("--dev", "--certs", certs, "--port", "0", "--admin-port", "0",
        "--sftp-port", "0"));
    assertThat(free.admin().port()).isZero();
  }

  @Test
  void retentionAndAuditSettingsComeFromTheConfigurationFile() throws Exception {
    Path file = Files.writeString(dir.resolve("server.properties"),
        "retention=P7D\nretention-sweep-interval=PT10M\naudit-origin=deal-42.example/audit\naudit-checkpoint-every=50\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString()));
    assertThat(c.admin().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(c.admin().retentionSweepInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(c.admin().auditOrigin()).isEqualTo("deal-42.example/audit");
    assertThat(c.admin().checkpointEveryRecords()).isEqualTo(50);
  }

  /** A file saved with a UTF-8 byte-order mark (Windows editors): its first key is read without it. */
  @Test
  void aByteOrderMarkBeforeTheFirstKeyIsNotPartOfIt() throws Exception {
    Path file = Files.writeString(dir.resolve("bom.properties"), "\uFEFFretention=P7D\naudit-checkpoint-every=50\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString()));
    assertThat(c.admin().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(c.admin().checkpointEveryRecords()).isEqualTo(50);
  }
  @Test
  void auditCheckpointSettingsTheLogWouldRefuseAreRefusedAsConfigurationNamingTheKey() throws Exception {
    String certs = TestPki.dir().toString();
    for (String bad : List.of("audit-checkpoint-interval=-PT1S", "audit-checkpoint-interval=PT0.005S",
        "audit-checkpoint-every=0", "audit-checkpoint-every=1000001")) {
      Path file = Files.writeString(dir.resolve("bad.properties"), bad + "\n");
      String key = bad.substring(0, bad.indexOf('='));
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", certs, "--config", file.toString())))
          .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key + " must be");
    }
    // what the configuration accepts at its bounds, the audit log accepts too
    for (String good : List.of("audit-checkpoint-interval=PT0S\naudit-checkpoint-every=1000000",
        "audit-checkpoint-interval=PT0.01S\naudit-checkpoint-every=1")) {
      Path file = Files.writeString(dir.resolve("good.properties"), good + "\n");
      ServerConfig.Admin a = ServerMain.parse(List.of("--dev", "--certs", certs, "--config", file.toString())).admin();
      assertThat(dev.sealdrop.audit.AuditLogConfig.defaults(dir.resolve("a.jsonl"), "o")
          .withCheckpointEvery(a.checkpointEveryRecords(), a.checkpointInterval())).isNotNull();
    }
  }
  /** {@code Duration.parse} reads "-PT0S" as zero (off) and "-PT-1S" as one second; neither is what was meant. */
  @Test
  void aDurationWithASignIsRefusedEvenWhereItsValueWouldBeAccepted() throws Exception {
    String certs = TestPki.dir().toString();
    for (String bad : List.of("audit-checkpoint-interval=-PT0S", "upload-abandon-after=-PT-1H",
        "retention=P-1DT48H", "claim-window=PT-0S", "claim-window=+PT1H", "retention=P+30D")) {
      Path file = Files.writeString(dir.resolve("signed.properties"), bad + "\n");
      String key = bad.substring(0, bad.indexOf('='));
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", certs, "--config", file.toString())))
          .as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith(key + " must be an ISO-8601 duration without a sign");
    }
  }

  @Test
  void aKeyGivenTwiceIsRefusedNotReadAsTheLastOne() throws Exception {
    Path file = Files.writeString(dir.resolve("twice.properties"), "grant-max-downloads=ten\nretention=P7D\n"
        + "grant-max-downloads=3\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString()))).isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("sets grant-max-downloads more than once; keep one line for each key");
  }
}
