package dev.sealdrop.server.core.identity;

import java.util.Locale;

/** The one role an identity holds on a server. */
public enum Role {
  /** Uploads sealed files and grants them (the seller's side). */
  TRANSFEROR,
  /** Redeems grants addressed to it (the buyer's side). */
  ACQUIRER,
  /** Operates the server; holds no content keys. */
  ADMIN;

  /** Parses {@code transferor}, {@code acquirer} or {@code admin} (any case). */
  public static Role parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown role '" + name + "': use transferor, acquirer or admin", e);
    }
  }

  /** The lowercase name used in configuration and the database. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
