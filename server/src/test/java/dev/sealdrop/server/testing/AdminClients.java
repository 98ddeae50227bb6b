package dev.sealdrop.server.testing;

import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import java.util.concurrent.TimeUnit;

/** Clients of a test server's admin listener (its own port), over real mutual TLS. */
public final class AdminClients implements AutoCloseable {
  private final Clients clients;

  public AdminClients(TestServer server) {
    this.clients = new Clients(server.pki, server.server().adminPort());
  }

  /** AdminService as {@code user} on the admin port. */
  public AdminServiceGrpc.AdminServiceBlockingStub admin(String user) {
    return AdminServiceGrpc.newBlockingStub(clients.channel(user)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** AdminService on the admin port with a certificate of the test's own ({@code chain}: its own first). */
  public AdminServiceGrpc.AdminServiceBlockingStub admin(java.security.PrivateKey key,
      java.security.cert.X509Certificate... chain) {
    return AdminServiceGrpc.newBlockingStub(clients.channel(key, chain)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    clients.close();
  }
}
