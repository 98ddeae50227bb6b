package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.upload.UploadPolicy;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.testing.TestPki;
import java.io.ObjectInputFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: flags, a properties file, validation with clear messages, the serial filter. */
class ServerMainTest {
  @TempDir
  Path dir;

  @Test
  void unknownOptionsAndMissingValuesAreRefused() {
    assertThatThrownBy(() -> ServerMain.parse(List.of("--frobnicate"))).hasMessageContaining("unknown option");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--port"))).hasMessageContaining("needs a value");
    // round AG: a repeated option ran on the last, and an option taken for the value left out before it
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--data", "a", "--data", "b")))
        .hasMessage("--data is given twice; give it once");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--dev"))).hasMessage("--dev is given twice; give it once");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--data", "--port", "0")))
        .hasMessage("--data needs a value; '--port' is an option");
    // review DV: "--data --dev" took --dev for the folder, then told the user to add --dev
    assertThatThrownBy(() -> ServerMain.parse(List.of("--data", "--dev"))).hasMessage("--data needs a value; '--dev' is"
        + " an option");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", "-h"))).hasMessage("--certs needs a value;"
        + " '-h' is an option");
  }

  /**
   * Review DV: a bad line in the configuration file was not checked when a flag replaced it (--port beside port=abc),
   * and the server refused to start the day the flag was left out.
   */
  @Test
  void aBadLineTheFlagsReplaceIsRefusedAllTheSame() throws Exception {
    Path config = Files.writeString(dir.resolve("bad-port.properties"), "port=abc\nsftp-port=0\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        config.toString(), "--data", dir.resolve("d-bad").toString(), "--port", "0")))
        .hasMessageStartingWith(config + ": port=abc (replaced now by the command-line option of the same name) would"
            + " be refused without the option: ").hasMessageContaining("port");
    // review DW: a host name the flag replaces is not looked up (whether it resolves is the network's to say), and a
    // file no flag replaces a line of is not blamed for what the flags give
    Path elsewhere = Files.writeString(dir.resolve("elsewhere.properties"), "host=no-such-host.invalid\nsftp-port=0\n");
    assertThat(ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config", elsewhere.toString(),
        "--data", dir.resolve("d-elsewhere").toString(), "--host", "127.0.0.1", "--port", "0")).network().host())
        .isEqualTo("127.0.0.1");
    Path blank = Files.writeString(dir.resolve("blank.properties"), "sftp-port=0 \nport=0\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        blank.toString(), "--data", dir.resolve("d-blank").toString(), "--bootstrap-admin", "x y")))
        .hasMessageNotContaining("would be refused without the option");
    // the same file with a good line, and the flag: the flag wins
    Path good = Files.writeString(dir.resolve("good-port.properties"), "port=0\nsftp-port=0\n");
    assertThat(ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config", good.toString(),
        "--data", dir.resolve("d-good").toString(), "--port", "0")).network().port()).isZero();
  }

  /** Round CR: {@code --config=FILE} was "unknown option --config=FILE", and a stray word was called an option. */
  @Test
  void theEqualsFormIsAcceptedAndAStrayWordIsNamedAsNotAnOption() throws Exception {
    Path config = Files.writeString(dir.resolve("eq.properties"), "host=127.0.0.1\nsftp-port=0\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs=" + TestPki.dir(), "--config=" + config,
        "--data=" + dir.resolve("d-eq"), "--port=0"));
    assertThat(c.network().host()).isEqualTo("127.0.0.1");
    assertThat(c.dataDir()).isEqualTo(dir.resolve("d-eq"));
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--data="))).hasMessage("--data needs a value, not an"
        + " empty one");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev=yes"))).hasMessage("unknown option --dev=yes");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "data")))
        .hasMessageStartingWith("'data' is not an option; the server takes only options");
  }

  /** Round CR: a host that does not resolve was found when its listener bound, after the data folder was written. */
  @Test
  void aHostThatDoesNotResolveIsRefusedBeforeTheDataFolderIsWritten() {
    Path data = dir.resolve("d-unresolved");
    for (List<String> hostArgs : List.of(List.of("--host", "no-such-host.invalid"),
        List.of("--admin-host", "no-such-host.invalid"), List.of("--sftp-port", "0", "--config", sftpHost().toString()))) {
      List<String> args = new java.util.ArrayList<>(List.of("--dev", "--certs", TestPki.dir().toString(), "--data",
          data.toString()));
      args.addAll(hostArgs);
      String setting = hostArgs.get(0).equals("--admin-host") ? "admin-host"
          : hostArgs.get(0).equals("--host") ? "host" : "sftp-host";
      assertThatThrownBy(() -> ServerMain.parse(args)).as(setting)
          .hasMessageStartingWith("the " + setting + " setting names 'no-such-host.invalid', which does not resolve");
    }
    assertThat(data).as("nothing written").doesNotExist();
  }

  /** Review CT: with --dev, a host that does not resolve was refused only after the dev PKI was generated. */
  @Test
  void aHostThatDoesNotResolveIsRefusedBeforeTheDevPkiIsWritten() {
    Path certs = dir.resolve("fresh-certs");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", certs.toString(), "--data",
        dir.resolve("d-fresh").toString(), "--host", "no-such-host.invalid"))).hasMessageStartingWith("the host setting");
    assertThat(certs).as("no dev PKI written").doesNotExist();
  }

  /**
   * Round CX: with --dev, a bad value (a port that is no number or out of range, a duration without its unit, two
   * listeners on one port) was refused only after the dev PKI was generated.
   */
  @Test
  void aBadValueIsRefusedBeforeTheDevPkiIsWritten() throws Exception {
    Path certs = dir.resolve("fresh-certs-values");
    Path unitless = Files.writeString(dir.resolve("unitless.properties"), "grant-max-lifetime=72\n");
    Map<List<String>, String> refusals = new java.util.LinkedHashMap<>();
    refusals.put(List.of("--port", "abc"), "port");
    refusals.put(List.of("--port", "70000"), "port");
    refusals.put(List.of("--admin-port", "8443", "--port", "8443"), "admin-port 8443 is also the transfer port");
    refusals.put(List.of("--sftp-port", "x"), "--sftp-port");
    refusals.put(List.of("--config", unitless.toString()), "grant-max-lifetime");
    for (Map.Entry<List<String>, String> r : refusals.entrySet()) {
      List<String> args = new java.util.ArrayList<>(List.of("--dev", "--certs", certs.toString(), "--data",
          dir.resolve("d-values").toString()));
      args.addAll(r.getKey());
      assertThatThrownBy(() -> ServerMain.parse(args)).as(r.getKey().toString())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(r.getValue());
      assertThat(certs).as("no dev PKI written for " + r.getKey()).doesNotExist();
    }
    assertThat(dir.resolve("d-values")).as("no data folder").doesNotExist();
  }

  private Path sftpHost() {
    try {
      return Files.writeString(dir.resolve("sftp-host.properties"), "sftp-host=no-such-host.invalid\n");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void anEmptyValueIsRefusedBeforeAnythingIsWrittenToTheWorkingFolder() {
    // "--data $DATA" with DATA unset: the dev PKI and database must not land in the working folder
    for (String flag : List.of("--port", "--data", "--certs", "--config")) {
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", flag, "")))
          .as(flag).isInstanceOf(IllegalArgumentException.class).hasMessage(flag + " needs a value, not an empty one");
    }
  }

  @Test
  void helpPrintsEveryOptionAndWhereTheKeysAreDocumentedAndExitsZero() throws Exception {
    for (String flag : List.of("--help", "-h")) {
      Path out = dir.resolve("help" + flag + ".out");
      // a real JVM: main() must answer --help itself (exit 0), not "unknown option --help" (exit 2)
      Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
          System.getProperty("java.class.path"), ServerMain.class.getName(), flag)
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      String text = Files.readString(out);
      assertThat(p.exitValue()).as(text).isZero();
      assertThat(text).startsWith("usage: sealdrop-server").doesNotContain("unknown option")
          .contains("docs/admin.md").contains("--dev").contains("-h, --help");
      for (String option : List.of("--config", "--data", "--port", "--host", "--ca", "--cert", "--key",
          "--bootstrap-admin", "--certs", "--sftp-port", "--admin-port", "--admin-host")) {
        assertThat(text.lines().filter(l -> l.startsWith("  " + option + " ")))
            .as("one line for " + option).hasSize(1);
      }
    }
    assertThat(ServerMain.wantsHelp(List.of("--dev", "--help"))).isTrue();
    // review DV: an option where a value belongs is a value left out, so --help there is help (it started a server in a
    // folder named "--help")
    assertThat(ServerMain.wantsHelp(List.of("--dev", "--data", "--help"))).as("--help after --data, its value left out")
        .isTrue();
    assertThat(ServerMain.wantsHelp(List.of("--data", "--port", "0"))).isFalse();
  }

  @Test
  void aPortInUseIsASentenceAndExitOneNotAStackTrace() throws Exception {
    try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Path out = dir.resolve("busy.out");
      Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
          System.getProperty("java.class.path"), ServerMain.class.getName(), "--dev", "--certs",
          TestPki.dir().toString(), "--data", dir.resolve("data").toString(), "--admin-port",
          String.valueOf(busy.getLocalPort()))
          .redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      String text = Files.readString(out);
      assertThat(p.exitValue()).as(text).isEqualTo(1);
      assertThat(text).contains("sealdrop-server: error: cannot start: ")
          .contains(":" + busy.getLocalPort()).contains("already in use")
          .doesNotContain("\tat ").doesNotContain("Exception in thread");
    }
  }

  @Test
  void productionNeedsCaCertAndKey() {
    assertThatThrownBy(() -> ServerMain.parse(List.of("--data", dir.toString())))
        .hasMessageContaining("ca, cert and key");
  }

  /**
   * The same in the configuration file: {@code data=} took the working folder (and chmodded what was in it), {@code
   * host=} put the SFTP door on every interface (outside test). Only sftp-host takes an empty value (the host
   * setting); values are read without the blanks around them ({@code host=127.0.0.1 } failed at bind).
   */
  @Test
  void anEmptyValueInTheConfigFileIsRefusedNamingItsKeyAndBlanksAroundValuesAreIgnored() throws Exception {
    for (String key : List.of("data", "host", "admin-host", "ca", "cert", "key", "port", "bootstrap-admin",
        "claim-window")) {
      Path file = Files.writeString(dir.resolve("empty-" + key + ".properties"), key + "=  \n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(key).isInstanceOf(IllegalArgumentException.class)
          .hasMessage(file + ": " + key + " has no value (the line reads '" + key + "='); give it one, or remove the"
              + " line to use the default (docs/admin.md lists each key's)");
    }
    // the same when a flag gives the setting too: the file's line would fail the day the flag is left out
    Path emptyData = Files.writeString(dir.resolve("empty-data-flag.properties"), "data=\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        emptyData.toString(), "--data", dir.resolve("d-flag").toString()))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(emptyData + ": data has no value");
    assertThat(Files.exists(Path.of("sealdrop.db"))).as("nothing in the working folder").isFalse();
    Path spaced = Files.writeString(dir.resolve("spaced.properties"), "host=127.0.0.1   \nsftp-host=\nsftp-port=0\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        spaced.toString(), "--data", dir.resolve("d-spaced").toString()));
    assertThat(c.network().host()).isEqualTo("127.0.0.1");
    assertThat(c.sftp().host()).as("empty: the host setting").isEmpty();
  }

  /**
   * Round CR: --dev with a production configuration trusted its CA and still registered the development users, carol
   * as an admin, whom anyone with a certificate named carol from that CA then was. Refused, naming what it took.
   */
  @Test
  void devWithAnotherCaIsRefused() throws Exception {
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--ca", "ca.crt")))
        .hasMessageStartingWith("--dev uses the development PKI and registers its users (carol as an admin); it does"
            + " not take ca (from --ca");
    Path prod = Files.writeString(dir.resolve("prod.properties"), "ca=ca.crt\ncert=s.crt\nkey=s.key\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--config", prod.toString(), "--data",
        dir.resolve("d-prod").toString()))).hasMessageContaining("it does not take ca, cert, key");
    assertThat(Files.exists(dir.resolve("d-prod"))).as("nothing written").isFalse();
  }

  /** Options and settings that would be ignored are refused: --certs without --dev, SFTP settings without the door. */
  @Test
  void settingsThatWouldBeIgnoredAreRefused() throws Exception {
    assertThatThrownBy(() -> ServerMain.parse(List.of("--certs", TestPki.dir().toString(), "--ca", "ca.crt", "--cert",
        "s.crt", "--key", "s.key"))).hasMessageStartingWith("--certs names the development PKI and works only with"
            + " --dev");
    Path sftpOff = Files.writeString(dir.resolve("sftp-off.properties"), "ca=ca.crt\ncert=s.crt\nkey=s.key\n"
        + "sftp-host=127.0.0.1\nsftp-idle-timeout=PT1M\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--config", sftpOff.toString())))
        .hasMessage("sftp-host, sftp-idle-timeout are set, but the SFTP door is off: set sftp-port (or --sftp-port; 0"
            + " picks a free port) to turn it on, or remove them");
    Path sftpOn = Files.writeString(dir.resolve("sftp-on.properties"), "ca=ca.crt\ncert=s.crt\nkey=s.key\n"
        + "sftp-host=127.0.0.1\nsftp-port=0\n");
    assertThat(ServerMain.parse(List.of("--config", sftpOn.toString())).sftp().enabled()).isTrue();
  }

  /** A pipe held the start until written to; /dev/zero filled the memory (outside test). */
  @Test
  void aConfigFileThatIsNotARegularFileIsRefused() throws Exception {
    for (String device : List.of("/dev/zero", "/dev/null")) {
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          device))).hasMessage("configuration file " + device + " is not a regular file (a device, pipe or socket);"
              + " --config names a properties file (key=value lines)");
    }
    Path big = dir.resolve("big.properties");
    Files.write(big, new byte[(1 << 20) + 1]);
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        big.toString()))).hasMessageContaining("has " + ((1 << 20) + 1) + " bytes; a sealdrop configuration is");
  }

  /**
   * Durations under a millisecond were read as zero further on (sftp-auth-timeout=PT0.0001S turned the login timeout
   * off; handshake-timeout and retention-sweep-interval stopped the start with a stack trace), and very long ones
   * overflowed later (shutdown-grace=P106752D at SIGTERM, grant lifetimes at every send): both refused at start.
   */
  @Test
  void durationsUnderAMillisecondOrOverAHundredYearsAreRefusedNamingTheKey() throws Exception {
    for (String line : List.of("sftp-auth-timeout=PT0.0001S", "handshake-timeout=PT0.0009S",
        "retention-sweep-interval=PT0.0009S", "claim-window=PT0.0001S", "shutdown-grace=PT0.0000001S")) {
      String key = line.substring(0, line.indexOf('='));
      Path file = Files.writeString(dir.resolve("tiny-" + key + ".properties"), line + "\n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(line).hasMessageStartingWith(key + " must be at least one millisecond (PT0.001S), not");
    }
    // a zero one is refused with an example within the key's range (round AG: handshake-timeout's was over its maximum)
    Path zero = Files.writeString(dir.resolve("zero-handshake.properties"), "handshake-timeout=PT0S\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        zero.toString()))).hasMessage("handshake-timeout must be a positive duration such as PT5S, not 'PT0S'");
    for (String line : List.of("shutdown-grace=P106752D", "grant-max-lifetime=P36501D", "retention=P106751991167300D",
        "upload-abandon-after=PT876601H")) {
      String key = line.substring(0, line.indexOf('='));
      Path file = Files.writeString(dir.resolve("huge-" + key + ".properties"), line + "\n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(line).hasMessage(key + " must be at most P36500D (100 years), not '"
              + line.substring(key.length() + 1) + "'");
    }
    Path edges = Files.writeString(dir.resolve("edges.properties"), "grant-max-lifetime=P36500D\n"
        + "handshake-timeout=PT0.001S\nshutdown-grace=PT0S\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        edges.toString(), "--data", dir.resolve("d-edges").toString()));
    assertThat(c.grants().maxLifetime()).isEqualTo(Duration.ofDays(36_500));
    assertThat(c.network().handshakeTimeout()).isEqualTo(Duration.ofMillis(1));
  }

  /**
   * Review BG: a claim window shorter than a stalled download's time (PT20S, with the stall timeout's PT10M) let a
   * stalled SFTP handle's claim lapse, and another redemption win while the handle still served its read-ahead.
   */
  @Test
  void aClaimWindowNotMoreThanTwiceTheStallTimeoutIsRefused() throws Exception {
    // the stall is found within a quarter of the timeout, at most 30 s, after it: PT20M10S with PT10M is too short
    // (review RP)
    for (String settings : List.of("claim-window=PT20S", "claim-window=PT20M", "claim-window=PT20M10S",
        "claim-window=PT21M", "download-stall-timeout=PT30M", "claim-window=PT20S\ndownload-stall-timeout=PT9S")) {
      Path file = Files.writeString(dir.resolve("claim-stall.properties"), settings + "\n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(settings).hasMessageContaining("must be more than twice download-stall-timeout")
          .hasMessageContaining("raise claim-window or lower download-stall-timeout");
    }
    Path fine = Files.writeString(dir.resolve("claim-stall-fine.properties"),
        "claim-window=PT20S\ndownload-stall-timeout=PT7S\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        fine.toString(), "--data", dir.resolve("d-claim-stall").toString()));
    assertThat(c.grants().claimWindow()).isEqualTo(Duration.ofSeconds(20));
  }

  /**
   * Round BV: a number with a '+' or written in another script's digits was taken ("٣" as 3), a retention sweep every
   * millisecond kept an idle server busy, and a claim window or shutdown grace of a century was accepted.
   */
  @Test
  void numbersInOtherDigitsAndDurationsOutsideTheirSaneRangeAreRefused() throws Exception {
    for (String line : List.of("max-upload-bytes=+5|max-upload-bytes must be a whole number written with the digits"
        + " 0-9, not '+5'", "grant-max-downloads=\u0663|grant-max-downloads must be a whole number written with the"
        + " digits 0-9, not '\u0663'", "claim-window=P31D|claim-window must be at most P30D, not 'P31D'",
        "shutdown-grace=PT25H|shutdown-grace must be at most PT24H, not 'PT25H'",
        "retention-sweep-interval=PT0.5S|retention-sweep-interval must be at least PT1S, not 'PT0.5S'")) {
      String setting = line.substring(0, line.indexOf('|'));
      String key = setting.substring(0, setting.indexOf('='));
      Path file = dir.resolve("range-" + key + ".properties");
      Files.writeString(file, setting + "\n", java.nio.charset.StandardCharsets.UTF_8);
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(setting).hasMessageStartingWith(line.substring(line.indexOf('|') + 1));
    }
    Path edges = Files.writeString(dir.resolve("range-edges.properties"), "claim-window=P30D\nshutdown-grace=PT24H\n"
        + "retention-sweep-interval=PT1S\nmax-upload-bytes=5\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        edges.toString(), "--data", dir.resolve("d-range").toString()));
    assertThat(c.grants().claimWindow()).isEqualTo(Duration.ofDays(30));
    assertThat(c.network().shutdownGrace()).isEqualTo(Duration.ofHours(24));
    assertThat(c.admin().retentionSweepInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  /** As `admin identities add` refuses it: the logs and the audit log would redact the admin's name (outside test). */
  @Test
  void aBootstrapAdminNameHoldingWhatBeginsATokenIsRefused() throws Exception {
    for (String name : List.of("ops_sdc_1", "SDG_x")) {
      Path file = Files.writeString(dir.resolve("admin-" + name + ".properties"), "bootstrap-admin=" + name + "\n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(name).hasMessageStartingWith("bootstrap-admin: an identity name may not contain 'sdg_'"
              + " or 'sdc_'");
    }
  }

  @Test
  void aTypoInTheConfigFileIsRefusedNotIgnored() throws Exception {
    Path file = Files.writeString(dir.resolve("server.properties"), "claim-windw=PT2H\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString()))).hasMessageContaining("unknown configuration key").hasMessageContaining("claim-windw");
  }

  /**
   * Round AQ: the file is read as Java properties, so a path ending in a backslash joined the next line to it (that
   * key silently kept its default) and any other backslash vanished; a backslash outside a comment is refused, naming
   * its line. A comment may hold one.
   */
  @Test
  void aBackslashInASettingIsRefusedNamingItsLine() throws Exception {
    for (String text : List.of("# C:\\ is not used\ndata=/srv/back\\slash\\\nmax-upload-bytes=1\n",
        "# windows\ndata=D:\\x\n", "# nul\ndata=/x\\u0000y\n")) {
      Path file = Files.writeString(dir.resolve("backslash.properties"), text);
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString()))).as(text).hasMessage("configuration file " + file + ", line 2, holds a backslash: the file"
          + " is read as Java properties, where a backslash escapes the next character and one at the end of a line"
          + " joins the next line to it; write the setting without it (paths take forward slashes)");
    }
    Path commented = Files.writeString(dir.resolve("comment.properties"), "# data=C:\\sealdrop\\\nclaim-window=PT2H\n");
    assertThat(ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        commented.toString()))).isNotNull();
  }

  @Test
  void aMissingConfigFileIsNamedAsMissing() {
    Path missing = dir.resolve("nosuch.properties");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        missing.toString()))).hasMessage("configuration file " + missing + " does not exist; check --config");
  }

  /** Round CR: a configuration every local user may write (it names the CA and the first admin) was used. */
  @Test
  void aConfigFileEveryUserMayWriteIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("open.properties"), "grant-max-downloads=3\n");
    java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rw-rw-rw-"));
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString()))).hasMessage("configuration file " + file + " can be written by every user of this machine"
            + " (rw-rw-rw-): whoever changed it could name their own CA (ca) or admin (bootstrap-admin); check its"
            + " content, then chmod o-w " + file);
    java.nio.file.Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString(
        "rw-rw-r--"));
    assertThat(ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config", file.toString()))
        .grants().maxDownloads()).isEqualTo(3);
  }

  @Test
  void aFolderGivenAsConfigFileIsNamedAsAFolderWithoutAJavaExceptionName() {
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        dir.toString()))).hasMessage("configuration file " + dir + " is a folder; --config names a properties file"
            + " (key=value lines)");
  }

  @Test
  void devFlagsAndConfigFileCombineFlagsWinning() throws Exception {
    Path file = Files.writeString(dir.resolve("server.properties"),
        "port=7000\nclaim-window=PT2H\ngrant-max-lifetime=P7D\nbootstrap-admin=root-admin\nquota-bytes=1000000\n"
            + "handshake-timeout=PT5S\nmax-download-streams=5\nstorage-reserve-bytes=0\n"
            + "max-live-grants-per-identity=250\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString(), "--port", "0", "--data", dir.resolve("d").toString()));
    assertThat(c.dev()).isTrue();
    assertThat(c.network().port()).isZero();
    assertThat(c.network().host()).isEqualTo("127.0.0.1");
    assertThat(c.dataDir()).isEqualTo(dir.resolve("d"));
    assertThat(c.grants().claimWindow()).isEqualTo(Duration.ofHours(2));
    assertThat(c.grants().maxLifetime()).isEqualTo(Duration.ofDays(7));
    assertThat(c.grants().maxDownloadStreams()).isEqualTo(5);
    assertThat(c.grants().maxLiveGrantsPerIdentity()).isEqualTo(250);
    assertThat(c.uploads().quotaBytes()).isEqualTo(1_000_000);
    assertThat(c.uploads().storageReserveBytes()).isZero();
    assertThat(c.network().handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.identities().bootstrapAdmin()).contains("root-admin");
    assertThat(c.identities().registered()).containsEntry("alice", Role.TRANSFEROR).containsEntry("bob", Role.ACQUIRER)
        .containsEntry("carol", Role.ADMIN).containsEntry("dave", Role.ACQUIRER).doesNotContainKey("mallory");
    assertThat(c.tls().caCertificate()).isEqualTo(TestPki.get().caCertFile());
  }

  @Test
  void aHandshakeTimeoutTheTlsLayerWouldCutShortIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("slow-handshakes.properties"), "handshake-timeout=PT30S\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        file.toString(), "--port", "0", "--data", dir.resolve("d2").toString())))
        .hasMessageContaining("handshake-timeout must be at most 10 s");
  }

  @Test
  void badValuesSayWhatIsExpected() {
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--port", "x")))
        .hasMessageContaining("port must be a whole number");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--port",
        "70000"))).hasMessageContaining("0..65535");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(),
        "--bootstrap-admin", "../evil"))).hasMessageStartingWith("bootstrap-admin: ").hasMessageContaining("not allowed");
  }

  /**
   * A value past the range of an int is refused with the key's name, never cast: port=4294975743
   * once listened on 8447 and grant-max-downloads=4294967297 allowed 1 download.
   */
  @Test
  void numbersBeyondAnIntAreRefusedNotWrappedAround() throws Exception {
    for (String line : List.of("port=4294975743", "admin-port=4294975744", "grant-max-downloads=4294967297",
        "audit-checkpoint-every=4294967296")) {
      String key = line.substring(0, line.indexOf('='));
      Path file = Files.writeString(dir.resolve(key + ".properties"), line + "\n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString(), "--data", dir.resolve("d-" + key).toString())))
          .as(line).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key + " must be ")
          .hasMessageContaining(line.substring(line.indexOf('=') + 1));
    }
  }

  /** docs/admin.md: a bad value exits 2 with a message naming the key, not 1 with the audit key's stack trace. */
  @Test
  void aBadAuditOriginIsABadValueNamedByItsKey() throws Exception {
    Path file = Files.writeString(dir.resolve("origin.properties"), "audit-origin=acme deal+2026\n");
    Result r = runMain("bad-origin", "--dev", "--certs", TestPki.dir().toString(), "--config", file.toString(),
        "--data", dir.resolve("d-origin").toString());
    assertThat(r.exit()).as(r.text()).isEqualTo(2);
    assertThat(r.text()).contains("sealdrop-server: error: audit-origin must be ").contains("'acme deal+2026'")
        .doesNotContain("Exception in thread").doesNotContain("\tat ");
  }

  /** A missing CA file is named as missing, with the setting to fix, not as a bare path ("cannot start: /x"). */
  @Test
  void aMissingCaFileIsNamedAsMissing() throws Exception {
    Path missing = dir.resolve("no-such-ca.crt");
    Result r = runMain("missing-ca", "--ca", missing.toString(), "--cert", TestPki.get().certFile("server").toString(),
        "--key", TestPki.get().keyFile("server").toString(), "--data", dir.resolve("d-ca").toString());
    assertThat(r.exit()).as(r.text()).isEqualTo(1);
    assertThat(r.text()).contains("sealdrop-server: error: cannot start: the CA certificate " + missing
        + " does not exist; check the ca setting (--ca)").doesNotContain("Exception in thread").doesNotContain("\tat ");
  }

  /** docs/admin.md: a bad value stops the server "with a message that names the key", not a field of a record. */
  @Test
  void outOfRangeLimitsAndDurationsAreNamedByTheirKey() throws Exception {
    for (String line : List.of("max-upload-bytes=-5", "quota-bytes=0", "upload-abandon-after=-PT1H",
        "grant-default-lifetime=PT0S", "claim-window=PT0S", "retention=PT0S", "retention-sweep-interval=-PT1M",
        "handshake-timeout=PT0S", "grant-max-lifetime=PT1H", "shutdown-grace=-PT1S", "max-download-streams=0",
        "max-download-streams-per-identity=0", "max-download-streams-per-identity=100001",
        "download-stall-timeout=PT0S", "download-stall-timeout=-PT1M", "storage-reserve-bytes=-1",
        "max-live-grants-per-identity=0", "max-live-grants-per-identity=1000001", "max-upload-streams=0",
        "max-upload-streams=100001", "max-upload-streams-per-identity=0")) {
      String key = line.substring(0, line.indexOf('='));
      Path file = Files.writeString(dir.resolve("range-" + key + ".properties"), line + "\n");
      assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
          file.toString(), "--data", dir.resolve("d-range-" + key).toString())))
          .as(line).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key + " ");
    }
    // a duration is shown as written, or as a default in days, not as Java prints it (PT960H)
    Path lifetimes = Files.writeString(dir.resolve("lifetimes.properties"), "grant-default-lifetime=P40D\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        lifetimes.toString(), "--data", dir.resolve("d-lifetimes").toString())))
        .hasMessage("grant-max-lifetime (default P30D) must be at least grant-default-lifetime (P40D); raise it or"
            + " lower grant-default-lifetime");
  }

  /**
   * docs/admin.md: the per-identity share of the download slots defaults to 8, is set with its key, and a
   * share above the server-wide cap is refused naming both keys; the default share above a lowered cap is
   * no error (the server-wide cap is then the only one).
   */
  @Test
  void thePerIdentityDownloadShareIsReadCheckedAgainstTheCapAndDefaultsToEight() throws Exception {
    Path set = Files.writeString(dir.resolve("share.properties"),
        "max-download-streams=40\nmax-download-streams-per-identity=10\n");
    assertThat(ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config", set.toString(),
        "--data", dir.resolve("d-share").toString())).grants().maxDownloadStreamsPerIdentity()).isEqualTo(10);
    Path low = Files.writeString(dir.resolve("share-low.properties"), "max-download-streams=4\n");
    ServerConfig lowered = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        low.toString(), "--data", dir.resolve("d-share2").toString()));
    assertThat(lowered.grants().maxDownloadStreamsPerIdentity()).isEqualTo(8);
    assertThat(lowered.grants().downloadStallTimeout()).as("docs/admin.md: download-stall-timeout's default")
        .isEqualTo(java.time.Duration.ofMinutes(10));
    Path stall = Files.writeString(dir.resolve("stall.properties"), "download-stall-timeout=PT90S\n");
    assertThat(ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config", stall.toString(),
        "--data", dir.resolve("d-stall").toString())).grants().downloadStallTimeout())
        .isEqualTo(java.time.Duration.ofSeconds(90));
    assertThat(lowered.grants().maxDownloadStreams()).isEqualTo(4);
    Path above = Files.writeString(dir.resolve("share-above.properties"),
        "max-download-streams=4\nmax-download-streams-per-identity=5\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        above.toString(), "--data", dir.resolve("d-share3").toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max-download-streams-per-identity (5) must be at most max-download-streams (4); lower it, or"
            + " raise max-download-streams");
  }

  /**
   * docs/admin.md: the upload slots as the download slots: 32 server-wide (on a heap of 320 MiB or more; the tests run
   * with 1 GiB) and 8 per identity by default, each set with
   * its key, a share above the cap refused naming both keys, the default share above a lowered cap no error.
   */
  @Test
  void theUploadStreamCapAndShareAreReadCheckedAndDefaultTo32And8() throws Exception {
    ServerConfig defaults = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--data",
        dir.resolve("d-up0").toString()));
    assertThat(defaults.uploads().maxUploadStreams()).isEqualTo(32);
    assertThat(defaults.uploads().maxUploadStreamsPerIdentity()).isEqualTo(8);
    Path set = Files.writeString(dir.resolve("up-share.properties"),
        "max-upload-streams=40\nmax-upload-streams-per-identity=10\n");
    ServerConfig c = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config", set.toString(),
        "--data", dir.resolve("d-up1").toString()));
    assertThat(c.uploads().maxUploadStreams()).isEqualTo(40);
    assertThat(c.uploads().maxUploadStreamsPerIdentity()).isEqualTo(10);
    Path low = Files.writeString(dir.resolve("up-low.properties"), "max-upload-streams=4\n");
    ServerConfig lowered = ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        low.toString(), "--data", dir.resolve("d-up2").toString()));
    assertThat(lowered.uploads().maxUploadStreams()).isEqualTo(4);
    assertThat(lowered.uploads().maxUploadStreamsPerIdentity()).isEqualTo(8);
    Path above = Files.writeString(dir.resolve("up-above.properties"),
        "max-upload-streams=4\nmax-upload-streams-per-identity=5\n");
    assertThatThrownBy(() -> ServerMain.parse(List.of("--dev", "--certs", TestPki.dir().toString(), "--config",
        above.toString(), "--data", dir.resolve("d-up3").toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max-upload-streams-per-identity (5) must be at most max-upload-streams (4); lower it, or"
            + " raise max-upload-streams");
    // the other upload settings keep the caps (withLimits rebuilds the policy)
    assertThat(c.withLimits(1 << 20, 1 << 30).uploads().maxUploadStreams()).isEqualTo(40);
    // the default cap on a small heap: one per 10 MiB (32 SFTP uploads nearly fill 256 MiB), never under 4
    assertThat(UploadPolicy.defaultUploadStreams(256L << 20)).isEqualTo(25);
    assertThat(UploadPolicy.defaultUploadStreams(320L << 20)).isEqualTo(32);
    assertThat(UploadPolicy.defaultUploadStreams(24L << 30)).isEqualTo(32);
    assertThat(UploadPolicy.defaultUploadStreams(16L << 20)).isEqualTo(4);
  }

  /**
   * A host name that does not resolve is named with its setting, not as Netty's "NAME/<unresolved>:0", as a
   * configuration error (exit 2) before anything is written (round CR).
   */
  @Test
  void aHostThatDoesNotResolveIsNamedWithItsSetting() throws Exception {
    for (String key : List.of("host", "admin-host")) {
      Path file = Files.writeString(dir.resolve("unresolved-" + key + ".properties"), key + "=no.such.host.invalid\n");
      Result r = runMain("unresolved-" + key, "--dev", "--certs", TestPki.dir().toString(), "--config", file.toString(),
          "--data", dir.resolve("d-unresolved-" + key).toString(), "--port", "0", "--admin-port", "0");
      assertThat(r.exit()).as(r.text()).isEqualTo(2);
      assertThat(dir.resolve("d-unresolved-" + key)).as("refused before the data folder is written").doesNotExist();
      assertThat(r.text()).contains("sealdrop-server: error: the " + key
          + " setting names 'no.such.host.invalid', which does not resolve").doesNotContain("<unresolved>")
          .doesNotContain("Exception in thread").doesNotContain("\tat ");
    }
  }

  /** docs/admin.md: one server per data folder; a second one is told that, and what to do, with its own exit code. */
  @Test
  void aSecondServerOnTheSameDataFolderIsToldAnotherServerRunsThere() throws Exception {
    Path data = dir.resolve("d-shared");
    try (dev.sealdrop.server.testing.TestServer first = new dev.sealdrop.server.testing.TestServer(data);
        dev.sealdrop.server.testing.Clients clients = first.clients()) {
      Result r = runMain("second", "--dev", "--certs", TestPki.dir().toString(), "--data", data.toString(),
          "--port", "0", "--admin-port", "0");
      assertThat(r.exit()).as(r.text()).isEqualTo(3);
      assertThat(r.text()).contains("sealdrop-server: error: cannot start: another sealdrop server is already running"
          + " on the data folder " + data.toAbsolutePath() + " (it holds the folder's lock, sealdrop.lock)")
          .contains("sealdrop-server: hint: stop that server first (one server per data folder), or give this one"
              + " another folder with --data")
          .doesNotContain("Exception in thread").doesNotContain("\tat ");
      assertThat(clients.session("alice").whoAmI(dev.sealdrop.protocol.v1.WhoAmIRequest.getDefaultInstance())
          .getIdentity()).as("the first server runs on").isEqualTo("alice");
    }
  }

  @Test
  void aPortInUseAndAnUnusableDevPkiAreOneErrorLineNotAStackTrace() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      Result r = runMain("port-in-use", "--dev", "--certs", TestPki.dir().toString(), "--data",
          dir.resolve("d-port").toString(), "--port", port);
      assertThat(r.exit()).as(r.text()).isEqualTo(1);
      assertThat(r.text()).contains("sealdrop-server: error: cannot start: ").contains(port)
          .contains("Address already in use").contains("sealdrop-server: hint: another process listens there")
          .doesNotContain("Exception in thread").doesNotContain("\tat ");
      // found before the new data folder was set up (round DA: its database, audit key and a log of a start that
      // never served were written first): nothing but the folder's lock
      try (java.util.stream.Stream<Path> written = Files.list(dir.resolve("d-port"))) {
        assertThat(written.map(f -> f.getFileName().toString())).containsOnly("sealdrop.lock");
      }
    }
    // the SFTP door's port in use: the same line and hint as the gRPC listeners' (it was "cannot start: Address
    // already in use", no address, no hint: outside operator test)
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      Result r = runMain("sftp-port-in-use", "--dev", "--certs", TestPki.dir().toString(), "--data",
          dir.resolve("d-sftp-port").toString(), "--port", "0", "--admin-port", "0", "--sftp-port", port);
      assertThat(r.exit()).as(r.text()).isEqualTo(1);
      assertThat(r.text()).contains("sealdrop-server: error: cannot start: Failed to bind to address /127.0.0.1:" + port
          + ": Address already in use").contains("sealdrop-server: hint: another process listens there")
          .doesNotContain("Exception in thread").doesNotContain("\tat ");
    }
    // an address no interface of this machine has (TEST-NET-1): told so, not "another process listens there"
    Result elsewhere = runMain("not-here", "--dev", "--certs", TestPki.dir().toString(), "--data",
        dir.resolve("d-host").toString(), "--host", "192.0.2.1", "--port", "0", "--admin-port", "0");
    assertThat(elsewhere.exit()).as(elsewhere.text()).isEqualTo(1);
    assertThat(elsewhere.text()).contains("sealdrop-server: error: cannot start: ")
        .contains("sealdrop-server: hint: that address is not on this machine")
        .doesNotContain("another process listens there").doesNotContain("\tat ");
    Path broken = Files.createDirectories(dir.resolve("broken-pki"));
    Files.copy(TestPki.get().caCertFile(), broken.resolve("ca.crt")); // ca.key missing
    Result r = runMain("broken-pki", "--dev", "--certs", broken.toString(), "--data", dir.resolve("d-pki").toString());
    assertThat(r.exit()).as(r.text()).isEqualTo(1);
    assertThat(r.text()).contains("sealdrop-server: error: certs-dev: ").contains("ca.key is missing")
        .doesNotContain("Exception in thread").doesNotContain("\tat ");
  }

  /** stdout is documented to carry only the "listening on" lines (scripts read the ports from it); logs go to stderr. */
  @Test
  void stdoutCarriesOnlyTheListeningLines() throws Exception {
    assertThat(listeningLines("listening")).hasSize(3)
        .allMatch(line -> line.matches("(admin |sftp )?listening on 127\\.0\\.0\\.1:[0-9]+"));
  }

  /**
   * An IPv6 listener is printed as clients take it, {@code [::1]:PORT} (found by an outside test: the server printed
   * {@code 0:0:0:0:0:0:0:1:PORT}, which the CLI refuses, and the SFTP line named the gRPC host, not sftp-host).
   */
  @Test
  void ipv6ListenersArePrintedInBracketsEachWithItsOwnHost() throws Exception {
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
      assertThat(probe.getLocalPort()).isPositive();
    } catch (java.io.IOException e) {
      org.junit.jupiter.api.Assumptions.assumeTrue(false, "no IPv6 loopback here: " + e);
    }
    Path config = Files.writeString(dir.resolve("sftp-v6.properties"), "sftp-host=::1\n");
    assertThat(listeningLines("listening-v6", "--admin-host", "::1", "--config", config.toString()))
        .hasSize(3).anyMatch(line -> line.matches("listening on 127\\.0\\.0\\.1:[0-9]+"))
        .anyMatch(line -> line.matches("admin listening on \\[::1]:[0-9]+"))
        .anyMatch(line -> line.matches("sftp listening on \\[::1]:[0-9]+"));
    // and the log says it the same way (it said ::1:PORT, or 0:0:0:0:0:0:0:1:PORT)
    assertThat(Files.readString(dir.resolve("listening-v6.err"))).containsPattern("admin listening on \\[::1]:[0-9]+")
        .containsPattern("sftp listening on \\[::1]:[0-9]+").doesNotContain("0:0:0:0:0:0:0:1");
  }

  /** The lines a dev server (with {@code extra} options) printed on stdout until its shutdown. */
  private List<String> listeningLines(String name, String... extra) throws Exception {
    Path out = dir.resolve(name + ".out");
    Path err = dir.resolve(name + ".err");
    List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Djdk.serialFilter=!*", "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), "--dev",
        "--certs", TestPki.dir().toString(), "--data", dir.resolve("d-" + name).toString()));
    command.addAll(List.of(extra));
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try {
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
      while (Files.readString(out).lines().count() < 3 && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(Files.readString(out).lines().toList()).as("stdout; stderr was: " + Files.readString(err))
          .hasSize(3);
    } finally {
      p.destroy();
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    List<String> lines = Files.readString(out).lines().toList();
    assertThat(lines).as("stdout after the shutdown").hasSize(3);
    return lines;
  }

  /**
   * Round U: a SIGTERM while the server started (a restart, a service manager's stop) ended the JVM at once, with no log
   * line and the audit log left without its server.stop. The start now ends, and the server stops gracefully.
   */
  @Test
  void aSigtermDuringTheStartStopsTheServerGracefullyOnceItStarted() throws Exception {
    Path out = dir.resolve("early.out");
    Path err = dir.resolve("early.err");
    Path data = dir.resolve("d-early");
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Djdk.serialFilter=!*",
        "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), "--dev", "--certs",
        TestPki.dir().toString(), "--data", data.toString()).redirectOutput(out.toFile()).redirectError(err.toFile())
        .start();
    try {
      Path log = data.resolve("audit/audit.jsonl");
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
      while (!(Files.exists(log) && Files.readString(log).contains("\"server.start\"")) && p.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      p.destroy(); // SIGTERM as soon as the start was recorded, while the rest of the start runs
      assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("stopped; stderr: " + Files.readString(err))
          .isTrue();
      List<String> records = Files.readAllLines(log).stream().filter(l -> l.contains("\"action\"")).toList();
      assertThat(records.get(records.size() - 1)).as("the log's last record; stderr: " + Files.readString(err))
          .contains("\"server.stop\"");
      assertThat(Files.readString(err)).contains("shutting down");
    } finally {
      p.destroyForcibly();
      p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @Test
  void aSecondSigtermDuringTheGraceStopsTheServerAtOnce() throws Exception {
    Path out = dir.resolve("signal.out");
    Path err = dir.resolve("signal.err");
    Path config = Files.writeString(dir.resolve("long-grace.properties"), "shutdown-grace=PT120S\n");
    Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Djdk.serialFilter=!*",
        "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(), "--dev", "--certs",
        TestPki.dir().toString(), "--config", config.toString(), "--data", dir.resolve("d-signal").toString())
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    try (dev.sealdrop.server.testing.Clients clients = dev.sealdrop.server.testing.Clients.of(TestPki.get(),
        port(p, out, err))) {
      // a call in flight holds the graceful shutdown for its grace (120 s here): an upload stream attached to its
      // upload, opened on a connection already made (a fresh one's TLS handshake could still run at the SIGTERM)
      io.grpc.ManagedChannel alice = clients.channel("alice");
      assertThat(dev.sealdrop.protocol.v1.SessionServiceGrpc.newBlockingStub(alice).withDeadlineAfter(60,
          java.util.concurrent.TimeUnit.SECONDS).whoAmI(dev.sealdrop.protocol.v1.WhoAmIRequest.getDefaultInstance())
          .getIdentity()).isEqualTo("alice");
      dev.sealdrop.server.testing.Users.publish(clients, TestPki.get(), "alice");
      String uploadId = dev.sealdrop.protocol.v1.TransferServiceGrpc.newBlockingStub(alice).withDeadlineAfter(60,
          java.util.concurrent.TimeUnit.SECONDS).createUpload(dev.sealdrop.protocol.v1.CreateUploadRequest.newBuilder()
              .setExpectedSize(1024).build()).getUploadId();
      java.util.concurrent.CompletableFuture<dev.sealdrop.protocol.v1.UploadResponse> held =
          new java.util.concurrent.CompletableFuture<>();
      dev.sealdrop.server.testing.Transfers.openUpload(dev.sealdrop.protocol.v1.TransferServiceGrpc.newStub(alice),
          held).onNext(dev.sealdrop.protocol.v1.UploadRequest.newBuilder().setStart(dev.sealdrop.protocol.v1.UploadStart
              .newBuilder().setUploadId(uploadId)).build());
      // the server says when the stream is attached: from then on it is a running transfer the shutdown waits for
      String attached = "upload " + uploadId + ": stream attached at offset 0";
      long attachBy = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
      for (String log = Files.readString(err); !log.contains(attached); log = Files.readString(err)) {
        assertThat(held).as("the upload stream is not refused").isNotDone();
        assertThat(System.nanoTime()).as("the upload stream attached; stderr: " + log).isLessThan(attachBy);
        Thread.sleep(10);
      }
      long first = System.nanoTime();
      p.destroy(); // SIGTERM: the graceful shutdown begins
      // the same request again soon after, as `timeout` sends it to the server and then to its process group (round U);
      // once the first was handled, since a signal that comes while the first is still pending merges with it
      long handled = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
      while (!Files.readString(err).contains("shutting down") && System.nanoTime() < handled) {
        Thread.sleep(10);
      }
      p.destroy();
      // within SecondSignal's second of the first only if this machine let the test see the first handled in time
      org.junit.jupiter.api.Assumptions.assumeTrue(System.nanoTime() - first
          < SecondSignal.SAME_REQUEST_NANOS * 8 / 10, "the second signal came too late to be the same request");
      assertThat(p.waitFor(3, java.util.concurrent.TimeUnit.SECONDS)).as("waiting for the call in its grace").isFalse();
      assertThat(Files.readString(err)).contains("again within a second of the first");
      p.destroy(); // a second SIGTERM: stop now
      assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).as("stopped by the second SIGTERM; stderr: "
          + Files.readString(err)).isTrue();
      assertThat(p.exitValue()).isEqualTo(128 + 15);
      assertThat(Files.readString(err)).contains("second SIGTERM during the graceful shutdown: stopping now");
    } finally {
      p.destroyForcibly();
      p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** The transfer port the server process prints on its first stdout line. */
  private static int port(Process p, Path out, Path err) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
    while (Files.readString(out).lines().count() < 2 && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    String first = Files.readString(out).lines().findFirst().orElseThrow(() -> new AssertionError(
        "the server did not start: " + readQuietly(err)));
    return Integer.parseInt(first.substring(first.lastIndexOf(':') + 1));
  }

  private static String readQuietly(Path f) {
    try {
      return Files.readString(f);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }

  private record Result(int exit, String text) {}

  private Result runMain(String name, String... args) throws Exception {
    Path out = dir.resolve(name + ".out");
    List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-Djdk.serialFilter=!*", "-cp", System.getProperty("java.class.path"), ServerMain.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the server did not stop: " + Files.readString(out));
    }
    return new Result(p.exitValue(), Files.readString(out));
  }

  @Test
  void theSerialFilterRejectsEverything() {
    ServerMain.rejectAllDeserialization();
    assertThat(ObjectInputFilter.Config.getSerialFilter()).isNotNull();
  }
}
