package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.UnavailableException;
import java.util.Objects;

/**
 * The emergency switch. While on, {@link #check} refuses every upload, grant creation, redeem and
 * download on every door (UNAVAILABLE, reason LOCKED_DOWN); admin operations are not gated.
 * Transfers in flight are cut too: the upload and download sessions check it before every chunk,
 * and turning it on closes the streams the doors track ({@code SessionRegistry#closeTransfers}). The
 * state is kept in the database (a restart keeps it) and cached here for the hot path. The acts that create
 * something (an upload, a grant, a claim, a committed file) are checked and written {@link #within} the switch's
 * lock, so that none of them lands after a lockdown's switch returned.
 */
public final class Lockdown implements dev.sealdrop.server.core.TransferGate {
  /** How long transfers stay refused, in the start-up warning and the users' notice alike. */
  private static final String TRANSFERS_REFUSED = ": transfers are refused until an admin lifts it";

  private final AdminRepository repository;
  private volatile LockdownState state;
  /** Read: an act between its check and its write ({@link #within}); write: the switch ({@link #set}). */
  private final java.util.concurrent.locks.ReentrantReadWriteLock switching =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  public Lockdown(AdminRepository repository) {
    this.repository = Objects.requireNonNull(repository, "repository");
    this.state = repository.loadLockdown().orElse(LockdownState.NEVER);
  }

  public LockdownState state() {
    return state;
  }

  /**
   * Switches and persists: off is persisted, then made (so a crash never leaves transfers allowed in memory only); on
   * is made at once (refusing is always safe) and persisted, and undone if it cannot be. Returns once the acts already
   * past {@link #within}'s check are written, with the state it replaced, so that two admins switching at once each
   * learn what their own switch replaced.
   */
  LockdownState set(LockdownState next) {
    synchronized (this) {
      LockdownState before = state;
      if (next.on()) {
        // refused from now on, before the switch waits: an act that starts meanwhile is refused by within()'s first
        // check, instead of queueing behind the switch, which waits for the writes under way (an upload's commit
        // includes its fsyncs; round AH: every new act waited too)
        state = next;
      }
      switching.writeLock().lock(); // after the acts passed by within() are written; before any that start later
      try {
        repository.saveLockdown(next);
        state = next;
        return before;
      } catch (RuntimeException e) {
        state = before; // not saved: as it was
        throw e;
      } finally {
        switching.writeLock().unlock();
      }
    }
  }

  /**
   * Locks down at start, by the server itself, for {@code reason} (a database that looks behind its audit log: what
   * happened since may be undone in it, revocations included, so no transfer runs until an admin has looked; review
   * EL). An admin lifts it as any other.
   */
  public void onAtStart(String reason, java.time.Instant at) {
    set(new LockdownState(true, reason, "server", at));
  }

  /**
   * The start-up warning for a lockdown that survived a restart (stored state: since when, by whom,
   * why), or empty when the server is not locked down.
   */
  public java.util.Optional<String> startupWarning() {
    LockdownState s = state;
    if (!s.on()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(since(s.changedAt()) + " by '" + s.changedBy() + "'"
        + (s.reason().isEmpty() ? "" : " (reason: " + s.reason() + ")")
        + TRANSFERS_REFUSED + " (sealdrop admin lockdown off)");
  }

  /**
   * What a user is told when a session opens during a lockdown (the SFTP door's login banner):
   * since when, and that transfers are refused until an admin lifts it. Not who switched it on nor
   * why: those are the admins' (admin lockdown status), as in the refusals {@link #check} gives.
   */
  @Override
  public java.util.Optional<String> notice() {
    LockdownState s = state;
    if (!s.on()) {
      return java.util.Optional.empty();
    }
    // to the second: the stored time's fraction tells a user nothing
    return java.util.Optional.of(since(s.changedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        + TRANSFERS_REFUSED
        + "; listing still works; try again later or ask the operator");
  }

  private static String since(java.time.Instant when) {
    return "the server is locked down since " + when;
  }

  @Override
  public java.time.Instant openSince() {
    return state.changedAt();
  }

  @Override
  public <T> T within(String what, java.util.function.Supplier<T> act) {
    check(what); // a lockdown being switched on refuses at once, without waiting for the switch
    switching.readLock().lock();
    try {
      check(what);
      return act.get();
    } finally {
      switching.readLock().unlock();
    }
  }

  /** Refuses {@code what} while locked down. */
  @Override
  public void check(String what) {
    if (state.on()) {
      // The message names the refused act and the way out only: the reason LOCKED_DOWN travels with it
      // (trailer, SFTP "[LOCKED_DOWN]"), and the CLI already leads with "the server is locked down by an
      // admin: ", so saying it here too printed it twice.
      throw new UnavailableException(Reason.LOCKED_DOWN, what
          + " is refused until an admin lifts the lockdown; try again later or ask the operator");
    }
  }
}
