package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.CapturedLog;
import dev.sealdrop.server.testing.TestServer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round DA (outside test): with {@code host=0.0.0.0} and {@code admin-host=0.0.0.0}, the ready lines said
 * {@code listening on [::]:PORT}, {@code admin listening on [::]:PORT} and {@code sftp listening on [::]:PORT}, the
 * JDK's dual-stack socket, where docs/admin.md says each line shows its address as configured with the port bound. The
 * stdout lines are {@link SealdropServer#endpoints()} (ServerMain prints them); the log says the same.
 */
class WildcardListenersTest {
  @TempDir
  Path dir;

  /** The endpoints and the three ready lines of the log of a server whose every listener binds {@code host}. */
  private List<String> readyLines(String host, String expectedHost) throws Exception {
    try (CapturedLog logs = CapturedLog.ofRoot();
        TestServer server = new TestServer(dir.resolve("data-" + expectedHost.replaceAll("[^0-9a-z]", "_")),
            c -> wildcard(c, host))) {
      SealdropServer s = server.server();
      List<String> expected = List.of(expectedHost + ":" + s.port(), expectedHost + ":" + s.adminPort(),
          expectedHost + ":" + s.sftpPort());
      assertThat(s.endpoints()).as("what ServerMain prints on stdout").isEqualTo(expected);
      assertThat(logs.messages()).as("the log's ready lines")
          .contains("listening on " + expected.get(0), "admin listening on " + expected.get(1),
              "sftp listening on " + expected.get(2));
      return s.endpoints();
    }
  }

  private static ServerConfig wildcard(ServerConfig c, String host) {
    return c.withHost(host).withAdmin(c.admin().withHost(host)).withSftpPort(0);
  }

  @Test
  void anIpv4WildcardIsPrintedAsConfigured() throws Exception {
    assertThat(readyLines("0.0.0.0", "0.0.0.0")).noneMatch(e -> e.startsWith("["));
  }

  @Test
  void anIpv6WildcardIsPrintedInBrackets() throws Exception {
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("::"))) {
      assertThat(probe.getLocalPort()).isPositive();
    } catch (java.io.IOException e) {
      Assumptions.assumeTrue(false, "no IPv6 here: " + e);
    }
    readyLines("::", "[::]");
  }
}
