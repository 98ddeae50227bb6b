package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.JsonPath;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.ShellWords;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.Pem;
import dev.sealdrop.client.keystore.Profile;
import dev.sealdrop.client.keystore.ProfileConfig;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.client.trust.PinStore;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sealdrop init}: creates a profile with fresh, passphrase-encrypted keys. */
@Command(name = InitCommand.NAME, mixinStandardHelpOptions = true,
    description = {"Create a profile: generate your encryption and signing keys, store them encrypted with a "
        + "passphrase, and remember the server, your client certificate and the CA.",
        "Your key bundle is signed with your certificate's key; publish it with `sealdrop keys publish`."},
    footer = {"  read -rs SEALDROP_PASSPHRASE && export SEALDROP_PASSPHRASE  # or: a prompt",
        "  sealdrop --home ~/.sealdrop-alice init --server localhost:8443 \\",
        "      --cert certs-dev/out/alice.crt --key certs-dev/out/alice.key \\",
        "      --ca certs-dev/out/ca.crt"})
final class InitCommand extends SealdropSubcommand {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "init";

  @Option(names = "--server", required = true, paramLabel = "HOST:PORT", description = "The transfer server.")
  String server;

  @Option(names = "--admin-server", paramLabel = "HOST:PORT", description = "The management listener (admins).")
  String adminServer;

  @Option(names = "--cert", required = true, paramLabel = "FILE", description = "Your client certificate (PEM).")
  Path cert;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "Its private key (PKCS#8 PEM).")
  Path key;

  @Option(names = "--ca", required = true, paramLabel = "FILE", description = "The deployment's CA certificate.")
  Path ca;

  @Option(names = "--force", description = "Replace an existing profile (its old keys are lost!; to renew the certificate only: `sealdrop keys renew`).")
  boolean force;

  @Mixin
  PassphraseOption passphrase;

  @Override
  void run(Session session) throws Exception {
    HostPort serverAddress = HostPort.parse(server);
    Optional<HostPort> admin = adminServer == null ? Optional.empty() : Optional.of(HostPort.parse(adminServer));
    Profile profile = session.profile();
    profile.requireFolderPath();
    refuseExisting(profile);
    refuseOthersFiles(profile);
    CertificateAndKey.requirePemFile("--cert", cert);
    CertificateAndKey.requirePemFile("--key", key);
    CertificateAndKey.requirePemFile("--ca", ca);
    CertificateAndKey certificate = CertificateAndKey.read(cert, key, session.environment().clock().instant());
    byte[] caBytes = CertificateAndKey.snapshot("--ca", ca);
    // a key here was told to give it with --key (round BJ): the CA's key belongs to nobody but the CA
    X509Certificate[] cas = Pem.certificates(ca, "--ca takes the CA's certificate (ca.crt) that your admin hands out,"
        + " not a private key");
    CertificateAndKey.unchangedSince("--ca", ca, caBytes);
    if (cas.length > 1) {
      // only one is the deployment's (round BJ: the first was taken silently, another CA's among them or not)
      throw new UsageFailure("SEVERAL_CA_CERTIFICATES", "--ca " + ca + " holds " + cas.length + " certificates ("
          + java.util.Arrays.stream(cas).map(c -> TerminalText.clean(c.getSubjectX500Principal().getName()))
          .collect(java.util.stream.Collectors.joining("; ")) + "): a profile trusts exactly one CA",
          "pass a file with only your deployment's CA certificate, the one that issued --cert (e.g. the dev PKI's"
          + " certs-dev/out/ca.crt)");
    }
    X509Certificate caCertificate = cas[0];
    if (caCertificate.getBasicConstraints() < 0) {
      // as the server refuses such a --ca (ServerTlsFiles): no client certificate chains to it
      throw new UsageFailure("NOT_A_CA_CERTIFICATE", "--ca " + ca + " is not a CA certificate (no basicConstraints CA:true): it"
          + " is " + (caCertificate.equals(certificate.certificate()) ? "your client certificate itself, the same as"
          + " --cert" : "the end-entity certificate of " + TerminalText.clean(caCertificate.getSubjectX500Principal()
          .getName())) + ", and no client certificate chains to it", "pass the certificate of the CA that issued --cert"
          + " as --ca (your deployment's CA certificate, e.g. the dev PKI's certs-dev/out/ca.crt)");
    }
    String identity = certificate.identity();

    boolean replacing = profile.exists(); // only with --force (refuseExisting)
    // whose profile it was (round CX: bob's certificate over dave's profile was told "your old keys are gone")
    Optional<String> replacedIdentity = Optional.empty();
    if (replacing) {
      try {
        replacedIdentity = Optional.of(profile.loadConfig().identity()).filter(old -> !old.equals(identity));
      } catch (dev.sealdrop.client.failure.SealdropFailure | RuntimeException e) {
        // a damaged profile is replaced all the same: whose it was is not known
      }
    }
    // nothing is written before the passphrase is in hand (KeyStore.store creates the folders): a
    // refused init leaves no half-made profile, and an existing one that --force would replace as it was
    KeyBundle bundle;
    int passphraseCharacters;
    PrivateKeys keys = PrivateKeys.generate();
    try {
      bundle = certificate.signBundle(keys.publicKeys(), caCertificate, "--ca", new KeyTrust(caCertificate,
          session.environment().clock(), new PinStore(profile.trustedDir())));
      // checked again under the profile's lock: another init into the same new folder may have written it meanwhile
      passphraseCharacters = session.keyStore(passphrase.file).store(keys, () -> refuseExisting(profile), () -> {
        // the bytes checked, not the files again after the passphrase (review RH)
        SecureFiles.write(profile.caCertificate(), caBytes);
        SecureFiles.write(profile.clientCertificate(), certificate.certificateBytes());
        SecureFiles.write(profile.clientKey(), certificate.keyBytes());
        SecureFiles.write(profile.ownBundle(), bundle.encoded());
        profile.saveConfig(new ProfileConfig(identity, serverAddress, admin));
      });
    } finally {
      keys.destroy();
    }
    session.output().emit(new Initialised(identity, bundle.fingerprint(), profile.dir(), serverAddress,
        caCertificate.getSubjectX500Principal().getName(), replacing));
    // after the result, so that a terminal shows it last; with the --home this run was given, so that it can be copied
    if (passphraseCharacters < dev.sealdrop.client.keystore.Passphrases.RECOMMENDED_CHARACTERS) {
      // taken (a refusal would break scripts and tests that chose one), but said (review BB: one character, no word)
      session.output().warn("the passphrase has only " + passphraseCharacters + " character"
          + (passphraseCharacters == 1 ? "" : "s") + ": anyone who copies the profile's keys/identity.key can try"
          + " passphrases offline, and a short one falls quickly; use at least "
          + dev.sealdrop.client.keystore.Passphrases.RECOMMENDED_CHARACTERS + " (a few words) for keys that"
          + " protect real files: `init --force` with a longer one makes new keys (before anyone seals for these)");
    }
    // a replaced profile says its old keys are gone and why publishing is urgent (round CR: --force said nothing)
    if (replacedIdentity.isPresent()) {
      session.output().warn("the profile replaced was " + TerminalText.clean(replacedIdentity.get()) + "'s, not "
          + TerminalText.clean(identity) + "'s: " + TerminalText.clean(replacedIdentity.get()) + "'s keys are gone;"
          + " if " + TerminalText.clean(identity) + " has a profile elsewhere, `keys publish` here replaces the key"
          + " bundle senders use for " + TerminalText.clean(identity) + " with this profile's");
    }
    session.output().note("next: publish your key bundle with `" + session.nextCommand("keys publish") + "`"
        + (replacing && replacedIdentity.isEmpty() ? ": until then senders seal for your old keys, which are gone"
            : ""));
    CertificateAndKey.othersCanRead(key).ifPresent(session.output()::warn);
  }

  /** What a profile folder holds (and a killed init may have left of one): anything else is someone's own files. */
  private static final java.util.Set<String> PROFILE_ENTRIES = java.util.Set.of("profile.properties", "tls", "keys",
      "trusted", "state", "checkpoints");

  /**
   * Refuses a folder that holds files of its own and no profile (round CN: `--home .` or `--home ~` made the user's
   * folder owner-only and wrote the profile among their files, and every `-o` under it was then refused as inside the
   * profile). {@code --force} does not lift this: it replaces a profile, not someone's files.
   */
  private static void refuseOthersFiles(Profile profile) throws UsageFailure, IOException {
    if (profile.exists() || !Files.isDirectory(profile.dir())) {
      return;
    }
    List<String> others;
    try (java.util.stream.Stream<Path> entries = Files.list(profile.dir())) {
      others = entries.map(p -> p.getFileName().toString()).filter(n -> !PROFILE_ENTRIES.contains(n)
          && !n.startsWith(".tmp-")).sorted().limit(3).toList();
    }
    if (!others.isEmpty()) {
      throw new UsageFailure("FOLDER_NOT_EMPTY", "the profile folder " + profile.dir() + " holds other files ("
          + TerminalText.clean(String.join(", ", others)) + (others.size() == 3 ? ", ..." : "") + ") and no profile",
          "give --home (or SEALDROP_HOME) a new or empty folder for the profile, or leave both out for the default,"
              + " ~/.sealdrop; nothing was written");
    }
  }

  private void refuseExisting(Profile profile) throws UsageFailure {
    if (profile.exists() && !force) {
      throw new UsageFailure("PROFILE_EXISTS", "a profile already exists in " + profile.dir(), existingHint(profile));
    }
  }

  /**
   * What to do instead of replacing an existing profile, as far as the certificates tell: the renewal spelled out with
   * the files given, the profile named, when {@code --cert} is another certificate of the profile's identity (what is
   * most often meant); nothing to do when it is the one the profile uses, another --home when it is another identity's
   * (review BH: the renewal was offered for both, and fails for both).
   */
  private String existingHint(Profile profile) {
    String replace = "pass --force to replace the profile (files sealed for its keys become unreadable)";
    String renew = "if --cert is a renewed certificate of the profile's identity, keep your keys: `sealdrop --home "
        + ShellWords.of(profile.dir().toString()) + " keys renew --cert " + ShellWords.of(cert.toString()) + " --key "
        + ShellWords.of(key.toString()) + "`; otherwise use another --home, or " + replace;
    X509Certificate given;
    X509Certificate held;
    String heldIdentity;
    String givenIdentity;
    try {
      given = Pem.certificate(cert);
      held = Pem.certificate(profile.clientCertificate());
      heldIdentity = Pem.identity(held);
      givenIdentity = Pem.identity(given);
    } catch (UsageFailure | RuntimeException e) {
      return renew; // a file that cannot be read is told as such by the command that reads it
    }
    if (given.equals(held)) {
      String uses = "the profile already uses --cert (serial " + CertificateSerials.shown(given.getSerialNumber())
          + ", identity '" + heldIdentity + "')";
      java.util.List<String> edits = addressEdits(profile);
      if (!edits.isEmpty()) {
        // an admin told NO_ADMIN_SERVER runs init again with --admin-server (review RR: "nothing needs doing")
        return uses + "; to change only where it connects, edit " + profile.dir().resolve("profile.properties")
            + ": " + String.join(", ", edits) + "; to start over with new keys, " + replace;
      }
      return uses + ": nothing needs doing; to start over with new keys, " + replace;
    }
    if (!givenIdentity.equals(heldIdentity)) {
      return "--cert is a certificate of '" + givenIdentity + "', and this profile belongs to '" + heldIdentity
          + "': give '" + givenIdentity + "' a profile of its own with another --home, or " + replace;
    }
    return renew;
  }

  /** The {@code profile.properties} lines that would make the profile connect where this run's options say. */
  private java.util.List<String> addressEdits(Profile profile) {
    ProfileConfig held;
    try {
      held = profile.loadConfig();
    } catch (dev.sealdrop.client.failure.SealdropFailure | RuntimeException e) {
      return java.util.List.of(); // a profile that cannot be read is told as such by the command that reads it
    }
    java.util.List<String> edits = new java.util.ArrayList<>();
    try {
      if (!HostPort.parse(server).equals(held.server())) {
        edits.add("server=" + HostPort.parse(server) + " (it has server=" + held.server() + ")");
      }
      if (adminServer != null && !held.adminServer().equals(Optional.of(HostPort.parse(adminServer)))) {
        edits.add("admin_server=" + HostPort.parse(adminServer) + held.adminServer().map(a -> " (it has admin_server="
            + a + ")").orElse(" (it has none)"));
      }
    } catch (UsageFailure malformed) {
      return java.util.List.of(); // refused as malformed before this is asked
    }
    return edits;
  }

  private record Initialised(String identity, String fingerprint, Path profile, HostPort server, String ca,
      boolean replaced) implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("identity", identity);
      g.writeStringField("fingerprint", fingerprint);
      g.writeStringField("profile", JsonPath.of(profile));
      g.writeStringField("server", server.toString());
      g.writeStringField("ca", ca);
      g.writeBooleanField("replaced", replaced);
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      out.println((replaced ? "Replaced profile " : "Created profile ") + profile + " for " + TerminalText.clean(identity));
      if (replaced) {
        out.println("  the old profile's keys are gone: files sealed for them cannot be opened with this profile");
      }
      out.println("  server:      " + server);
      out.println("  CA:          " + TerminalText.clean(ca));
      out.println("  fingerprint: " + fingerprint);
    }
  }
}
