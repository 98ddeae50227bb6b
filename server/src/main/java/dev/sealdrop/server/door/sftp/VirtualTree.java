package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.PermissionDeniedException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.grant.DownloadSession;
import dev.sealdrop.server.core.grant.Grant;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.grant.GrantState;
import dev.sealdrop.server.core.grant.Redemption;
import dev.sealdrop.server.core.identity.LiveSessions;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.core.upload.UploadSession;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's view of the core, shaped as folders:
 * <pre>
 * /outbox/            write a new file = one upload (validated and committed at close);
 *                     list = the caller's committed files, named by file id
 * /inbox/             list = the active grants addressed to the caller, named FILEID.GRANTID
 *                     (size = the file's size, modification time = the grant's expiry)
 * /redeem/TOKEN       read = redeem the grant and stream its envelope; never listed
 * </pre>
 * Every operation authenticates again ({@link Login#principal}) and calls the core, which decides
 * (roles, ownership, grant rules); this class decides only which core call an SFTP request means.
 */
final class VirtualTree {
  private static final Logger LOG = LoggerFactory.getLogger(VirtualTree.class);
  static final String OUTBOX = "outbox";
  static final String INBOX = "inbox";
  static final String REDEEM = "redeem";
  private static final List<String> FOLDERS = List.of(OUTBOX, INBOX, REDEEM);

  private final Login login;
  private final UploadService uploads;
  private final GrantService grants;
  private final Audit audit;
  /** The throttle of refused calls: a listing's refusal is audited as its gRPC twin's is. */
  private final dev.sealdrop.server.core.audit.RefusalThrottle callRefusals;
  private final LiveSessions sessions;
  private final UploadBudget budget;
  /** When the session's tree was made (its login): the modification time its folders report. */
  private final Instant since = Instant.now();
  /** The names open on this session's channels ({@link OpenNames}): this tree's and its other channels' trees'. */
  private final Map<String, OpenNames.Writing> writing;
  private final Set<String> opening;
  private final Map<String, DownloadChannel> reading;
  private final OpenNames.Committed committed;

  VirtualTree(Login login, UploadService uploads, GrantService grants, Audit audit,
      dev.sealdrop.server.core.audit.RefusalThrottle callRefusals, LiveSessions sessions, UploadBudget budget,
      OpenNames open) {
    this.writing = open.writing;
    this.opening = open.opening;
    this.reading = open.reading;
    this.committed = open.committed;
    this.callRefusals = callRefusals;
    this.budget = budget;
    this.login = login;
    this.uploads = uploads;
    this.grants = grants;
    this.audit = audit;
    this.sessions = sessions;
  }

  VirtualAttributes attributes(VirtualPath path) throws IOException {
    if (path.listed().isPresent()) {
      return path.listed().get(); // an entry of a listing: as it was listed
    }
    List<String> s = path.segments();
    Principal caller = caller();
    if (s.isEmpty()) {
      return VirtualAttributes.folder(caller.identity(), false, since);
    }
    if (s.size() == 1 && FOLDERS.contains(s.get(0))) {
      return folderAttributes(caller, s.get(0));
    }
    if (s.size() == 2) {
      String name = s.get(1);
      switch (s.get(0)) {
        case OUTBOX -> {
          OpenNames.Writing w = writing.get(name);
          if (w != null) {
            return VirtualAttributes.upload(caller.identity(), w.channel().position(), w.started());
          }
          // a name this session committed an upload under answers its stored file (OpenNames#committed), unless the
          // name is itself one of the caller's stored files, which an upload under its name left unchanged (review DO:
          // a stat of f_OLD answered the new file for the rest of the session)
          String committedAs = committed.get(name);
          java.util.Optional<StoredFile> stored = stored(caller, name);
          if (stored.isEmpty() && committedAs != null) {
            stored = stored(caller, committedAs);
          }
          if (stored.isPresent()) {
            return attributesOf(caller, stored.get());
          }
        }
        case INBOX -> {
          java.util.Optional<Grant> listed = inboxEntry(caller, name);
          if (listed.isPresent()) {
            return attributesOf(caller, listed.get());
          }
        }
        case REDEEM -> {
          DownloadChannel r = reading.get(name);
          if (r != null) {
            return VirtualAttributes.file(caller.identity(), r.size(), Instant.now(), true);
          }
          // Looking a token up must not redeem it. Any name "exists" here, and opening it asks the core; a token of
          // a grant the caller can redeem shows the size its download will have (round BU: rclone compared the
          // download with a stat'ed size of 0, deleted it and had used the grant up), any other name 0. Its time is
          // now, so that a client preserving times (OpenSSH's get -p stats before it opens) dates the download.
          long size = core(() -> grants.sizeToRedeem(caller, name)).orElse(0);
          return VirtualAttributes.file(caller.identity(), size, Instant.now(), true);
        }
        default -> { }
      }
    }
    throw new NoSuchFileException(path.toString());
  }

  /**
   * A folder's mode says what the caller may do there (docs/sftp.md): {@code /outbox} is written by transferors,
   * {@code /inbox} and {@code /redeem} read by acquirers; for any other role the core refuses them, and they show no
   * mode (round BP: an acquirer saw {@code /outbox} as writable, and every put was refused).
   */
  private VirtualAttributes folderAttributes(Principal caller, String folder) {
    Role uses = folder.equals(OUTBOX) ? Role.TRANSFEROR : Role.ACQUIRER;
    return caller.role() != uses ? VirtualAttributes.closedFolder(caller.identity(), since)
        : VirtualAttributes.folder(caller.identity(), folder.equals(OUTBOX), since);
  }

  private static VirtualAttributes attributesOf(Principal caller, StoredFile file) {
    return VirtualAttributes.file(caller.identity(), file.size(), file.createdAt(), false);
  }

  private static VirtualAttributes attributesOf(Principal caller, Grant grant) {
    return VirtualAttributes.file(caller.identity(), grant.size(), grant.expiresAt(), false);
  }

  boolean writable(VirtualPath path) {
    List<String> s = path.segments();
    return !s.isEmpty() && s.get(0).equals(OUTBOX) && s.size() <= 2;
  }

  DirectoryStream<Path> list(VirtualPath dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
    List<String> s = dir.segments();
    Principal caller = caller();
    Map<String, VirtualAttributes> names = new java.util.LinkedHashMap<>();
    if (s.size() == 1 && s.get(0).equals(OUTBOX)) {
      return PagedEntries.open(token -> listing("ListFiles", caller, () -> uploads.listFiles(caller, 0, token)),
          f -> true, f -> dir.resolve(f.id()).listedAs(attributesOf(caller, f)), filter);
    }
    if (s.size() == 1 && s.get(0).equals(INBOX)) {
      return PagedEntries.open(token -> listing("ListInbox", caller, () -> grants.inbox(caller, 0, token)),
          g -> g.state() == GrantState.ACTIVE, g -> dir.resolve(inboxName(g)).listedAs(attributesOf(caller, g)),
          filter);
    }
    if (s.isEmpty()) {
      FOLDERS.forEach(f -> names.put(f, folderAttributes(caller, f)));
    } else if (s.size() == 1 && s.get(0).equals(REDEEM)) {
      listing("Redeem", caller, () -> { // the role check of redeeming; tokens are never listed
        grants.requireRedeemer(caller);
        return names;
      });
    } else {
      attributes(dir);
      throw new NotDirectoryException(dir.toString());
    }
    List<Path> entries = new ArrayList<>();
    for (Map.Entry<String, VirtualAttributes> n : names.entrySet()) {
      Path p = dir.resolve(n.getKey()).listedAs(n.getValue());
      if (filter == null || filter.accept(p)) {
        entries.add(p);
      }
    }
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        return entries.iterator();
      }

      @Override
      public void close() {
      }
    };
  }

  SeekableByteChannel open(VirtualPath path, Set<? extends OpenOption> options) throws IOException {
    List<String> s = path.segments();
    boolean write = options.contains(StandardOpenOption.WRITE) || options.contains(StandardOpenOption.APPEND)
        || options.contains(StandardOpenOption.CREATE) || options.contains(StandardOpenOption.CREATE_NEW)
        || options.contains(StandardOpenOption.TRUNCATE_EXISTING);
    Principal caller = caller();
    if (write) {
      if (s.size() != 2 || !s.get(0).equals(OUTBOX)) {
        throw VirtualFileSystemProvider.denied(path, "files can be written only as new files in /outbox/");
      }
      if (options.contains(StandardOpenOption.APPEND) || options.contains(StandardOpenOption.READ)) {
        throw VirtualFileSystemProvider.denied(path, "an upload is written once from the start; no append or read");
      }
      if (!options.contains(StandardOpenOption.CREATE) && !options.contains(StandardOpenOption.CREATE_NEW)) {
        // opening for writing without creating: an existing file. Files in /outbox/ are never rewritten, and an
        // upload is a new file, so there is none to open (sftp's put opens with CREATE; its resume, put -a, stats
        // the name first and stops there).
        throw new NoSuchFileException(path.toString(), null,
            "uploaded files cannot be opened for writing; an upload is a new file (open it with CREATE, as put does)");
      }
      String name = s.get(1);
      if (!options.contains(StandardOpenOption.CREATE_NEW)) {
        return startUpload(caller, name);
      }
      // SSH_FXF_EXCL: refused when the name is there (an upload of it being written or opened in this session, or a
      // stored file's id), as stat answers; round Z: a second EXCL open made a second upload under the same name. Only
      // an uploader may ask: anyone else is refused the upload it opened (round DC), not the lookup
      core(() -> {
        uploads.requireUploader(caller);
        return null;
      });
      if (!opening.add(name)) {
        throw alreadyThere(path);
      }
      try {
        if (exists(caller, name)) {
          throw alreadyThere(path);
        }
        return startUpload(caller, name);
      } finally {
        opening.remove(name); // written (its name now in `writing`) or refused: no longer being opened
      }
    }
    if (s.size() == 2 && s.get(0).equals(REDEEM)) {
      Redemption redemption;
      try {
        redemption = grants.redeem(caller, s.get(1));
      } catch (RuntimeException e) {
        throw SftpErrors.redeemRefused(e); // a malformed token is a name that is not there, as an unknown one
      }
      DownloadSession download;
      try {
        grants.requireSealedForCaller(caller, redemption);
        download = grants.openDownload(caller, redemption.claimSecret(), 0, login::recheck);
      } catch (RuntimeException e) {
        // refused between the redeem and the first byte (a file not sealed for the keys the caller has published, a
        // lockdown that moment, a blob gone, the server busy with max-download-streams downloads): the claim secret
        // lives only here, so give the claim back now instead of stranding it for the claim window
        releaseAfterFailedOpen(caller, redemption);
        throw SftpErrors.toIo(e);
      }
      DownloadChannel channel = new DownloadChannel(login, grants, redemption, download);
      channel.track(download.register(sessions, channel::cut));
      String name = s.get(1);
      reading.put(name, channel);
      channel.whenClosed(() -> reading.remove(name, channel));
      return channel;
    }
    attributes(path);
    throw VirtualFileSystemProvider.denied(path, "only /redeem/TOKEN can be read; uploaded files and inbox entries"
        + " are listed, not downloaded");
  }

  /**
   * Starts the upload that /outbox/NAME opened for writing is. The client's file name is metadata only and is not kept:
   * the envelope carries the real name, encrypted, and the stored file is named by the id the server generates
   * (SECURITY.md §0 rule 5).
   */
  private UploadChannel startUpload(Principal caller, String name) throws IOException {
    UploadSession session = core(() -> uploads.startStream(caller, login::recheck));
    UploadChannel channel;
    try {
      channel = new UploadChannel(session, budget);
      channel.track(session.register(sessions, channel::cut));
    } catch (RuntimeException | Error e) {
      session.discard(); // no handle will ever end it: its stream slot would be held until a restart
      throw e;
    }
    writing.put(name, new OpenNames.Writing(channel, Instant.now()));
    channel.whenClosed(() -> {
      // committed first, then no longer written: a stat between the two finds the name either way (review DG)
      String fileId = channel.committedFileId();
      if (fileId != null) {
        committed.put(name, fileId); // stat of the name answers the stored file from now on (OpenNames#committed)
      } else {
        committed.remove(name); // refused or cut: the name is not there, whatever an earlier upload of it became
      }
      writing.computeIfPresent(name, (n, w) -> w.channel() == channel ? null : w);
    });
    return channel;
  }

  private static java.nio.file.FileAlreadyExistsException alreadyThere(Path path) {
    return new java.nio.file.FileAlreadyExistsException(path.toString(), null, "that name is in /outbox/ already (an"
        + " upload of it is still being written in this session, or it is a stored file's id); opened with EXCL, a"
        + " name opens once");
  }

  /**
   * Whether /outbox/NAME is there, as stat answers: an upload of it being written in this session, or a stored file.
   * The stored files are asked for only for a name of a file id's shape (round AA: an acquirer's EXCL open was audited
   * as a refused listing, not as the refused upload it is).
   */
  private boolean exists(Principal caller, String name) throws IOException {
    if (writing.containsKey(name)) {
      return true;
    }
    String committedAs = committed.get(name);
    if (committedAs != null && stored(caller, committedAs).isPresent()) {
      return true; // a name this session's upload was committed under, as stat answers it
    }
    return dev.sealdrop.server.core.Ids.isWellFormed(dev.sealdrop.server.core.upload.UploadService.FILE_PREFIX, name)
        && stored(caller, name).isPresent();
  }

  /** The caller's stored file listed in /outbox/ as NAME (its id). */
  private java.util.Optional<StoredFile> stored(Principal caller, String name) throws IOException {
    return listing("ListFiles", caller, () -> uploads.ownFile(caller, name));
  }

  /** The grant listed in /inbox/ as NAME ({@link #inboxName}): one addressed to the caller that can be redeemed. */
  private java.util.Optional<Grant> inboxEntry(Principal caller, String name) throws IOException {
    int dot = name.lastIndexOf('.');
    String grantId = dot < 0 ? "" : name.substring(dot + 1);
    return listing("ListInbox", caller, () -> grants.inboxGrant(caller, grantId))
        .filter(g -> g.state() == GrantState.ACTIVE && inboxName(g).equals(name));
  }

  /**
   * A listing through the core. The core audits acts, not listings; a listing it refuses is audited
   * here as the same record its gRPC twin's refusal gets ({@code call.refuse rpc:ListInbox} or
   * {@code rpc:ListFiles}, see the gRPC door's AuditingInterceptor and docs/sftp.md).
   */
  private <T> T listing(String twin, Principal caller, CoreCall<T> call) throws IOException {
    return core(() -> {
      try {
        return call.run();
      } catch (PermissionDeniedException e) {
        callRefusals.refusedCall(caller, "rpc:" + twin, Audit.resultOf(e));
        throw e;
      }
    });
  }

  /** Records the caller's refused {@code operation} on the tree ({@link VirtualFileSystemProvider}); never fails. */
  void refusedOperation(String operation) {
    try {
      callRefusals.refusedCall(caller(), "sftp:" + operation, "operation-refused");
    } catch (IOException | RuntimeException e) {
      LOG.debug("a refused SFTP {} could not be audited: {}", operation, e.toString());
    }
  }

  static String inboxName(Grant g) {
    return g.fileId() + "." + g.id();
  }

  private Principal caller() throws IOException {
    return core(login::principal);
  }

  interface CoreCall<T> {
    T run();
  }

  private void releaseAfterFailedOpen(Principal caller, Redemption redemption) {
    try {
      grants.release(caller, redemption.claimSecret());
    } catch (RuntimeException e) {
      LOG.info("SFTP download of grant {} could not start, and its claim was not released: {}",
          redemption.grant().id(), e.getMessage());
    }
  }

  static <T> T core(CoreCall<T> call) throws IOException {
    try {
      return call.run();
    } catch (RuntimeException e) {
      throw SftpErrors.toIo(e);
    }
  }
}
