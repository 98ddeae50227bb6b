package dev.sealdrop.server.testing;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** A real server on an ephemeral port with the development PKI, a mutable clock and its own data folder. */
public final class TestServer implements AutoCloseable {
  public final MutableClock clock = new MutableClock();
  public final Path dataDir;
  public final DevPki pki = TestPki.get();
  private final UnaryOperator<ServerConfig> customize;
  private SealdropServer server;

  public TestServer(Path dataDir) {
    this(dataDir, c -> c);
  }

  public TestServer(Path dataDir, UnaryOperator<ServerConfig> customize) {
    this.dataDir = dataDir;
    this.customize = customize;
    start();
  }

  public ServerConfig config() {
    return customize.apply(ServerConfig.development(dataDir, pki.dir()).withClock(clock));
  }

  /** (Re)starts on the same data folder. */
  public TestServer start() {
    try {
      server = SealdropServer.start(config());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  public SealdropServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  /**
   * Whether the lockdown is on in the server's memory: from the first instant of an admin's switch, before the switch
   * has waited for the acts under way and returned (a test that lets an act land in that instant polls it).
   */
  public boolean lockedDown() {
    try {
      java.lang.reflect.Field f = dev.sealdrop.server.core.admin.AdminOperations.class.getDeclaredField("lockdown");
      f.setAccessible(true);
      return ((dev.sealdrop.server.core.admin.Lockdown) f.get(server.adminOperations())).state().on();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  public Clients clients() {
    return new Clients(pki, server.port());
  }

  /** Closes {@code admins} and {@code clients} of this server, then the server. */
  public void closeWith(AdminClients admins, Clients clients) {
    admins.close();
    clients.close();
    close();
  }

  @Override
  public void close() {
    server.close();
  }
}
