package dev.sealdrop.server.core.grant;

/** A new grant and its token, which the server returns once and never stores. */
public record IssuedGrant(Grant grant, String token) {
  @Override
  public String toString() {
    return "IssuedGrant[grant=" + grant.id() + ", token=<redacted>]";
  }
}
