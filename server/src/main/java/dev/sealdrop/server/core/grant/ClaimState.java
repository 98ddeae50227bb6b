package dev.sealdrop.server.core.grant;

/**
 * A claim's lifecycle: OPEN while its holder downloads; CONFIRMED when the client confirmed;
 * COUNTED when its window passed after every byte was served without a confirmation; LAPSED when
 * its window passed before the download completed (the grant is returned, not burnt); RELEASED
 * when its holder gave it up before every byte was served (the grant is returned, as on LAPSED);
 * REVOKED when its grant was revoked.
 */
public enum ClaimState {
  OPEN,
  CONFIRMED,
  COUNTED,
  LAPSED,
  RELEASED,
  REVOKED
}
