package dev.sealdrop.server.testing;

import dev.sealdrop.server.config.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of a test class whose every test gets its own real {@link TestServer} on a fresh temporary
 * data folder, configured by {@link #configure}, with gRPC {@link #clients} and {@link #admins} over
 * mutual TLS; closed after the test. A subclass's own {@code @BeforeEach} runs after the server
 * started, its {@code @AfterEach} before the server closes. A test that restarts the server may
 * assign new clients to the fields: the ones there at the end are closed.
 */
public abstract class OneServerPerMethod {
  @TempDir
  protected Path data;
  protected TestServer server;
  protected Clients clients;
  protected AdminClients admins;

  /** The server's configuration: the development one unless a subclass changes it. */
  protected ServerConfig configure(ServerConfig config) {
    return config;
  }

  @BeforeEach
  protected final void startServer() {
    server = new TestServer(data, this::configure);
    clients = server.clients();
    admins = new AdminClients(server);
  }

  @AfterEach
  protected final void stopServer() {
    server.closeWith(admins, clients);
  }
}
