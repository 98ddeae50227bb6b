package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Progress;
import dev.sealdrop.client.cli.output.ShellWords;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.AuthFailure;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.PermissionFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.KeyStore;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.client.net.StateFile;
import dev.sealdrop.client.net.TransferLock;
import dev.sealdrop.client.net.Uploader;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.client.trust.PinStore;
import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sealdrop send}: verify the recipient's key, seal while uploading (never a plaintext
 * temp file), create a one-time grant, print its token. Re-running after a broken connection resumes.
 */
@Command(name = SendCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Seal FILE for IDENTITY while uploading it, and create a one-time grant; prints the grant token.",
        "The recipient's key bundle is fetched, verified against your CA and pinned on first use.",
        "If its connection breaks, run the same command again: it resumes where the server stopped.",
        "A send stopped by Ctrl-C or a signal while it seals cannot resume: the same command seals and uploads the"
            + " file again; one stopped while it resumes resumes again.",
        "--abandon gives up an unfinished send of FILE to IDENTITY instead (its upload is deleted on the server)."},
    footer = {"  sealdrop send clients.csv --to bob --expires 72h --downloads 1",
        "  TOKEN=$(sealdrop send clients.csv --to bob --json | jq -r .token)",
        "  sealdrop send clients.csv --to bob --abandon"})
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user chooses the file to send")
final class SendCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "send";

  @Parameters(index = "0", paramLabel = "FILE", description = "The file to send.")
  Path file;

  @Mixin
  GrantRecipient to;

  @Mixin
  GrantTerms terms;

  @Option(names = "--abandon", description = "Send nothing: give up the unfinished send of FILE to IDENTITY that an"
      + " earlier run left (a broken connection, a quota refusal). The server deletes what it stored of the upload"
      + " (freeing your quota) and this profile forgets it.")
  boolean abandon;

  @Mixin
  PassphraseOption passphrase;

  /** Whether "resuming the interrupted upload" was said already (a send waiting for a busy server resumes often). */
  private boolean resumeNoted;
  /**
   * The fingerprint of the envelope this run sealed, computed here: what the recipient is told to expect, and what the
   * server's grant must name (review CF: the server's word for it let a compromised server name an older file). Null
   * when this run resumed an upload an earlier run sealed.
   */
  private final java.util.concurrent.atomic.AtomicReference<String> sealedHere =
      new java.util.concurrent.atomic.AtomicReference<>();

  /** This send's state file, once named (null before the recipient's key is known). */
  private Path stateFile;

  @Override
  void run(Session session) throws Exception {
    if (abandon) {
      try {
        abandon(session);
      } catch (AuthFailure e) {
        if (!"IDENTITY_DISABLED".equals(e.reason())) {
          throw e;
        }
        // review BE: the hint said only that files and grants are kept
        throw new AuthFailure(e.reason(), e.getMessage(), e.hint().map(h -> h + "; ").orElse("") + "nothing was"
            + " abandoned: run the same command again once your identity is enabled", e);
      }
      return;
    }
    try {
      send(session);
    } catch (AuthFailure e) {
      throw forgetIfRefusedForGood(session, e);
    }
  }

  /** What to do after a signal stopped a send (except while it waits for the server to take its upload). */
  private static final String INTERRUPT_HINT = "run the same command again: if the server had the whole file already"
      + " it only creates the grant, otherwise it seals and uploads the file again from the start (a send resumes only"
      + " after its connection broke; one stopped by a signal cannot continue its sealing, whose key is never"
      + " written to disk); or give it up with the same command and --abandon, which deletes an unfinished upload"
      + " from the server (a finished one stays, and `sealdrop files` lists it)";

  /**
   * What to do after a signal stopped a send whose sealed file is whole in the profile's spool (a resume, a wait for a
   * busy server): the state and spool stay, and a re-run resumes (review BH: it was told a re-run seals again).
   */
  private static final String RESUME_INTERRUPT_HINT = "run the same command again: it resumes the upload from the"
      + " sealed file kept (encrypted) in your profile, or only creates the grant if the server had the whole file"
      + " already; or give it up with the same command and --abandon, which deletes an unfinished upload from the server"
      + " (a finished one stays, and `sealdrop files` lists it)";

  private void send(Session session) throws Exception {
    // a send stopped by a signal starts over; one whose connection broke resumes (docs/cli.md, "Profile")
    // the signal may come as the server commits the upload: the hint holds either way (round AL: it said "uploads the
    // file again" of a run whose re-run only granted it, and that --abandon deletes a committed file, which it keeps)
    session.output().interruptHint(INTERRUPT_HINT);
    to.requireNamed();
    InputFile.requireRegularFile(file);
    String me = session.config().identity();
    Recipients.refuseSelf("send", me, to.identity, "to keep a sealed copy for yourself, use `sealdrop seal`");
    CryptoWarmup.startFor(Files.size(file), CryptoWarmup.Direction.SEAL);
    // the key derivation runs on another core while the recipient's bundle is fetched and checked
    KeyStore.Unlocking unlocking = session.keyStore(passphrase.file).unlockInBackground();
    KeyTrust.Trusted recipient;
    try {
      recipient = to.fetchTrusted(session);
    } catch (SealdropFailure | RuntimeException e) {
      unlocking.abandon();
      throw e;
    }
    PrivateKeys mine = unlocking.await();
    try {
      // named once, before the upload: after the grant exists nothing may fail before its token is shown
      // (the file deleted or touched meanwhile made naming it again fail, and the one-time token was lost)
      stateFile = pending(session, recipient.bundle().fingerprint());
      // two runs of this send would share one state and spool: a resume could mix their envelopes
      TransferLock lock = TransferLock.tryAcquire(stateFile).orElseThrow(() -> new UsageFailure("SEND_IN_PROGRESS",
          "another `sealdrop send` of this file to " + to.identity + " is running with this profile", "let it finish"
          + " (it prints the grant token); if it was stopped, run the same command again: it resumes or starts over"));
      CreateGrantResponse grant;
      try { // held until the grant exists and the state is gone: a run after it must find nothing to grant
        Uploader.Committed uploaded;
        try {
          uploaded = uploadWhenAccepted(session, me, mine, recipient);
        } catch (PermissionFailure e) {
          // refused mid-stream (or at its resume) with what it stored kept to resume: say how to get past it
          throw e.reason().equals("QUOTA_EXCEEDED") && Files.exists(stateFile) ? quotaHeld(session, e) : e;
        }
        if (session.output().stopping()) {
          // stopped by a signal: the state (which names the uploaded file) is kept, and the next run grants it
          throw stopped();
        }
        markGrantRequested(session, stateFile, true);
        try {
          grant = createGrant(session, uploaded);
        } catch (dev.sealdrop.client.failure.NetworkFailure e) {
          noteSealed(session, "its upload is stored; the re-run grants it");
          throw e; // the answer was lost: the grant may exist, and the mark stays for the next run
        } catch (SealdropFailure e) {
          markGrantRequested(session, stateFile, false); // the server refused it: no grant was made
          if (!"NOT_SEALED_FOR_RECIPIENT".equals(e.reason())) {
            // (for new recipient keys the re-run seals and uploads again: review RM)
            noteSealed(session, "its upload is stored; the re-run grants it");
          }
          throw e;
        }
        if (session.output().stopping()) {
          // the signal came while the grant was created: its token would never be shown, so it is revoked, and the
          // state kept for the next run to grant the uploaded file again
          IssuedGrantView.revokeQuietly(session, grant.getGrant().getGrantId());
          throw stopped();
        }
        try {
          forget(stateFile);
        } catch (IOException e) {
          // the mark first, so that a later send cannot take the grant whose token is shown below for a lost one
          markGrantRequested(session, stateFile, false);
          session.output().warn("could not delete this send's state (" + stateFile + ": " + IoReason.of(e) + ");"
              + " delete it yourself, or a later send of the same file creates another grant for this upload (and, if"
              + " this note could not be changed either, revokes the one below)");
        }
      } finally {
        try {
          lock.close();
        } catch (IOException e) {
          // the operating system releases it when this process ends; the token must be shown regardless
        }
      }
      // the upload stays on the server: a new grant of it, not a new upload (round BK: the hint said to send again)
      new IssuedGrantView("Sent to " + recipient.bundle().identity(), grant, recipient.bundle(),
          java.util.Optional.ofNullable(sealedHere.get()), terms)
          .emit(session, "grant the uploaded file again: `" + session.nextCommand("grant " + grant.getGrant().getFileId()
              + " --to " + recipient.bundle().identity()) + "` (running the same send again uploads it anew)");
    } finally {
      mine.destroy();
    }
  }

  /**
   * In the state: when (this machine's clock, epoch milliseconds) a grant was asked for whose answer this send has not
   * had: the run may have been killed after the server created it, and never shown its token.
   */
  private static final String GRANT_REQUESTED_AT = "grant_requested_at";
  /** How far the server's time of a grant may lie from this machine's time of asking for it (clock skew, slowness). */
  private static final long GRANT_TIME_SLACK_MILLIS = 120_000;

  /**
   * Notes in the state, before the grant is asked for, when it is: a run killed after the server created it (SIGKILL,
   * a power cut, its answer lost) never showed its token, and the next run must not leave that grant usable beside its
   * own (outside test: an active grant whose token nobody had). Best effort: if the note cannot be written, the grant
   * is made all the same (the token is about to be shown).
   */
  private static void markGrantRequested(Session session, Path stateFile, boolean asked) {
    try {
      Optional<StateFile> s = StateFile.load(stateFile);
      if (s.isPresent()) {
        s.get().set(GRANT_REQUESTED_AT, asked ? Long.toString(serverTimeOrLocal(session)) : "").save();
      }
    } catch (IOException e) {
      // the state names the upload already; only the clean-up of a killed run's grant depends on this note
    }
  }

  /**
   * The server's time now (WhoAmI, on the connection already open), which the grant's creation time will be compared
   * with: this machine's clock may be minutes off the server's (review DQ: a clock {@value #GRANT_TIME_SLACK_MILLIS} ms
   * off left the unshown grant usable, or took a grant made with `sealdrop grant` for it). This machine's time if the
   * server does not say.
   */
  private static long serverTimeOrLocal(Session session) {
    try {
      long server = ServerConnection.call(GrpcFailures.Op.LIST, () -> session.connect().session().whoAmI(
          dev.sealdrop.protocol.v1.WhoAmIRequest.getDefaultInstance())).getServerTimeMillis();
      if (server > 0) {
        return server;
      }
    } catch (SealdropFailure | RuntimeException e) {
      // the grant is asked for next, on the same connection, and says what is wrong with it
    }
    return session.environment().clock().millis();
  }

  /**
   * A run of this send asked for a grant at {@code requestedAt} and was stopped before it had the answer: a grant on
   * this upload for this recipient made then (within {@link #GRANT_TIME_SLACK_MILLIS}) that nobody has redeemed is the
   * one whose token was never shown, so it is revoked, named, before the new grant is made. A grant made at another
   * time (with `sealdrop grant`, its token shown) is not touched, nor one someone redeemed.
   */
  static List<String> revokeUnshownGrants(Session session, String fileId, String recipient, long requestedAt)
      throws SealdropFailure {
    List<dev.sealdrop.protocol.v1.Grant> mine = OwnListings.grants(session);
    List<String> revoked = new java.util.ArrayList<>();
    for (dev.sealdrop.protocol.v1.Grant g : mine) {
      if (g.getFileId().equals(fileId) && g.getRecipient().equalsIgnoreCase(recipient)
          && g.getState() == dev.sealdrop.protocol.v1.GrantState.GRANT_STATE_ACTIVE
          && Math.abs(g.getCreatedAtMillis() - requestedAt) <= GRANT_TIME_SLACK_MILLIS) {
        ServerConnection.call(GrpcFailures.Op.REVOKE_GRANT, () -> session.connect().transfer().revokeGrant(
            dev.sealdrop.protocol.v1.RevokeGrantRequest.newBuilder().setGrantId(g.getGrantId()).build()));
        session.output().note("an earlier run of this send was stopped after it created grant " + g.getGrantId()
            + " and before it showed its token; that grant is revoked, so that no grant stays usable whose token"
            + " nobody has");
        revoked.add(g.getGrantId());
      }
    }
    return revoked;
  }

  /** {@link #revokeUnshownGrants} for the run whose state is {@code saved}, if it asked for a grant it never had. */
  private void revokeUnshownGrants(Session session, StateFile saved) throws SealdropFailure {
    Optional<String> fileId = saved.get("file_id");
    Optional<Long> at = saved.get(GRANT_REQUESTED_AT).filter(v -> v.matches("[0-9]{1,18}")).map(Long::parseLong);
    if (fileId.isPresent() && at.isPresent()) {
      revokeUnshownGrants(session, fileId.get(), to.identity, at.get());
    }
  }

  /**
   * Starts the upload, stating its grant's recipient and terms: terms the server's grant would refuse (more downloads
   * or a longer lifetime than it allows) are refused now, before any byte is sent, and the hint says so.
   */
  private Uploader.Started createUpload(Uploader uploader, long envelopeSizeAtLeast) throws SealdropFailure {
    try {
      return uploader.create(envelopeSizeAtLeast, List.of(to.identity), terms.intended());
    } catch (UsageFailure e) {
      if (!"INVALID_REQUEST".equals(e.reason())) {
        throw e;
      }
      throw new UsageFailure(e.reason(), e.getMessage(), "nothing was uploaded: run the same command again with"
          + " terms the server accepts (--expires, --downloads)", e);
    }
  }

  /** Creates the grant; a refusal keeps the uploaded file, and the hint says so. */
  private CreateGrantResponse createGrant(Session session, Uploader.Committed committed) throws SealdropFailure {
    try {
      return ServerConnection.call(GrpcFailures.Op.CREATE_GRANT,
          () -> session.connect().transfer().createGrant(terms.request(committed.fileId(), to.identity)));
    } catch (UsageFailure e) {
      if ("NOT_SEALED_FOR_RECIPIENT".equals(e.reason())) {
        // the recipient published new keys while the file uploaded (review RM: told to re-run with other terms, which
        // met KEY_CHANGED)
        throw new UsageFailure(e.reason(), e.getMessage(), "the file is uploaded (" + committed.fileId() + ") but"
            + " sealed for keys " + to.identity + " no longer publishes: confirm their new key's fingerprint with them"
            + " (`" + session.nextCommand("keys show " + ShellWords.of(to.identity)) + "` shows it), then run the same"
            + " command again with --accept-new-key: it seals the file for the new keys and uploads it; delete the"
            + " upload sealed for the old ones with `" + session.nextCommand("files delete " + committed.fileId())
            + "`", e);
      }
      if ("NOT_FOUND".equals(e.reason()) && !e.getMessage().contains("no file ")) {
        // the recipient, not the file: disabled or revoked since the upload started (review BE: told the upload was
        // deleted, which it was not; the re-run granted it without uploading again)
        throw new UsageFailure(e.reason(), e.getMessage(), "the file is uploaded (" + committed.fileId() + ") and"
            + " stays so; once " + to.identity + " is an enabled identity again (ask an admin), run the same command"
            + " again: it creates the grant without uploading again (or delete it: `sealdrop files delete "
            + committed.fileId() + "`)", e);
      }
      if ("NOT_FOUND".equals(e.reason())) {
        // the upload deleted (by this sender's `files delete`, or an admin) since it was stored (round CX: the hint
        // said it stays so, and a re-run creates the grant without uploading again)
        throw new UsageFailure(e.reason(), e.getMessage(), "the upload (" + committed.fileId() + ") was deleted on the"
            + " server before its grant was made; run the same command again: it uploads the file again", e);
      }
      // e.g. more downloads or a longer lifetime than this server allows: only the server knows its limits
      throw new UsageFailure(e.reason(), e.getMessage(), "the file is uploaded (" + committed.fileId()
          + ") and stays so: run the same command again with terms the server accepts; it creates the grant"
          + " without uploading again", e);
    } catch (dev.sealdrop.client.failure.PermissionFailure e) {
      if (!"TOO_MANY_GRANTS".equals(e.reason())) {
        throw e;
      }
      // the upload is done: only the grant waits for a free place among the sender's live grants
      throw new dev.sealdrop.client.failure.PermissionFailure(e.reason(), e.getMessage(), "the file is uploaded ("
          + committed.fileId() + ") and stays so: revoke your grants that are no longer needed (`sealdrop grants`"
          + " lists them, `sealdrop grants revoke GRANT_ID`), then run the same command again; it creates the grant"
          + " without uploading again", e);
    }
  }

  /**
   * The profile could not keep the state naming the upload just created (its disk full or read-only): nothing could
   * resume or give it up later, so it is given up on the server now, and the failure names the profile's folder (the
   * generic disk-full hint offers an -o that send does not have).
   */
  private static dev.sealdrop.client.failure.SealdropFailure unsavedState(Session session, String uploadId,
      Path stateFile, IOException e) {
    String gaveUp = abandoned(session, Optional.of(uploadId)) ? "nothing was uploaded"
        : "its unfinished upload stays on the server until it expires idle";
    Path folder = stateFile.toAbsolutePath().getParent();
    Optional<UsageFailure> disk = dev.sealdrop.client.failure.LocalDisk.refusal(e, folder, "",
        "then run the same command again");
    if (disk.isPresent()) {
      return new UsageFailure(disk.get().reason(), disk.get().getMessage() + ", where the profile keeps this send's"
          + " state; " + gaveUp, disk.get().hint().orElse("then run the same command again"), e);
    }
    // the reason and exit docs/cli.md gives a profile that cannot be written where a command must (round DE)
    return new dev.sealdrop.client.failure.KeyStoreFailure("PROFILE_UNWRITABLE", "cannot save this send's state in the profile (" + folder + ": "
        + dev.sealdrop.client.failure.IoReason.of(e) + "); " + gaveUp, "check that the profile can be written (`ls -ld "
        + folder + "`, `df -h " + folder + "`), then run the same command again", e);
  }

  /**
   * What ends a send a signal is stopping ({@link dev.sealdrop.client.cli.output.Output#stopping}): never shown, since
   * the signal's own "interrupted" report is the command's one error.
   */
  private static UsageFailure stopped() {
    return new UsageFailure("INTERRUPTED", "stopped by a signal", "run the same command again");
  }


  /** Whether the server still lists {@code fileId} among the caller's files. */
  private static boolean onServer(Session session, String fileId) throws SealdropFailure {
    return OwnListings.files(session).stream().anyMatch(f -> f.getFileId().equals(fileId));
  }

  /**
   * Waits before each new attempt when the server refuses the upload stream because it receives as many as it may at
   * once ({@code SERVER_BUSY}, max-upload-streams) or this identity runs its share of them ({@code
   * TOO_MANY_UPLOAD_STREAMS}): nothing is lost meanwhile (the first attempt seals into the spool in this profile, and
   * each next one resumes from it). About five minutes in all (each wait up to half as long again, at random); then
   * the refusal stands and a re-run resumes.
   */
  static final List<java.time.Duration> BUSY_RETRY_DELAYS = java.util.stream.IntStream.of(1, 2, 4, 8, 15, 30, 60, 60,
      60, 60).mapToObj(java.time.Duration::ofSeconds).toList();

  /** The random part of each wait (not a secret, but the checks of this code base take no predictable generator). */
  private static final java.security.SecureRandom JITTER = new java.security.SecureRandom();

  /** A wait as it is told: tenths below ten seconds (the jitter makes 1 s up to 1.5 s), whole seconds above. */
  static String secondsOf(java.time.Duration wait) {
    long millis = wait.toMillis();
    return millis < 10_000 ? String.format(java.util.Locale.ROOT, "%.1f", millis / 1000.0)
        : Long.toString(Math.round(millis / 1000.0));
  }

  private Uploader.Committed uploadWhenAccepted(Session session, String me, PrivateKeys mine,
      KeyTrust.Trusted recipient) throws SealdropFailure, IOException {
    java.util.Iterator<java.time.Duration> waits = BUSY_RETRY_DELAYS.iterator();
    while (true) {
      try {
        Uploader.Committed c = upload(session, me, mine, recipient, stateFile);
        session.output().interruptHint(INTERRUPT_HINT);
        return c;
      } catch (SealdropFailure e) {
        String why = busyFor(e.reason());
        if (why == null || !waits.hasNext() || !Files.exists(stateFile)) {
          if (why != null && Files.exists(stateFile)) {
            noteSealed(session, "the re-run resumes its upload");
          }
          throw e;
        }
        // up to half as long again, at random: sends refused together do not all come back at the same moment
        java.time.Duration base = waits.next();
        java.time.Duration wait = base.plusMillis(JITTER.nextLong(base.toMillis() / 2 + 1));
        session.output().note(why + "; trying again in " + secondsOf(wait) + " s (the sealed file is kept, encrypted,"
            + " in your profile)");
        // stopped while it waits, the send has its sealed file whole: a re-run resumes, it does not seal again
        session.output().interruptHint(RESUME_INTERRUPT_HINT);
        sleepUnlessStopped(session, wait);
      }
    }
  }

  /** What the note says of a refusal {@link #uploadWhenAccepted} waits out; null for any other. */
  private static String busyFor(String reason) {
    return switch (reason) {
      case "SERVER_BUSY" -> "the server is busy (it receives as many uploads as it may at once, or is short of"
          + " memory)";
      case "TOO_MANY_UPLOAD_STREAMS" -> "you have as many uploads running as the server lets one identity have";
      case "UPLOAD_BUSY" -> "the server still holds the earlier run's stream of this upload (it notices a broken"
          + " connection within about a minute and a half)";
      case "UPLOAD_OFFSET_MISMATCH" -> "the server was still storing the end of the earlier run's stream of this"
          + " upload";
      default -> null;
    };
  }

  private static void sleepUnlessStopped(Session session, java.time.Duration wait) throws UsageFailure {
    long until = System.nanoTime() + wait.toNanos();
    try {
      while (System.nanoTime() < until) {
        if (session.output().stopping()) {
          throw stopped();
        }
        Thread.sleep(Math.max(1, Math.min(100, (until - System.nanoTime()) / 1_000_000)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw stopped();
    }
  }

  /** The state key of the fingerprint of the envelope a run sealed, for the run that resumes or grants its upload. */
  static final String SEALED_FINGERPRINT = "fingerprint";
  /** The state's key: the signing key of the profile that sealed the upload (a later one is not its sender's). */
  private static final String SIGNER = "signer";

  /**
   * A run that resumes or grants an upload an earlier run sealed checks the grant against that run's fingerprint, as
   * the run that sealed it would have (round CM: resumed runs had none, and took the server's word for the file: a
   * hostile server could grant an older file of the sender's by failing the first run after its upload).
   */
  private void sealedEarlier(StateFile saved) {
    saved.get(SEALED_FINGERPRINT).filter(fp -> !fp.isEmpty()).ifPresent(sealedHere::set);
  }

  /**
   * The fingerprint the recipient is to check, said by a run that sealed the file and then failed, not only by the run
   * that grants it (round CM: nothing printed it, and the resumed run had only the server's word).
   */
  private void noteSealed(Session session, String next) {
    String fp = sealedHere.get();
    if (fp != null) {
      session.output().note("the file was sealed with fingerprint " + fp + "; " + next + " and checks that the grant"
          + " is for this file");
    }
  }

  /** Records the fingerprint this run sealed, for a run that resumes or grants its upload. */
  private void sealedNote(StateFile state) {
    String fp = sealedHere.get();
    if (fp != null) {
      state.set(SEALED_FINGERPRINT, fp);
    }
  }

  private Uploader.Committed upload(Session session, String me, PrivateKeys mine, KeyTrust.Trusted recipient,
      Path stateFile) throws SealdropFailure, IOException {
    Path spool = spool(stateFile);
    Uploader uploader = new Uploader(session.connect());
    Optional<StateFile> saved = StateFile.load(stateFile);
    String signer = session.ownBundle().verifyingKey().fingerprint();
    if (saved.isPresent() && saved.get().get(SIGNER).filter(s -> !s.equals(signer)).isPresent()) {
      // sealed with keys this profile no longer has (`init --force` since): its recipient would refuse the file as from
      // an untrusted sender (round CX: the re-run granted it, and the receive used one of the grant's downloads on it)
      revokeUnshownGrants(session, saved.get());
      forget(stateFile);
      Optional<String> committed = saved.get().get("file_id");
      session.output().note("the earlier run of this send sealed the file with keys this profile no longer has"
          + " (replaced by `init --force`); sealing and uploading again" + committed.map(id -> " (its upload " + id
          + " stays on the server: `sealdrop files delete " + id + "` deletes it)").orElse(abandonQuietly(session,
          saved.get().get("upload_id"))));
      saved = Optional.empty();
    }
    if (saved.isPresent() && saved.get().get("file_id").isPresent()) {
      String fileId = saved.get().get("file_id").get();
      if (onServer(session, fileId)) {
        sealedEarlier(saved.get());
        revokeUnshownGrants(session, saved.get());
        session.output().note("the file was already uploaded; creating the grant");
        return new Uploader.Committed(fileId, Long.parseLong(saved.get().get("size").orElse("0")), "");
      }
      // deleted by its owner, purged by an admin, removed by retention, or the server's data was reset: what this profile
      // remembers of it is stale, and creating a grant for it would only fail, run after run
      session.output().note("the earlier upload (" + fileId + ") is no longer on the server; uploading again");
      forget(stateFile);
      saved = Optional.empty();
    }
    // "spooled": the spool holds the envelope from spool_offset on; "sealed" (written by earlier versions): from 0
    boolean resumable = saved.isPresent() && (saved.get().get("spooled").equals(Optional.of("true"))
        || saved.get().get("sealed").equals(Optional.of("true"))) && Files.exists(spool);
    if (saved.isPresent() && !resumable) {
      Optional<Uploader.Committed> committed = committedEarlier(session, uploader, saved.get());
      if (committed.isPresent()) {
        // stopped while the server committed its upload, before it recorded that (round BO: the re-run uploaded the
        // file again, and the first copy stayed without a grant)
        sealedEarlier(saved.get());
        revokeUnshownGrants(session, saved.get());
        session.output().note("the server had stored the whole upload before the earlier run stopped ("
            + committed.get().fileId() + "); creating the grant");
        saved.get().set("file_id", committed.get().fileId()).set("size", Long.toString(committed.get().size())).save();
        return committed.get();
      }
      // an earlier run stopped by a signal or killed while it sealed: nothing of it can be resumed (its file key lived
      // only in memory), but its unfinished upload holds quota on the server until it expires idle: given up now
      session.output().note("an earlier run of this send was stopped before any of it could be resumed; sealing and"
          + " uploading again" + abandonQuietly(session, saved.get().get("upload_id")));
      forget(stateFile);
    }
    if (resumable) {
      String uploadId = saved.get().get("upload_id").orElseThrow();
      int max = Integer.parseInt(saved.get().get("max_message_bytes").orElse("0"));
      long spoolOffset = Long.parseLong(saved.get().get("spool_offset").orElse("0"));
      boolean[] resumed = new boolean[1];
      sealedEarlier(saved.get());
      session.output().interruptHint(RESUME_INTERRUPT_HINT); // the spool stays whatever stops this run
      try (Progress p = session.progress().start("uploading", spoolOffset + Files.size(spool))) {
        Uploader.Committed c = uploader.resume(uploadId, max, spool, spoolOffset, terms.intended(), p::advance, () -> {
          resumed[0] = true;
          if (!resumeNoted) { // once: a resume the busy server refuses again is retried without a second line
            resumeNoted = true;
            session.output().note("resuming the interrupted upload");
          }
        });
        if (!resumed[0]) {
          session.output().note("the server had stored the whole upload before the earlier run stopped ("
              + c.fileId() + "); creating the grant");
        }
        saved.get().set("file_id", c.fileId()).set("size", Long.toString(c.size())).save();
        return c;
      } catch (Uploader.TermsRefused e) {
        // stated before the rest is sent (a re-run with other terms learnt it only after the upload): the upload and
        // what the profile keeps of it stay for a re-run with terms the server accepts
        throw new UsageFailure(e.refusal().reason(), e.getMessage(), "nothing more was uploaded, and the interrupted"
            + " upload is kept: run the same command again with terms the server accepts (--expires, --downloads) to"
            + " resume it, or give it up with --abandon", e.refusal());
      } catch (UsageFailure | Uploader.CannotResume e) {
        if (e instanceof UsageFailure f && ("UPLOAD_BUSY".equals(f.reason())
            || "UPLOAD_OFFSET_MISMATCH".equals(f.reason()))) {
          // (or it saved the earlier stream's last bytes between this run's GetUpload and its stream: asked again)
          // the server has not yet noticed that the earlier run's connection broke (its keepalive, about a minute and
          // a half): waited out and resumed, never started over (review DQ: it sealed and sent the whole file again,
          // and the earlier upload held its quota for a day)
          throw f;
        }
        session.output().warn("the interrupted upload cannot be resumed (" + e.getMessage() + "); starting over"
            + abandonQuietly(session, Optional.of(uploadId)));
        forget(stateFile);
        session.output().interruptHint(INTERRUPT_HINT); // the spool is gone: a stop from here on starts over (review RR)
      }
    }
    // the server refuses a recipient it would not grant the file to, and a file over its size limit
    // or the quota, before any byte is sent
    long size = Files.size(file);
    FileMetadata meta = Metadata.of(file, size);
    String source = source(session);
    forgetOtherVersions(session, source);
    if (session.output().stopping()) {
      throw stopped();
    }
    Uploader.Started started;
    StateFile state;
    // saved at once, and a signal during the create waits for it: the upload is then named in the profile, for the
    // next run or --abandon to give up (outside tests: a signal during the create left an upload no command could
    // abandon, holding quota for a day)
    try (UntilRecorded guard = UntilRecorded.start("sealdrop-upload-guard")) {
      started = createUpload(uploader, meta.envelopeSizeAtLeast());
      state = StateFile.create(stateFile).set("source", source).set(SIGNER, signer).set("upload_id", started.uploadId())
          .set("max_message_bytes", Integer.toString(started.maxMessageBytes())).set("spooled", "false");
      try {
        state.save();
      } catch (IOException e) {
        throw unsavedState(session, started.uploadId(), stateFile, e);
      }
    }
    List<dev.sealdrop.keys.RecipientKey> keys = List.of(recipient.bundle().recipientKey());
    // a signal (Ctrl-C, SIGTERM) runs no finally: the shutdown hook deletes the spool a re-run could not use, and keeps
    // the state, which names the upload: the next run of this send, or its --abandon, gives that upload up on the
    // server (its stream is still attached while the JVM goes down, so the server would refuse that now as busy)
    Thread onSignal = new Thread(() -> {
      if (leavesNothingToResume(state)) {
        try {
          Files.deleteIfExists(spool);
        } catch (IOException e) {
          // best effort while the JVM is going down; a re-run ignores and replaces it
        }
      }
    }, "sealdrop-send-state-guard");
    try {
      if (session.output().stopping()) {
        throw new IllegalStateException("stopped by a signal");
      }
      Runtime.getRuntime().addShutdownHook(onSignal);
    } catch (IllegalStateException shuttingDown) {
      // a signal came while the upload was created: nothing of it will be sent, so it is given up now (the state
      // stays if the server cannot be told, for the next run or --abandon)
      if (abandoned(session, Optional.of(started.uploadId()))) {
        forget(stateFile);
      }
      throw stopped();
    }
    try (Progress p = session.progress().start("sealing+uploading", size)) {
      state.save();
      Uploader.Committed c = uploader.uploadWhileSealing(started, spool, out -> {
        try (InputStream in = InputFile.openUnchanged(file, size)) {
          SealingOutputStream sealing = Envelope.seal(out, me, mine, keys, meta);
          Streams.copy(in, sealing, Progress.none());
          sealing.close();
          sealedHere.set(sealing.fingerprint());
        }
        // kept at once, before the server's verdict: a run stopped while it waits for it (Ctrl-C), or whose finish the
        // server refuses and whose upload it will not abandon, leaves a state whose re-run may find the upload committed
        // and grant it; that run checks the grant against this (review: it took the server's word for the file)
        try {
          sealedNote(state);
          state.save();
        } catch (IOException e) {
          // best effort: the saves after the upload's end write it too
        }
      }, spoolOffset -> {
        state.set("spooled", "true").set("spool_offset", Long.toString(spoolOffset));
        sealedNote(state);
        state.save();
        session.output().interruptHint(RESUME_INTERRUPT_HINT); // whole in the spool now: a re-run resumes
      }, n -> p.advance(Math.min(n, size)));
      state.set("file_id", c.fileId()).set("size", Long.toString(c.size()));
      sealedNote(state);
      state.save();
      return c;
    } catch (IOException | RuntimeException | SealdropFailure e) {
      // a refusal or failure before anything was spooled leaves nothing to resume: its upload is given up on the
      // server (a refusal closed it already), else the state is kept for the next run or --abandon to do so
      // a refusal for good deletes what the profile kept of this send (forgetIfRefusedForGood): no note promises a
      // re-run (round CP: "the re-run resumes its upload", then "... was deleted: no re-run could use it")
      boolean forGood = e instanceof SealdropFailure f && REFUSED_FOR_GOOD.contains(f.reason());
      if (leavesNothingToResume(state)) {
        if (abandoned(session, state.get("upload_id"))) {
          forget(stateFile);
        } else {
          Files.deleteIfExists(spool);
          if (!forGood) {
            noteSealed(session, "if the server stored its upload, the re-run grants it");
          }
        }
      } else if (!forGood && !(e instanceof SealdropFailure f && busyFor(f.reason()) != null)) {
        // (a busy server's refusal is waited out by this run, which says so if it gives up: uploadWhenAccepted)
        noteSealed(session, "the re-run resumes its upload");
      }
      throw e;
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(onSignal);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs
      }
    }
  }

  /**
   * A quota refusal of an upload that keeps what it stored, to resume once space is freed: unfinished
   * uploads hold quota too, so two sends at once near it can each be refused and neither go on. The
   * hint names both ways out.
   */
  private PermissionFailure quotaHeld(Session session, PermissionFailure refusal) {
    // with --home when it was given (review RM: pasted without it, the abandon acted on the default profile)
    String send = session.nextCommand("send " + ShellWords.of(file.toString()) + " --to " + ShellWords.of(to.identity));
    return new PermissionFailure(refusal.reason(), refusal.getMessage(), "what was uploaded is kept: run the same"
        + " command again to resume once space is freed (`" + session.nextCommand("files") + "` lists yours; `"
        + session.nextCommand("files delete FILE_ID") + "` deletes one), or"
        + " give this send up with `" + send + " --abandon`, which deletes its upload on the server and frees the"
        + " quota it holds (do that to an unfinished send of another file to let this one finish)", refusal);
  }

  /**
   * {@code send --abandon}: gives up every unfinished send of FILE (whatever its version) to the recipient on
   * this server that this profile keeps: each upload is abandoned on the server (its bytes deleted, its quota
   * freed) and the profile forgets it. A send whose upload was committed (its grant was refused) is forgotten
   * too; its file stays on the server.
   */
  private void abandon(Session session) throws Exception {
    to.requireNamed();
    for (String terms : List.of("--expires", "--downloads")) {
      if (spec.commandLine().getParseResult().hasMatchedOption(terms)) {
        throw new UsageFailure("ABANDON_SENDS_NOTHING", "--abandon sends nothing and creates no grant, so " + terms
            + " has nothing to apply to", "run `sealdrop send FILE --to NAME --abandon` without it (nothing was"
            + " abandoned)", null);
      }
    }
    String source = source(session);
    Path dir = session.profile().uploadsDir();
    List<Path> states = List.of();
    if (Files.isDirectory(dir)) {
      try (java.util.stream.Stream<Path> s = Files.list(dir)) {
        states = s.filter(p -> p.getFileName().toString().endsWith(".properties")).sorted().toList();
      }
    }
    long freed = 0;
    List<String> abandoned = new java.util.ArrayList<>();
    List<String> gone = new java.util.ArrayList<>(); // closed already, or unknown to the server (its data reset)
    List<String> kept = new java.util.ArrayList<>();
    Uploader uploader = null;
    for (Path state : states) {
      Optional<StateFile> saved;
      try {
        saved = StateFile.load(state);
      } catch (IOException | IllegalArgumentException e) {
        continue;
      }
      if (!isThisSend(session, saved, source)) {
        continue;
      }
      Optional<TransferLock> lock = TransferLock.tryAcquire(state);
      if (lock.isEmpty()) {
        throw new UsageFailure("SEND_IN_PROGRESS", "a `sealdrop send` of " + file + " to " + to.identity + " is"
            + " running with this profile", "nothing was abandoned; stop that send first (Ctrl-C), then run this"
            + " again, or let it finish", null);
      }
      try (TransferLock held = lock.get()) {
        Optional<String> committed = saved.get().get("file_id");
        Optional<String> upload = saved.get().get("upload_id");
        if (committed.isPresent()) {
          // a run stopped before it showed its grant's token left that grant usable: giving the send up revokes it
          // (outside test: --abandon left it active, unnamed)
          revokeUnshownGrants(session, saved.get());
          kept.add(committed.get());
        } else if (upload.isPresent()) {
          if (uploader == null) {
            uploader = new Uploader(session.connect());
          }
          // no run of this send holds its lock: a stream still attached is a stopped run's, about to end (CI: the
          // --abandon right after a SIGTERM was refused UPLOAD_BUSY on a loaded machine)
          Uploader.Abandoned a = abandonOnceFree(uploader, upload.get());
          freed += a.bytesFreed();
          (a.alreadyClosed() ? gone : abandoned).add(upload.get());
        }
        forget(state);
      }
    }
    if (abandoned.isEmpty() && gone.isEmpty() && kept.isEmpty()) {
      throw new UsageFailure("NOTHING_TO_ABANDON", "this profile keeps no unfinished send of " + file + " to "
          + to.identity + " on this server", "nothing was changed; `sealdrop send` of that file resumes or starts an"
          + " upload, and an upload from another profile or machine is given up there", null);
    }
    session.output().emit(new Abandoned(file.toString(), to.identity, abandoned, gone, freed, kept));
  }

  /** What {@code send --abandon} did. */
  private record Abandoned(String file, String recipient, List<String> uploads, List<String> gone, long bytesFreed,
      List<String> files) implements dev.sealdrop.client.cli.output.Result {
    @Override
    public void writeJson(com.fasterxml.jackson.core.JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("file", file);
      g.writeStringField("to", recipient);
      g.writeArrayFieldStart("abandoned_uploads");
      for (String u : uploads) {
        g.writeString(u);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("uploads_already_gone");
      for (String u : gone) {
        g.writeString(u);
      }
      g.writeEndArray();
      g.writeNumberField("bytes_freed", bytesFreed);
      g.writeArrayFieldStart("committed_files_kept");
      for (String f : files) {
        g.writeString(f);
      }
      g.writeEndArray();
      g.writeEndObject();
    }

    @Override
    public void writeHuman(java.io.PrintWriter out) {
      out.println("Abandoned the unfinished send of " + TerminalText.clean(file) + " to " + TerminalText.clean(recipient)
          + (uploads.isEmpty() ? "" : ": upload " + String.join(", ", uploads) + " deleted on the server ("
              + bytesFreed + " bytes freed)"));
      if (!gone.isEmpty()) {
        out.println("The server had no unfinished upload " + String.join(", ", gone) + " any more (it expired, was"
            + " refused, or the server's data was reset): nothing to delete there; this profile forgot it");
      }
      if (!files.isEmpty()) {
        out.println("Its upload was committed as " + String.join(", ", files) + " and stays on the server (`sealdrop"
            + " files`); grant it with `sealdrop grant FILE_ID --to NAME`");
      }
    }
  }

  /**
   * Whether a re-run could use nothing this send's state records: no committed upload to grant
   * ({@code file_id}) and no complete spool to resume from ({@code spooled}). Sealing cannot be
   * continued (its file key lives only in memory), so a re-run ignores such a state and seals afresh.
   */
  private static boolean leavesNothingToResume(StateFile state) {
    return state.get("file_id").isEmpty() && !state.get("spooled").equals(Optional.of("true"));
  }

  /**
   * The server's refusals of the sender that no re-run of this send can get past: the identity or
   * the certificate revoked (CERTIFICATE_REVOKED for both). An identity's revocation is permanent; a
   * profile whose certificate alone was revoked may be moved to a new one ({@code keys renew}), which
   * may be never: a resume would then work only within the server's {@code upload-abandon-after}
   * (24 h), and is given up for a profile that keeps nothing it may never use. A disabled identity is
   * not such a refusal: disabling is the admin's reversible switch ("on leave"), and once enabled again
   * the same command resumes where the upload stopped. Nor are a network failure, a busy or
   * locked-down server, or an expired certificate: their sends stay resumable.
   */
  static final Set<String> REFUSED_FOR_GOOD = Set.of("CERTIFICATE_REVOKED");

  /**
   * On a refusal in {@link #REFUSED_FOR_GOOD}: deletes what this profile keeps of this send (its state
   * and the sealed part of an interrupted upload), which would otherwise stay in the profile for good,
   * and says so in the hint. Before the recipient's key was fetched the send is found through the key
   * pinned for the recipient (what an earlier run named it with). Anything else: {@code refusal} as is.
   */
  private AuthFailure forgetIfRefusedForGood(Session session, AuthFailure refusal) {
    if ("IDENTITY_DISABLED".equals(refusal.reason())) {
      return keptWhileDisabled(session, refusal);
    }
    if (!REFUSED_FOR_GOOD.contains(refusal.reason())) {
      return refusal;
    }
    Path state = stateFile;
    Path sealed;
    try {
      if (state == null) {
        Optional<dev.sealdrop.keys.KeyBundle> pinned = new PinStore(session.profile().trustedDir()).pinned(to.identity);
        if (pinned.isEmpty()) {
          return refusal; // never sent to this recipient from this profile: nothing of it is kept
        }
        state = pending(session, pinned.get().fingerprint());
      }
      sealed = spool(state);
      if (!Files.exists(state) && !Files.exists(sealed)) {
        return refusal;
      }
      forget(state);
    } catch (IOException | SealdropFailure | RuntimeException e) {
      // the refusal is what the user needs to hear; a state left behind is ignored by a later send
      session.output().warn("could not delete this send's saved state (" + state + ": " + IoReason.of(e) + ")");
      return refusal;
    }
    return new AuthFailure(refusal.reason(), refusal.getMessage(), refusal.hint().map(h -> h + "; ").orElse("")
        + "what your profile kept of this send to resume it was deleted (" + state.getFileName() + " and the sealed"
        + " part of its interrupted upload, " + sealed.getFileName() + ", in " + state.getParent() + "): no re-run"
        + " could use it" + (refusal.getMessage().contains(GrpcFailures.IDENTITY_REVOKED) ? ""
            : "; with a new certificate (`sealdrop keys renew`, if only your certificate was revoked) the same command"
                + " seals and uploads the file from the start"), refusal);
  }

  /**
   * Review BD: a send refused because the sender's identity is disabled keeps what it kept, and the hint says so (the
   * lockdown's did, this one did not), unless the refusal cut the upload and says so already.
   */
  private AuthFailure keptWhileDisabled(Session session, AuthFailure refusal) {
    if (refusal.hint().map(h -> h.contains("resume")).orElse(false)) {
      return refusal;
    }
    try {
      Path state = stateFile;
      if (state == null) {
        Optional<dev.sealdrop.keys.KeyBundle> pinned = new PinStore(session.profile().trustedDir()).pinned(to.identity);
        if (pinned.isEmpty()) {
          return refusal;
        }
        state = pending(session, pinned.get().fingerprint());
      }
      if (!Files.exists(state)) {
        return refusal;
      }
    } catch (IOException | SealdropFailure | RuntimeException e) {
      return refusal; // the refusal is what the user needs to hear
    }
    return new AuthFailure(refusal.reason(), refusal.getMessage(), refusal.hint().map(h -> h + "; ").orElse("")
        + "what this send kept is kept: once your identity is enabled, re-run the same command to resume it (an"
        + " unfinished upload stays on the server for its `upload-abandon-after` of idle time, 24 h by default; after"
        + " that the re-run uploads the file again)", refusal);
  }

  /**
   * The state file of this (file, its version, recipient key) send: a re-run finds it again. The
   * version ({@link InputFile#version}) is more than size and modification time, so that a re-run
   * after the file was replaced by another of the same size and time never grants the old content.
   * Not named by the server's address, as a receive's is not: a send cut off resumes after the profile's server
   * address changed (a restarted development server on another port); before, the re-run sealed and uploaded the whole
   * file again and left the old spool behind for good (outside test). An upload the server at the new address does not
   * have is not resumed: the send starts over. A state an earlier version named with the address is still found.
   */
  private Path pending(Session session, String recipientFingerprint) throws IOException, SealdropFailure {
    Path dir = session.profile().uploadsDir();
    SecureFiles.ensureDirectory(dir);
    Path abs = canonical(file);
    String version = InputFile.version(abs);
    Path earlier = StateFile.nameFor(dir, ".properties", abs.toString(), version, to.identity, recipientFingerprint,
        session.config().server().toString());
    return Files.exists(earlier) ? earlier
        : StateFile.nameFor(dir, ".properties", abs.toString(), version, to.identity, recipientFingerprint);
  }

  /**
   * The file as this send's state names it: its real path (symbolic links resolved), so that a send through a link and
   * one of the file itself are one send (one state, one lock); its absolute path if it is gone.
   */
  private static Path canonical(Path file) {
    try {
      return file.toRealPath();
    } catch (IOException e) {
      return file.toAbsolutePath().normalize();
    }
  }

  /** What names this send apart from the file's version: the file's path and the recipient (not the server's address). */
  private String source(Session session) throws SealdropFailure {
    return StateFile.nameFor(Path.of(""), "", canonical(file).toString(), to.identity).toString();
  }

  /** Whether a state's {@code source} is this send's: {@link #source}, or as earlier versions wrote it (with the address). */
  private boolean isThisSend(Session session, Optional<StateFile> saved, String source) throws SealdropFailure {
    Optional<String> theirs = saved.flatMap(st -> st.get("source"));
    return theirs.isPresent() && (theirs.get().equals(source) || theirs.get().equals(StateFile.nameFor(Path.of(""), "",
        canonical(file).toString(), to.identity, session.config().server().toString()).toString()));
  }

  /**
   * Deletes what earlier sends of another version of this file to this recipient kept (an interrupted
   * upload's state and sealed spool, or the state of an upload whose grant was refused): no re-run
   * can use them any more, since a re-run sends the file as it is now. An upload such a send
   * committed stays on the server, and the note says so.
   */
  private void forgetOtherVersions(Session session, String source) throws IOException, SealdropFailure {
    List<Path> states;
    try (java.util.stream.Stream<Path> s = Files.list(stateFile.getParent())) {
      states = s.filter(p -> p.getFileName().toString().endsWith(".properties") && !p.equals(stateFile)).toList();
    }
    for (Path other : states) {
      Optional<StateFile> saved;
      try {
        saved = StateFile.load(other);
      } catch (IOException | IllegalArgumentException e) {
        continue; // not ours to judge: a later send of its own file finds it
      }
      if (!isThisSend(session, saved, source)) {
        continue;
      }
      // a send of the other version still running holds its state's lock: it is left alone (review DQ: it was torn
      // down, its upload given up on the server under it, its state and spool deleted)
      Optional<TransferLock> lock = TransferLock.tryAcquire(other);
      if (lock.isEmpty()) {
        session.output().note("a send of another version of " + file.getFileName() + " to " + to.identity
            + " is still running with this profile; it was left alone (it grants the version it read)");
        continue;
      }
      try (TransferLock held = lock.get()) {
        revokeUnshownGrants(session, saved.get());
        forget(other);
        Optional<String> committed = saved.get().get("file_id");
        String onServer = committed.map(id -> " (its upload " + id + " stays on the server: `sealdrop files`)")
            .orElse(abandonQuietly(session, saved.get().get("upload_id")));
        session.output().note("an earlier send of another version of " + file.getFileName() + " to " + to.identity
            + " was not finished; what it kept in your profile was deleted" + onServer);
      }
    }
  }

  /** The file the server committed the saved upload as, if it did; empty if it did not or cannot be asked now. */
  private static Optional<Uploader.Committed> committedEarlier(Session session, Uploader uploader, StateFile saved) {
    Optional<String> uploadId = saved.get("upload_id");
    if (uploadId.isEmpty()) {
      return Optional.empty();
    }
    try {
      return uploader.committedAs(uploadId.get()).filter(c -> onServerQuietly(session, c.fileId()));
    } catch (SealdropFailure | RuntimeException e) {
      return Optional.empty(); // asked again by the abandon below, whose note says why it failed
    }
  }

  private static boolean onServerQuietly(Session session, String fileId) {
    try {
      return onServer(session, fileId);
    } catch (SealdropFailure | RuntimeException e) {
      return false;
    }
  }

  /**
   * Abandons an unfinished upload no re-run can use any more, so that it stops holding quota now rather
   * than when it expires idle; best effort (it expires anyway). Returns what the note says of it.
   */
  private static String abandonQuietly(Session session, Optional<String> uploadId) {
    if (uploadId.isEmpty()) {
      return "";
    }
    try {
      return abandonOnceFree(new Uploader(session.connect()), uploadId.get()).alreadyClosed() ? ""
          : " (its unfinished upload was deleted on the server)";
    } catch (SealdropFailure | RuntimeException e) {
      return " (its unfinished upload stays on the server until it expires idle: " + e.getMessage() + ")";
    }
  }

  /** Whether the upload is closed on the server now: given up by this call, or closed already (no id: none). */
  private static boolean abandoned(Session session, Optional<String> uploadId) {
    if (uploadId.isEmpty()) {
      return true;
    }
    try {
      abandonOnceFree(new Uploader(session.connect()), uploadId.get());
      return true;
    } catch (SealdropFailure | RuntimeException e) {
      return false;
    }
  }

  /**
   * Gives an upload up on the server. A stopped or failed run's stream may still be attached there for a moment (its
   * cancel is on the way), and the server refuses to abandon it as busy until then (outside test: a send refused
   * FILE_CHANGED left its upload, a GiB, holding quota for upload-abandon-after), so a busy refusal is tried again for
   * a few seconds before it is reported.
   */
  private static Uploader.Abandoned abandonOnceFree(Uploader uploader, String uploadId) throws SealdropFailure {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (true) {
      try {
        return uploader.abandon(uploadId);
      } catch (SealdropFailure e) {
        if (!"UPLOAD_BUSY".equals(e.reason()) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new dev.sealdrop.client.failure.UsageFailure("INTERRUPTED", "interrupted while waiting to abandon upload "
            + uploadId, "run the same command again", e);
      }
    }
  }

  private static Path spool(Path stateFile) {
    String n = stateFile.getFileName().toString();
    return stateFile.resolveSibling(n.substring(0, n.length() - ".properties".length()) + ".sealed");
  }

  private static void forget(Path stateFile) throws IOException {
    Files.deleteIfExists(spool(stateFile));
    Files.deleteIfExists(stateFile);
  }
}
