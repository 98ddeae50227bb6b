package dev.sealdrop.server.core.identity;

import dev.sealdrop.server.core.Reason;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one registry of live sessions, for every door: a gRPC call registers when its caller is
 * authenticated and an SFTP session when it logs in; each deregisters when it ends. Which of them
 * an admin's disable or revocation, or a lockdown, closes is decided here, once for both doors —
 * by identity, by the serial of the certificate the caller authenticated with (over SFTP: the one
 * its key was registered with), or by being a transfer stream — and the counts returned are the
 * sessions of every door that this call closed. A door only says how to close one of its own
 * sessions ({@link Closer}).
 */
public final class LiveSessions implements SessionRegistry {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");

  /** How a door closes one of its sessions, translating the reason into its own protocol. */
  @FunctionalInterface
  public interface Closer {
    /** Closes the session at once; false if it had already ended (it is then not counted). */
    boolean close(Reason reason, String why);
  }

  /** One live session; {@link #end} it when it ends, whoever closed it. */
  public final class Registration {
    private final String identity;
    /** The serial of the certificate it acts with; another once it followed its key to a renewed one. */
    private volatile String serial;
    private final String door;
    private final boolean transfer;
    private final Closer closer;
    /** For a download: what it serves, which a revocation, purge or the owner's disable cuts; else null. */
    private final Download download;
    /** How its caller is authenticated again when a certificate of its identity is revoked; null: it is not. */
    private final Supplier<Principal> again;

    private Registration(String identity, String serial, String door, boolean transfer, Closer closer,
        Download download, Supplier<Principal> again) {
      this.identity = identity;
      this.serial = serial;
      this.door = door;
      this.transfer = transfer;
      this.closer = closer;
      this.download = download;
      this.again = again;
    }

    /** The session ended: it is no longer live (idempotent). */
    public void end() {
      live.remove(this);
    }

    /**
     * Closes it for {@code reason}, unless it was closed or ended already; whether it was closed now (and counts). Asked
     * for the revocation of a certificate of its identity ({@code revokedSerial}), one whose credential is not a
     * certificate (an SSH key, which {@code keys renew} binds to the renewed certificate) is authenticated again first,
     * whatever certificate it was registered under: refused as revoked, or still acting with the revoked certificate, it
     * is closed (refused for another cause, it is left to its own checks unless it was registered under the revoked one);
     * standing under another one, it goes on, registered as that one's, neither closed nor counted (review DH for SFTP
     * sessions, review RO for the uploads and downloads they had open; review RR: one registered under the old
     * certificate was not found when the renewed one was revoked first). It stays in the registry while that is
     * decided, so that an act that cuts it meanwhile (its grant's revoke, a purge) finds it (review RR). One without
     * that credential is closed only for the certificate it acts with.
     */
    private boolean closeFor(Reason reason, String why, String revokedSerial) {
      if (revokedSerial != null) {
        if (again == null) {
          if (!serial.equals(revokedSerial)) {
            return false;
          }
        } else {
          Principal p = null;
          Reason refused = null;
          try {
            p = again.get();
          } catch (dev.sealdrop.server.core.SealdropException e) {
            refused = e.reason();
          } catch (RuntimeException e) {
            // the check itself failed (a database error): decided below as a refusal of no known cause
          }
          String now = p != null && p.identity().equals(identity) ? CertificatePolicy.serialOf(p.certificate()) : null;
          if (now == null && refused != Reason.CERTIFICATE_REVOKED && !serial.equals(revokedSerial)) {
            // refused for a cause of its own (an expired certificate, a removed key) or not checked, and not the
            // revoked certificate's: its own checks end it, with that cause (review RS: it was closed as this
            // revocation's, counted, and a gRPC download left the registry while its call went on)
            return false;
          }
          if (now != null && !now.equals(revokedSerial)) {
            String before = serial;
            serial = now;
            if (before.equals(revokedSerial)) {
              LOG.info("{} {} of '{}' goes on: it acts with certificate serial {} now, not the revoked {}", door,
                  transfer ? (download != null ? "download" : "upload") : "session", identity,
                  CertificatePolicy.shown(now), CertificatePolicy.shown(revokedSerial));
            }
            return false;
          }
        }
      }
      // removed first, so that two concurrent closes (two admins, an admin and an owner) count it once
      return live.remove(this) && closer.close(reason, why);
    }
  }

  private final Set<Registration> live = ConcurrentHashMap.newKeySet();

  /**
   * Registers a session of {@code caller} (identity, certificate serial and door are taken from it);
   * {@code transfer}: an upload or download stream, which a lockdown cuts.
   */
  public Registration register(Principal caller, boolean transfer, Closer closer) {
    return add(caller, transfer, closer, null, null);
  }

  /**
   * Registers, as {@link #register}, a session whose credential can outlive the certificate {@code caller} acts with
   * (over SFTP, an SSH key): {@code again} authenticates it again, and when it stands under another certificate of the
   * identity by the time the one it was registered with is revoked, it goes on under that one.
   */
  public Registration registerFollowing(Principal caller, boolean transfer, Supplier<Principal> again,
      Closer closer) {
    return add(caller, transfer, closer, null, Objects.requireNonNull(again, "again"));
  }

  /**
   * What a download serves: its grant, the grant's file, the grant's owner (the sender), and the claim it serves (the
   * hash the server keeps of the claim id, never the id).
   */
  public record Download(String grantId, String fileId, String owner, String claimHash) {
    public Download {
      Objects.requireNonNull(claimHash, "claimHash");
      Objects.requireNonNull(grantId, "grantId");
      Objects.requireNonNull(fileId, "fileId");
      Objects.requireNonNull(owner, "owner");
    }
  }

  /**
   * Registers a download stream of {@code caller}: a transfer (a lockdown cuts it) that is also cut
   * when its grant is revoked, its file purged, or the grant's owner disabled or revoked
   * ({@link #closeDownloads}), even while its client is not reading.
   */
  public Registration registerDownload(Principal caller, Download download, Closer closer) {
    return add(caller, true, closer, Objects.requireNonNull(download, "download"), null);
  }

  /** Registers a download stream as {@link #registerDownload}, following its caller as {@link #registerFollowing}. */
  public Registration registerDownload(Principal caller, Download download, Supplier<Principal> again,
      Closer closer) {
    return add(caller, true, closer, Objects.requireNonNull(download, "download"),
        Objects.requireNonNull(again, "again"));
  }

  private Registration add(Principal caller, boolean transfer, Closer closer, Download download,
      Supplier<Principal> again) {
    Registration r = new Registration(caller.identity(), CertificatePolicy.serialOf(caller.certificate()),
        caller.origin().door(), transfer, Objects.requireNonNull(closer, "closer"), download, again);
    live.add(r);
    return r;
  }

  @Override
  public int closeIdentity(String identity, Reason reason, String why) {
    return closeWhere(r -> r.identity.equals(identity), reason, why);
  }

  @Override
  public int closeCertificate(String identity, String serialHex, Reason reason, String why) {
    // those of the identity that follow their credential decide by authenticating again, whatever serial they were
    // registered under; the others are the revoked certificate's if they were registered under it
    return closeWhere(r -> r.identity.equals(identity) && (r.again != null || r.serial.equals(serialHex)), reason,
        why, serialHex);
  }

  @Override
  public int closeTransfers(Reason reason, String why) {
    return closeWhere(r -> r.transfer, reason, why);
  }

  @Override
  public int closeDownloads(Predicate<Download> which, Reason reason, String why) {
    return closeWhere(r -> r.download != null && which.test(r.download), reason, why);
  }

  /** Closes the one session {@code r} at once, unless it was closed or ended already; whether it was closed now. */
  public boolean close(Registration r, Reason reason, String why) {
    return r.closeFor(reason, why, null);
  }

  /** How many upload and download streams are live through {@code door} ({@link Origin#GRPC}, {@link Origin#SFTP}). */
  public int transfers(String door) {
    return (int) live.stream().filter(r -> r.transfer && r.door.equals(door)).count();
  }

  /** How many sessions are live through {@code door} ({@link Origin#GRPC}, {@link Origin#SFTP}). */
  public int count(String door) {
    return (int) live.stream().filter(r -> r.door.equals(door)).count();
  }

  private int closeWhere(Predicate<Registration> match, Reason reason, String why) {
    return closeWhere(match, reason, why, null);
  }

  /** {@code revokedSerial}: the certificate whose revocation this is, or null for any other act. */
  private int closeWhere(Predicate<Registration> match, Reason reason, String why, String revokedSerial) {
    int n = 0;
    for (Registration r : live) {
      if (match.test(r) && r.closeFor(reason, why, revokedSerial)) {
        n++;
      }
    }
    return n;
  }
}
