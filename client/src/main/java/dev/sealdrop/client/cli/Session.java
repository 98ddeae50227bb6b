package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.ProgressFactory;
import dev.sealdrop.client.cli.output.ShellWords;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.KeyStore;
import dev.sealdrop.client.keystore.Passphrases;
import dev.sealdrop.client.keystore.Pem;
import dev.sealdrop.client.keystore.Profile;
import dev.sealdrop.client.keystore.ProfileConfig;
import dev.sealdrop.client.keystore.ProfileLocator;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.client.net.ChannelFactory;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.client.trust.PinStore;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

/**
 * What one command invocation needs, created lazily: the profile, its settings, the key store,
 * trust decisions, and at most one server connection (closed at the end).
 */
final class Session implements AutoCloseable {
  private final SealdropCommand root;
  private Profile profile;
  private ProfileConfig config;
  private ServerConnection connection;
  private KeyTrust trust;

  Session(SealdropCommand root) {
    this.root = root;
  }

  CliEnvironment environment() {
    return root.environment();
  }

  Output output() {
    return root.output();
  }

  boolean verbose() {
    return root.globals().verbose();
  }

  Profile profile() throws dev.sealdrop.client.failure.UsageFailure {
    if (profile == null) {
      CliEnvironment env = root.environment();
      profile = new Profile(ProfileLocator.locate(root.globals().home(), env.variables(), env.userHome()));
    }
    return profile;
  }

  /**
   * {@code sealdrop REST} as the user types it next: with this run's profile folder when {@code --home} named it
   * (without, the next run finds the same profile by itself: {@code SEALDROP_HOME}, else the default).
   */
  String nextCommand(String rest) {
    return "sealdrop " + (root.globals().home() == null ? ""
        : "--home " + ShellWords.of(root.globals().home().toAbsolutePath().normalize().toString()) + " ") + rest;
  }

  ProfileConfig config() throws KeyStoreFailure, UsageFailure {
    if (config == null) {
      ProfileConfig loaded = profile().loadConfig();
      requireTheCertificatesIdentity(loaded);
      config = loaded;
      OpenProfileWarning.warnIfOpen(profile(), output());
    }
    return config;
  }

  /**
   * The identity {@code profile.properties} names must be the one the profile's certificate names (round BJ: a profile
   * edited to name another identity acted as the certificate's one on the server, and `keys show` took the other's
   * published key for a forgery). A certificate that cannot be read is left to the command that uses it.
   */
  private void requireTheCertificatesIdentity(ProfileConfig loaded) throws KeyStoreFailure, UsageFailure {
    String named;
    try {
      named = Pem.identity(Pem.certificate(profile().clientCertificate()));
    } catch (UsageFailure | RuntimeException e) {
      return;
    }
    if (!named.equals(loaded.identity())) {
      throw new KeyStoreFailure("PROFILE_DAMAGED", profile().configFile() + " names the identity '"
          + TerminalText.clean(loaded.identity()) + "', but the profile's certificate (" + profile().clientCertificate()
          + ") names '" + TerminalText.clean(named) + "'", "set identity=" + TerminalText.clean(named) + " in "
          + profile().configFile() + " (the profile's keys are unchanged and stay yours), or use the profile made for '"
          + TerminalText.clean(loaded.identity()) + "'");
    }
  }

  KeyStore keyStore(Path passphraseFile) throws UsageFailure {
    dev.sealdrop.client.keystore.PassphrasePrompt asking = environment().prompt();
    // while the prompt waits on the terminal's line, a signal's error starts a line of its own (round CN)
    dev.sealdrop.client.keystore.PassphrasePrompt tracked = prompt -> {
      output().promptOpen(true);
      try {
        return asking.read(prompt);
      } finally {
        output().promptOpen(false);
      }
    };
    return new KeyStore(profile(), new Passphrases(environment().variables(), passphraseFile, tracked));
  }

  X509Certificate ca() throws SealdropFailure {
    config();
    java.nio.file.Path file = profile().caCertificate();
    try {
      return Pem.certificate(file);
    } catch (dev.sealdrop.client.failure.UsageFailure e) {
      // the profile's own copy, which the user did not pass here: refused as the connection refuses it (TLS_SETUP), not
      // told to "pass a certificate" (round DF: seal, open and keys named BAD_CERTIFICATE, receive TLS_SETUP)
      throw new KeyStoreFailure("TLS_SETUP", "cannot read the profile's CA certificate " + file + ": "
          + e.getMessage(), "put a copy of the CA certificate `sealdrop init` was given as --ca back as " + file
          + " (`init --force` would also replace your encryption keys, and senders would have to trust the new"
          + " ones)", e);
    }
  }

  KeyTrust trust() throws SealdropFailure {
    if (trust == null) {
      trust = new KeyTrust(ca(), environment().clock(), new PinStore(profile().trustedDir()));
    }
    return trust;
  }

  ServerConnection connect() throws SealdropFailure {
    if (connection == null) {
      ProfileConfig c = config();
      Profile p = profile();
      try {
        SecureFiles.ensureDirectory(p.checkpointsDir()); // profiles made before checkpoints were kept lack it
      } catch (IOException e) {
        // in words (the JDK's message of a refused folder is its path again, "cannot create D: D: Read-only file
        // system"), and for a read-only disk what docs/cli.md says to do (PROFILE_UNWRITABLE), not its permissions
        String why = dev.sealdrop.client.failure.IoReason.of(e);
        throw new KeyStoreFailure("PROFILE_UNWRITABLE", "cannot create " + p.checkpointsDir() + ": " + why,
            "Read-only file system".equals(why) ? "mount it writable, or copy the profile " + p.dir() + " to a disk"
                + " that is writable and give that copy with --home; then run the same command again"
                : "check the permissions of the profile folder " + p.dir(), e);
      }
      connection = ServerConnection.open(new ChannelFactory(p.clientCertificate(), p.clientKey(), p.caCertificate())
          .keepingCheckpointsIn(p.checkpointsDir()), c.server());
      Output out = output();
      ServerConnection.announceRetriesTo(out::note);
    }
    return connection;
  }

  /** Fetches {@code identity}'s bundle from the server, verifies it, and pins it (TOFU). */
  KeyTrust.Trusted fetchTrusted(String identity, boolean acceptNewKey) throws SealdropFailure {
    return reportPin(trust().accept(fetchBundle(identity), identity, acceptNewKey));
  }

  /** The signed key bundle the server publishes for {@code identity}, as it is (not verified). */
  byte[] fetchBundle(String identity) throws SealdropFailure {
    return ServerConnection.call(GrpcFailures.Op.FETCH_BUNDLE, () -> connect().keys()
        .fetchBundle(FetchBundleRequest.newBuilder().setIdentity(identity).build())).getSignedBundle().toByteArray();
  }

  /** Tells the user when a key was pinned for the first time or replaced. */
  KeyTrust.Trusted reportPin(KeyTrust.Trusted t) {
    String identity = t.bundle().identity();
    if (t.outcome() == KeyTrust.PinOutcome.FIRST_USE) {
      output().note("pinned " + identity + "'s key on first use: " + t.bundle().fingerprint()
          + " (compare it with " + identity + " by another channel)");
    } else if (t.outcome() == KeyTrust.PinOutcome.REPLACED) {
      output().warn("accepted a NEW key for " + identity + ": " + t.bundle().fingerprint() + " (was "
          + t.previousFingerprint().orElse("?") + ")");
    }
    return t;
  }

  /** Our own bundle, as created at init. */
  KeyBundle ownBundle() throws SealdropFailure {
    config(); // without a profile, say so (NO_PROFILE, 2), not that its bundle is unreadable (7)
    try {
      return KeyBundle.decode(java.nio.file.Files.readAllBytes(profile().ownBundle()));
    } catch (java.io.IOException | dev.sealdrop.keys.BundleException e) {
      // not "run init again": without --force it refuses an existing profile, and with it it makes new keys, so files
      // sealed for these could no longer be opened and everyone who pinned them is told KEY_CHANGED
      java.nio.file.Path file = profile().ownBundle();
      String what = e instanceof java.nio.file.NoSuchFileException ? "is missing"
          : e instanceof java.io.IOException ? "cannot be read (" + e.getMessage() + ")"
          : "is damaged (" + e.getMessage() + ")";
      throw new KeyStoreFailure("NO_BUNDLE", "your key bundle " + file + " " + what, "restore it from a backup of"
          + " the profile (a file `sealdrop keys export` wrote is the same bundle); your private keys are not in it"
          + " and are unaffected. Do not run `sealdrop init --force` for this: it makes new keys, and files sealed for"
          + " the current ones could no longer be opened", e);
    }
  }

  ProgressFactory progress() {
    return new ProgressFactory(environment().terminal() && !root.globals().json(), environment().progressStream());
  }

  @Override
  public void close() {
    if (connection != null) {
      connection.close();
      ServerConnection.announceRetriesTo(null);
    }
  }
}
