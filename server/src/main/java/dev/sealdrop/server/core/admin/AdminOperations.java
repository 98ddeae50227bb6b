package dev.sealdrop.server.core.admin;

import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.Page;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.RequestFields;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.PurgedGrant;
import dev.sealdrop.server.core.identity.CertificatePolicy;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.identity.SessionRegistry;
import dev.sealdrop.server.core.upload.BlobStore;
import dev.sealdrop.server.logging.SecretRedaction;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin operations. Each one requires the admin role, acts at once, and is audited (ok or
 * refused) with the admin as actor and the door's peer address; no operation returns content.
 */
public final class AdminOperations {
  /**
   * What a call or SFTP session closed by an admin's act is told, after "the call was closed: " or "session closed: ":
   * what happened and what to do (round BL: what happened only).
   */
  /** What a session of identity {@code name} closed by its disable is told (naming it, as the CLI's hint does). */
  static String disabledCut(String name) {
    return "identity '" + name + "' disabled by an admin; ask an admin to enable it again";
  }
  static final String CERTIFICATE_REVOKED_CUT = "certificate revoked by an admin; connect with another certificate of"
      + " yours, or get a new one and run `sealdrop keys renew` with it (SSH keys registered through the revoked one"
      + " need `sealdrop keys add-ssh` again)";
  static final String IDENTITY_REVOKED_CUT = "identity revoked by an admin; it cannot connect again";

  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  private static final Pattern SERIAL = Pattern.compile("[0-9a-fA-F]{1,64}");
  private static final int MAX_REASON = 256;

  private final IdentityService identities;
  private final AdminRepository repository;
  private final GrantService grants;
  private final FileRemoval removal;
  private final Lockdown lockdown;
  private final SessionRegistry sessions;
  /** What a download cut by a grant's revocation is told (the core's words at the next chunk). */
  private static final String GRANT_REVOKED_CUT = GrantService.GRANT_REVOKED_CUT;
  private final Audit audit;
  private final Clock clock;
  private final String issuer;
  private final KnownCertificates known;

  public AdminOperations(IdentityService identities, AdminRepository repository, GrantService grants, FileRemoval removal,
      Lockdown lockdown, SessionRegistry sessions, Audit audit, Clock clock, String issuer, KnownCertificates known) {
    this.identities = Objects.requireNonNull(identities, "identities");
    this.repository = Objects.requireNonNull(repository, "repository");
    this.grants = Objects.requireNonNull(grants, "grants");
    this.removal = Objects.requireNonNull(removal, "removal");
    this.lockdown = Objects.requireNonNull(lockdown, "lockdown");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.audit = Objects.requireNonNull(audit, "audit");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.issuer = Objects.requireNonNull(issuer, "issuer");
    this.known = Objects.requireNonNull(known, "known");
  }

  /** Who acts and from where (the door's remote address). */
  /**
   * Who acts, from where, and whether the call was given up (cancelled, or past its deadline): an act that waited for
   * another ({@link #write}) and whose caller gave up meanwhile is not carried out.
   */
  public record Caller(Principal principal, String peer, java.util.function.BooleanSupplier givenUp) {
    public Caller {
      Objects.requireNonNull(principal, "principal");
      peer = peer == null ? "" : peer;
      givenUp = givenUp == null ? () -> false : givenUp;
    }

    public Caller(Principal principal, String peer) {
      this(principal, peer, null);
    }
  }

  /**
   * Results of the operations that close live sessions: {@code sessionsClosed} counts those of every
   * door (gRPC calls and SFTP sessions) that the operation closed; {@code downloadsCut} the downloads of the
   * identity's grants by others that it stopped.
   */
  /**
   * {@code changed}: false for a repeat of an identity's revocation (it was revoked already). {@code seenAs}, for one
   * certificate's revocation: where the server had seen that certificate speak for the identity (its bundle's
   * signer, an SSH key's registrar), empty if nowhere; empty for an identity's revocation.
   */
  public record Closed(IdentityView identity, int sessionsClosed, int grantsRevoked, int downloadsCut,
      boolean changed, List<String> seenAs) {
    public Closed {
      seenAs = List.copyOf(seenAs);
    }
  }

  /** The audit detail of a disable or enable: "false" when the identity already was so (nothing changed). */
  static final String CHANGED = "changed";

  /**
   * An identity after a disable or enable; {@code changed} is false if it already was so. {@code downloadsCut}: the
   * downloads of its grants by others that a disable stopped.
   */
  public record Switched(IdentityView identity, int sessionsClosed, int downloadsCut, boolean changed) {}

  /** A purged file: how many grants pointed at it, and how many of its downloads were streaming (cut at their next chunk). */
  public record PurgeResult(String fileId, int grantsDeleted, int downloadsCut) {}

  /** A revoked grant, and how many of its downloads were streaming (cut at their next chunk). */
  public record RevokedGrant(Grant grant, int downloadsCut, boolean already) {}

  public List<IdentityView> listIdentities(Caller c) {
    return act(c, "admin.identity.list", "", Map.of(), repository::listIdentities);
  }

  public IdentityView addIdentity(Caller c, String name, Role role) {
    return write(c, "admin.identity.add", identityObject(name), Map.of("role", role == null ? "" : role.key()),
        Exclusion.STANDING, () -> {
      RequestFields.identity("identity", name);
      if (role == null) {
        throw new InvalidRequestException(Reason.INVALID_REQUEST,
            "role is empty or unknown; it must be transferor, acquirer or admin");
      }
      identities.add(name, role);
      // round AQ: the most consequential act there is (an admin made) left no line in the server log
      LOG.warn("identity '{}' added as {} by admin '{}'", name, role.key(), c.principal().identity());
      return view(name);
    });
  }

  public Switched disableIdentity(Caller c, String name, String reason) {
    Map<String, String> details = new java.util.TreeMap<>(reasonDetail(reason));
    return write(c, "admin.identity.disable", identityObject(name), details, Exclusion.STANDING, () -> {
      requireOther(c, name, "disable");
      // claims that lapsed before this act are settled as of before it: the owner's disable spares the holders of its
      // grants' claims that lapse while it lasts, not those whose window had ended
      grants.settleClaims();
      String who = existing(name);
      // its grants are suspended: the downloads of them being served as the disable takes effect are counted then,
      // under the download lock (one whose own chunk check sees the disable first and ends itself is counted too:
      // round CK's answer said 0 downloads cut), and closed at once after it, not at their next chunk, which a client
      // that stopped reading never asks for. A refused disable (a revoked identity: REVOKED_IDENTITY; a failed write)
      // closes nothing and tells no recipient that the sender is disabled.
      GrantService.Counted<Boolean> disabled = grants.cuttingDownloadsOfOwner(who,
          () -> identities.setEnabled(who, false));
      boolean changed = disabled.result();
      sessions.closeDownloads(d -> d.owner().equals(who), Reason.GRANT_SUSPENDED, "the grant's sender '" + name
          + "' is disabled by an admin, so its grants cannot be downloaded until an admin enables it again; the"
          + " download was stopped; ask the sender or an admin");
      int cut = disabled.downloadsCut();
      details.put(CHANGED, Boolean.toString(changed)); // an auditor tells a disable from a repeat of one
      logAct(c, name, "disabled", changed, reason);
      // closed even if it was disabled already: nothing of a disabled identity may stay open
      int closed = sessions.closeIdentity(name, Reason.IDENTITY_DISABLED, disabledCut(who));
      return new Switched(view(name), closed, cut, changed);
    });
  }

  public Switched enableIdentity(Caller c, String name) {
    Map<String, String> details = new java.util.TreeMap<>();
    return write(c, "admin.identity.enable", identityObject(name), details, Exclusion.STANDING, () -> {
      grants.settleClaims(); // (those that lapsed while it was disabled, as such: not counted; round AT)
      boolean changed = identities.setEnabled(existing(name), true); // a revoked identity: REVOKED_IDENTITY
      details.put(CHANGED, Boolean.toString(changed));
      logAct(c, name, "enabled", changed, null);
      return new Switched(view(name), 0, 0, changed);
    });
  }

  /**
   * Revokes an identity (or one certificate of it, by serial): live sessions closed on every door,
   * handshakes and SFTP logins refused.
   */
  public Closed revokeIdentity(Caller c, String name, String serialHex, String reason) {
    boolean certOnly = serialHex != null && !serialHex.isEmpty();
    // the serial as the server stores and compares it, and only if it is one: not what was typed or pasted there
    String canonical = certOnly ? canonicalSerial(serialHex) : "";
    Map<String, String> details = new java.util.TreeMap<>(reasonDetail(reason));
    if (!canonical.isEmpty()) {
      details.put("serial", canonical);
    }
    String action = certOnly ? "admin.certificate.revoke" : "admin.identity.revoke";
    return writeThen(c, action, identityObject(name), details, Exclusion.STANDING, () -> {
      if (!certOnly) {
        requireOther(c, name, "revoke");
      }
      existing(name);
      if (certOnly) {
        if (canonical.isEmpty()) {
          throw new InvalidRequestException(Reason.INVALID_REQUEST, "certificate serial is malformed; it must be 1 to"
              + " 64 hexadecimal digits, as `openssl x509 -noout -serial` prints it");
        }
        String serial = canonical;
        // an admin's other certificate (a stolen one it has renewed away from) is its to revoke: a sole admin could not
        // (review ED); the one it is connected with is not, whatever CA issued it, nor another's under its own name
        if (c.principal().identity().equals(name) && serial.equals(CertificatePolicy.serialOf(c.principal()
            .certificate()))) {
          throw new PreconditionFailedException(Reason.SELF_ACTION_REFUSED, "certificate serial "
              + CertificatePolicy.shown(serial) + " is the one you are connected with; an admin cannot revoke the"
              + " certificate it uses: connect with another certificate of yours to revoke this one, or ask another"
              + " admin");
        }
        requireNotOwnCertificate(c, name, serial);
        List<String> seenAs = seenAs(name, serial);
        // Scoped to the named identity: the CA issues certificates without telling the server, so the revocation
        // is matched against the presented certificate's subject CN and never refuses another identity.
        boolean changed = identities.revokeCertificateOf(name, serial);
        // one certificate, said so: "identity 'alice' revoked (certificate ...)" read as the identity's revocation
        String why = reason == null || reason.isBlank() ? "" : ": " + trim(reason);
        LOG.warn("certificate serial {} of identity '{}' {} by admin '{}'{}", serial, name,
            changed ? "revoked" : "was revoked already; asked again, nothing changed,", c.principal().identity(), why);
        details.put("seen", Boolean.toString(!seenAs.isEmpty()));
        // an auditor tells a revocation from a repeat of one, as for an identity (outside test: a repeat read as new)
        details.put(CHANGED, Boolean.toString(changed));
        // closed again even on a repeat: nothing of a revoked certificate may stay open
        Closed closed = new Closed(view(name), sessions.closeCertificate(name, serial, Reason.CERTIFICATE_REVOKED,
            CERTIFICATE_REVOKED_CUT), 0, 0, changed, seenAs);
        return () -> closed;
      }
      boolean changed = !identities.isRevoked(name);
      Instant now = clock.instant();
      // the downloads of its grants being served as the revocation takes effect are counted then, under the download
      // lock, as for a disable (one that ends itself at its next chunk is counted too), and closed at once after it
      // the record of each grant it ended is written with the write, under the admin's lock and the downloads' lock
      // that a file's delete or purge takes too, so that no act on those grants is recorded before it (review RK: a
      // second admin's revoke, told "nothing changed", and a sender's delete of a granted file came first); none waits
      // for the disk (review DT: one fsync each held every other act): the act's own record makes them durable
      boolean[] written = {false};
      GrantService.Counted<List<Grant>> revocation;
      int closed;
      try {
        revocation = grants.cuttingDownloadsOfOwner(name, () -> {
          List<AdminRepository.EndedGrant> ended = repository.revokeIdentityAndGrants(name, now);
          written[0] = true;
          // after the write: an error record (act) then says whether it took effect
          details.put(CHANGED, Boolean.toString(changed)); // an auditor tells a revocation from a repeat of one
          return revokedGrantsRecorded(c, name, reason, now, ended);
        });
      } finally {
        // closed and revoked again even on a repeat: nothing of a revoked identity may stay open, also when its
        // records could not be written (review RL)
        closed = written[0] ? sessions.closeIdentity(name, Reason.CERTIFICATE_REVOKED, IDENTITY_REVOKED_CUT) : 0;
        if (written[0]) {
          sessions.closeDownloads(d -> d.owner().equals(name), Reason.GRANT_REVOKED, GRANT_REVOKED_CUT);
        }
      }
      logAct(c, name, "revoked", changed, reason);
      Closed done = new Closed(view(name), closed, revocation.result().size(), revocation.downloadsCut(), changed,
          List.of());
      return () -> done;
    });
  }

  /** One {@code grant.revoke} record per grant an identity's revocation ended, not waiting for the disk; those grants. */
  private List<Grant> revokedGrantsRecorded(Caller c, String name, String reason, Instant now,
      List<AdminRepository.EndedGrant> ended) {
    List<Grant> revoked = new java.util.ArrayList<>();
    for (AdminRepository.EndedGrant e : ended) {
      Grant g = e.before();
      if (e.deliveredCounted()) {
        grants.auditCountedAtRevokeWithinAct(g.recipient(), g);
      }
      if (!e.revoked()) {
        continue; // its delivered download used it up: CONSUMED, not revoked
      }
      revoked.add(g);
      // the details every record about a grant carries, so an auditor finds it by grant-id (as grant.purge)
      Map<String, String> grantDetails = new java.util.TreeMap<>(reasonDetail(reason));
      grantDetails.put("grant-id", g.id());
      grantDetails.put("file-id", g.fileId());
      grantDetails.put("state", g.asOf(now).state().name().toLowerCase(Locale.ROOT));
      grantDetails.put("cause", dev.sealdrop.server.core.identity.IdentityService.IDENTITY_REVOKED);
      grantDetails.put("identity", name);
      audit.recordWithoutWaiting(c.principal().identity(), "grant.revoke", "grant:" + g.id(), "ok", c.peer(),
          grantDetails);
    }
    return revoked;
  }

  /**
   * A page of every grant, or those in one state, of one owner or to one recipient, newest first ({@link Page}).
   * {@code stateFilter} gives the state (null: any); it is read within the act, so that a door's refusal of a state it
   * does not know is recorded as this listing's (review DR: it left no record). {@code pageSize} 0 is the default.
   */
  public Page<Grant> listGrants(Caller c, Supplier<GrantState> stateFilter, String owner, String recipient,
      int pageSize, String pageToken) {
    return act(c, "admin.grant.list", "", Map.of(), () -> {
      GrantState state = stateFilter.get();
      existingFilter("owner", owner);
      existingFilter("recipient", recipient);
      Page.Request page = Page.Request.of(pageSize, pageToken);
      Instant now = clock.instant();
      GrantState stored = state == GrantState.EXPIRED ? GrantState.ACTIVE : state;
      List<Grant> read = repository.listGrants(stored, blankToNull(owner), blankToNull(recipient), page.after(),
          page.size());
      return Page.of(page, read, g -> new Page.After(g.createdAt(), g.id()), read.stream().map(g -> g.asOf(now))
          .filter(g -> state == null || g.state() == state).toList());
    });
  }

  public RevokedGrant revokeGrant(Caller c, String grantId, String reason) {
    Map<String, String> details = new java.util.TreeMap<>(reasonDetail(reason));
    // as on every record about a grant, so an auditor finds it by grant-id; a malformed one is not recorded
    String named = RequestFields.idOrEmpty(GrantService.GRANT_PREFIX, grantId);
    if (!named.isEmpty()) {
      details.put("grant-id", named);
    }
    return write(c, "admin.grant.revoke", Audit.object("grant", named), details, Exclusion.SHARED, () -> {
      GrantService.Revoked r = grants.revokeCounting(c.principal(), grantId); // which also cuts its downloads
      details.put("changed", Boolean.toString(!r.already()));
      return new RevokedGrant(r.grant(), r.downloadsCut(), r.already());
    });
  }

  /**
   * A lockdown switched: its state now and, when it was turned on while already on (or off while already
   * off), the state it replaced (whose reason, admin and time are now the caller's), so that the admin is
   * told that the switch was already in that position.
   */
  public record LockdownSwitch(LockdownState state, java.util.Optional<LockdownState> replaced,
      java.util.OptionalInt transfersCut) {}

  public LockdownSwitch setLockdown(Caller c, boolean on, String reason) {
    Map<String, String> details = new java.util.TreeMap<>(reasonDetail(reason));
    // on waits only for the acts that change a standing (short: their records are written after): a disabled admin's
    // on lands no more after its disable (review DU); off excludes every act, so that two lifts at once do not both
    // take the switch from on (the second overwrote who lifted it: round DA)
    return write(c, on ? "lockdown.on" : "lockdown.off", "server", details, on ? Exclusion.SHARED_FIRST
        : Exclusion.STANDING,
        () -> {
      if (on && (reason == null || reason.isBlank())) {
        throw new InvalidRequestException(Reason.REASON_REQUIRED, "give a reason to lock the server down");
      }
      String given = trim(reason);
      LockdownState current = lockdown.state();
      if (!on && !current.on()) {
        // lifting a lockdown that is off changes nothing: the state keeps who lifted it and when (outside test: a
        // redundant `off` overwrote both, and `status` then named the wrong admin); audited as the act it is
        LOG.info("lockdown off requested by '{}': it was off already (since {})", c.principal().identity(),
            current.changedAt());
        details.put(CHANGED, "false"); // round DA: a redundant off read as a lift, unless one looked at the record before
        return new LockdownSwitch(current, java.util.Optional.of(current), java.util.OptionalInt.empty());
      }
      // claims that lapsed before the switch are settled as of before it (round AT: one that lapsed during a lockdown
      // but was swept after its lift was counted as interrupted; one that lapsed before it, swept during it, was not)
      grants.settleClaims();
      LockdownState before = lockdown.set(new LockdownState(on, given, c.principal().identity(), clock.instant()));
      details.put(CHANGED, Boolean.toString(before.on() != on)); // an `on` while on replaces only its reason
      LOG.warn("lockdown {} by '{}'{}", on ? "ON" : "lifted", c.principal().identity(),
          given.isEmpty() ? " (no reason given)" : ": " + given);
      java.util.OptionalInt cut = java.util.OptionalInt.empty();
      if (on) {
        // Streams already running are cut now, not only at their next chunk: a stalled one too.
        cut = java.util.OptionalInt.of(sessions.closeTransfers(Reason.LOCKED_DOWN,
            "the transfer was cut when an admin turned the lockdown on; re-run it once the lockdown is lifted"));
        LOG.warn("lockdown: {} transfer stream(s) in flight cut", cut.getAsInt());
      }
      return new LockdownSwitch(lockdown.state(), java.util.Optional.of(before).filter(b -> b.on() == on), cut);
    });
  }

  public LockdownState lockdown(Caller c) {
    return act(c, "admin.lockdown.get", "server", Map.of(), lockdown::state);
  }

  /** A page of every stored file, or one owner's, newest first ({@link Page}); {@code pageSize} 0 is the default. */
  public Page<FileView> listFiles(Caller c, String owner, int pageSize, String pageToken) {
    return act(c, "admin.file.list", "", Map.of(), () -> {
      existingFilter("owner", owner);
      Page.Request page = Page.Request.of(pageSize, pageToken);
      List<FileView> read = repository.listFiles(blankToNull(owner), clock.instant(), page.after(), page.size());
      return Page.of(page, read, f -> new Page.After(f.createdAt(), f.id()), read);
    });
  }

  /**
   * Deletes a file's ciphertext and every grant that points to it; its streaming downloads are cut.
   * Each grant the purge deletes gets its own {@code grant.purge} record (the state it was in), so
   * that every grant's history ends with a record that names it.
   */
  public PurgeResult purgeFile(Caller c, String givenFileId, String reason) {
    String named = RequestFields.idOrEmpty(dev.sealdrop.server.core.upload.UploadService.FILE_PREFIX, givenFileId);
    return write(c, "admin.file.purge", Audit.object("file", named), reasonDetail(reason), Exclusion.SHARED,
        () -> {
      String fileId = RequestFields.id("file_id",
          dev.sealdrop.server.core.upload.UploadService.FILE_PREFIX, givenFileId, "`sealdrop admin files list`");
      FileRemoval.Removed removed = removal.remove(c.principal().identity(), c.peer(), fileId, null,
          PurgedGrant.Cause.ADMIN, reasonDetail(reason)).orElseThrow(() -> new NotFoundException(Reason.NOT_FOUND,
              grants.purgedFile(fileId).map(when -> "no file " + fileId + " any more: " + when + "; nothing is left to"
                  + " purge").orElse("no file " + fileId + "; see admin files list")));
      return new PurgeResult(fileId, removed.grantsDeleted(), removed.downloadsCut());
    });
  }

  /** Audits an admin action that the door performs itself (export, tail). */
  public <T> T audited(Caller c, String action, Supplier<T> work) {
    return act(c, action, "audit-log", Map.of(), work);
  }

  /**
   * Acts that change an identity's standing (add, disable, enable, revoke), and a lockdown's lift, hold this
   * exclusively; the other acts that change something (a grant's revocation, a purge, turning the lockdown on) hold it
   * shared ({@link #write}).
   */
  private final java.util.concurrent.locks.ReentrantReadWriteLock standing =
      new java.util.concurrent.locks.ReentrantReadWriteLock(true);
  /** Acts waiting for {@link #standing} now (past every check but their admin's fresh one). */
  private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
  /** How long an act waits for another admin's to end before it is refused as busy (the CLI gives up at 30 s). */
  public static final long WAIT_SECONDS = 20;

  /** What an act that changes something excludes while its admin's standing is checked and it runs. */
  private enum Exclusion {
    /** Every other act that changes something: it changes an identity's standing. */
    STANDING,
    /** Acts that change an identity's standing, not each other. */
    SHARED,
    /**
     * As {@link #SHARED}, ahead of the acts queued for the lock: turning the lockdown on waits for an act that changes
     * a standing while it runs (short), never for those queued behind a long purge (review DW: queued so, it could be
     * refused busy, the server left open, while admins acted at once).
     */
    SHARED_FIRST
  }

  /**
   * An {@link #act} that changes something, carried out after a fresh check of its admin's standing (the identity
   * enabled, neither it nor the certificate revoked), which no act changing a standing can pass meanwhile: an admin
   * disabled or revoked by another's act acts no more, whatever the interceptors saw when its call came in. Review DR:
   * two admins could disable each other, both acts landing and leaving the server with no admin; an act already past
   * the interceptors when its admin was revoked still landed. Acts that only read wait for none of these.
   */
  private <T> T write(Caller c, String action, String object, Map<String, String> details, Exclusion exclusion,
      Supplier<T> work) {
    return writeThen(c, action, object, details, exclusion, () -> {
      T result = work.get();
      return () -> result;
    });
  }

  /**
   * {@link #write}, whose {@code work} returns what remains to be done once the others may act again (review DT: an
   * identity's revocation wrote one audit record per grant it ended, thousands of fsyncs, while every other admin
   * act waited). An act that waits longer than {@value #WAIT_SECONDS} s is refused as busy, and one whose caller gave
   * up while it waited is not carried out.
   */
  private <T> T writeThen(Caller c, String action, String object, Map<String, String> details, Exclusion exclusion,
      Supplier<Supplier<T>> work) {
    return act(c, action, object, details, () -> {
      java.util.concurrent.locks.Lock lock = exclusion == Exclusion.STANDING ? standing.writeLock()
          : standing.readLock();
      Supplier<T> rest;
      waiting.incrementAndGet();
      try {
        if (exclusion == Exclusion.SHARED_FIRST) {
          waitAheadFor(lock);
        } else {
          waitFor(lock);
        }
      } finally {
        waiting.decrementAndGet();
      }
      try {
        if (c.givenUp().getAsBoolean()) {
          throw new dev.sealdrop.server.core.UnavailableException(Reason.SERVER_BUSY, "the call was given up (cancelled,"
              + " or past its deadline) while it waited for another admin's act; nothing was done");
        }
        identities.authenticate(c.principal().certificate(), c.principal().origin())
            .require(Role.ADMIN, "use admin operations");
        rest = work.get();
      } finally {
        lock.unlock();
      }
      return rest.get();
    });
  }

  private static void waitFor(java.util.concurrent.locks.Lock lock) {
    try {
      if (!lock.tryLock(WAIT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
        throw busy();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw busy();
    }
  }

  /**
   * Takes {@code lock} (a read lock) as soon as no act that changes a standing holds the write lock, whoever is queued:
   * the untimed {@code tryLock} does not keep to the lock's fair order.
   */
  private static void waitAheadFor(java.util.concurrent.locks.Lock lock) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
    while (!lock.tryLock()) {
      if (System.nanoTime() - deadline > 0 || Thread.currentThread().isInterrupted()) {
        throw busy();
      }
      java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static dev.sealdrop.server.core.LimitExceededException busy() {
    return new dev.sealdrop.server.core.LimitExceededException(Reason.SERVER_BUSY, "server busy: another admin's act"
        + " is still running; nothing was done: try again in a moment");
  }

  private <T> T act(Caller c, String action, String object, Map<String, String> details, Supplier<T> work) {
    synchronized (inFlight) {
      inFlight[0]++;
    }
    try {
      return recordedAct(c, action, object, details, work);
    } finally {
      synchronized (inFlight) {
        inFlight[0]--;
        inFlight.notifyAll();
      }
    }
  }

  /** How many acts are running: a graceful stop waits for them before the log's stop record ({@link #awaitActs}). */
  private final int[] inFlight = new int[1];

  /**
   * Waits until no admin act is running, at most {@code timeout}; whether none is. A stop calls it before the audit log's
   * stop record, after which the log takes none (review RK: an identity's revocation still writing its records lost
   * them, and its own, under a stop recorded as clean).
   */
  public boolean awaitActs(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (inFlight) {
      while (inFlight[0] > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(inFlight, left);
      }
      return true;
    }
  }

  private <T> T recordedAct(Caller c, String action, String object, Map<String, String> details, Supplier<T> work) {
    T result;
    try {
      c.principal().require(Role.ADMIN, "use admin operations");
      result = work.get();
    } catch (SealdropException e) {
      audit.record(c.principal().identity(), action, object, Audit.resultOf(e), c.peer(), details);
      logRefused(c, action, object, Audit.resultOf(e));
      throw e;
    } catch (IllegalArgumentException e) {
      // a value the request gave that a rule below the checks refused: a malformed request, as RequestFields' are
      InvalidRequestException refusal = new InvalidRequestException(Reason.INVALID_REQUEST, e.getMessage());
      audit.record(c.principal().identity(), action, object, Audit.resultOf(refusal), c.peer(), details);
      logRefused(c, action, object, Audit.resultOf(refusal));
      throw refusal;
    } catch (RuntimeException e) {
      // the server failed (its database, a full disk): the attempt is recorded all the same, as a grant act's is (an
      // admin's disable or revocation left no record); a detail `changed` says whether its write had taken effect
      try {
        audit.record(c.principal().identity(), action, object, Audit.resultOf(e), c.peer(), details);
      } catch (RuntimeException alsoAudit) {
        e.addSuppressed(alsoAudit);
      }
      LOG.warn("failed: {} by '{}'{} ({}) from {}", action, c.principal().identity(),
          object.isEmpty() ? "" : " on " + object, Audit.resultOf(e), c.peer()); // the door logs its stack trace
      throw e;
    }
    // outside the try: an audit log that fails here does not also record the act as failed (review CO)
    audit.record(c.principal().identity(), action, object, "ok", c.peer(), details);
    return result;
  }

  /** A refused admin act, as its audit record names it (round AQ: the server log had no line of it). */
  private static void logRefused(Caller c, String action, String object, String result) {
    LOG.info("refused: {} by '{}'{} ({}) from {}", action, c.principal().identity(),
        object.isEmpty() ? "" : " on " + object, result, c.peer());
  }

  /**
   * A certificate serial as the server stores and compares it ({@link CertificatePolicy#serialOf}: lower-case hex
   * without leading zeros), or "" if {@code given} is not 1 to 64 hexadecimal digits.
   */
  static String canonicalSerial(String given) {
    return given != null && SERIAL.matcher(given).matches() ? new java.math.BigInteger(given, 16).toString(16) : "";
  }

  /** The audit object of an act on identity {@code name}: "identity:" alone if it is not an identity name. */
  private String identityObject(String name) {
    return "identity:" + RequestFields.identityOrEmpty(name, n -> identities.find(n).isPresent());
  }

  private String existing(String name) {
    RequestFields.identity("identity", name, n -> identities.find(n).isPresent());
    if (identities.find(name).isEmpty()) {
      throw new NotFoundException(Reason.NOT_FOUND, "no identity '" + name + "'; see admin identities list");
    }
    return name;
  }

  /**
   * A listing filtered by an identity that does not exist is refused, not answered with an empty list: identities
   * are never deleted, so such a name is a typo ({@code --owner alcie}), and "(none)" would tell the admin that
   * the identity they meant has no grants or files.
   */
  private void existingFilter(String filter, String name) {
    if (name == null || name.isBlank()) {
      return; // no filter
    }
    RequestFields.identity(filter, name, n -> identities.find(n).isPresent());
    if (identities.find(name).isEmpty()) {
      throw new NotFoundException(Reason.NOT_FOUND, "no identity '" + name + "' (the " + filter
          + " to list by); see admin identities list");
    }
  }

  private static void requireOther(Caller c, String name, String verb) {
    if (c.principal().identity().equals(name)) {
      throw new PreconditionFailedException(Reason.SELF_ACTION_REFUSED,
          "an admin cannot " + verb + " itself; ask another admin");
    }
  }

  /**
   * Where the server has seen the certificate {@code serial} speak for {@code name} ({@link KnownCertificates}); a
   * serial it has seen only for other identities is refused, as {@link Reason#CERTIFICATE_OF_ANOTHER_IDENTITY}:
   * revoked under {@code name} it would not stop the certificate (a revocation is matched against the presented
   * certificate's identity), while the admin would believe it stopped. A serial seen nowhere is revoked ahead (a
   * stolen certificate never used here), and the answer says that the server had not seen it.
   */
  private List<String> seenAs(String name, String serial) {
    List<KnownCertificates.Sighting> sightings = known.withSerial(serial);
    List<String> ofName = sightings.stream().filter(s -> s.identity().equals(name)).map(KnownCertificates.Sighting::where)
        .toList();
    if (ofName.isEmpty() && !sightings.isEmpty()) {
      String owner = sightings.get(0).identity();
      String where = String.join("; ", sightings.stream().filter(s -> s.identity().equals(owner))
          .map(KnownCertificates.Sighting::where).toList());
      String shown = CertificatePolicy.shown(serial);
      throw new PreconditionFailedException(Reason.CERTIFICATE_OF_ANOTHER_IDENTITY, "certificate serial " + shown
          + " is not one of '" + name + "': it is a certificate of '" + owner + "' (" + where + "); nothing was"
          + " revoked. Revoked under '" + name + "' it would still be accepted as '" + owner + "'s. To revoke it:"
          + " sealdrop admin identities revoke " + owner + " --certificate " + shown);
    }
    return ofName;
  }

  /**
   * The one certificate whose owner the core always knows is the caller's own: a serial of the
   * deployment CA names exactly one certificate, so if it is the caller's it is not one of
   * {@code name}'s, and revoking it would be the admin revoking itself under another name.
   */
  private void requireNotOwnCertificate(Caller c, String name, String serial) {
    java.security.cert.X509Certificate own = c.principal().certificate();
    if (serial.equals(CertificatePolicy.serialOf(own)) && issuer.equals(CertificatePolicy.issuerOf(own))) {
      throw new PreconditionFailedException(Reason.SELF_ACTION_REFUSED, "certificate serial " + CertificatePolicy.shown(serial)
          + " is your own certificate, not one of '" + name + "'; an admin cannot revoke itself: check the serial,"
          + " or ask another admin");
    }
  }

  private IdentityView view(String name) {
    return repository.listIdentities().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow(() ->
        new NotFoundException(Reason.NOT_FOUND, "no identity '" + name + "'"));
  }

  /**
   * The server log's line for an admin's act on an identity: which identity, what, by which admin, and why; a repeat
   * that changed nothing says so.
   */
  private static void logAct(Caller c, String name, String done, boolean changed, String reason) {
    String why = reason == null || reason.isBlank() ? "" : ": " + trim(reason);
    if (changed) {
      LOG.warn("identity '{}' {} by admin '{}'{}", name, done, c.principal().identity(), why);
    } else {
      LOG.warn("identity '{}' was {} already; admin '{}' asked again, nothing changed{}", name, done,
          c.principal().identity(), why);
    }
  }

  private static Map<String, String> reasonDetail(String reason) {
    return reason == null || reason.isBlank() ? Map.of() : Map.of("reason", trim(reason));
  }

  /**
   * The admin's reason as it is stored, logged, audited and answered: stripped, cut to {@link #MAX_REASON}, and
   * with control characters (newlines, escape sequences) and bidirectional controls replaced by U+FFFD, so that a
   * reason cannot
   * forge lines in the server's log or rewrite an operator's terminal. A grant token or claim id pasted into it
   * (the leaked token a lockdown is about), or a token's secret without its prefix, is redacted first ({@link
   * SecretRedaction#redactBare}): the database keeps tokens only
   * as hashes, and the lockdown's reason is stored there and shown to every admin.
   */
  private static String trim(String reason) {
    String r = reason == null ? "" : SecretRedaction.redactBare(reason).strip();
    // characters, not UTF-16 units: a cut inside a surrogate pair would leave half an emoji behind
    r = r.codePointCount(0, r.length()) > MAX_REASON ? r.substring(0, r.offsetByCodePoints(0, MAX_REASON)) : r;
    StringBuilder clean = new StringBuilder(r.length());
    r.codePoints().forEach(cp -> clean.appendCodePoint(unsafeInText(cp) ? 0xFFFD : cp));
    return clean.toString();
  }

  /**
   * Control characters, line and paragraph separators, and the bidirectional controls that reorder how the text
   * around them is shown (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C): a reason shown to every admin and
   * handed out in the audit export must read as it is stored (round BY: U+202E came back as sent).
   */
  private static boolean unsafeInText(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
        || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F
        || cp == 0x061C;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** Deletes rows first, then the blob: a crash in between leaves an orphan blob (recovery deletes it). */
  static final class Purger {
    private Purger() {}

    /**
     * Deletes the rows of file {@code fileId}, runs {@code recorded} (its audit record) and then deletes its ciphertext
     * (round BM: a retention purge cut by a crash while it deleted a large file lost its record).
     */
    static java.util.Optional<List<Grant>> purge(AdminRepository repository, BlobStore blobs, String fileId,
        PurgedGrant.Cause cause, Instant now, Runnable recorded) {
      java.util.Optional<List<Grant>> deleted = repository.deleteFile(fileId, cause, now);
      if (deleted.isPresent()) {
        try {
          recorded.run();
        } finally {
          deleteBlob(blobs, fileId);
        }
      }
      return deleted;
    }

    /**
     * Deletes a removed file's ciphertext, its rows already gone; run even if its records could not be written (round
     * BN: it stayed, named by no row). A failure is left to startup recovery.
     */
    static void deleteBlob(BlobStore blobs, String fileId) {
      try {
        blobs.deleteBlob(fileId);
      } catch (IOException e) {
        LOG.warn("purged file {}: its blob could not be deleted now ({}); startup recovery removes it", fileId,
            e.toString());
      }
    }
  }
}
