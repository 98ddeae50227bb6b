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
}
