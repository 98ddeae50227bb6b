package dev.sealdrop.server.config;

import java.io.IOException;
import java.net.InetSocketAddress;

/** The address a listener binds, resolved before it is used, so that a name that does not resolve is named with its setting. */
public final class ListenAddress {
  private ListenAddress() {}

  /**
   * {@code host:port} resolved; an {@link IOException} naming {@code setting} if {@code host} does not
   * resolve (Netty would say only "Failed to bind to address NAME/&lt;unresolved&gt;:PORT").
   */
  public static InetSocketAddress of(String setting, String host, int port) throws IOException {
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new IOException("the " + setting + " setting names '" + host + "', which does not resolve to an address;"
          + " check " + setting + " (an address of this machine, e.g. 127.0.0.1, or a name that resolves to one)");
    }
    return address;
  }

  /**
   * Refuses a fixed {@code port} on {@code host} that cannot be bound now (0, a free port, always can), with the
   * operating system's reason as the listener's bind would give it: checked before the data folder's database and audit
   * log are opened, so that a port in use (another server, this one started twice) stops the start before it writes
   * them (round DA: a new data folder was set up in full, database, audit key and log, before the bind failed). A port
   * taken between this check and the listener's bind still fails there.
   */
  public static void requireBindable(String setting, String host, int port) throws IOException {
    if (port == 0) {
      return;
    }
    InetSocketAddress address = of(setting, host, port);
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(address);
    } catch (java.net.BindException e) {
      throw new IOException("Failed to bind to address " + address + ": " + e.getMessage(), e); // as the listener's
    }
  }

  /**
   * A listener's address as the ready lines print it: the host as configured with the port bound, an IPv6 literal in
   * brackets ({@code 0.0.0.0:8443}, {@code [::]:8443}, {@code [::1]:8443}). Round DA: the bound socket of a wildcard
   * host is the JDK's dual-stack {@code [::]}, which said {@code listening on [::]:PORT} for {@code host=0.0.0.0}.
   */
  public static String asConfigured(String host, int boundPort) {
    InetSocketAddress a = new InetSocketAddress(host, boundPort); // resolved at the bind already (a literal: parsed)
    return a.isUnresolved() ? host + ":" + boundPort
        : dev.sealdrop.server.core.identity.Origin.hostPort(a.getAddress(), boundPort);
  }
}
