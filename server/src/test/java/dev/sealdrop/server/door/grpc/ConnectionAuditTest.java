package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.core.audit.Audit;
import io.grpc.Attributes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * A connection that cannot be audited is refused (fail closed), and the words the client sees (gRPC sends the
 * exception's message as the GOAWAY's debug data) never name the server's files: an outside test saw the audit
 * log's path and "restart to recover" printed by the CLI.
 */
class ConnectionAuditTest {
  private static Audit failing(RuntimeException e) {
    return (Audit) Proxy.newProxyInstance(Audit.class.getClassLoader(), new Class<?>[] {Audit.class},
        (proxy, method, args) -> {
          throw e;
        });
  }

  /** A filter whose identities are all enrolled and enabled. */
  private static ConnectionAudit audit(Audit audit) {
    return new ConnectionAudit(audit, "transfer", identities(name -> java.util.Optional.of(
        new dev.sealdrop.server.core.identity.Identity(name, dev.sealdrop.server.core.identity.Role.ACQUIRER, true))),
        new dev.sealdrop.server.core.audit.RefusalThrottle(audit));
  }

  /** An identity service whose store answers {@code find} with {@code found} (nothing else is asked). */
  private static dev.sealdrop.server.core.identity.IdentityService identities(
      java.util.function.Function<String, java.util.Optional<dev.sealdrop.server.core.identity.Identity>> found) {
    dev.sealdrop.server.core.identity.IdentityRepository store = (dev.sealdrop.server.core.identity.IdentityRepository)
        Proxy.newProxyInstance(Audit.class.getClassLoader(), new Class<?>[] {
            dev.sealdrop.server.core.identity.IdentityRepository.class}, (proxy, method, args) -> {
              if (method.getName().equals("find")) {
                return found.apply((String) args[0]);
              }
              throw new UnsupportedOperationException(method.getName());
            });
    return new dev.sealdrop.server.core.identity.IdentityService(store, java.time.Clock.systemUTC());
  }

  @Test
  void aConnectionThatCannotBeAuditedIsRefusedWithoutNamingTheServersFiles() {
    RuntimeException broken = new UncheckedIOException("server: the audit log cannot be written (audit log"
        + " /srv/sealdrop/data/audit.jsonl is unavailable after an earlier I/O error (Input/output error); restart to"
        + " recover)", new IOException("Input/output error"));
    assertThatThrownBy(() -> audit(failing(broken)).transportReady(Attributes.EMPTY))
        .hasMessage(ConnectionAudit.NOT_AUDITED).hasMessageNotContaining("/srv").hasCause(broken);
  }

  @Test
  void aFullDiskIsToldAsSuch() {
    RuntimeException full = new UncheckedIOException("server: the audit log cannot be written (audit log"
        + " /srv/sealdrop/data/audit.jsonl: write failed: No space left on device)", new IOException("No space left"
        + " on device"));
    assertThatThrownBy(() -> audit(failing(full)).transportReady(Attributes.EMPTY))
        .hasMessageStartingWith("the server's storage is full").hasMessageNotContaining("/srv");
  }

  /** An IPv6 peer is recorded as every other record names one: brackets, short form (outside test: long form). */
  @Test
  void anIpv6PeerIsRecordedInBracketsAndShortForm() throws Exception {
    java.util.List<Object> peers = new java.util.ArrayList<>();
    Audit recording = (Audit) Proxy.newProxyInstance(Audit.class.getClassLoader(), new Class<?>[] {Audit.class},
        (proxy, method, args) -> {
          if (method.getName().equals("recordWithoutWaiting")) {
            peers.add(args[4]);
          }
          return null;
        });
    Attributes attrs = Attributes.newBuilder().set(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR,
        new java.net.InetSocketAddress(java.net.InetAddress.getByName("::1"), 61000)).build();
    audit(recording).transportReady(attrs);
    org.assertj.core.api.Assertions.assertThat(peers).containsExactly("[::1]:61000");
  }
}
