package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real child JVM started through {@link Main}: what libraries log through
 * {@code java.util.logging} (gRPC does) reaches stderr only in the CLI's voice, errors only, and
 * never as a stack trace without {@code --verbose}. Here gRPC's name resolver warns about a server
 * host name that does not resolve (a typo in {@code init --server}).
 */
class LibraryLoggingChildTest {
  @TempDir
  Path root;

  @Test
  void anUnresolvableServerIsOneErrorWithoutTheLibrarysStackTrace() throws Exception {
    Cli bob = Users.init(DevPki.loadOrCreate(root.resolve("pki")), root, "bob", "no-such-host.invalid:8443");
    Path out = root.resolve("inbox.out");
    Path err = root.resolve("inbox.err");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1"));
    // what the CLI's jar (its manifest's Enable-Native-Access) and launcher (JDK 23+) give the JVM, which a
    // class path does not: without them a newer JDK warns about netty-tcnative's native library and Unsafe
    if (Runtime.version().feature() >= 22) {
      command.add("--enable-native-access=ALL-UNNAMED");
    }
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--home", bob.home().toString(), "--json", "inbox"));
    Process p = new ProcessBuilder(command)
        .redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    CliRun r = new CliRun(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));

    r.assertExit(8);
    assertThat(r.jsonError()).containsEntry("reason", "UNKNOWN_HOST");
    assertThat(r.err()).contains("sealdrop: error: cannot reach the sealdrop server at no-such-host.invalid:8443")
        .doesNotContain("\tat ").doesNotContain("WARNING").doesNotContain("UnknownHostException");
  }
}
