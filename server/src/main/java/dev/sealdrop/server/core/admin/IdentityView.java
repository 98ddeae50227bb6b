package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.identity.Role;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** An identity as an admin sees it. */
public record IdentityView(String name, Role role, State state, Instant createdAt, List<String> revokedSerials) {
  /** ACTIVE may act; DISABLED is refused until re-enabled; REVOKED is refused for good. */
  public enum State { ACTIVE, DISABLED, REVOKED }

  public IdentityView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    revokedSerials = List.copyOf(revokedSerials);
  }
}
