package dev.sealdrop.server.core;

/**
 * Port: whether transfers may proceed at all (the admin lockdown switch implements it). The upload
 * and grant services ask it before every upload, grant creation, redeem and download chunk.
 */
public interface TransferGate {
  /** Throws {@link UnavailableException} (reason LOCKED_DOWN) if {@code what} may not proceed now. */
  void check(String what);

  /**
   * While {@link #check} refuses every transfer: what a user opening a session is told (since when,
   * until what), in the core's words; empty while transfers may proceed.
   */
  java.util.Optional<String> notice();
}
