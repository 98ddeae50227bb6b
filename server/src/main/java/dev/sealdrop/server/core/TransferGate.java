package dev.sealdrop.server.core;

/**
 * Port: whether transfers may proceed at all (the admin lockdown switch implements it). The upload
 * and grant services ask it before every upload, grant creation, redeem and download chunk.
 */
public interface TransferGate {
  /** Throws {@link UnavailableException} (reason LOCKED_DOWN) if {@code what} may not proceed now. */
  void check(String what);

  /**
   * {@link #check}s {@code what}, then runs {@code act} (the write that makes it happen) while the gate cannot close: a
   * switch to refusing waits for acts running so, and every act that starts after the switch returned is refused. A
   * check alone could pass just before the switch and its write land just after it (round AE: a grant created and a
   * redeem won after the admin's lockdown had returned).
   */
  <T> T within(String what, java.util.function.Supplier<T> act);

  /**
   * While {@link #check} refuses every transfer: what a user opening a session is told (since when,
   * until what), in the core's words; empty while transfers may proceed.
   */
  java.util.Optional<String> notice();

  /**
   * Since when transfers may proceed: when the last lockdown was lifted, or the epoch if there never was one. Only
   * meaningful while {@link #notice} is empty.
   */
  java.time.Instant openSince();
}
