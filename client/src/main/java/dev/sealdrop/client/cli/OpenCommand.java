package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.JsonPath;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.LocalDisk;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.client.net.StateFile;
import dev.sealdrop.client.net.TransferLock;
import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.EnvelopeInspector;
import dev.sealdrop.envelope.HeaderInfo;
import dev.sealdrop.envelope.OpenedFile;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.envelope.UntrustedSenderException;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.VerifyingKey;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sealdrop open}: offline opening; plaintext appears only after full verification. */
@Command(name = OpenCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Open a sealed FILE offline into PATH, verifying every chunk and the sender's signature first.",
        "The sender must be you or an identity whose key you pinned (`sealdrop keys show SENDER`).",
        "If PATH is a folder, the file gets its original (sanitised) name inside it.",
        "With --from and --fingerprint (as the sender told you), any other sender's file, or any other file of theirs,"
            + " is refused before anything is written: pass both for a file fetched over SFTP."},
    footer = {"  sealdrop open clients.csv.sealed -o clients.csv", "  sealdrop open clients.csv.sealed -o ~/Downloads/",
        "  sealdrop open got.sealed -o clients.csv --from alice --fingerprint \"$FP\""})
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user chooses input and output paths")
final class OpenCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "open";

  /** More than any header (it holds at most 32 recipients' stanzas): where to stop looking for one. */
  private static final long HEADER_READ_LIMIT = 1 << 20;

  @Parameters(index = "0", paramLabel = "FILE", description = "The sealed file.")
  Path file;

  @Option(names = {"-o", "--output"}, required = true, converter = EmptyArgument.PathText.class, paramLabel = "PATH",
      description = "Output file or folder; a PATH ending in a separator (`dir/`) is a folder, which must exist.")
  String outputArgument;

  @Option(names = "--force", description = "Overwrite an existing output file.")
  boolean force;

  @Option(names = "--from", paramLabel = "IDENTITY", converter = EmptyArgument.Text.class,
      description = "Who must have sealed the file (the sender's identity, as they told you): a file of anyone else is"
          + " refused before anything is written.")
  String from;

  @Option(names = "--fingerprint", paramLabel = "FP", converter = EmptyArgument.Text.class,
      description = "The fingerprint of the file the sender sealed (64 hex digits, as `send`, `seal` and `grant` print"
          + " it): any other file, even one the sender sealed for you before, is refused before anything is written.")
  String fingerprint;

  @Mixin
  PassphraseOption passphrase;

  @Override
  void run(Session session) throws Exception {
    // the check seal and send make: a pipe or device is NOT_A_REGULAR_FILE, not "no such file" (round AF)
    InputFile.requireRegularFile(file, "`sealdrop open` opens one sealed file", "name the .sealed file inside it",
        "check the path");
    from = ExpectedFile.sender(from);
    fingerprint = ExpectedFile.fingerprint(fingerprint);
    OutputFile.requireNotStandardOutput(outputArgument);
    CryptoWarmup.startFor(Files.size(file), CryptoWarmup.Direction.OPEN);
    Path output = Path.of(outputArgument);
    boolean intoDirectory = Files.isDirectory(output);
    if (!intoDirectory && namesFolder(outputArgument)) {
      if (Files.exists(output)) { // round X: an existing file (or FIFO) named as a folder was "does not exist"
        throw new UsageFailure("NOT_A_FOLDER", output + " is a file, not a folder", "-o FOLDER/ names a folder to write"
            + " the file into under its original name; without the trailing /, -o " + output + " names the file");
      }
      throw new UsageFailure("NO_SUCH_FOLDER", "folder " + output + " does not exist", "create it first (mkdir -p),"
          + " or give -o an existing folder, or a file name without the trailing /");
    }
    if (!intoDirectory) {
      OutputFile.requireNameFits(output); // before the passphrase and the work (review EL)
      OutputFile.requireNotTheInput(output, file);
      OutputFile.requireRegularIfPresent(output);
    }
    // a link to nothing is an entry all the same, refused here as by seal (review RH: after the passphrase and the
    // whole decryption)
    if (!intoDirectory && Files.exists(output, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
      throw new UsageFailure("FILE_EXISTS", "refusing to overwrite " + output, "pass --force, or choose another -o");
    }
    if (!intoDirectory && output.toAbsolutePath().getParent() != null
        && !Files.isDirectory(output.toAbsolutePath().getParent())) {
      Path parent = output.toAbsolutePath().getParent();
      if (Files.exists(parent)) {
        throw new UsageFailure("NOT_A_FOLDER", parent + " is a file, not a folder", "choose -o FILE in a folder, or"
            + " -o FOLDER to write the file there under its original name");
      }
      throw new UsageFailure("NO_SUCH_FOLDER", "folder " + parent + " does not exist", "create it first");
    }
    OutputFile.requireOutsideProfile(intoDirectory ? output : output.toAbsolutePath().getParent(),
        session.profile().dir());
    // a folder this run cannot create a file in is refused before the passphrase is asked for, as by seal
    Files.delete(OutputFile.createTempIn(intoDirectory ? output : output.toAbsolutePath().getParent(),
        ".sealdrop-open-", "nothing was opened"));
    String me = session.config().identity();
    requireFromTheExpectedSender();
    requireSealedFor(session.ownBundle().recipientKey().fingerprint(), me);
    VerifyingKey myKey = session.ownBundle().verifyingKey();
    requireReadablePin(session, me);
    SenderPolicy policy = SenderPolicy.lookup(id -> from != null && !id.equals(from) ? Optional.empty()
        : id.equals(me) ? Optional.of(myKey) : pinnedKey(session, id).key());
    Path folder = intoDirectory ? output : output.toAbsolutePath().getParent();
    // this open's own temporary name (the envelope and where it goes): what a killed run of it left, unverified
    // plaintext, is deleted before it starts again (outside test: a killed open's .part stayed for good)
    Path key = lockKey(session.profile().uploadsDir(), file, output);
    SecureFiles.ensureDirectory(key.getParent().getParent());
    TransferLock lock = TransferLock.tryAcquire(key).orElseThrow(() -> new UsageFailure("OPEN_IN_PROGRESS",
        "another `sealdrop open` of " + file + " to " + output + " is running with this profile", "let it finish"));
    String partial = partialPrefix(key);
    OpenedFile opened;
    PrivateKeys mine = null;
    try (lock) {
      PartialFileGuard.removeStale(folder, partial);
      mine = session.keyStore(passphrase.file).unlock();
      try (PartialFileGuard guard = PartialFileGuard.watch(folder, partial);
          InputStream in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024)) {
        opened = intoDirectory ? Envelope.openIntoDirectory(in, mine, policy, output, force, partial, null,
            fingerprint, placement(session))
            : Envelope.openToFile(in, mine, policy, output, partial, force, fingerprint);
      }
    } catch (UntrustedSenderException e) {
      throw notThePinnedKey(session, e).orElseThrow(() -> e);
    } catch (dev.sealdrop.envelope.NotTheExpectedFileException e) {
      throw new IntegrityFailure("NOT_THE_EXPECTED_FILE", "this file is not the one --fingerprint names: it verifies as "
          + "sealed by " + (from != null ? from : "its sender") + " for you, but its fingerprint is " + e.actual()
          + ", not " + e.expected(), "nothing was written; it is another file its sender sealed for you (an older one,"
          + " or one put in the expected one's place): check --fingerprint against what the sender told you; if it is"
          + " right, tell the sender and, if it came from a server, the server's operator", e);
    } catch (RefusedPlacement e) {
      throw e.refusal;
    } catch (IOException e) {
      if (!Files.isDirectory(folder)) {
        // removed or moved since it was checked (review BA: "internal error ... is not a directory", exit 1)
        throw new UsageFailure("NO_SUCH_FOLDER", "folder " + folder + " was removed or moved while the file was being"
            + " opened, so the file could not be written there", "create the folder again (or pass another -o) and run"
            + " the same command again; if it was moved, a hidden " + partial + "* file in it holds what was written so"
            + " far: delete it");
      }
      // the plaintext is written into that folder (a hidden temporary file, then renamed): named if it ran out
      // judged by the sealed file's size: the plaintext written so far was deleted (review RJ)
      Optional<UsageFailure> disk = LocalDisk.refusal(e, folder, LocalDisk.OTHER_OUTPUT, "then run the same command again",
          sizeOrZero(file));
      if (disk.isPresent()) {
        throw disk.get();
      }
      throw e;
    } finally {
      if (mine != null) {
        mine.destroy();
      }
    }
    session.output().emit(new Opened(opened));
  }

  /**
   * Where the file named by its sender goes into -o's folder: never onto the sealed input itself, even with --force
   * (round BH: a sender's name equal to FILE's replaced the only sealed copy with its plaintext), checked as soon as the
   * name is known and again before the file is published; and a signal from then on is told the file may be in place.
   */
  private Envelope.Placement placement(Session session) {
    return new Envelope.Placement() {
      @Override
      public void named(Path target) throws IOException {
        notTheInput(target);
      }

      @Override
      public void publishing(Path temporary, OpenedFile opened) throws IOException {
        notTheInput(opened.path());
        session.output().interruptHint("if " + opened.path() + " is there, it is the complete, verified file;"
            + " if not, run the same command again");
      }

      private void notTheInput(Path target) throws RefusedPlacement {
        try {
          OutputFile.requireNotTheInput(target, file);
        } catch (UsageFailure refused) {
          throw new RefusedPlacement(refused);
        }
      }
    };
  }

  /** A refusal of where the sender's name would put the file, carried out of the envelope library. */
  private static final class RefusedPlacement extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient UsageFailure refusal;

    RefusedPlacement(UsageFailure refusal) {
      super(refusal.getMessage(), refusal);
      this.refusal = refusal;
    }
  }

  /**
   * What names the open of {@code file} to {@code output} for its lock (beside the state folder {@code uploadsDir}),
   * and its temporary file: the profile is part of the name, since the lock is the profile's own, so that another
   * profile's open of the same file into the same place never takes this one's temporary file for a stale one (outside
   * test: it deleted it mid-run).
   */
  static Path lockKey(Path uploadsDir, Path file, Path output) {
    return StateFile.nameFor(uploadsDir.resolveSibling("opens"), "", uploadsDir.toAbsolutePath().normalize().toString(),
        file.toAbsolutePath().normalize().toString(), output.toAbsolutePath().normalize().toString());
  }

  /** The temporary-file prefix of the open {@code key} names: the same on every run of it. */
  static String partialPrefix(Path key) {
    return PartialFileGuard.PREFIX + "o" + key.getFileName().toString().substring(0, 16) + "-";
  }

  /** An identity as the server makes them (docs/cli.md, "Identifiers"): safe to show inside a command to paste. */
  static final java.util.regex.Pattern IDENTITY = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  /**
   * The file names a sender you trust (yourself, or an identity you pinned) but carries another
   * signing key than the one you hold for them: "pin the sender's key first" would send the user to
   * a {@code keys show} that answers "known" and changes nothing. Either the file was altered, or
   * the sender changed keys, which {@code keys show SENDER} reports (KEY_CHANGED) if so. A sender not pinned at
   * all gets the generic refusal with the commands spelled out for the name the file declares.
   */
  private Optional<SealdropFailure> notThePinnedKey(Session session, UntrustedSenderException e)
      throws SealdropFailure {
    Optional<String> declared = declaredSender(file);
    if (declared.isEmpty()) {
      return Optional.empty();
    }
    String sender = declared.get();
    String me = session.config().identity();
    if (sender.equals(me)) {
      return Optional.of(new IntegrityFailure("UNTRUSTED_SENDER", "this file names you (" + me + ") as its sender,"
          + " but it is not signed with your key", "nothing was written; the file was altered, or it was sealed with"
          + " keys you replaced (`init --force`); ask for a copy sealed with your current keys", e));
    }
    PinLookup pin = pinnedKey(session, sender);
    String signedWith = e.keyFingerprint();
    if (pin.key().isEmpty() && pin.unusable() != null) {
      // pinned, but the pin no longer vouches (its certificate or bundle expired, ...): "pin the sender first" would
      // send the user to pin the key it holds (review RQ); told why, and whether the file's key is the pinned one
      String held = session.trust().pinnedSigningKeyAsStored(sender).orElse(null);
      String which = signedWith.equals(held) ? "the key you pinned for " + sender + " (" + signedWith + ")"
          : "key " + signedWith + (held == null ? "" : ", not the one you pinned for " + sender + " (" + held + ")");
      return Optional.of(new IntegrityFailure("UNTRUSTED_SENDER", "this file names " + sender + " as its sender and"
          + " is signed with " + which + ", but that pin can no longer vouch for " + sender + ": "
          + pin.unusable().getMessage(), "nothing was written; a file is trusted only while its sender's pinned"
          + " bundle is valid: " + pin.unusable().hint().orElse("ask " + sender + " to run `sealdrop keys publish`"),
          e));
    }
    if (pin.key().isEmpty()) {
      if (!IDENTITY.matcher(sender).matches()) {
        return Optional.empty(); // not a name a server gives: not one to put into a command line to paste
      }
      return Optional.of(new IntegrityFailure("UNTRUSTED_SENDER", e.getMessage(), "nothing was written; pin "
          + sender + "'s key first with `" + session.nextCommand("keys show " + sender) + "` (it prints their signing key: compare it"
          + " with the one named here) or `" + session.nextCommand("keys import") + "` the bundle file " + sender + " exported, then run"
          + " the same command again", e));
    }
    // the pinned key may be newer than the file: one sealed before a key change the user accepted names the old key,
    // of which `keys show` says nothing (it reports the pin as known; review RQ)
    return Optional.of(new IntegrityFailure("UNTRUSTED_SENDER", "this file names " + sender + " as its sender, but"
        + " it is signed with key " + signedWith + ", not the one you pinned for " + sender + " ("
        + pin.key().get().fingerprint() + ")", "nothing was written; either the file was altered, or " + sender
        + " signed it with another key: an older one, if you accepted a change of " + sender + "'s keys since it was"
        + " sealed (ask " + sender + " to send it again), or a newer one, which `" + session.nextCommand("keys show "
        + sender) + "` then reports as changed (confirm it with " + sender + " by another channel before"
        + " --accept-new-key)", e));
  }

  /**
   * Refuses, before the passphrase is asked for, a file whose header names another sender than {@code --from} (review
   * BI: a file fetched over SFTP could not be checked as receive's is, and another pinned sender's file, put in the
   * granted one's place on a compromised server, opened as theirs). The header's sender is authenticated with the
   * signature as the file is opened, under that sender's pinned key only.
   */
  private void requireFromTheExpectedSender() throws SealdropFailure {
    if (from == null) {
      return;
    }
    Optional<HeaderInfo> header = headerOrRefusal(file);
    if (header.isPresent() && !header.get().senderIdentity().equals(from)) {
      String named = TerminalText.clean(header.get().senderIdentity());
      throw new IntegrityFailure("UNEXPECTED_SENDER", "this file names " + named + " as its sender, not " + from
          + "; nothing was written", named.equalsIgnoreCase(from) ? "identity names are matched exactly, case"
              + " included: if you meant " + named + ", run the same command with --from " + named
          : "check --from against what the sender told you; if it is right, this is not the file they sent: tell them"
              + " and, if it came from a server, the server's operator", null);
    }
  }

  /**
   * Refuses (NOT_A_RECIPIENT), before the passphrase is asked for, a file whose header names no
   * recipient key of ours: whoever sent it, we could not open it, so "pin the sender first" (what the
   * envelope's sender check, which comes first, would say of an unknown sender) would not help.
   */
  private void requireSealedFor(String ourKey, String me) throws dev.sealdrop.client.failure.SealdropFailure {
    Optional<HeaderInfo> header = headerOrRefusal(file);
    if (header.isPresent() && !header.get().recipientKeyFingerprints().contains(ourKey)) {
      String detail = " (yours: " + ourKey + "; it is sealed for " + String.join(", ",
          header.get().recipientKeyFingerprints()) + ")";
      if (header.get().senderIdentity().equals(me)) {
        // round CM: "ask the sender to seal it for you" told the sender to ask themself
        throw new IntegrityFailure("NOT_A_RECIPIENT", "this file was not sealed for your keys" + detail + ", though it"
            + " names you as its sender", "nothing was written; a sealed file opens only with its recipients' keys,"
            + " and you sealed it for others only; to keep a copy you can open, seal the original with `--to "
            + TerminalText.clean(me) + "` as well", null);
      }
      throw EnvelopeFailures.notARecipient(detail, null);
    }
  }

  /** The sender the file's header declares (not yet authenticated), if its header can be read. */
  private static Optional<String> declaredSender(Path sealed) {
    return header(sealed).map(HeaderInfo::senderIdentity);
  }

  /** The file's header (not yet authenticated), if it can be read. */
  private static Optional<HeaderInfo> header(Path sealed) {
    EnvelopeInspector inspector = new EnvelopeInspector();
    byte[] buf = new byte[8192];
    try (InputStream in = Files.newInputStream(sealed)) {
      long read = 0;
      int n;
      while (inspector.header().isEmpty() && read < HEADER_READ_LIMIT && (n = in.read(buf)) > 0) {
        inspector.update(buf, 0, n);
        read += n;
      }
    } catch (IOException e) { // EnvelopeException too: then there is no header to name anyone
      return Optional.empty();
    }
    return inspector.header();
  }

  /**
   * The file's header (not yet authenticated), or the refusal of a file that is no sealdrop file at all (round CS: a
   * CSV, a file of another format or one cut within its header asked for the passphrase first, and a mistyped one was
   * then told WRONG_PASSPHRASE); empty if the file cannot be read here (its own open says why).
   */
  private static Optional<HeaderInfo> headerOrRefusal(Path sealed) throws dev.sealdrop.client.failure.SealdropFailure {
    EnvelopeInspector inspector = new EnvelopeInspector();
    byte[] buf = new byte[8192];
    long read = 0;
    int n = 0;
    try (InputStream in = Files.newInputStream(sealed)) {
      while (inspector.header().isEmpty() && read < HEADER_READ_LIMIT && (n = in.read(buf)) > 0) {
        inspector.update(buf, 0, n);
        read += n;
      }
    } catch (dev.sealdrop.envelope.EnvelopeException e) {
      dev.sealdrop.client.failure.SealdropFailure refusal = EnvelopeFailures.translate(e);
      if (refusal != null) {
        throw refusal;
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
    if (inspector.header().isEmpty() && n < 0) {
      throw new IntegrityFailure("MALFORMED", "the file ends within its header, after " + read + " bytes: it was cut"
          + " short, or it is not a sealdrop file", "nothing was written; this is not an intact sealdrop file", null);
    }
    return inspector.header();
  }

  /** {@code dir/}: the user named a folder, even if it does not exist (Path drops the trailing separator). */
  static boolean namesFolder(String argument) {
    return argument.endsWith("/") || argument.endsWith(java.io.File.separator);
  }

  /**
   * Refuses, as {@code keys show}, {@code seal} and {@code receive} do, a file whose declared sender's pin cannot be read
   * or is damaged ({@code PIN_DAMAGED}, {@code PIN_UNREADABLE}: the hint says what to do with the pin file), rather than
   * as an untrusted sender told to pin a key that is pinned (round AL). Other doubts about the pin are the sender
   * check's.
   */
  private void requireReadablePin(Session session, String me) throws SealdropFailure {
    Optional<String> sender = declaredSender(file).filter(s -> !s.equals(me) && IDENTITY.matcher(s).matches());
    if (sender.isEmpty()) {
      return;
    }
    try {
      session.trust().pinnedVerified(sender.get());
    } catch (dev.sealdrop.client.failure.KeyStoreFailure e) {
      throw e;
    } catch (dev.sealdrop.client.failure.IntegrityFailure e) {
      // the profile verified the bundle before it pinned it: one that no longer verifies, or names another identity,
      // was changed on disk since (round AN: told to pin a key that was pinned)
      if (java.util.List.of("BUNDLE_BAD_SIGNATURE", "BUNDLE_IDENTITY_MISMATCH", "BUNDLE_MALFORMED").contains(e.reason())) {
        throw new dev.sealdrop.client.failure.KeyStoreFailure("PIN_DAMAGED", "the pinned key of " + sender.get()
            + " is damaged: " + e.getMessage(), "delete the damaged pin file (" + session.profile().trustedDir()
            .resolve(sender.get() + ".skb") + ") and pin " + sender.get() + "'s key anew: `" + session.nextCommand(
                "keys show " + sender.get()) + "`, or `" + session.nextCommand("keys import") + "` the bundle file they"
            + " exported", e);
      }
      // an expired one, or one of another CA: the sender check refuses the file, and says so
    }
  }

  /** A sender's pinned key as this run found it: usable, or why it is not ({@code unusable}), or not pinned (both empty). */
  private record PinLookup(Optional<VerifyingKey> key, SealdropFailure unusable) {}

  /** What this run found of each sender's pin: looked up once, so that an unusable pin is warned of once (review RQ). */
  private final java.util.Map<String, PinLookup> pins = new java.util.concurrent.ConcurrentHashMap<>();

  private PinLookup pinnedKey(Session session, String identity) {
    return pins.computeIfAbsent(identity, id -> {
      try {
        return new PinLookup(session.trust().pinnedVerified(id).map(KeyBundle::verifyingKey), null);
      } catch (SealdropFailure e) {
        session.output().warn("the pinned key of " + id + " is unusable: " + e.getMessage());
        return new PinLookup(Optional.empty(), e);
      }
    });
  }

  /** An opened, verified file. Shared with {@code receive}. */
  record Opened(OpenedFile file) implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      fields(g);
      g.writeEndObject();
    }

    void fields(JsonGenerator g) throws IOException {
      g.writeStringField("path", JsonPath.of(file.path()));
      g.writeStringField("file_name", file.metadata().fileName());
      g.writeNumberField("size", file.metadata().size());
      g.writeStringField("content_type", file.metadata().contentType());
      g.writeStringField("sender", file.senderIdentity());
      g.writeStringField("fingerprint", file.fingerprint());
    }

    @Override
    public void writeHuman(PrintWriter out) {
      out.println("Verified and wrote " + TerminalText.clean(file.path().toString()) + " (" + file.metadata().size()
          + " bytes)");
      out.println("  sender:      " + TerminalText.clean(file.senderIdentity()) + " (signature verified)");
      out.println("  fingerprint: " + file.fingerprint());
    }
  }

  /** {@code file}'s size, 0 if it cannot be told. */
  private static long sizeOrZero(Path file) {
    try {
      return Files.size(file);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
