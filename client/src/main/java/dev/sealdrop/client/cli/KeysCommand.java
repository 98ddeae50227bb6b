package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.ListSshKeysRequest;
import dev.sealdrop.protocol.v1.PublishBundleRequest;
import dev.sealdrop.protocol.v1.PublishBundleResponse;
import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import com.google.protobuf.ByteString;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sealdrop keys}: publish, show and export key bundles. */
@Command(name = KeysCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Publish your key bundle, show fingerprints (yours or another identity's), export or import bundles.",
        "Renew the client certificate your keys are signed with, keeping the keys.",
        "Register, list and remove the SSH public keys you log in to the SFTP door with."},
    subcommands = {KeysCommand.Publish.class, KeysCommand.Show.class, KeysCommand.Export.class,
        KeysCommand.Import.class, KeysRenewCommand.class, KeysCommand.AddSsh.class, KeysCommand.ListSsh.class, KeysCommand.RemoveSsh.class},
    footer = {"  sealdrop keys publish", "  sealdrop keys show bob", "  sealdrop keys export -o alice.skb",
        "  sealdrop keys import alice.skb", "  sealdrop keys renew --cert alice-2027.crt --key alice-2027.key",
        "  sealdrop keys add-ssh ~/.ssh/id_ed25519.pub", "  sealdrop keys list-ssh",
        "  sealdrop keys remove-ssh SHA256:Xf3kq0Lw1bC5yR8tN2mV7hJ4pD6sA9eU0iO3zKwE2cQ"})
final class KeysCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "keys";

  @Override
  void run(Session session) {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing a command, e.g. `sealdrop keys publish` (the others: show, export, import, renew, add-ssh, list-ssh, remove-ssh)");
  }

  /** {@code keys publish}. */
  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Publish your signed key bundle on the server so others can seal files for you.",
      footer = "  sealdrop keys publish --json")
  static final class Publish extends SealdropSubcommand {
    @Override
    void run(Session session) throws Exception {
      KeyBundle own = session.ownBundle();
      session.output().emit(new BundleResult("published", own, Optional.empty(), publish(session, own)));
    }

    /** Verifies our bundle as peers will, then publishes it; the fingerprint the server answers. */
    static String publish(Session session, KeyBundle own) throws SealdropFailure {
      session.trust().verify(own.encoded(), session.config().identity());
      PublishBundleResponse r = ServerConnection.call(GrpcFailures.Op.PUBLISH_BUNDLE, () -> session.connect().keys()
          .publishBundle(PublishBundleRequest.newBuilder().setSignedBundle(ByteString.copyFrom(own.encoded())).build()));
      return r.getFingerprint().isEmpty() ? own.fingerprint() : r.getFingerprint();
    }
  }

  /** {@code keys show [IDENTITY]}. */
  @Command(name = "show", mixinStandardHelpOptions = true,
      description = {"Show the fingerprint of your key bundle, or of IDENTITY's verified bundle.",
          "Another identity's bundle is fetched from the server, verified against your CA, and pinned on first use;"
              + " compare the fingerprint with its owner by another channel."},
      footer = {"  sealdrop keys show", "  sealdrop keys show bob", "  sealdrop keys show bob --accept-new-key"})
  static final class Show extends SealdropSubcommand {
    @Parameters(arity = "0..1", paramLabel = "IDENTITY", description = "Whose bundle (default: yours).")
    String identity;

    @Option(names = "--accept-new-key", description = "Accept and pin a key that differs from the pinned one.")
    boolean acceptNewKey;

    @Override
    void run(Session session) throws Exception {
      String me = session.config().identity();
      Recipients.requireNamed("IDENTITY", identity, "`sealdrop keys show bob`, or no IDENTITY for your own key");
      if (identity != null) {
        identity = Recipients.requireIdentityName("IDENTITY", identity, "give the identity whose key you want, e.g."
            + " `sealdrop keys show bob`, or no IDENTITY for your own key");
      }
      if (identity == null || identity.equals(me)) {
        KeyBundle own = session.ownBundle();
        String published = publishedCopy(session, me, own);
        session.output().emitReport(new BundleResult("own", own, Optional.empty(), own.fingerprint())
            .published(published));
        return;
      }
      KeyTrust.Trusted fetched;
      try {
        fetched = session.fetchTrusted(identity, acceptNewKey);
      } catch (dev.sealdrop.client.failure.NetworkFailure unreachable) {
        // round CN: offline, the key pinned for them is what one reads out over the phone; it was verified when pinned
        Optional<KeyBundle> pinned = acceptNewKey ? Optional.empty() : session.trust().pinnedVerified(identity);
        if (pinned.isEmpty()) {
          throw unreachable;
        }
        session.output().warn("the server could not be reached (" + unreachable.getMessage() + "): this is the key"
            + " you pinned for " + TerminalText.clean(identity) + ", not checked against the one the server publishes"
            + " now");
        session.output().emitReport(new BundleResult("pinned_offline", pinned.get(), Optional.empty(),
            pinned.get().fingerprint()));
        return;
      }
      // a key pinned now (on first use, or replaced with --accept-new-key) is an act, not a report of what is: its
      // result (status first_use/replaced, the previous fingerprint) is not what another run shows, so a pipe closed
      // before it was read fails the command (OUTPUT_CLOSED), as for any act's report
      if (fetched.outcome() == KeyTrust.PinOutcome.KNOWN) {
        session.output().emitReport(BundleResult.pinned(fetched));
      } else {
        session.output().emit(BundleResult.pinned(fetched));
      }
    }
  }

  /** How long {@code keys show} waits for the server's copy of your own bundle before it shows the profile's alone. */
  static final long PUBLISHED_CHECK_SECONDS = 5;
  /**
   * An environment variable that replaces {@link #PUBLISHED_CHECK_SECONDS} (whole seconds, at least 1; anything else is
   * ignored): a seam for tests on a machine too busy to finish a handshake and the fetch within the default.
   */
  static final String PUBLISHED_CHECK_VARIABLE = "SEALDROP_PUBLISHED_CHECK_SECONDS";

  /** The wait for the server's copy: {@link #PUBLISHED_CHECK_VARIABLE} if set to a whole number of seconds, else 5. */
  static long publishedCheckSeconds(java.util.Map<String, String> variables) {
    String set = variables.get(PUBLISHED_CHECK_VARIABLE);
    if (set != null) {
      try {
        long seconds = Long.parseLong(set.trim());
        if (seconds > 0) {
          return seconds;
        }
      } catch (NumberFormatException e) {
        // not a number: the default
      }
    }
    return PUBLISHED_CHECK_SECONDS;
  }

  /**
   * How the bundle the server publishes in our name compares with ours: {@code same}, {@code none} (not published), or
   * {@code unchecked} (the server could not be asked, refused the connection, or did not answer within {@value
   * #PUBLISHED_CHECK_SECONDS} s: said in a note; the fingerprint shown is the profile's, as offline). A different one
   * that verifies is refused (5, {@code PUBLISHED_KEY_DIFFERS}): senders who fetch it now seal for someone else's keys;
   * one that does not verify (5, {@code PUBLISHED_KEY_INVALID}): senders refuse it. Round AX: a thief with a copy of the
   * certificate and key had published theirs, and the owner's `keys show`, which never asked the server, showed only
   * their own fingerprint.
   */
  static String publishedCopy(Session session, String me, KeyBundle own) throws SealdropFailure {
    java.util.concurrent.CompletableFuture<byte[]> asked = new java.util.concurrent.CompletableFuture<>();
    // on a thread of its own, waited for a bounded time: a server that does not answer (a handshake retried, a call's
    // deadline) must not hold a command that used to be local for half a minute
    Thread asking = new Thread(() -> {
      try {
        asked.complete(session.fetchBundle(me));
      } catch (SealdropFailure | RuntimeException e) {
        asked.completeExceptionally(e);
      }
    }, "published-bundle");
    asking.setDaemon(true);
    asking.start();
    byte[] encoded;
    long wait = publishedCheckSeconds(session.environment().variables());
    try {
      encoded = asked.get(wait, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      session.output().note("the server's copy of your key bundle was not checked: no answer within " + wait + " s");
      return "unchecked";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unchecked";
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof UsageFailure u && "NO_BUNDLE".equals(u.reason())) {
        session.output().note("the server publishes no key bundle of yours yet: run `"
            + session.nextCommand("keys publish") + "` so that others can send to you");
        return "none";
      }
      session.output().note("the server's copy of your key bundle was not checked: " + e.getCause().getMessage());
      return "unchecked";
    }
    KeyBundle theirs;
    try {
      theirs = session.trust().verify(encoded, me);
    } catch (dev.sealdrop.client.failure.IntegrityFailure e) {
      throw new dev.sealdrop.client.failure.IntegrityFailure("PUBLISHED_KEY_INVALID", "the key bundle the server"
          + " publishes in your name does not verify (" + e.getMessage() + "): senders refuse it, so nobody can send"
          + " to you", "run `" + session.nextCommand("keys publish") + "` to publish this profile's again", e);
    }
    if (!theirs.fingerprint().equals(own.fingerprint())) {
      String serial = KeysRenewCommand.serial(theirs.certificate());
      String message = "the server publishes another key bundle in your name (" + theirs.fingerprint() + ", signed"
          + " with certificate serial " + serial + ") than this profile's (" + own.fingerprint() + "): whoever fetches"
          + " your key now, to send you a file, seals it for those keys";
      if (theirs.certificate().equals(own.certificate())) { // the certificate itself: a serial is unique per CA only
        // signed with this profile's own certificate (round BK: told to revoke it after an `init --force`)
        throw new dev.sealdrop.client.failure.IntegrityFailure("PUBLISHED_KEY_DIFFERS", message, "it was signed with"
            + " this profile's own certificate: if you ran `init --force` here since you last published, run `"
            + session.nextCommand("keys publish") + "` to publish the new keys (those who pinned the old key must"
            + " accept the new one); if not, someone holds a copy of this certificate's key: get a new certificate,"
            + " run `keys renew` with it, ask an admin to revoke this one (`sealdrop admin identities revoke " + me
            + " --certificate " + serial + "`), then run `keys publish` here, and tell those who send to you to check"
            + " your fingerprint again");
      }
      throw new dev.sealdrop.client.failure.IntegrityFailure("PUBLISHED_KEY_DIFFERS", message, "if you did not publish"
          + " it from another profile of yours (another machine, or an"
          + " `init --force`), someone holds a copy of that certificate's key: ask an admin to revoke it (`sealdrop"
          + " admin identities revoke " + me + " --certificate " + serial + "`), then run `"
          + session.nextCommand("keys publish") + "` here (`keys renew` first if it is this profile's certificate),"
          + " and tell those who send to you to check your fingerprint again");
    }
    return "same";
  }

  /** {@code keys export -o FILE}. */
  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write your signed key bundle (public) to FILE, for `sealdrop seal --to FILE` without a server.",
      footer = "  sealdrop keys export -o alice.skb")
  static final class Export extends SealdropSubcommand {
    @Option(names = {"-o", "--output"}, required = true, converter = EmptyArgument.PathText.class, paramLabel = "FILE", description = "Where to write it.")
    String outputArgument; // as given: a trailing / names a folder (Path would drop it)

    @Option(names = "--force", description = "Overwrite FILE if it exists.")
    boolean force;

    @Override
    @SuppressFBWarnings(value = "PATH_TRAVERSAL_OUT", justification = "the local user chooses the output file")
    void run(Session session) throws Exception {
      OutputFile.requireNotStandardOutput(outputArgument);
      KeyBundle own = session.ownBundle();
      Path output = OutputFile.requireWritable(outputArgument, force);
      // written beside it and renamed into place, as seal writes (round AL: a full disk left an empty FILE that the
      // re-run refused as existing, and --force wrote through a link into its target)
      Path target = output.toAbsolutePath();
      Path tmp = OutputFile.createTempIn(target.getParent(), ".sealdrop-export-", "nothing was exported");
      try {
        Files.write(tmp, own.encoded(), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        dev.sealdrop.client.keystore.SecureFiles.fsync(tmp);
        OutputFile.moveIntoPlace(tmp, target, force);
      } catch (java.io.IOException e) {
        java.util.Optional<UsageFailure> disk = dev.sealdrop.client.failure.LocalDisk.refusal(e, target.getParent(),
            dev.sealdrop.client.failure.LocalDisk.OTHER_OUTPUT, "then run the same command again");
        if (disk.isPresent()) {
          throw disk.get();
        }
        throw e;
      } finally {
        Files.deleteIfExists(tmp);
      }
      session.output().emit(new BundleResult("exported", own, Optional.empty(), own.fingerprint()));
    }
  }

  /** {@code keys import FILE}. */
  @Command(name = "import", mixinStandardHelpOptions = true,
      description = {"Verify a bundle file (from `sealdrop keys export`) against your CA and pin it, without a server.",
          "Use it to open files from a sender offline; compare the fingerprint with its owner."},
      footer = "  sealdrop keys import alice.skb")
  static final class Import extends SealdropSubcommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The bundle file.")
    Path file;

    @Option(names = "--accept-new-key", description = "Accept and pin a key that differs from the pinned one.")
    boolean acceptNewKey;

    @Override
    @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the bundle file")
    void run(Session session) throws Exception {
      session.config();
      // a device or pipe (/dev/null) is not "no such file" (round BR), as for seal's FILE
      InputFile.requireRegularFile(file, "`sealdrop keys import` reads one key bundle file", "name the bundle file"
          + " itself (the one `sealdrop keys export -o FILE` wrote, e.g. alice.skb)", "check the path");
      byte[] encoded = Recipients.readBundleFile(file.toString()); // once: what is checked as yours is what is pinned
      if (importedOwnBundle(session, encoded)) {
        return;
      }
      // how the pin went, as `keys show IDENTITY` reports it: first_use, known, or replaced (naming the previous key)
      session.output().emit(BundleResult.pinned(Recipients.accept(session, file.toString(), encoded, acceptNewKey)));
    }

    /**
     * A bundle file of the profile's own identity is never pinned (round BK: importing your own export pinned yourself
     * "on first use"): the profile's own keys are shown (true), or the file holds other keys in your name, which is
     * refused ({@link Recipients#ownBundleIn}). False for anyone else's bundle, or a file that is no bundle (refused as
     * such after).
     */
    private boolean importedOwnBundle(Session session, byte[] encoded) throws SealdropFailure {
      Optional<KeyBundle> own = Recipients.ownBundleIn(session, file, encoded, "imported",
          "import the bundles of those you send to");
      if (own.isEmpty()) {
        return false;
      }
      session.output().note(file + " is your own key bundle: your own keys are the profile's, so nothing was pinned");
      session.output().emit(new BundleResult("own", own.get(), Optional.empty(), own.get().fingerprint()));
      return true;
    }
  }

  /** {@code keys add-ssh FILE.pub}. */
  @Command(name = "add-ssh", mixinStandardHelpOptions = true,
      description = {"Register an OpenSSH public key (FILE.pub) for logging in to the SFTP door as your identity.",
          "Accepted: ssh-ed25519 (recommended), ssh-rsa of 3072 bits or more (no ECDSA).",
          "The key is bound to your client certificate; `sealdrop keys renew` binds it to a renewed one (a new"
              + " profile's certificate needs `keys add-ssh` again)."},
      footer = {"  ssh-keygen -t ed25519 -f ~/.ssh/sealdrop", "  sealdrop keys add-ssh ~/.ssh/sealdrop.pub"})
  static final class AddSsh extends SealdropSubcommand {
    @Parameters(index = "0", paramLabel = "FILE.pub", description = "The public key file (never the private key).")
    Path file;

    @Override
    @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names the key file")
    void run(Session session) throws Exception {
      String line = SshPublicKeyFile.read(file);
      SshKeysView added = register(session, line, mine(session));
      session.output().emit(added);
    }

    /** The caller's SSH keys, as the server lists them now. */
    static List<dev.sealdrop.protocol.v1.SshKey> mine(Session session) throws SealdropFailure {
      return ServerConnection.call(GrpcFailures.Op.SSH_KEY, () -> session.connect().sshKeys()
          .listSshKeys(ListSshKeysRequest.getDefaultInstance())).getKeysList();
    }

    /**
     * Registers {@code line} through this profile's certificate; {@code before} is {@link #mine} from before. The
     * server answers a key that is already the caller's (through this certificate) with that key, unchanged:
     * nothing to do, and the status says so; one of the caller's keys registered through another certificate
     * (before a renewal) comes back bound to this one, registered anew.
     */
    static SshKeysView register(Session session, String line, List<dev.sealdrop.protocol.v1.SshKey> before)
        throws SealdropFailure {
      dev.sealdrop.protocol.v1.SshKey added = ServerConnection.call(GrpcFailures.Op.SSH_KEY, () -> session.connect()
          .sshKeys().addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(line).build())).getKey();
      boolean wasMine = before.stream().anyMatch(k -> k.getFingerprint().equals(added.getFingerprint()));
      String status = before.contains(added) ? "already-registered" : wasMine ? "rebound" : "added";
      return new SshKeysView(status, List.of(added));
    }
  }

  /** {@code keys list-ssh [IDENTITY]}. */
  @Command(name = "list-ssh", mixinStandardHelpOptions = true,
      description = "List your registered SSH keys, or (admins only) IDENTITY's.",
      footer = {"  sealdrop keys list-ssh", "  sealdrop keys list-ssh bob --json"})
  static final class ListSsh extends SealdropSubcommand {
    @Parameters(arity = "0..1", paramLabel = "IDENTITY", description = "Whose keys (default: yours; others: admins).")
    String identity;

    @Override
    void run(Session session) throws Exception {
      // an empty IDENTITY ("$UNSET") names nobody: it listed your own keys as if they were that identity's (round CP)
      Recipients.requireNamed("IDENTITY", identity, "`sealdrop keys list-ssh bob`, or leave IDENTITY out for your own keys");
      if (identity != null) { // round CY: as --from, without the blanks around it; no name is refused here
        identity = Recipients.requireIdentityName("IDENTITY", identity, "`sealdrop keys list-ssh bob`, or leave"
            + " IDENTITY out for your own keys");
      }
      List<dev.sealdrop.protocol.v1.SshKey> keys;
      try {
        keys = ServerConnection.call(GrpcFailures.Op.SSH_KEY, () -> session.connect().sshKeys().listSshKeys(
            ListSshKeysRequest.newBuilder().setIdentity(identity == null ? "" : identity).build())).getKeysList();
      } catch (UsageFailure e) {
        if (!"NOT_FOUND".equals(e.reason())) {
          throw e;
        }
        // a list names no fingerprint: what was not found is the IDENTITY given
        throw new UsageFailure(e.reason(), e.getMessage(), "check the identity's name (`sealdrop admin identities"
            + " list` lists them)", e);
      }
      session.output().emitReport(new SshKeysView(null, keys));
    }
  }

  /** {@code keys remove-ssh FINGERPRINT [--identity ID]}. */
  @Command(name = "remove-ssh", mixinStandardHelpOptions = true,
      description = {"Remove one of your SSH keys (or, for admins, --identity's); SFTP sessions logged in with it are"
          + " closed within a few seconds."},
      footer = {"  sealdrop keys remove-ssh SHA256:Xf3kq0Lw1bC5yR8tN2mV7hJ4pD6sA9eU0iO3zKwE2cQ",
          "  sealdrop keys remove-ssh SHA256:Xf3kq0Lw1bC5yR8tN2mV7hJ4pD6sA9eU0iO3zKwE2cQ \\", "      --identity bob"})
  static final class RemoveSsh extends SealdropSubcommand {
    @Parameters(index = "0", paramLabel = "FINGERPRINT", description = "As `sealdrop keys list-ssh` shows it.")
    String fingerprint;

    @Option(names = "--identity", paramLabel = "ID", description = "Whose key (default: yours; others: admins).")
    String identity;

    @Override
    void run(Session session) throws Exception {
      // an empty --identity ("$UNSET") names nobody: it removed the key from your own identity (round CP)
      Recipients.requireNamed("--identity", identity, "`--identity bob`, or leave --identity out for one of your own keys");
      if (identity != null) { // round CY: as --from, without the blanks around it; no name is refused here
        identity = Recipients.requireIdentityName("--identity", identity, "`--identity bob`, or leave --identity out"
            + " for one of your own keys");
      }
      String fingerprint = sha256Fingerprint(this.fingerprint);
      dev.sealdrop.protocol.v1.SshKey removed;
      try {
        removed = ServerConnection.call(GrpcFailures.Op.SSH_KEY, () -> session.connect().sshKeys().removeSshKey(
            RemoveSshKeyRequest.newBuilder().setFingerprint(fingerprint).setIdentity(identity == null ? "" : identity)
                .build())).getKey();
      } catch (UsageFailure e) {
        if (identity == null || identity.isEmpty() || !"NOT_FOUND".equals(e.reason())) {
          throw e;
        }
        // what was not found may be the identity given (the message says which), as for list-ssh
        throw new UsageFailure(e.reason(), e.getMessage(), "check the identity's name (`sealdrop admin identities"
            + " list` lists them) and the fingerprint (`sealdrop keys list-ssh " + TerminalText.clean(identity)
            + "` lists its keys)", e);
      }
      session.output().emit(new SshKeysView("removed", List.of(removed)));
    }
  }

  /**
   * An SSH key fingerprint as the server names keys ({@code SHA256:} and 43 base64 characters), its prefix in any case
   * (round BJ: only the exact form was taken). Not without its prefix (round BO: 43 bare characters may be a grant
   * token's secret, which the server would then record as the fingerprint asked for).
   */
  static String sha256Fingerprint(String given) throws UsageFailure {
    boolean prefixed = given.regionMatches(true, 0, "SHA256:", 0, 7);
    String digits = prefixed ? given.substring(7) : given;
    if (prefixed && digits.matches("[A-Za-z0-9+/]{43}")) {
      return "SHA256:" + digits;
    }
    if (digits.matches("[A-Za-z0-9_-]{43}")) {
      // the shape of a token's secret (or a fingerprint without its prefix): never echoed
      throw new UsageFailure("BAD_FINGERPRINT", "the word given is not an SSH key fingerprint (it is not repeated"
          + " here: it has the shape of a grant token's secret" + (prefixed ? ")" : ", or of a fingerprint without its"
          + " SHA256: prefix)"), "copy the fingerprint from `sealdrop keys list-ssh`, SHA256: included");
    }
    boolean md5 = given.regionMatches(true, 0, "MD5:", 0, 4) || given.matches("(?:[0-9a-fA-F]{2}:){15}[0-9a-fA-F]{2}");
    // round CN: add-ssh takes the key's file, so remove-ssh was given one too
    boolean keyFile = namesKeyFile(given);
    throw new UsageFailure("BAD_FINGERPRINT", "'" + TerminalText.clean(given) + "' is not an SSH key fingerprint"
        + (keyFile ? " (it names a key file: remove-ssh takes the key's fingerprint)" : ""),
        md5 || keyFile ? "sealdrop names keys by their SHA256 fingerprint: copy it from `sealdrop keys list-ssh`, or"
            + " run `ssh-keygen -lf " + (keyFile ? dev.sealdrop.client.cli.output.ShellWords.of(given) : "KEY.pub") + "`"
            : "copy it from `sealdrop keys list-ssh` (SHA256: and 43 characters)");
  }

  private static boolean namesKeyFile(String given) {
    try {
      return given.endsWith(".pub") || java.nio.file.Files.isRegularFile(java.nio.file.Path.of(given));
    } catch (java.nio.file.InvalidPathException e) {
      return false;
    }
  }

  /** One bundle, and what happened to it. */
  private static class BundleResult implements Result {
    private final String status;
    private final KeyBundle bundle;
    private final Optional<String> previous;
    private final String fingerprint;
    /** For your own bundle: how the server's copy compares ({@link KeysCommand#publishedCopy}); null for others'. */
    private String published;

    /** This result, with how the server's copy of your own bundle compares. */
    BundleResult published(String how) {
      this.published = how;
      return this;
    }

    /** Another identity's bundle and how its pin went: status first_use, known or replaced (with the previous). */
    static BundleResult pinned(KeyTrust.Trusted t) {
      return new BundleResult(t.outcome().name().toLowerCase(Locale.ROOT), t.bundle(), t.previousFingerprint(),
          t.bundle().fingerprint());
    }

    BundleResult(String status, KeyBundle bundle, Optional<String> previous, String fingerprint) {
      this.status = status;
      this.bundle = bundle;
      this.previous = previous;
      this.fingerprint = fingerprint;
    }

    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("status", status);
      g.writeStringField("identity", bundle.identity());
      g.writeStringField("fingerprint", fingerprint);
      g.writeStringField("not_after", bundle.notAfter().toString());
      // the encryption key's own fingerprint, as `files` lists the keys an upload is sealed for
      g.writeStringField("recipient_key_fingerprint", bundle.recipientKey().fingerprint());
      // the signing key's, as a refused sender's file names it ("sender ... with signing key ...")
      g.writeStringField("signing_key_fingerprint", bundle.verifyingKey().fingerprint());
      if (previous.isPresent()) {
        g.writeStringField("previous_fingerprint", previous.get());
      }
      if (published != null) {
        g.writeStringField("published", published);
      }
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      out.println(TerminalText.clean(bundle.identity()) + "  " + fingerprint + "  (" + status + ", valid until "
          + bundle.notAfter() + ")");
      out.println("  encryption key: " + bundle.recipientKey().fingerprint() + "  (as `sealdrop files` lists it)");
      out.println("  signing key:    " + bundle.verifyingKey().fingerprint() + "  (as a file from an untrusted sender"
          + " names it)");
      previous.ifPresent(p -> out.println("  previous fingerprint: " + p));
      if ("same".equals(published)) {
        out.println("  published:      the server publishes this bundle");
      }
    }
  }
}
