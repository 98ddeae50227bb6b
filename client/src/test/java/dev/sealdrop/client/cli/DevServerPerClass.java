package dev.sealdrop.client.cli;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of a test class whose tests share one real server in the class's temporary folder
 * {@link #root}: its data in {@code root/data}, the development PKI ({@link #pki}) in
 * {@code root/certs}. The subclass's {@code @BeforeAll} starts it ({@link #startServer}) and makes
 * its profiles ({@link Users}); it is closed after the class's last test. The fields are static
 * and shared by the subclasses one after another, as JUnit runs test classes (not in parallel).
 */
public abstract class DevServerPerClass {
  @TempDir
  protected static Path root;
  protected static SealdropServer server;
  protected static DevPki pki;
  /** The transfer port, as {@code sealdrop init --server} takes it. */
  protected static String address;

  protected static void startServer() throws IOException {
    startServer(config -> config);
  }

  /** Starts the server with the development configuration changed by {@code configure}. */
  protected static void startServer(UnaryOperator<ServerConfig> configure) throws IOException {
    Path certs = root.resolve("certs");
    server = SealdropServer.start(configure.apply(ServerConfig.development(root.resolve("data"), certs)));
    pki = DevPki.loadOrCreate(certs);
    address = "127.0.0.1:" + server.port();
  }

  /** Starts the server, then alice's and bob's profiles with their keys published; alice's. */
  protected static Cli startWithAliceAndBob() throws IOException {
    startServer();
    Cli alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
    return alice;
  }

  /** A folder {@code root/NAME}, created if it is not there. */
  protected static Path emptyDir(String name) throws java.io.IOException {
    return java.nio.file.Files.createDirectories(root.resolve(name));
  }

  /** What {@code dir} holds, its direct entries. */
  protected static java.util.List<Path> list(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
      return s.toList();
    }
  }

  @AfterAll
  protected static void stopServer() {
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
