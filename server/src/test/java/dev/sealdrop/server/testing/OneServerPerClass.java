package dev.sealdrop.server.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of a test class whose tests share one real {@link TestServer} (default configuration) on a
 * temporary data folder, with gRPC {@link #clients} and {@link #admins} over mutual TLS: started
 * before the class's first test, closed after its last. A subclass's own {@code @BeforeAll} runs
 * after the server started, its {@code @AfterAll} before the server closes. The fields are static
 * and shared by the subclasses one after another, as JUnit runs test classes (not in parallel).
 */
public abstract class OneServerPerClass {
  @TempDir
  protected static Path data;
  protected static TestServer server;
  protected static Clients clients;
  protected static AdminClients admins;

  @BeforeAll
  protected static void startServer() {
    server = new TestServer(data);
    clients = server.clients();
    admins = new AdminClients(server);
  }

  @AfterAll
  protected static void stopServer() {
    server.closeWith(admins, clients);
  }
}
