package dev.sealdrop.server.core.identity;

import dev.sealdrop.server.core.Reason;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

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
  /** How a door closes one of its sessions, translating the reason into its own protocol. */
  @FunctionalInterface
  public interface Closer {
    /** Closes the session at once; false if it had already ended (it is then not counted). */
    boolean close(Reason reason, String why);
  }

  /** One live session; {@link #end} it when it ends, whoever closed it. */
  public final class Registration {
    private final String identity;
    private final String serial;
    private final String door;
    private final boolean transfer;
    private final Closer closer;
    /** For a download: what it serves, which a revocation, purge or the owner's disable cuts; else null. */
    private final Download download;

    private Registration(String identity, String serial, String door, boolean transfer, Closer closer,
        Download download) {
      this.identity = identity;
      this.serial = serial;
      this.door = door;
      this.transfer = transfer;
      this.closer = closer;
      this.download = download;
    }

    /** The session ended: it is no longer live (idempotent). */
    public void end() {
      live.remove(this);
    }
  }

  private final Set<Registration> live = ConcurrentHashMap.newKeySet();

  /**
   * Registers a session of {@code caller} (identity, certificate serial and door are taken from it);
   * {@code transfer}: an upload or download stream, which a lockdown cuts.
   */
  public Registration register(Principal caller, boolean transfer, Closer closer) {
    return add(caller, transfer, closer, null);
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
    return add(caller, true, closer, Objects.requireNonNull(download, "download"));
  }

  private Registration add(Principal caller, boolean transfer, Closer closer, Download download) {
    Registration r = new Registration(caller.identity(), CertificatePolicy.serialOf(caller.certificate()),
        caller.origin().door(), transfer, Objects.requireNonNull(closer, "closer"), download);
    live.add(r);
    return r;
  }

  @Override
  public int closeIdentity(String identity, Reason reason, String why) {
    return closeWhere(r -> r.identity.equals(identity), reason, why);
  }

  @Override
  public int closeCertificate(String identity, String serialHex, Reason reason, String why) {
    return closeWhere(r -> r.identity.equals(identity) && r.serial.equals(serialHex), reason, why);
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
    return live.remove(r) && r.closer.close(reason, why);
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
    int n = 0;
    for (Registration r : live) {
      // removed first, so that two concurrent closes (two admins) count a session once
      if (match.test(r) && live.remove(r) && r.closer.close(reason, why)) {
        n++;
      }
    }
    return n;
  }
}
