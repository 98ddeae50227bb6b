package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.config.ConfigFile;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.TestPki;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 7: the SFTP door's address and limits come from the configuration file, validated. */
class SftpConfigTest {
  @TempDir
  Path dir;

  ServerConfig parse(String properties, String... flags) throws Exception {
    Path file = Files.writeString(dir.resolve("server.properties"), properties);
    List<String> args = new java.util.ArrayList<>(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString()));
    args.addAll(List.of(flags));
    return ServerMain.parse(args);
  }

  @Test
  void sftpAddressAndLimitsComeFromTheConfigurationFile() throws Exception {
    ServerConfig c = parse("sftp-port=2299\nsftp-host=0.0.0.0\nsftp-auth-timeout=PT15S\nsftp-idle-timeout=PT2M\n"
        + "sftp-max-auth-attempts=3\nsftp-max-sessions-per-identity=4\nsftp-max-open-handles=16\n"
        + "sftp-max-startups-per-source=20\n");
    ServerConfig.Sftp s = c.sftp();
    assertThat(s.enabled()).isTrue();
    assertThat(s.port()).isEqualTo(2299);
    assertThat(s.bindHost("127.0.0.1")).isEqualTo("0.0.0.0");
    assertThat(s.authTimeout()).isEqualTo(Duration.ofSeconds(15));
    assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.maxAuthAttempts()).isEqualTo(3);
    assertThat(s.maxSessionsPerIdentity()).isEqualTo(4);
    assertThat(s.maxOpenHandles()).isEqualTo(16);
    assertThat(s.maxStartupsPerSource()).isEqualTo(20);
    // the flag wins over the file, and keeps the file's other settings
    ServerConfig flagged = parse("sftp-port=2299\nsftp-max-auth-attempts=3\n", "--sftp-port", "2300");
    assertThat(flagged.sftp().port()).isEqualTo(2300);
    assertThat(flagged.sftp().maxAuthAttempts()).isEqualTo(3);
  }

  @Test
  void withoutSftpKeysTheDefaultsHoldAndAProductionServerRunsNoSftpListener() throws Exception {
    ServerConfig.Sftp d = parse("").sftp();
    assertThat(d.bindHost("127.0.0.1")).as("the transfer listener's host").isEqualTo("127.0.0.1");
    assertThat(d.maxAuthAttempts()).isEqualTo(ServerConfig.Sftp.DISABLED.maxAuthAttempts());
    assertThat(d.maxStartupsPerSource()).as("no limit per address, as OpenSSH's default").isZero();
    dev.sealdrop.certsdev.DevPki pki = TestPki.get();
    Map<String, String> production = Map.of("ca", pki.caCertFile().toString(), "cert",
        pki.certFile(dev.sealdrop.certsdev.DevPki.SERVER).toString(), "key",
        pki.keyFile(dev.sealdrop.certsdev.DevPki.SERVER).toString(), "data", dir.resolve("prod").toString());
    assertThat(ConfigFile.apply(null, production).sftp().enabled()).isFalse();
    Map<String, String> withSftp = new java.util.HashMap<>(production);
    withSftp.put("sftp-port", "2222");
    assertThat(ConfigFile.apply(null, withSftp).sftp().enabled()).as("sftp-port turns the door on").isTrue();
  }

  @ParameterizedTest(name = "{0}={1} is refused")
  @CsvSource(delimiter = '|', value = {
      "sftp-port|70000|sftp-port must be 0 to 65535, not 70000",
      "sftp-port|-1|sftp-port must be 0 to 65535, not -1",
      "sftp-port|twenty|sftp-port must be a whole number written with the digits 0-9, not 'twenty'",
      "sftp-port|99999999999999999999|sftp-port is too large: '99999999999999999999' is beyond 9223372036854775807",
      "sftp-max-auth-attempts|0|sftp-max-auth-attempts must be 1 to 100, not 0",
      "sftp-max-sessions-per-identity|0|sftp-max-sessions-per-identity must be 1 to 10000, not 0",
      "sftp-max-open-handles|-5|sftp-max-open-handles must be 1 to 10000, not -5",
      "sftp-max-startups-per-source|101|sftp-max-startups-per-source must be 0 to 100, not 101",
      "sftp-idle-timeout|PT0S|sftp-idle-timeout must be a positive duration such as PT30S, not 'PT0S'",
      "sftp-auth-timeout|30 seconds|sftp-auth-timeout must be an ISO-8601 duration",
      "sftp-host|not a host|sftp-host must be a host name or IP address",
      "sftp-window|1|unknown configuration key(s) [sftp-window]"})
  void badSftpValuesAreRefusedWithAClearMessage(String key, String value, String message) {
    assertThatThrownBy(() -> parse(key + "=" + value + "\n")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void aServerBindsTheConfiguredSftpHost() throws Exception {
    try (TestServer server = new TestServer(dir.resolve("data"), c -> ConfigFile.apply(c,
        Map.of("sftp-host", "127.0.0.1", "sftp-port", "0", "sftp-max-auth-attempts", "2")))) {
      assertThat(server.server().sftpPort()).isPositive();
      assertThat(server.server().config().sftp().maxAuthAttempts()).isEqualTo(2);
    }
  }
}
