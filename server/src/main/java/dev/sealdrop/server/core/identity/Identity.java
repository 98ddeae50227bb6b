package dev.sealdrop.server.core.identity;

import java.util.Objects;

/** An identity as registered in the database. */
public record Identity(String name, Role role, boolean enabled) {
  public Identity {
    IdentityNames.check(name);
    Objects.requireNonNull(role, "role");
  }
}
