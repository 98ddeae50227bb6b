package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Progress;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.GrantFailure;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.LocalDisk;
import dev.sealdrop.client.failure.PermissionFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.KeyStore;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.client.net.Downloader;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.client.net.StateFile;
import dev.sealdrop.client.net.TransferLock;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.envelope.BadSignatureException;
import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.EnvelopeException;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.MalformedEnvelopeException;
import dev.sealdrop.envelope.NotTheExpectedFileException;
import dev.sealdrop.envelope.OpenedFile;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.envelope.TamperedPayloadException;
import dev.sealdrop.envelope.UnknownSuiteException;
import dev.sealdrop.envelope.UntrustedSenderException;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.ReleaseClaimRequest;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sealdrop receive}: unlock keys first, then redeem, download (resumable), verify the
 * sender against their verified bundle, write under the original (sanitised) name only after
 * full verification, and confirm so the download counts.
 */
@Command(name = ReceiveCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Redeem a grant TOKEN, download and verify the file, and write it into DIR under its original "
        + "(sanitised) name.",
        "Your keys are unlocked before the grant is redeemed, so a wrong passphrase consumes nothing.",
        "An interrupted download resumes when you run the same command again before the claim expires."},
    footer = {"  sealdrop receive \\", "    sdg_Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c -o ~/Downloads",
        "  sealdrop receive \"$TOKEN\" --from alice --fingerprint \"$FP\" --json"})
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user chooses the output folder")
final class ReceiveCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "receive";

  @Parameters(index = "0", converter = EmptyArgument.Text.class, paramLabel = "TOKEN", description = "The grant token the sender gave you.")
  String token;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = ".",
      description = "Folder to write the file into (default: the current folder).")
  Path directory;

  @Option(names = "--force", description = "Overwrite a file of the same name in DIR.")
  boolean force;

  @Option(names = "--accept-new-key", description = "Accept and pin a sender key that differs from the pinned one.")
  boolean acceptNewKey;

  @Option(names = "--from", paramLabel = "IDENTITY", converter = EmptyArgument.Text.class,
      description = "Who must have sent the file (the sender's identity, as they told you with the token): a grant or"
          + " file of anyone else is refused before anything is written.")
  String from;

  @Option(names = "--fingerprint", paramLabel = "FP", converter = EmptyArgument.Text.class,
      description = "The fingerprint of the file the sender sealed (64 hex digits, as `send` prints it): any other"
          + " file, even one the sender sealed for you before, is refused before anything is written.")
  String fingerprint;

  @Mixin
  PassphraseOption passphrase;


  /** A grant token as the server makes them: {@code sdg_} and 32 random bytes in unpadded base64url. */
  static final java.util.regex.Pattern GRANT_TOKEN = java.util.regex.Pattern.compile("sdg_[A-Za-z0-9_-]{43}");

  @Override
  void run(Session session) throws Exception {
    expectedSenderAndFile();
    // until the grant is claimed, stopping loses nothing (outside test: a stop at the passphrase prompt spoke of a claim)
    session.output().interruptHint("run the same command again (nothing was redeemed yet)");
    String t = token.strip();
    if (!GRANT_TOKEN.matcher(t).matches()) {
      // before the passphrase is asked for or the server is contacted (docs/cli.md, "Identifiers")
      String lower = t.toLowerCase(java.util.Locale.ROOT);
      String what = lower.startsWith("g_") ? "that is a grant id, not its token"
          : lower.startsWith("sdc_") ? "that is a claim id, not a grant token (a receive resumes its own claim)"
          : lower.startsWith("f_") ? "that is a file id, not a grant token"
          : "that is not a grant token";
      throw new UsageFailure("BAD_TOKEN", what + ": a token is `sdg_` followed by 43 letters, digits, '-' or '_'",
          "paste the token whole, exactly as the sender gave it (`sealdrop inbox` lists your grants, not their"
              + " tokens; only the sender's `send` or `grant` printed it)");
    }
    if (directory.toString().equals("-")) {
      // the Unix habit for standard output, as seal, open and keys export say it (round AL: "folder - does not exist")
      throw new UsageFailure("NOT_A_FOLDER", "-o - (standard output) is not an output here: receive writes the file"
          + " under its original name into the folder -o names", "pass -o DIR (default: the current folder; -o ./-"
          + " names a folder called '-')");
    }
    if (Files.exists(directory) && !Files.isDirectory(directory)) {
      throw new UsageFailure("NOT_A_FOLDER", directory + " is " + (Files.isRegularFile(directory) ? "a file"
          : "a device, pipe or socket") + ", not a folder; receive writes the file under its original name into the"
          + " folder -o names", "pass -o DIR (default: the current folder)");
    }
    if (!Files.isDirectory(directory)) {
      throw new UsageFailure("NO_SUCH_FOLDER", "folder " + directory + " does not exist", "create it first"
          + " (mkdir -p), or choose an existing folder with -o");
    }
    requireWritable(directory);
    OutputFile.requireOutsideProfile(directory, session.profile().dir());
    session.config();
    SecureFiles.ensureDirectory(session.profile().downloadsDir());
    Path stateFile = stateFileOf(session, t);
    AbandonedReceives.remove(session.profile().downloadsDir(), session.environment().clock().instant(), stateFile);
    // two runs of this receive would append to one spool and delete each other's temporary file
    TransferLock lock = TransferLock.tryAcquire(stateFile).orElseThrow(() -> new GrantFailure(
        "RECEIVE_IN_PROGRESS", "another `sealdrop receive` of this grant is running with this profile",
        "let it finish; if it was stopped, run the same command again: it resumes the download"));
    try {
      receive(session, t, stateFile);
    } catch (dev.sealdrop.client.failure.AuthFailure e) {
      throw forgetIfRefusedForGood(session, e, stateFile);
    } finally {
      lock.close();
    }
  }

  /**
   * On a refusal of this identity's certificate ({@link SendCommand#REFUSED_FOR_GOOD}: the identity revoked, which
   * revokes its grants too, or only this certificate), deletes the part of the file an interrupted download kept in the
   * profile (round BP: a 47 MB spool stayed). The claim itself is kept: it is the identity's, and after a certificate
   * alone was revoked, `keys renew` and the same command download the file again under it (review BS: deleting it
   * left the re-run waiting out its own claim); a dead one is removed a day after it ends ({@link AbandonedReceives}).
   * Anything else: {@code refusal} as is.
   */
  private static dev.sealdrop.client.failure.AuthFailure forgetIfRefusedForGood(Session session,
      dev.sealdrop.client.failure.AuthFailure refusal, Path stateFile) {
    Path spool = spoolOf(stateFile);
    if ("IDENTITY_DISABLED".equals(refusal.reason())) {
      return keptWhileDisabled(refusal, stateFile);
    }
    if (!SendCommand.REFUSED_FOR_GOOD.contains(refusal.reason()) || !Files.exists(spool)) {
      return refusal;
    }
    try {
      Envelope.removeResumeLeftovers(spool);
      Files.deleteIfExists(spool);
    } catch (IOException | RuntimeException e) {
      session.output().warn("could not delete the part of the file this receive kept (" + spool + ": " + IoReason.of(e) + ")");
      return refusal;
    }
    return new dev.sealdrop.client.failure.AuthFailure(refusal.reason(), refusal.getMessage(), refusal.hint()
        .map(h -> h + "; ").orElse("") + "the part of the file that had arrived was deleted from your profile (" + spool
        + ")" + (refusal.getMessage().contains(dev.sealdrop.client.net.GrpcFailures.IDENTITY_REVOKED) ? ""
            // review BD: said after "your identity was revoked", this contradicted it
            : "; if only your certificate was revoked, once `sealdrop keys renew` moved you to a new one the same"
                + " command downloads the file again under its claim"), refusal);
  }

  /**
   * Where this profile keeps the receive of token {@code t}: named by the token alone (a token is unique, and names one
   * grant on one server), so that a receive cut off resumes under its claim after the profile's server address
   * changed (a restarted development server on another port, a name for an IP address); before, the re-run redeemed
   * again and was refused GRANT_CLAIMED until its own claim lapsed (outside test). A state an earlier version named
   * by the server address and the token is still found under that name.
   */
  private static Path stateFileOf(Session session, String t) throws SealdropFailure {
    Path dir = session.profile().downloadsDir();
    Path earlier = StateFile.nameFor(dir, ".properties", session.config().server().toString(), t);
    return Files.exists(earlier) ? earlier : StateFile.nameFor(dir, ".properties", "token", t);
  }

  /**
   * Refuses, before anything is redeemed, a folder this run could not write the file into (read-only
   * file system, no permission, a folder such as /proc): otherwise the grant would be redeemed and
   * its claim would lapse unconfirmed after the download failed to write. Tried by creating, then
   * deleting, an empty hidden file there: permission bits alone do not tell (root, ACLs, read-only mounts).
   */
  private static void requireWritable(Path directory) throws UsageFailure, IOException {
    Files.delete(OutputFile.createTempIn(directory, PartialFileGuard.PREFIX + "probe-",
        "nothing was redeemed and the grant was not used up"));
  }

  private void receive(Session session, String t, Path stateFile) throws Exception {
    // the key derivation runs on another core while the TLS connection is set up
    KeyStore.Unlocking unlocking = session.keyStore(passphrase.file).unlockInBackground();
    try {
      session.connect().warmUp();
    } catch (SealdropFailure | RuntimeException e) {
      unlocking.abandon();
      throw e;
    }
    PrivateKeys mine = unlocking.await();
    try {
      Path spool = spoolOf(stateFile);
      Optional<OpenedFile> unconfirmed = unconfirmed(stateFile);
      if (unconfirmed.isPresent()) {
        // a run stopped while it linked the file into place leaves its temporary name beside it (the same file)
        Path placedIn = unconfirmed.get().path().toAbsolutePath().getParent();
        if (placedIn != null) {
          PartialFileGuard.removeStale(placedIn, partialPrefix(stateFile));
        }
        OpenedFile written = unconfirmed.get();
        if ((from != null && !from.equals(written.senderIdentity())) || (fingerprint != null
            && !fingerprint.strip().equalsIgnoreCase(written.fingerprint()))) {
          // an earlier run without them wrote it: not confirmed as the file expected (review CF)
          throw new IntegrityFailure(from != null && !from.equals(written.senderIdentity()) ? "UNEXPECTED_SENDER"
              : "NOT_THE_GRANTED_FILE", "an earlier run of this receive wrote " + written.path() + ", sent by "
              + TerminalText.clean(written.senderIdentity()) + " with fingerprint " + written.fingerprint()
              + ": not the file --from and --fingerprint expect; its download was not confirmed", "delete that file"
              + " unless you expected it, and tell the sender and the server's operator");
        }
        session.output().note("the file was already verified and written; confirming the download");
        String claimId = StateFile.load(stateFile).orElseThrow().get("claim_id").orElseThrow();
        String grantId = StateFile.load(stateFile).orElseThrow().get("grant_id").orElse("");
        confirm(session, claimId, grantId, unconfirmed.get(), stateFile, spool);
        return;
      }
      // where a killed earlier run of this receive wrote its temporary plaintext: maybe another -o than this run's
      Optional<Path> earlierFolder = StateFile.load(stateFile).flatMap(s -> s.get(PART_FOLDER)).map(Path::of);
      // what a killed earlier run of this receive left, deleted before the claim is looked at: a claim this run
      // gives up at once (the file is not sealed for this profile's keys now) forgets its state, and with it where
      // that plaintext lies (outside test: it stayed for good)
      String partial = partialPrefix(stateFile);
      PartialFileGuard.removeStale(directory, partial);
      if (earlierFolder.isPresent() && !earlierFolder.get().equals(folder())) {
        PartialFileGuard.removeStale(earlierFolder.get(), partial);
      }
      Claim claim = expected(session, claim(session, t, stateFile, spool, mine), stateFile, spool);
      session.output().interruptHint("run the same command again before the claim window passes: it downloads again"
          + " under the same claim (a run stopped by a signal keeps nothing of what arrived, so it starts from the"
          + " beginning, or from where an earlier broken connection left it; nothing was used up)");
      notePartFolder(stateFile);
      Envelope.removeResumeLeftovers(spool); // and beside its spool, if it was killed while keeping it
      CryptoWarmup.startFor(claim.size(), CryptoWarmup.Direction.OPEN);
      KeyTrust.Trusted sender;
      try {
        sender = session.fetchTrusted(claim.owner(), acceptNewKey);
      } catch (IntegrityFailure | UsageFailure | dev.sealdrop.client.failure.KeyStoreFailure e) {
        // a pin of the sender's key that is damaged or unreadable (7) too (review BA: its claim was kept an hour)
        if (claim.resumed()) {
          if ("NO_BUNDLE".equals(e.reason())) {
            // the server stops serving a disabled sender's bundle: an admin may enable it again, so the claim and what
            // the earlier run downloaded are kept, and the same command resumes under them. Not a usage error (round
            // BG: exit 2 made a script take an admin's suspension for its own mistake): the grant cannot be used now,
            // as a fresh receive of a suspended grant is told (4, GRANT_SUSPENDED)
            String keep = "the download this receive started is kept: once " + claim.owner() + " is enabled again or"
                + " has published their keys, run the same command again"
                + (claim.expiresAtMillis() > 0 ? " before " + claimEnd(claim.expiresAtMillis()) : "")
                + " and it resumes; if " + claim.owner() + " was disabled by an admin, ask the sender or an admin";
            throw new GrantFailure("SENDER_UNAVAILABLE", "cannot resume the download now: the server serves no key"
                + " bundle of its sender " + claim.owner() + " (" + e.getMessage() + ")", keep, e);
          }
          throw e; // what the earlier run downloaded resumes once the key is accepted (--accept-new-key)
        }
        // the sender's key is refused (changed since pinned, not verifiable, its pin damaged) or missing before a byte
        // was downloaded: nothing can be opened, so the claim is given up as for a file not sealed for us, and another
        // device or a re-run can redeem at once
        Files.deleteIfExists(spool);
        Files.deleteIfExists(stateFile);
        String then = untouched(release(session, claim.id(), claim.expiresAtMillis()));
        throw e.retold(e.getMessage(), hintThen(e, then));
      }
      OpenedFile opened;
      // what an earlier run kept in the profile is read back first: damaged there (a disk error, an edit), it fails
      // to verify like a file damaged on the server, and the message must not blame the server alone
      boolean fromKept = claim.resumed() && Files.isRegularFile(spool) && Files.size(spool) > 0;
      try {
        try {
          opened = downloadAndOpen(session, claim, spool, partial, mine, sender, stateFile);
        } catch (GrantFailure e) {
          if ("GRANT_SUSPENDED".equals(e.reason()) || "DOWNLOAD_BUSY".equals(e.reason())) {
            // its sender is disabled, which an admin undoes; or another stream of this claim is being served (a copy
            // of this profile, or a run still going): the claim stands, and the same command resumes under it later
            // (forgetting it would make the re-run wait out its own claim; round AD: so it did after DOWNLOAD_BUSY)
            throw e;
          }
          // the server ended this claim (revoked, its window passed, ...): its id and what it downloaded are of no
          // further use, and a re-run must not "resume" it
          Files.deleteIfExists(spool);
          Files.deleteIfExists(stateFile);
          boolean gone = "GRANT_NOT_FOUND".equals(e.reason());
          if (!claim.resumed() || !("CLAIM_CLOSED".equals(e.reason()) || gone)) {
            // only a closed claim (its window passed, released) leaves a grant to redeem anew; a revoked,
            // consumed, expired or purged one is told as it is
            throw e;
          }
          // a claim the server no longer has at all went with its grant (a purge of the file, retention): redeeming
          // the token again tells what became of the grant, not "check the token" (outside test)
          session.output().note(gone ? "the earlier claim is no longer on the server; redeeming the grant again"
              : "the earlier claim lapsed; redeeming the grant again");
          claim = expected(session, claim(session, t, stateFile, spool, mine), stateFile, spool);
          notePartFolder(stateFile);
          opened = downloadAndOpen(session, claim, spool, partial, mine, sender, stateFile);
        }
      } catch (NameTaken e) {
        throw nameTaken(session, claim, e, stateFile, spool);
      } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
        // removed or moved while the keys were unlocked, the grant redeemed or the file received (review BA: "internal
        // error ... is not a directory", exit 1)
        // review BH: a folder moved away and another made in its place is gone too: its temporary file is not there
        boolean partGone = e instanceof java.nio.file.NoSuchFileException n && n.getFile() != null
            && n.getFile().contains(partial);
        if (Files.isDirectory(directory) && !partGone) {
          throw e;
        }
        throw outputFolderGone(claim, spool, partial);
      } catch (dev.sealdrop.client.failure.NetworkFailure e) {
        if (!"DOWNLOAD_INTERRUPTED".equals(e.reason()) && !"DOWNLOAD_STALLED".equals(e.reason())) {
          throw e;
        }
        // "before the claim expires" said when (round AX: the GRANT_CLAIMED and FILE_EXISTS hints did, this one not)
        String kept = "your claim is kept " + keptUntil(claim);
        throw e.retold(e.getMessage(), e.hint().map(h -> h + "; " + kept).orElse(kept));
      } catch (UntrustedSenderException e) {
        throw notTheSendersKey(session, claim, sender, e, stateFile, spool);
      } catch (dev.sealdrop.envelope.NoMatchingIdentityException e) {
        throw notSealedForUs(session, claim, mine, e, stateFile, spool,
            StateFile.load(stateFile).flatMap(st -> st.get(SEALED_FOR)).orElse(""));
      } catch (NotTheExpectedFileException e) {
        throw notTheGrantedFile(session, claim, e, stateFile, spool);
      } catch (IntegrityFailure e) {
        if (!"FILE_DAMAGED".equals(e.reason())) {
          throw e;
        }
        throw storedFileDamaged(session, claim, e, stateFile);
      } catch (TamperedPayloadException | BadSignatureException | MalformedEnvelopeException
          | UnknownSuiteException e) {
        // an unknown suite too: the server checked the envelope's suite when it was uploaded, so here it was altered
        throw doesNotVerify(session, claim, e, stateFile, spool, fromKept);
      }
      Claim done = claim;
      confirm(session, done.id(), done.grantId(), opened, stateFile, spool);
    } finally {
      mine.destroy();
    }
  }

  /**
   * The envelope's signing key (or sender) is not the one of the key bundle just verified and pinned
   * for the grant's owner: the owner replaced their keys after sealing the file ({@code init --force}),
   * or the file was altered. The envelope library's "pin the sender's key first" would mislead: the
   * owner's current key is pinned, and no re-run of this receive can open the file. So the claim is
   * given up (released, so that the grant can be redeemed again at once; a claim the server already
   * served in full counts when it lapses, and the hint says so), nothing is kept to resume, and the
   * message says what differs and that a new file is needed.
   */
  private static IntegrityFailure notTheSendersKey(Session session, Claim claim, KeyTrust.Trusted sender,
      UntrustedSenderException e, Path stateFile, Path spool) throws IOException {
    String owner = claim.owner();
    String what = owner.equals(e.printableIdentity())
        ? "the file is signed with signing key " + e.keyFingerprint() + ", but " + owner + "'s key bundle ("
            + sender.bundle().fingerprint() + ", the one you pinned) holds signing key "
            + sender.bundle().verifyingKey().fingerprint() + ": " + owner + " replaced their keys after sealing it,"
            + " or the file was altered"
        : "the file names \"" + e.printableIdentity() + "\" as its sender, but the grant is " + owner + "'s;"
            + " the file was altered or swapped";
    Files.deleteIfExists(spool);
    Files.deleteIfExists(stateFile);
    return new IntegrityFailure("UNTRUSTED_SENDER", what, "nothing was written; " + release(session, claim.id(),
        claim.expiresAtMillis()) + ": ask " + owner + " to send the file again, sealed with their current keys", e);
  }

  /**
   * The envelope names none of our keys (or {@code e} is null: the keys the server listed when the claim was made, kept
   * with it, name none of ours, so nothing is downloaded): a resumed claim, redeemed before this profile's keys were
   * replaced with {@code init --force}; or a server that does not list the keys. {@code sealedFor}: those keys, if
   * known, comma-separated. No
   * re-run of this receive can open it, so nothing is kept and the claim is given back, as when the server says so at
   * the redeem (outside test: the resumed claim was kept, and every re-run failed the same way until it lapsed).
   */
  private static IntegrityFailure notSealedForUs(Session session, Claim claim, PrivateKeys mine, Exception e,
      Path stateFile, Path spool, String sealedFor) throws IOException {
    Files.deleteIfExists(spool);
    Files.deleteIfExists(stateFile);
    String then = release(session, claim.id(), claim.expiresAtMillis());
    String ours = mine.publicKeys().encryption().fingerprint();
    if (e instanceof dev.sealdrop.envelope.NoMatchingIdentityException n && !n.sealedFor().isEmpty()
        && List.of(sealedFor.split(",")).contains(ours)) {
      // the server listed our key for this file when the grant was redeemed, but the file it sent is sealed for
      // others: what it holds is not the file that was granted (replaced or altered on the server)
      return new IntegrityFailure("NOT_A_RECIPIENT", "the file the server sent is sealed for "
          + String.join(", ", n.sealedFor()) + ", not for your keys (" + ours + "), although the server listed your"
          + " key for it when you redeemed the grant: the file it holds was replaced or altered", "nothing was"
          + " written; " + then + ": tell " + claim.owner() + " and the server's operator; " + claim.owner()
          + " can send it again", e);
    }
    if (e instanceof dev.sealdrop.envelope.NoMatchingIdentityException n && !n.sealedFor().isEmpty()) {
      sealedFor = String.join(",", n.sealedFor()); // the file's own header, which is what decides
    }
    return new IntegrityFailure("NOT_A_RECIPIENT", "this file was not sealed for your keys (yours: "
        + mine.publicKeys().encryption().fingerprint()
        + (sealedFor.isEmpty() ? "" : "; it is sealed for " + sealedFor.replace(",", ", ")) + ")",
        (e == null ? untouched(then) : "nothing was written; " + then) + ": receive it with the keys the file was sealed for, or ask the sender to seal it again for your"
        + " current keys (`sealdrop keys show` prints them)", e);
  }

  /**
   * The file the server sent does not verify (altered, cut, or not signed by its sender): what the
   * server holds is damaged or was tampered with after it was sealed, so no re-run of this receive
   * can do better. Nothing is kept to resume, the claim is given up where the server still allows it
   * (one it served in full counts when it lapses, and the hint says so), and the hint sends the
   * recipient to the sender for a new file rather than to another try.
   */
  private static IntegrityFailure doesNotVerify(Session session, Claim claim, Exception e, Path stateFile, Path spool,
      boolean fromKept) throws IOException {
    Files.deleteIfExists(spool);
    SealdropFailure told = EnvelopeFailures.translate(e);
    if (fromKept) {
      // the kept part may be what is damaged (a disk error, an edit): the claim is kept, so that the next run downloads
      // the whole file again under it (given back, a claim the server had served in full would only count when it
      // lapsed, and the grant be lost to a local fault); if the file fails again, that run blames the server's copy
      String until = claim.expiresAtMillis() > 0 ? " before " + claimEnd(claim.expiresAtMillis()) : "";
      return new IntegrityFailure(told.reason(), told.getMessage(), "nothing was written; this run resumed from what"
          + " an earlier run kept in your profile, which may be the damaged part: it was deleted. Run the same command"
          + " again" + until + " to download the whole file afresh under the same claim; if that fails the same way,"
          + " the file the server holds is damaged: tell " + claim.owner() + ", who must send it again", e);
    }
    Files.deleteIfExists(stateFile);
    String claimed = release(session, claim.id(), claim.expiresAtMillis());
    if (e instanceof UnknownSuiteException) {
      // the server accepted the suite at upload: a newer sealdrop than this one, or the header altered since
      return new IntegrityFailure(told.reason(), told.getMessage(), "nothing was written; the server accepted this"
          + " file's format when it was uploaded, so either the sender's sealdrop is newer than yours (upgrade, then"
          + " ask " + claim.owner() + " for a new grant if this one is used up) or the file was altered on the server"
          + " (tell " + claim.owner() + ", who must send it again) (" + claimed + ")", e);
    }
    return new IntegrityFailure(told.reason(), told.getMessage(), "nothing was written; the file the server holds"
        + " does not verify, so fetching it again cannot help: tell " + claim.owner() + ", who must send it again ("
        + claimed + ")", e);
  }


  /**
   * The file the server sent verifies (its sender's, sealed for us) but is not the file the grant names: another of
   * the sender's files for us was put in its place on the server. Nothing was written; the claim is given back (the
   * grant is not at fault; one the server served in full counts when it lapses, and the hint says so).
   */
  private static IntegrityFailure notTheGrantedFile(Session session, Claim claim, NotTheExpectedFileException e,
      Path stateFile, Path spool) throws IOException {
    Files.deleteIfExists(spool);
    Files.deleteIfExists(stateFile);
    String then = release(session, claim.id(), claim.expiresAtMillis());
    return new IntegrityFailure("NOT_THE_GRANTED_FILE", "the file the server sent is not the one this grant is for:"
        + " it is a file " + claim.owner() + " sealed for you, but its fingerprint is " + e.actual() + " and the"
        + " grant's is " + e.expected() + "; the server's stored file was replaced", "nothing was written; " + then
        + ": tell " + claim.owner() + " and the server's operator, who must restore the stored file; " + claim.owner()
        + " can send it again", e);
  }

  /**
   * The server's stored copy of the file is missing or cut short ({@code FILE_DAMAGED}): no re-run can fetch it, so
   * nothing is kept to resume and the claim is given back (the grant stays usable once the operator restored it).
   */
  private static IntegrityFailure storedFileDamaged(Session session, Claim claim, IntegrityFailure e, Path stateFile)
      throws IOException {
    Files.deleteIfExists(stateFile);
    String then = release(session, claim.id(), claim.expiresAtMillis());
    return new IntegrityFailure(e.reason(), e.getMessage(), "nothing was written; " + then + ": tell " + claim.owner()
        + " and the server's operator, who must restore the stored file (or " + claim.owner() + " sends it again)",
        e);
  }

  /** Confirms (the download counts now), forgets the transfer, prints the result. */
  private static void confirm(Session session, String claimId, String grantId, OpenedFile opened, Path stateFile,
      Path spool) throws SealdropFailure, IOException {
    if (session.output().stopping()) {
      // a signal came (the JVM goes on for a moment while it goes down): the grant is not used up behind the
      // "interrupted" error; the state names the written file, and the next run only confirms it
      throw new UsageFailure("INTERRUPTED", "stopped by a signal", "run the same command again");
    }
    String counted = grantId;
    try {
      Grant g = ServerConnection.call(GrpcFailures.Op.CONFIRM, () -> session.connect().transfer().confirmDownload(
          ConfirmDownloadRequest.newBuilder().setClaimId(claimId).setFingerprint(opened.fingerprint()).build()))
          .getGrant();
      if (!g.getGrantId().isEmpty()) {
        counted = g.getGrantId();
      }
    } catch (GrantFailure e) {
      // this claim is finished either way: nothing is left to resume
      Files.deleteIfExists(spool);
      Files.deleteIfExists(stateFile);
      if (!"GRANT_CONSUMED".equals(e.reason())) {
        // every byte had arrived and verified, and the file is in place: a failed receive leaves nothing behind
        // except this, which its error must say (outside test: "this grant was revoked" with the whole file written)
        // the server's record of this download disagreeing with what arrived is the server's fault, not a revocation
        // (round CE: both got the revoked-or-purged hint)
        boolean serversRecord = "FINGERPRINT_MISMATCH".equals(e.reason()) || "DOWNLOAD_INCOMPLETE".equals(e.reason());
        throw e.retold("the file was verified and written to " + opened.path().toAbsolutePath().normalize()
            + ", but the server refused to count the download: " + e.getMessage(), "the file is complete and"
            + " authentic (its sender's signature verified); " + (serversRecord ? "the server's record of the file or"
            + " of this download does not match what arrived here: tell the server's operator"
            : "the grant was revoked or its file purged after every byte had been sent."
            + " Tell the sender; delete the file if you must not keep it")).afterWriting(opened.path());
      }
      // the server counted this download already (its window passed, or the owner revoked the grant
      // after every byte had been served): the file is verified and the download counts
      session.output().note("the server had already counted this download");
    } catch (SealdropFailure e) {
      if (e.getMessage().contains(GrpcFailures.IDENTITY_REVOKED)) {
        // revoked for good: no re-run can confirm, and the revocation counted a download served in full as delivered
        // (review BJ: told to run it again, which failed the same way each time, and that the claim stayed its own)
        Files.deleteIfExists(spool);
        Files.deleteIfExists(stateFile);
        throw e.retold("the file was verified and written to " + opened.path().toAbsolutePath().normalize()
            + ", but the server refused to be told it arrived: " + e.getMessage(), "the file is complete and authentic"
            + " (its sender's signature verified); your identity's revocation counted this download, whose every byte"
            + " had been sent, as one of its grant's downloads (the grant is revoked with your identity unless this was"
            + " its last download), and no run can confirm it: nothing of this receive is kept. Delete the file if you"
            + " must not keep it").afterWriting(opened.path());
      }
      // the network or the server failed at the very end: the file is there, a script must not take it for lost
      throw e.retold("the file was verified and written to " + opened.path().toAbsolutePath().normalize()
          + ", but the server could not be"
          + " told it arrived, so the download may not count yet: " + e.getMessage(), "run the same command again:"
          + " it confirms the download without downloading again (the file stays where it is); until then the"
          + " grant's claim stays yours" + e.hint().map(h -> " (" + h + ")").orElse("")).afterWriting(opened.path());
    }
    Files.deleteIfExists(spool);
    Files.deleteIfExists(stateFile);
    session.output().emit(new Received(new OpenCommand.Opened(opened), counted));
  }

  /**
   * The state's key for the folder this run writes its temporary plaintext into, so that the next run of the same
   * receive deletes what a killed run left there even when it is given another {@code -o}.
   */
  static final String PART_FOLDER = "part_folder";

  /** The state's key for when the claim ends (epoch milliseconds). */
  static final String CLAIM_ENDS = "claim_expires_at_millis";
  /**
   * The state's key for the redeem key (RedeemRequest.redeem_key), kept before the redeem is sent: a run stopped before
   * it kept the claim id, or whose answer was lost, redeems again with it and gets a claim in place of the one it made
   * (docs/protocol.md, "Redeeming again").
   */
  static final String REDEEM_KEY = "redeem_key";
  /** The state's key for when the redeem key was last sent (epoch milliseconds; {@link AbandonedReceives} reads it). */
  static final String REDEEM_KEY_MADE = "redeem_key_made_at_millis";
  private static final java.security.SecureRandom REDEEM_KEYS = new java.security.SecureRandom();
  private static final java.util.regex.Pattern REDEEM_KEY_SHAPE = java.util.regex.Pattern.compile("sdr_[A-Za-z0-9_-]{43}");
  /**
   * Refusals of a redeem that end the grant for this receive for good: the redeem key kept for it is then of no use.
   * After any other failure (the network, a lockdown, a shutdown, a suspended sender, a full server disk, the grant
   * claimed) the key is kept, as an earlier run may have made a claim with it that the next run takes over.
   */
  private static final java.util.Set<String> REDEEM_ENDED = java.util.Set.of("NOT_FOUND", "GRANT_NOT_FOUND",
      "NOT_RECIPIENT", "GRANT_EXPIRED", "GRANT_REVOKED", "GRANT_CONSUMED", "FILE_PURGED", "GRANT_PURGED",
      "INVALID_REQUEST",
      // round CY: a transferor's or admin's profile may not redeem at all (the role is the identity's, set by an
      // admin), and its key was kept 30 days; no claim of this identity can exist for the key to take over
      "ROLE_FORBIDDEN");
  /** The state key of the recipient key fingerprints the server said the file is sealed for (comma-separated). */
  static final String SEALED_FOR = "sealed_for";

  private Path folder() {
    return directory.toAbsolutePath().normalize();
  }

  private void notePartFolder(Path stateFile) throws IOException {
    StateFile.load(stateFile).orElseThrow().set(PART_FOLDER, folder().toString()).save();
  }

  /** The ciphertext spool beside a receive's state file. */
  static Path spoolOf(Path stateFile) {
    return stateFile.resolveSibling(stateFile.getFileName().toString().replace(".properties", ".sealed"));
  }

  /**
   * A file verified and written by an earlier run whose confirmation did not reach the server: one it recorded as
   * written ({@code opened_path}), or one it was putting in place when it was stopped ({@code placing_path}), if the
   * file there is the very file it published (the same {@code fileKey}: a file of that name that was there before, or
   * came after, is not).
   */
  private static Optional<OpenedFile> unconfirmed(Path stateFile) throws IOException {
    Optional<StateFile> s = StateFile.load(stateFile);
    if (s.isEmpty()) {
      return Optional.empty();
    }
    StateFile st = s.get();
    Path path;
    Optional<String> identity;
    if (st.get("opened_path").isPresent()) {
      path = Path.of(st.get("opened_path").get());
      identity = st.get(OPENED_IDENTITY); // absent in the state of an earlier version: the path alone, as then
    } else if (st.get(PLACING_PATH).isPresent() && st.get(PLACING_IDENTITY).isPresent()) {
      path = Path.of(st.get(PLACING_PATH).get());
      identity = st.get(PLACING_IDENTITY);
    } else {
      return Optional.empty();
    }
    if (!Files.isRegularFile(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    if (identity.isPresent() && !identity.equals(identityOf(path))) {
      // another file under that name (the received one moved or deleted and another put there): not vouched for, and
      // not confirmed on; the re-run downloads again, and will not overwrite it without --force
      return Optional.empty();
    }
    FileMetadata meta = new FileMetadata(st.get("file_name").orElseThrow(),
        Long.parseLong(st.get("plain_size").orElseThrow()), st.get("content_type").orElse(""),
        Instant.parse(st.get("created_at").orElseThrow()));
    return Optional.of(new OpenedFile(path, meta, st.get("sender").orElseThrow(), st.get("fingerprint").orElseThrow()));
  }

  /**
   * The prefix of this transfer's temporary plaintext file in DIR: the envelope library's prefix and the start of a
   * hash of the state file's path (its profile's folder, server and token), so that a later run of the same receive
   * in the same profile can find what a killed one left, and no other transfer's file matches, another profile's
   * receive of the same token included (review EM: the state file's name alone, the same in every profile, let a second
   * profile's receive into the same folder delete a running one's file before its redeem was refused).
   */
  static String partialPrefix(Path stateFile) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(stateFile.toAbsolutePath().normalize()
          .toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return PartialFileGuard.PREFIX + java.util.HexFormat.of().formatHex(digest, 0, 8) + "-";
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("cli: internal error: no SHA-256", e);
    }
  }

  /** A claim on the grant: from an earlier interrupted run, or redeemed now. */
  /**
   * {@code fingerprint}: the file's as the grant names it (hex); empty for a claim an earlier version kept without
   * it, whose file is then checked by the server's confirmation alone.
   */
  private record Claim(String id, String grantId, String owner, long size, long expiresAtMillis, boolean resumed,
      String fingerprint) {}

  /** {@code --from} and {@code --fingerprint}, refused as malformed before anything else is done. */
  private void expectedSenderAndFile() throws UsageFailure {
    from = ExpectedFile.sender(from);
    if (fingerprint != null) {
      ExpectedFile.fingerprint(fingerprint);
    }
  }

  /**
   * The file the envelope must be: the one {@code --fingerprint} names, else the one the grant names (as the server says
   * it); null when neither names one.
   */
  private String expectedFingerprint(Claim claim) {
    if (fingerprint != null) {
      return fingerprint.strip().toLowerCase(java.util.Locale.ROOT);
    }
    return claim.fingerprint().isEmpty() ? null : claim.fingerprint();
  }

  /**
   * CLAIM, if its grant is the one {@code --from} and {@code --fingerprint} expect. The server says whose grant it is
   * and which file it serves, and a compromised one could serve another file its sender sealed for you (an older list,
   * one whose grant was revoked) or one someone else sealed for you, each verifying as what it is (round CE): those the
   * user names are checked here, before a byte is downloaded (the claim is given back), and again against the envelope
   * itself as it is opened (its signature and its fingerprint).
   */
  private Claim expected(Session session, Claim claim, Path stateFile, Path spool) throws IOException, SealdropFailure {
    String reason;
    String wrong;
    String check = "check --from and --fingerprint against what the sender told you with the token; if they are right,"
        + " the token or the server is not what it should be: tell the sender and the server's operator";
    if (!OpenCommand.IDENTITY.matcher(claim.owner()).matches()) {
      // no identity has such a name: a server's answer that would be fetched, pinned and named in hints (round CE)
      reason = "UNEXPECTED_SENDER";
      wrong = "the server names the grant's sender '" + TerminalText.clean(claim.owner()) + "', which is no identity"
          + " name; nothing was written";
      check = "tell the server's operator: a server that answers so is not working as it should";
    } else if (claim.owner().equals(session.config().identity())) {
      // nobody grants to themselves (the server refuses it): a key fetched for it would be pinned as your own (round CE)
      reason = "UNEXPECTED_SENDER";
      wrong = "the server names you (" + claim.owner() + ") as the grant's sender, and nobody can grant a file to"
          + " themselves; nothing was written";
      check = "tell the server's operator: a server that answers so is not working as it should";
    } else if (from != null && !claim.owner().equals(from)) {
      reason = "UNEXPECTED_SENDER";
      wrong = "the grant is " + claim.owner() + "'s, not " + from + "'s (as the server says it); nothing was written";
      if (claim.owner().equalsIgnoreCase(from)) {
        // round CP: a slip of case (--from Alice for alice) was told that the token or the server was not what it
        // should be; names are unique ignoring case on a sealdrop server, and still compared exactly here
        check = "identity names are matched exactly, case included, and --from differs from the sender the server"
            + " names only in case: if you meant " + claim.owner() + ", run the same command with --from "
            + claim.owner();
      }
    } else if (fingerprint != null && !claim.fingerprint().isEmpty()
        && !claim.fingerprint().equalsIgnoreCase(fingerprint.strip())) {
      reason = "NOT_THE_GRANTED_FILE";
      wrong = "the grant is for the file " + TerminalText.clean(claim.fingerprint()) + ", not "
          + fingerprint.strip().toLowerCase(java.util.Locale.ROOT) + " (as the server says it); nothing was written";
    } else {
      return claim;
    }
    if (claim.resumed() && downloadBegun(stateFile, spool)) {
      // an earlier run downloaded under this claim: kept, so that the same command with what the sender told resumes it
      // (giving it back would count as one of the grant's interrupted claims; review CF). One that never began a
      // download (an earlier run refused it the same way, and could not give it back) is given back now (review DQ:
      // it was kept, and held the grant for the claim window)
      throw new IntegrityFailure(reason, wrong, check + " (the download an earlier run started is kept under its claim"
          + " until " + claimEnd(claim.expiresAtMillis()) + ": run the command again with the right --from and"
          + " --fingerprint before then and it resumes)");
    }
    String then = release(session, claim.id(), claim.expiresAtMillis());
    if (RELEASED_NOW.equals(then) || USED_UP.equals(then)) {
      Envelope.removeResumeLeftovers(spool);
      Files.deleteIfExists(spool);
      Files.deleteIfExists(stateFile); // nothing of this receive is left to keep
    } // else kept: the same command run again takes the claim over and gives it back (as refuseIfNotSealedFor)
    throw new IntegrityFailure(reason, wrong, check + " (" + untouched(then) + ")");
  }

  /** Whether an earlier run of this receive began downloading under its claim (it notes the folder first). */
  private static boolean downloadBegun(Path stateFile, Path spool) throws IOException {
    return StateFile.load(stateFile).flatMap(st -> st.get(PART_FOLDER)).filter(v -> !v.isEmpty()).isPresent()
        || Files.isRegularFile(spool) && Files.size(spool) > 0;
  }

  /** The state key of the file's fingerprint as the grant names it: the file received must be that one. */
  private static final String GRANT_FINGERPRINT = "grant_fingerprint";

  /**
   * Downloads and opens the envelope <em>while</em> it arrives (decryption overlaps the transfer). The
   * plaintext is written to a hidden temporary file and renamed into place only after the whole
   * envelope verified. Nothing is spooled while the download goes well; a broken download keeps what
   * arrived, encrypted, in the spool for the next run (the verified part re-created by the envelope
   * library from the plaintext, then the rest from memory); a damaged envelope deletes the spool.
   */
  private OpenedFile downloadAndOpen(Session session, Claim claim, Path spool, String partialPrefix, PrivateKeys mine,
      KeyTrust.Trusted sender, Path stateFile) throws Exception {
    try (Progress p = session.progress().start("downloading+opening", claim.size());
        Downloader.Download d = new Downloader(session.connect(), session.output()::note).start(claim.id(), spool, claim.size());
        PartialFileGuard guard = PartialFileGuard.watch(directory, partialPrefix);
        InputStream in = new BufferedInputStream(new Streams.Counting(d.reader(), p::advance), 64 * 1024)) {
      OpenedFile opened;
      try {
        try {
          opened = Envelope.openIntoDirectory(in, mine, SenderPolicy.exactly(claim.owner(),
              sender.bundle().verifyingKey()), directory, force, partialPrefix, spool,
              expectedFingerprint(claim), new Envelope.Placement() {
                @Override
                public void publishing(Path temporary, OpenedFile file) {
                  // recorded before the file appears (round BH: a signal right after it was renamed into place and
                  // before recordOpened said "nothing was kept", and the re-run refused its own file as FILE_EXISTS)
                  recordPlacing(session, stateFile, temporary, file);
                  session.output().interruptHint("if " + file.path() + " is there, it is the complete, verified file"
                      + " (keep it); run the same command again before the claim window passes: it only confirms the"
                      + " download if so, or downloads again if not (nothing was used up)");
                }
              });
        } catch (IOException | RuntimeException | Error e) {
          // nothing was published (its temporary file is deleted, its inode free for another file): what was recorded
          // of it must not vouch for whatever comes to that name (round BI)
          forgetPlacing(stateFile);
          throw e;
        }
        // at once, before the download's thread and buffers are closed: a run killed after the file was renamed into
        // place and before this was saved left a re-run that refused its own file as FILE_EXISTS (outside test). Best
        // effort, as recordPlacing: the file is in place and verified, and the confirmation below does not need it
        // (review DQ: a full profile disk here was told as a failed receive of a file that was there)
        try {
          recordOpened(stateFile, opened);
        } catch (IOException e) {
          session.output().warn("could not note in the profile that " + opened.path() + " was received ("
              + dev.sealdrop.client.failure.IoReason.of(e) + "); the file is complete and verified, and is confirmed"
              + " now");
        }
        // from here a signal leaves the whole file in place, and the confirm may have reached the server (round AS:
        // "nothing was used up" led a user to delete the file, and the grant was used)
        session.output().interruptHint("the file is complete and verified: " + opened.path() + " (keep it); run the"
            + " same command again before the claim window passes: it only confirms the download, without downloading"
            + " it again (the server may count it already)");
      } catch (FileAlreadyExistsException e) {
        // told once the download has stopped (the claim is given back then, where the server still allows it)
        UsageFailure node = Diagnoser.nodeInTheWay(e, "; then run the same command again");
        UsageFailure folder = node != null ? node : Diagnoser.folderInTheWay(e, "; then run the same command again");
        throw new NameTaken(folder != null ? folder : new UsageFailure("FILE_EXISTS", "refusing to overwrite "
            + e.getFile(), "move that file away, choose another -o, or pass --force to replace it; then run the same"
            + " command again", e), d.arrived() >= claim.size());
      } catch (IOException e) {
        Optional<SealdropFailure> broken = d.failure();
        if (broken.isPresent() && "FILE_DAMAGED".equals(broken.get().reason())) {
          Files.deleteIfExists(spool); // the server's copy is cut short or gone: nothing to resume from
          throw broken.get();
        }
        if (broken.isPresent()) {
          keepForResume(session, d, e, spool);
          throw broken.get(); // the transfer broke, not the envelope: the next run resumes from the spool
        }
        if (e instanceof EnvelopeException) {
          Files.deleteIfExists(spool);
        }
        // the plaintext is written into -o's folder: named if it ran out
        Optional<UsageFailure> disk = LocalDisk.refusal(e, directory, LocalDisk.OTHER_OUTPUT,
            "then run the same command again within the claim window: it resumes under the claim this run made",
            claim.size());
        if (disk.isPresent()) {
          throw disk.get();
        }
        throw e;
      }
      try {
        d.await();
      } catch (SealdropFailure e) {
        // every byte the server announced arrived (the reader ends there) and the file verified, but the stream
        // did not end cleanly (it broke, or the server fell silent: round CE exited 8 with the file in place and
        // did not say so): the confirmation tells what the server makes of it, as a re-run would
        session.output().note("every byte arrived and the file verified, though the download did not end cleanly ("
            + e.getMessage() + "); confirming it");
      }
      return opened;
    }
  }

  /**
   * Records in the receive's state that its file was verified and written ({@code opened}): a re-run (after a kill, or
   * a confirm that did not get through) finds it there, absolute so from any working folder, and only confirms.
   */
  private static void recordOpened(Path stateFile, OpenedFile opened) throws IOException {
    StateFile st = described(stateFile, opened).set("opened_path", opened.path().toAbsolutePath().normalize()
        .toString());
    st.set(OPENED_IDENTITY, identityOf(opened.path()).orElse("")).save();
  }

  /** The state keys of the file being put in place, and of its identity ({@link #identityOf}). */
  static final String PLACING_PATH = "placing_path";
  static final String PLACING_IDENTITY = "placing_identity";
  /** The identity of the file recorded as written ({@code opened_path}). */
  static final String OPENED_IDENTITY = "opened_identity";

  /**
   * Records, just before the verified file is published from {@code temporary}, where it goes and which file it is:
   * a run stopped between the two finds it by both, and only confirms ({@link #unconfirmed}). Best effort: a state that
   * cannot be saved (a full or read-only profile disk) must not cost the verified file, which is published all the
   * same; such a run stopped right then downloads again. Without a file identity (a file system with no file keys,
   * such as Windows') nothing is recorded either.
   */
  private static void recordPlacing(Session session, Path stateFile, Path temporary, OpenedFile file) {
    Optional<String> identity = identityOf(temporary);
    if (identity.isEmpty()) {
      return;
    }
    try {
      described(stateFile, file).set(PLACING_PATH, file.path().toAbsolutePath().normalize().toString())
          .set(PLACING_IDENTITY, identity.get()).save();
    } catch (IOException | RuntimeException e) {
      session.output().note("could not note in the profile where the file goes (" + dev.sealdrop.client.failure.IoReason.of(e) + "); it is put"
          + " in place all the same");
    }
  }

  /** Drops what {@link #recordPlacing} noted (nothing was published); best effort. */
  private static void forgetPlacing(Path stateFile) {
    try {
      Optional<StateFile> st = StateFile.load(stateFile);
      if (st.isPresent() && st.get().get(PLACING_PATH).isPresent()) {
        st.get().set(PLACING_PATH, "").set(PLACING_IDENTITY, "").save();
      }
    } catch (IOException | RuntimeException e) {
      // the identity noted cannot match another file (size and modification time with it), and the re-run checks it
    }
  }

  private static StateFile described(Path stateFile, OpenedFile opened) throws IOException {
    return StateFile.load(stateFile).orElseThrow().set("file_name", opened.metadata().fileName())
        .set("plain_size", Long.toString(opened.metadata().size())).set("content_type", opened.metadata().contentType())
        .set("created_at", opened.metadata().createdAt().toString()).set("sender", opened.senderIdentity())
        .set("fingerprint", opened.fingerprint());
  }

  /**
   * Which file is at {@code path} (not followed if a link): its file key (device and inode), size and modification
   * time, if the file system has file keys. A rename or a link keeps all three; a freed inode given to another file
   * (round BI: ext4 hands a deleted file's inode to the next file at once) does not come with the same size and time.
   */
  private static Optional<String> identityOf(Path path) {
    try {
      java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(path,
          java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
      return Optional.ofNullable(a.fileKey()).map(k -> k + " size=" + a.size() + " mtime=" + a.lastModifiedTime()
          .to(java.util.concurrent.TimeUnit.NANOSECONDS));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * After a broken download: completes the spool with what arrived after the envelope's verified part
   * (which the envelope library kept there), and says so if less could be kept than arrived.
   */
  private static void keepForResume(Session session, Downloader.Download d, IOException broke, Path spool) {
    String why = null;
    for (Throwable s : broke.getSuppressed()) {
      why = s.getMessage(); // keeping the verified part failed (a full profile disk) or was refused
    }
    long kept;
    try {
      kept = d.keepTail();
    } catch (IOException e) {
      why = e.getMessage();
      kept = -1;
    }
    if (why != null) {
      session.output().note("could not keep all that arrived for the next run (" + why + "); it resumes from "
          + (kept >= 0 ? kept + " bytes" : "what the profile holds") + " in " + spool.toAbsolutePath().getParent());
    }
  }

  private Claim claim(Session session, String t, Path stateFile, Path spool, PrivateKeys mine)
      throws SealdropFailure, IOException {
    Optional<StateFile> saved = StateFile.load(stateFile);
    String redeemKey = null;
    if (saved.isPresent()) {
      StateFile s = saved.get();
      long expires = Long.parseLong(s.get(CLAIM_ENDS).orElse("0"));
      // tried even past the end this run recorded: the server keeps a claim open while its download is served, so
      // it may end later; one that lapsed is refused CLAIM_CLOSED, and the grant is then redeemed again
      if (s.get("claim_id").isPresent()) {
        // a run stopped by a signal keeps its claim but nothing of the file: say so, not that it goes on where it was
        boolean kept = Files.isRegularFile(spool) && Files.size(spool) > 0;
        session.output().note(kept ? "resuming the interrupted download"
            : "resuming the interrupted download under its claim, from the beginning (nothing of it was kept)");
        Claim resumed = new Claim(s.get("claim_id").get(), s.get("grant_id").orElse(""), s.get("owner").orElseThrow(),
            Long.parseLong(s.get("size").orElseThrow()), expires, true, s.get(GRANT_FINGERPRINT).orElse(""));
        String sealedFor = s.get(SEALED_FOR).orElse("");
        if (!sealedFor.isEmpty()
            && !List.of(sealedFor.split(",")).contains(mine.publicKeys().encryption().fingerprint())) {
          // claimed with the keys this profile had then (replaced since with init --force): refused before a byte
          throw notSealedForUs(session, resumed, mine, null, stateFile, spool, sealedFor);
        }
        return resumed;
      }
      Files.deleteIfExists(spool);
      // a run stopped after it kept its redeem key (maybe after its redeem was accepted) redeems again with that key
      redeemKey = s.get(REDEEM_KEY).orElse(null);
      if (redeemKey == null) {
        s.delete();
      }
    }
    // A signal during the redeem must not lose the claim it makes: the server keeps it for the claim window, and only
    // this run learns its id (outside test: stopped 4 s in, the re-run was refused GRANT_CLAIMED for an hour, told
    // "nothing was redeemed yet"). So until the claim is recorded in the profile, the JVM's shutdown waits for it.
    session.output().interruptHint("run the same command again: it resumes under the claim this run made, if the"
        + " signal came after the redeem, or redeems if it came before");
    redeemKey = keepRedeemKey(session, stateFile, redeemKey);
    try (UntilRecorded guard = UntilRecorded.start("sealdrop-claim-guard")) {
      return redeemAndRecord(session, t, redeemKey, stateFile, spool, mine);
    }
  }

  /**
   * Makes this receive's redeem key and keeps it in the profile before the redeem is sent, so that a run stopped at
   * any point after (even before the answer arrived, or with it lost) can redeem again with it at once instead of
   * waiting out the claim window of a claim whose id it never kept. A profile that cannot keep it refuses before
   * anything is redeemed.
   */
  private static String keepRedeemKey(Session session, Path stateFile, String kept) throws SealdropFailure {
    String key = kept;
    if (key == null || !REDEEM_KEY_SHAPE.matcher(key).matches()) {
      byte[] random = new byte[32];
      REDEEM_KEYS.nextBytes(random);
      key = "sdr_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }
    // stamped now, also when an earlier run's key is sent again: a claim it makes now is recent whatever the key's age
    // (review BS: a key kept since a refusal a day before was cleaned up while its new claim was open)
    try {
      StateFile.create(stateFile).set(REDEEM_KEY, key)
          .set(REDEEM_KEY_MADE, Long.toString(session.environment().clock().millis())).save();
    } catch (IOException e) {
      throw stateNotSaved(stateFile, e, "nothing was redeemed and the grant was not used up");
    }
    return key;
  }

  private Claim redeemAndRecord(Session session, String t, String redeemKey, Path stateFile, Path spool,
      PrivateKeys mine) throws SealdropFailure, IOException {
    RedeemResponse r;
    try {
      r = ServerConnection.call(GrpcFailures.Op.REDEEM, () -> session.connect().transfer()
          .redeem(RedeemRequest.newBuilder().setToken(t).setRedeemKey(redeemKey).build()));
    } catch (PermissionFailure e) {
      forgetRedeemKey(stateFile, e);
      throw notOurs(session, e);
    } catch (SealdropFailure e) {
      forgetRedeemKey(stateFile, e);
      throw e;
    }
    refuseIfNotSealedFor(session, mine, r, stateFile);
    Claim c = new Claim(r.getClaimId(), r.getGrant().getGrantId(), r.getGrant().getOwner(), r.getGrant().getSize(),
        r.getClaimExpiresAtMillis(), false, r.getGrant().getFingerprint());
    try {
      StateFile.create(stateFile).set("claim_id", c.id()).set("grant_id", c.grantId()).set("owner", c.owner())
          .set("size", Long.toString(c.size()))
          .set(CLAIM_ENDS, Long.toString(r.getClaimExpiresAtMillis()))
          .set(SEALED_FOR, String.join(",", r.getRecipientKeyFingerprintsList()))
          .set(GRANT_FINGERPRINT, c.fingerprint()).save();
    } catch (IOException e) {
      throw unsavedClaim(session, c, stateFile, e);
    }
    Files.deleteIfExists(spool);
    return c;
  }

  /** Deletes the redeem key kept for this receive once the server's refusal ends the grant for it ({@link #REDEEM_ENDED}). */
  private static void forgetRedeemKey(Path stateFile, SealdropFailure refused) throws IOException {
    if (REDEEM_ENDED.contains(refused.reason())) {
      Files.deleteIfExists(stateFile);
    }
  }

  /**
   * The profile could not keep the claim just made (its disk full or read-only): without it no later run could resume
   * under the claim, and the re-run the message asks for would find the grant claimed until the claim lapsed (an
   * hour; outside test). So the claim is given back first, and the failure says so.
   */
  private static dev.sealdrop.client.failure.SealdropFailure unsavedClaim(Session session, Claim c, Path stateFile,
      IOException e) {
    return stateNotSaved(stateFile, e, untouched(release(session, c.id(), c.expiresAtMillis())));
  }

  /** The profile could not keep this receive's state ({@code then}: what became of the grant). */
  private static dev.sealdrop.client.failure.SealdropFailure stateNotSaved(Path stateFile, IOException e, String then) {
    Path folder = stateFile.toAbsolutePath().getParent();
    Optional<UsageFailure> disk = dev.sealdrop.client.failure.LocalDisk.refusal(e, folder, "",
        "then run the same command again");
    if (disk.isPresent()) {
      return new UsageFailure(disk.get().reason(), disk.get().getMessage() + ", where the profile keeps this"
          + " receive's state; " + then, disk.get().hint().orElse("then run the same command again"), e);
    }
    // the reason and exit docs/cli.md gives a profile that cannot be written where a command must (round DE)
    return new dev.sealdrop.client.failure.KeyStoreFailure("PROFILE_UNWRITABLE", "cannot save this receive's state in the profile (" + folder
        + ": " + dev.sealdrop.client.failure.IoReason.of(e) + "); " + then, "check that the profile can be written"
        + " (`ls -ld " + folder + "`, `df -h " + folder + "`), then run the same command again", e);
  }

  /**
   * A grant addressed to another identity (NOT_RECIPIENT) says what it did not do and the likely way
   * out: the token is someone else's, or this is not the user's own profile.
   */
  private static PermissionFailure notOurs(Session session, PermissionFailure e) throws SealdropFailure {
    if (!"NOT_RECIPIENT".equals(e.reason())) {
      return e;
    }
    // not "it stays for its recipient": the server says the same of a grant that is gone (round CX), telling another
    // identity nothing of it
    return new PermissionFailure(e.reason(), e.getMessage(), "nothing was redeemed and the grant was not used up by"
        + " this. This profile (" + session.profile().dir() + ") is "
        + session.config().identity() + "; if the grant is meant for you, run receive with your own profile"
        + " (--home DIR or SEALDROP_HOME), else ask the sender for a grant of your own", e);
  }

  /**
   * Refuses, before any byte is downloaded, a file whose envelope is not sealed for our key: the
   * server tells which recipient keys it is sealed for (servers that predate this say nothing, and
   * then the envelope's own check decides). The claim is released, so the grant can be redeemed
   * again at once (with the keys the file is sealed for); if the release does not get through, the
   * claim lapses after the server's claim window with the same result. Nothing downloads with it. The receive's state
   * (its redeem key alone) is deleted once the claim is given back; if the release did not get through, the key is
   * kept, so that the same command run again takes the claim over and gives it back (review BS).
   */
  private static void refuseIfNotSealedFor(Session session, PrivateKeys mine, RedeemResponse r, Path stateFile)
      throws SealdropFailure, IOException {
    String ours = mine.publicKeys().encryption().fingerprint();
    if (r.getRecipientKeyFingerprintsCount() == 0 || r.getRecipientKeyFingerprintsList().contains(ours)) {
      return;
    }
    String then = release(session, r.getClaimId(), r.getClaimExpiresAtMillis());
    if (RELEASED_NOW.equals(then) || USED_UP.equals(then)) {
      Files.deleteIfExists(stateFile); // nothing of this receive is left to keep
    } else if (!then.startsWith(DELIVERED)) { // a claim served in full cannot be taken over (review BX)
      then += "; or run the same command again, which gives the claim back at once";
    }
    throw new IntegrityFailure("NOT_A_RECIPIENT", "this file was not sealed for your keys (yours: " + ours
        + "; it is sealed for " + String.join(", ", r.getRecipientKeyFingerprintsList()) + ")",
        untouched(then) + ": receive it with the keys the file"
            + " was sealed for, or ask the sender to seal it again for your current keys (`sealdrop keys show`"
            + " prints them)");
  }

  /** The file's name in -o's folder is taken (found once its metadata was opened): see {@link #nameTaken}. */
  private static final class NameTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient UsageFailure failure;
    /** Whether the whole file had arrived: the server served every byte, so the claim counts when it lapses. */
    final boolean wholeFileArrived;

    NameTaken(UsageFailure failure, boolean wholeFileArrived) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
      this.wholeFileArrived = wholeFileArrived;
    }
  }

  /**
   * The name the file would be written under is taken (a file, without {@code --force}, or a folder): nothing was
   * written. The claim is kept, with the state that names it, and the hint says until when the same command resumes
   * under it. It is not given back: the server had handed out the first megabytes of the file on it by the time the
   * name was known (it sends ahead of the reader), so giving it back counted as one of the grant's interrupted claims,
   * and the third such refusal used a one-time grant up while saying "not used up" (outside test). Resuming under the
   * same claim counts nothing.
   */
  private static UsageFailure nameTaken(Session session, Claim claim, NameTaken taken, Path stateFile, Path spool)
      throws IOException {
    UsageFailure refusal = taken.failure;
    Files.deleteIfExists(spool); // nothing of the download is kept: the re-run downloads it again under the claim
    String when = keptUntil(claim);
    // an earlier run of this receive wrote (or was putting in place) the whole file under this claim: the server sent
    // all of it then (review BH: the re-run, refused before the file arrived again, said a lapse would use nothing up)
    boolean deliveredBefore = StateFile.load(stateFile).map(st -> st.get("opened_path").filter(p -> !p.isEmpty())
        .or(() -> st.get(PLACING_PATH).filter(p -> !p.isEmpty())).isPresent()).orElse(false);
    // the deadline first when missing it uses a download up (review BB: the reassurance came first, the loss last)
    String then = taken.wholeFileArrived || deliveredBefore
        // what clears the name is the refusal's own hint, before this (review EQ: --force for a folder in the way)
        ? "nothing was written; your claim on the grant is kept " + when + ": run the same command again before then"
            + " and it resumes under that claim; the server had already sent the whole file, so if the claim lapses, it"
            + " counts as one of the grant's downloads (until then nothing is used up)"
        : "nothing was written and nothing was used up; your claim on the grant is kept " + when + ": run the same"
            + " command again before then and it resumes under that claim (if it lapses, the grant can be redeemed"
            + " again, but a claim given up after part of the file was sent counts towards its downloads: every third"
            + " such claim uses one up)";
    return new UsageFailure(refusal.reason(), refusal.getMessage(), hintThen(refusal, then), refusal);
  }

  /**
   * The output folder was removed while the file arrived (round AX: "no such file: DIR/NAME", "check the path"): said as
   * it is, with what is kept (the claim; nothing of the download, as when the name is taken) and how to go on. Linux
   * lets the temporary file be written on after its folder is gone, so this is most often found when the verified file
   * is put in place: the server has then sent all of it (round BB: it said "nothing was used up").
   */
  private UsageFailure outputFolderGone(Claim claim, Path spool, String partial) throws IOException {
    Files.deleteIfExists(spool); // nothing of the download is kept: the re-run downloads it again under the claim
    String when = keptUntil(claim);
    // review BH: a folder moved (not removed) takes the hidden temporary file with it, which holds what was opened so
    // far, in plain text (it was said that nothing was written); as open says it
    return new UsageFailure("NO_SUCH_FOLDER", "folder " + directory + " was removed or moved while the file was being"
        + " received, so the file could not be written there", "if it was moved, a hidden " + partial + "* file in it"
        + " holds what was received so far, in plain text: delete it; nothing is kept in your profile, and your claim"
        + " on the grant is kept " + when + ": create the folder again (or pass another -o) and run the same command"
        + " before then, and it downloads the file again under that claim (if the claim lapses after the server sent"
        + " the whole file, it counts as one of the grant's downloads)");
  }

  /**
   * Review BD: a receive refused because the recipient's identity is disabled keeps its claim and what arrived (the
   * lockdown's hint said so, this one did not); a disable does not stop the claim's clock, so the hint gives its end.
   */
  private static dev.sealdrop.client.failure.AuthFailure keptWhileDisabled(
      dev.sealdrop.client.failure.AuthFailure refusal, Path stateFile) {
    Optional<StateFile> state;
    try {
      state = StateFile.load(stateFile);
    } catch (IOException | RuntimeException unreadable) {
      return refusal;
    }
    if (state.isEmpty() || state.get().get("claim_id").isEmpty()) {
      return refusal; // nothing redeemed: nothing to resume
    }
    long ends = state.get().get(CLAIM_ENDS).flatMap(ReceiveCommand::millis).orElse(0L);
    return new dev.sealdrop.client.failure.AuthFailure(refusal.reason(), refusal.getMessage(), refusal.hint()
        .map(h -> h + "; ").orElse("") + "your claim on this grant is kept " + keptUntil(ends, Instant.now())
        + ", and so is what this receive downloaded: once your identity is enabled, run the same command again within"
        + " it to resume (a claim that lapses after bytes were handed out on it may count as one of the grant's"
        + " downloads)", refusal);
  }

  private static Optional<Long> millis(String value) {
    try {
      return Optional.of(Long.parseLong(value));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** How long a claim is kept, as a hint says it: "until TIME", or "for the server's claim window" if unknown. */
  private static String keptUntil(Claim claim) {
    return keptUntil(claim.expiresAtMillis(), Instant.now());
  }

  /** {@link #keptUntil(Claim)} of a claim known to end at {@code expiresAtMillis} (0: unknown), said at {@code now}. */
  static String keptUntil(long expiresAtMillis, Instant now) {
    if (expiresAtMillis <= 0) {
      return "for the server's claim window";
    }
    Instant end = claimEnd(expiresAtMillis);
    if (end.isAfter(now)) {
      return "until " + end;
    }
    // the end known from the redeem has passed: the server extends a claim while it serves its download, so it may
    // well stand (review BA: the hint named a time already gone, and the re-run resumed under the claim)
    return "for the server's claim window after the download last made progress (it was to end at " + end + ", but the"
        + " server extends a claim while it serves its download)";
  }

  /**
   * Gives up a claim before anything of its file was used (a refusal after redeem), so that the
   * grant can be redeemed again at once, here or on another device; says what follows for the hint.
   * If the release does not get through, the claim lapses at {@code expiresAtMillis} (0: unknown).
   */
  /**
   * What {@link #release} says when giving the claim back used the grant up: bytes had been handed out on it (an earlier
   * run downloaded part of the file), and it was the grant's third claim given back so (docs/protocol.md §5).
   */
  static final String USED_UP = "the claim was given back, but bytes of the file had been handed out on it, and as"
      + " the grant's third claim given back so it counts as one of its downloads: the grant is used up (`sealdrop"
      + " inbox` shows it); ask the sender for a new grant";

  /** How {@link #release} begins when the server had served every byte on the claim (CLAIM_DELIVERED). */
  private static final String DELIVERED = "the server had already sent the whole file";

  /** What {@link #release} says when the claim was given back and nothing was used up. */
  private static final String RELEASED_NOW = "the grant can be redeemed again now";

  /** "Nothing was used up", then what became of the claim; or only that, if giving it back used the grant up. */
  private static String untouched(String released) {
    return USED_UP.equals(released) ? released : "nothing was downloaded and the grant was not used up; " + released;
  }

  private static String release(Session session, String claimId, long expiresAtMillis) {
    try {
      var released = ServerConnection.call(GrpcFailures.Op.RELEASE_CLAIM, () -> session.connect().transfer()
          .releaseClaim(ReleaseClaimRequest.newBuilder().setClaimId(claimId).build()));
      if (released.getGrant().getState() == dev.sealdrop.protocol.v1.GrantState.GRANT_STATE_CONSUMED) {
        return USED_UP;
      }
      return RELEASED_NOW;
    } catch (SealdropFailure e) {
      String when = expiresAtMillis > 0 ? "at " + claimEnd(expiresAtMillis) : "after the server's claim window";
      if ("CLAIM_DELIVERED".equals(e.reason())) {
        // the server served every byte: the claim cannot be given back, and it counts when it lapses
        return DELIVERED + ", so your claim could not be given back and counts as one of the grant's downloads when it"
            + " lapses " + when;
      }
      return "your claim on it lapses " + when + " (releasing it failed: " + e.getMessage() + "), then the grant can"
          + " be redeemed again";
    }
  }

  /** When a claim lapses, rounded up to the second as the server's GRANT_CLAIMED message gives it. */
  static Instant claimEnd(long expiresAtMillis) {
    return Instant.ofEpochSecond(Math.floorDiv(expiresAtMillis + 999, 1000));
  }

  /** {@code f}'s hint, then what happened to the claim. */
  private static String hintThen(SealdropFailure f, String then) {
    return f.hint().map(h -> h + " (" + then + ")").orElse(then);
  }

  private record Received(OpenCommand.Opened opened, String grantId) implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("grant_id", grantId);
      opened.fields(g);
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      opened.writeHuman(out);
    }
  }
}
