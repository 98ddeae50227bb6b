package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.JsonPath;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.Pem;
import dev.sealdrop.client.keystore.Profile;
import dev.sealdrop.client.keystore.ProfileConfig;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.client.trust.PinStore;
import dev.sealdrop.keys.CertificateKeys;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code sealdrop init}: creates a profile with fresh, passphrase-encrypted keys. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Create a profile: generate your encryption and signing keys, store them encrypted with a "
        + "passphrase, and remember the server, your client certificate and the CA.",
        "Your key bundle is signed with your certificate's key; publish it with `sealdrop keys publish`."},
    footer = {"  read -rs SEALDROP_PASSPHRASE && export SEALDROP_PASSPHRASE  # or: a prompt",
        "  sealdrop --home ~/.sealdrop-alice init --server localhost:8443 \\",
        "      --cert certs-dev/out/alice.crt --key certs-dev/out/alice.key \\",
        "      --ca certs-dev/out/ca.crt"})
final class InitCommand extends SealdropSubcommand {
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

  @Option(names = "--force", description = "Replace an existing profile (its old keys are lost!).")
  boolean force;

  @Mixin
  PassphraseOption passphrase;

  @Override
  void run(Session session) throws Exception {
    HostPort serverAddress = HostPort.parse(server);
    Optional<HostPort> admin = adminServer == null ? Optional.empty() : Optional.of(HostPort.parse(adminServer));
    Profile profile = session.profile();
    profile.requireFolderPath();
    if (profile.exists() && !force) {
      throw new UsageFailure("PROFILE_EXISTS", "a profile already exists in " + profile.dir(),
          "use another --home, or pass --force to replace it (files sealed for the old keys become unreadable)");
    }
    for (Path p : List.of(cert, key, ca)) {
      if (!Files.isRegularFile(p)) {
        throw new UsageFailure("FILE_NOT_FOUND", "no such file: " + p, "check --cert, --key and --ca");
      }
    }
    // the certificate, then any intermediate CA certificates between it and --ca (the usual shape of
    // an organisation's PKI): the key bundle carries them so that peers and the server can verify it
    List<X509Certificate> chain = List.of(Pem.certificates(cert));
    X509Certificate certificate = chain.get(0);
    // before the key is read: an Ed448 key would otherwise be "cannot parse" or "not the certificate's key"
    Optional<String> unsupported = CertificateKeys.unsupportedAlgorithm(certificate);
    if (unsupported.isPresent()) {
      throw new UsageFailure("CERT_KEY_UNSUPPORTED", "cannot use " + cert + ": " + unsupported.get(),
          "ask your CA for a client certificate with an ECDSA (P-256), Ed25519 or RSA key, and pass it as --cert");
    }
    refuseOutsideValidity(certificate, session.environment().clock().instant());
    PrivateKey certificateKey = Pem.privateKey(key);
    X509Certificate caCertificate = Pem.certificate(ca);
    String identity = Pem.identity(certificate);
    if (!CertificateKeys.isKeyOf(certificate, certificateKey)) {
      // said with the files named, as the user gave them (KeyBundle.create's own check speaks of its parameters)
      throw new UsageFailure("KEY_CERT_MISMATCH", "--key " + key + " is not the private key of --cert " + cert
          + " (" + identity + "'s certificate)", "pass the key file that was issued together with that certificate");
    }

    // nothing is written before the passphrase is in hand (KeyStore.store creates the folders): a
    // refused init leaves no half-made profile, and an existing one that --force would replace as it was
    KeyBundle bundle;
    PrivateKeys keys = PrivateKeys.generate();
    try {
      try {
        bundle = KeyBundle.create(identity, keys.publicKeys(), validUntil(chain), certificateKey,
            withoutAnchor(chain, caCertificate));
      } catch (IllegalArgumentException e) {
        throw new UsageFailure("KEY_CERT_MISMATCH", "cannot sign the key bundle: " + e.getMessage(),
            "--key must be the private key of --cert");
      }
      try {
        new KeyTrust(caCertificate, session.environment().clock(), new PinStore(profile.trustedDir()))
            .verify(bundle.encoded(), identity);
      } catch (IntegrityFailure e) {
        throw new UsageFailure("CERT_NOT_USABLE", "your certificate cannot vouch for your keys: " + e.getMessage(),
            "--cert must be a valid client certificate (EKU clientAuth) issued by --ca; if an intermediate CA"
                + " issued it, put the intermediate's certificate (PEM) after yours in the --cert file");
      }
      session.keyStore(passphrase.file).store(keys);
    } finally {
      keys.destroy();
    }
    SecureFiles.copy(ca, profile.caCertificate());
    SecureFiles.copy(cert, profile.clientCertificate());
    SecureFiles.copy(key, profile.clientKey());
    SecureFiles.write(profile.ownBundle(), bundle.encoded());
    profile.saveConfig(new ProfileConfig(identity, serverAddress, admin));
    session.output().note("next: publish your key bundle with `sealdrop keys publish`");
    session.output().emit(new Initialised(identity, bundle.fingerprint(), profile.dir(), serverAddress,
        caCertificate.getSubjectX500Principal().getName()));
  }

  /** The chain's earliest expiry: the bundle cannot be verified after any of its certificates expires. */
  /**
   * A certificate past its notAfter (or before its notBefore) can neither sign a key bundle that
   * others accept nor pass the server's handshake: said with its dates, before anything is read or
   * written (KeyBundle.create's own refusal spoke of "notAfter" under a hint about the key).
   */
  private void refuseOutsideValidity(X509Certificate certificate, Instant now) throws UsageFailure {
    Instant notAfter = certificate.getNotAfter().toInstant();
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (!now.isBefore(notAfter)) {
      throw new UsageFailure("CERTIFICATE_EXPIRED", "--cert " + cert + " expired at " + notAfter + " (now: "
          + now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")", "ask your CA for a renewed client"
          + " certificate and pass it as --cert; if its dates look right, check this machine's clock");
    }
    if (now.isBefore(notBefore)) {
      throw new UsageFailure("CERTIFICATE_NOT_YET_VALID", "--cert " + cert + " is valid only from " + notBefore
          + " (now: " + now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")", "wait until then, or check"
          + " this machine's clock");
    }
  }

  private static Instant validUntil(List<X509Certificate> chain) {
    return chain.stream().map(c -> c.getNotAfter().toInstant()).min(Instant::compareTo).orElseThrow();
  }

  /** The chain without the trust anchor itself (a --cert file may end with the root; peers have it as --ca). */
  private static List<X509Certificate> withoutAnchor(List<X509Certificate> chain, X509Certificate anchor) {
    return chain.stream().filter(c -> !c.equals(anchor)).toList();
  }

  private record Initialised(String identity, String fingerprint, Path profile, HostPort server, String ca)
      implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("identity", identity);
      g.writeStringField("fingerprint", fingerprint);
      g.writeStringField("profile", JsonPath.of(profile));
      g.writeStringField("server", server.toString());
      g.writeStringField("ca", ca);
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      out.println("Created profile " + profile + " for " + TerminalText.clean(identity));
      out.println("  server:      " + server);
      out.println("  CA:          " + TerminalText.clean(ca));
      out.println("  fingerprint: " + fingerprint);
    }
  }
}
