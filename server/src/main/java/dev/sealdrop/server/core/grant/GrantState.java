package dev.sealdrop.server.core.grant;

/**
 * A grant's lifecycle. ACTIVE → CLAIMED by one atomic compare-and-set; CLAIMED → CONSUMED when
 * the last permitted download counts, or back to ACTIVE (more downloads left, or the claim lapsed
 * undelivered); ACTIVE/CLAIMED → REVOKED by its owner or an admin. EXPIRED is derived: an ACTIVE
 * grant past its expiry.
 */
public enum GrantState {
  ACTIVE,
  CLAIMED,
  CONSUMED,
  REVOKED,
  EXPIRED
}
