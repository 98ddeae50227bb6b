package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A profile whose address reaches no sealdrop server: nothing listens there, the host name does not
 * resolve, or something that does not speak TLS answers. Every command that talks to the server
 * says which address it could not reach and why (not gRPC's "io exception"), with exit 8.
 */
class UnreachableServerTest {
  @TempDir
  static Path root;
  static DevPki pki;

  private static final String TOKEN = "sdg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  private static final String GRANT_ID = "g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67";

  @BeforeAll
  static void pki() {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
  }

  /** Every command path that opens a connection to the transfer port. */
  private static List<String[]> commands(Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("clients.csv"), "id,name\n1,ACME\n");
    return List.of(new String[] {"inbox"}, new String[] {"grants"}, new String[] {"files"},
        new String[] {"keys", "publish"}, new String[] {"keys", "show", "alice"}, new String[] {"keys", "list-ssh"},
        new String[] {"send", file.toString(), "--to", "alice"}, new String[] {"receive", TOKEN, "-o", dir.toString()},
        new String[] {"grants", "revoke", GRANT_ID}, new String[] {"grant", "f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35",
            "--to", "alice"});
  }

  private static void assertEveryCommandSays(Cli user, Path dir, String reason, String message) throws IOException {
    for (String[] command : commands(dir)) {
      String[] args = new String[command.length + 1];
      args[0] = "--json";
      System.arraycopy(command, 0, args, 1, command.length);
      CliRun r = user.run(args);
      String what = String.join(" ", command);
      assertThat(r.exit()).as(what + ": " + r.err()).isEqualTo(8);
      assertThat(r.jsonError()).as(what).containsEntry("kind", "unavailable").containsEntry("reason", reason);
      assertThat((String) r.jsonError().get("message")).as(what).isEqualTo(message);
      assertThat(r.err()).as(what).startsWith("sealdrop: error: " + message + "\nsealdrop: hint: check the address")
          .doesNotContain("io exception");
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void nothingListeningNamesTheAddressOnEveryCommand() throws Exception {
    Path dir = Files.createDirectories(root.resolve("refused"));
    String address = "127.0.0.1:" + closedPort();
    Cli bob = Users.init(pki, dir, "bob", address);
    assertEveryCommandSays(bob, dir, "SERVER_UNAVAILABLE", "cannot reach the sealdrop server at " + address
        + ": connection refused; is it running, and is the address in the profile right?");
  }

  @Test
  void anAdminListenerWithNothingListeningNamesItsAddress() throws Exception {
    Path dir = Files.createDirectories(root.resolve("admin-refused"));
    String admin = "127.0.0.1:" + closedPort();
    Cli carol = Users.user(dir, "carol");
    carol.run("init", "--server", "127.0.0.1:" + closedPort(), "--admin-server", admin, "--cert",
        pki.certFile("carol").toString(), "--key", pki.keyFile("carol").toString(), "--ca",
        pki.caCertFile().toString()).assertExit(0);
    for (String[] command : List.of(new String[] {"--json", "admin", "identities", "list"},
        new String[] {"--json", "admin", "lockdown", "status"}, new String[] {"--json", "admin", "grants", "list"})) {
      CliRun r = carol.run(command).assertExit(8);
      assertThat(r.jsonError()).containsEntry("reason", "SERVER_UNAVAILABLE");
      assertThat(r.err()).startsWith("sealdrop: error: cannot reach the sealdrop admin listener at " + admin
          + ": connection refused; is it running, and is the address in the profile right?\n");
    }
  }

  @Test
  void aHostNameThatDoesNotResolveSaysSo() throws Exception {
    Path dir = Files.createDirectories(root.resolve("unknown-host"));
    Cli bob = Users.init(pki, dir, "bob", "no-such-host.invalid:8443");
    assertEveryCommandSays(bob, dir, "UNKNOWN_HOST", "cannot reach the sealdrop server at no-such-host.invalid:8443:"
        + " its host name does not resolve; is the address in the profile right?");
  }

  @Test
  void somethingThatDoesNotSpeakTlsIsNotASealdropServer() throws Exception {
    Path dir = Files.createDirectories(root.resolve("not-tls"));
    try (ServerSocket ssh = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread banner = new Thread(() -> {
        while (!ssh.isClosed()) {
          try (Socket s = ssh.accept(); OutputStream out = s.getOutputStream()) {
            out.write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII)); // what an SFTP port says first
            out.flush();
            s.getInputStream().read(new byte[4096]);
          } catch (IOException e) {
            // closed at the end of the test, or the client hung up
          }
        }
      });
      banner.setDaemon(true);
      banner.start();
      String address = "127.0.0.1:" + ssh.getLocalPort();
      Cli bob = Users.init(pki, dir, "bob", address);
      assertEveryCommandSays(bob, dir, "NOT_A_TLS_SERVER", "cannot reach the sealdrop server at " + address
          + ": what answers at that address does not speak TLS, so it is not a sealdrop server (an SFTP or web port?);"
          + " is the address in the profile right?");
    }
  }

  /**
   * A listener that accepts the connection but never answers the TLS handshake (a service that waits
   * for its client to speak first; `nc -l`): after the attempts an overloaded server would get
   * (LateHandshakeRetryTest), the command fails saying that the address did not answer the handshake,
   * not that the handshake was "incomplete".
   */
  @Test
  void aListenerThatNeverAnswersTheHandshakeFailsSayingSo() throws Exception {
    Path dir = Files.createDirectories(root.resolve("silent"));
    List<Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!silent.isClosed()) {
          try {
            held.add(silent.accept()); // kept open, never written to
          } catch (IOException e) {
            // closed at the end of the test
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      String address = "127.0.0.1:" + silent.getLocalPort();
      Cli bob = Users.init(pki, dir, "bob", address);
      long start = System.nanoTime();
      CliRun r = bob.run("--json", "inbox");
      long seconds = java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      assertThat(r.exit()).as(r.err()).isEqualTo(8);
      assertThat(r.jsonError()).containsEntry("kind", "unavailable").containsEntry("reason", "TLS_HANDSHAKE_TIMEOUT");
      assertThat((String) r.jsonError().get("message")).isEqualTo("the sealdrop server at " + address
          + " did not answer the TLS handshake within 10 s");
      assertThat((String) r.jsonError().get("hint")).startsWith("is the address right (`server` in profile.properties)?");
      assertThat(r.err()).contains("trying again");
      assertThat(seconds).as("bounded: the attempts and their pauses, not a hang").isLessThan(90);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
