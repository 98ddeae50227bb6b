package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Timestamps;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.AuthFailure;
import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.Pem;
import dev.sealdrop.client.keystore.Profile;
import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.keys.ClientCertificates;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.PublicKeys;
import dev.sealdrop.protocol.v1.SshKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code sealdrop keys renew}: moves the profile to a renewed client certificate of the same identity and keeps
 * its encryption and signing keys. The key bundle is signed again with the new certificate (its fingerprint,
 * which names the keys, not the certificate, stays the same, so peers' pins hold and files sealed for the keys
 * still open), published, and the SSH keys registered through the old certificate are bound to the new one.
 */
@Command(name = "renew", mixinStandardHelpOptions = true,
    description = {"Use a renewed client certificate (same identity) and keep your keys: signs your key bundle again"
        + " with it, publishes it, and binds your SSH keys to it.",
        "Your fingerprint does not change, so others' pins of you hold and files sealed for you still open."
            + " (`sealdrop init --force` would make new keys instead.)",
        "Run it again with the same files if it was interrupted, or if the server could not be reached."},
    footer = {"  sealdrop keys renew --cert alice-2027.crt --key alice-2027.key"})
final class KeysRenewCommand extends SealdropSubcommand {
  @Option(names = "--cert", required = true, paramLabel = "FILE",
      description = "The renewed client certificate (PEM; any intermediate CA certificates after it).")
  Path cert;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "Its private key (PKCS#8 PEM).")
  Path key;

  @Mixin
  PassphraseOption passphrase;

  @Override
  void run(Session session) throws Exception {
    String identity = session.config().identity();
    Profile profile = session.profile();
    CertificateAndKey renewed = CertificateAndKey.read(cert, key, session.environment().clock().instant());
    if (!renewed.identity().equals(identity)) {
      throw new UsageFailure("IDENTITY_MISMATCH", "--cert " + cert + " is " + TerminalText.clean(renewed.identity())
          + "'s certificate, but the profile " + profile.dir() + " is " + TerminalText.clean(identity) + "'s",
          "pass a certificate issued to " + TerminalText.clean(identity) + "; another identity needs its own profile"
              + " (`sealdrop --home DIR init`)");
    }
    KeyBundle current = ownBundle(session);
    Optional<X509Certificate> held = certificateIn(profile.clientCertificate());
    // the keys to vouch for are the ones we can decrypt with: unlocked (which also proves the passphrase) and
    // compared with the bundle the profile publishes, so that a renewal can never change the fingerprint
    PublicKeys keys = unlockedPublicKeys(session);
    if (!keys.equals(current.publicKeys())) {
      throw new KeyStoreFailure("BUNDLE_NOT_OF_KEYS", "the profile's key bundle " + profile.ownBundle()
          + " does not hold the public keys of its private keys " + profile.privateKeyFile(),
          "the profile was changed by hand or mixed with another's: restore it from a backup, or make new keys with"
              + " `sealdrop init --force` (files sealed for the old keys can then no longer be opened)");
    }
    KeyBundle bundle = renewed.signBundle(keys, session.ca(), "the profile's CA (" + profile.caCertificate() + ")",
        session.trust());
    X509Certificate renewedCertificate = renewed.certificate();
    boolean alreadyUsed = held.filter(renewedCertificate::equals).isPresent();
    // the certificate renewed from: the one the profile held until now, or, when it already holds the renewed one (a
    // run that could not reach the server, run again), the one it held before, kept for this in tls/previous-client.crt
    Optional<X509Certificate> previous = alreadyUsed ? certificateIn(profile.previousClientCertificate()) : held;
    previous.filter(p -> !alreadyUsed && renewedCertificate.getNotAfter().before(p.getNotAfter()))
        .ifPresent(p -> session.output().warn("--cert " + cert + " (serial " + serial(renewedCertificate) + ") ends at "
            + renewedCertificate.getNotAfter().toInstant() + ", before the certificate the profile used until now"
            + " (serial " + serial(p) + ", until " + p.getNotAfter().toInstant() + "); if you meant a newer"
            + " certificate, run `sealdrop keys renew` again with it"));
    if (!alreadyUsed) {
      // review RM: asked before the profile is switched, so that a certificate the server refuses changes nothing and
      // a server that cannot be reached leaves the profile on the certificate it had (a switch made offline and then
      // refused could not be put back: the key of the certificate before was gone)
      probe(session, renewed, held);
    }
    // what the profile holds now, to put back if the server refuses the renewed certificate after all (below)
    Optional<ProfileFiles> before = ProfileFiles.read(profile);
    if (!alreadyUsed && held.isPresent()) {
      SecureFiles.copy(profile.clientCertificate(), profile.previousClientCertificate());
    }
    // the same certificate given in another file (with its chain, say: round BJ) is written all the same: say so
    boolean sameFile = alreadyUsed && sameBytes(cert, profile.clientCertificate());
    // the key before the certificate: each write is atomic, and a run stopped between them is mended by running
    // it again with the same files (tls/previous-client.crt, written above, still names the certificate renewed from)
    // the bytes checked, not the files again after the passphrase (review RH)
    SecureFiles.write(profile.clientKey(), renewed.keyBytes());
    SecureFiles.write(profile.clientCertificate(), renewed.certificateBytes());
    SecureFiles.write(profile.ownBundle(), bundle.encoded());
    // a repeat (or the completion of an interrupted run) changes no certificate or key: it must not read as a switch
    session.output().note((alreadyUsed ? "the profile already uses this certificate (serial "
        + serial(renewedCertificate) + "); " + (sameFile ? "its certificate and key are unchanged"
        : "its certificate file now holds --cert " + cert + " as given (the same certificate, with what else the file"
        + " holds), and its key is the same") + ". Publishing your key bundle signed"
        + " with it again" : "the profile now uses the renewed certificate (serial " + serial(renewedCertificate)
        + "); publishing your key bundle signed with it") + ". If the server cannot be reached, run the same command"
        + " again.");

    String published;
    List<SshKeysView> ssh;
    try {
      published = KeysCommand.Publish.publish(session, bundle);
      ssh = rebindSshKeys(session, renewedCertificate, previous);
    } catch (AuthFailure e) {
      // the server refused the renewed certificate (revoked, or the identity revoked or disabled): a profile left
      // on it could not connect at all, and running the command again would not help
      if (alreadyUsed) {
        throw refusedAfterEarlierSwitch(e, renewed.certificate());
      }
      throw refused(e, profile, before, renewed.certificate(), held);
    } catch (dev.sealdrop.client.failure.NetworkFailure e) {
      // the profile has switched; the rest is safe to repeat (round BK: the hint spoke of transfers resuming)
      throw e.retold(e.getMessage(), "the profile already uses the renewed certificate; run the same `keys renew`"
          + " again once the server can be reached: it publishes your key bundle and moves your SSH keys then");
    }
    session.output().emit(new Renewed(bundle, published, renewed.certificate(), alreadyUsed, previous, ssh,
        session.environment().clock().instant()));
    CertificateAndKey.othersCanRead(key).ifPresent(session.output()::warn);
  }

  /**
   * Connects with the renewed certificate (from the files given, checked unchanged afterwards) and asks the server who
   * it is: a refusal of the certificate or the identity ends the run before anything is written, as does a server that
   * cannot be reached.
   */
  private void probe(Session session, CertificateAndKey renewed, Optional<X509Certificate> held)
      throws SealdropFailure {
    String unchanged = "nothing was changed: the profile still uses " + held.map(h -> "its certificate (serial "
        + serial(h) + ")").orElse("the certificate it had");
    try (dev.sealdrop.client.net.ServerConnection probe = dev.sealdrop.client.net.ServerConnection.open(
        new dev.sealdrop.client.net.ChannelFactory(cert, key, session.profile().caCertificate()),
        session.config().server())) {
      dev.sealdrop.client.net.ServerConnection.call(dev.sealdrop.client.net.GrpcFailures.Op.GENERIC,
          () -> probe.session().whoAmI(dev.sealdrop.protocol.v1.WhoAmIRequest.getDefaultInstance()));
    } catch (AuthFailure e) {
      throw new AuthFailure(e.reason(), refusedMessage(e, renewed.certificate()) + "; " + unchanged, refusedHint(e), e);
    } catch (dev.sealdrop.client.failure.NetworkFailure e) {
      throw e.retold(e.getMessage(), unchanged + " (the server is asked whether it takes the renewed certificate"
          + " before the profile is switched to it); run the same `keys renew` again once the server can be reached");
    }
    CertificateAndKey.unchangedSince("--cert", cert, renewed.certificateBytes());
    CertificateAndKey.unchangedSince("--key", key, renewed.keyBytes());
  }

  /**
   * The server refused a certificate an earlier run had switched the profile to (that run could not reach the server,
   * or was stopped before it was told): the files of the certificate before are not kept, so nothing is put back.
   */
  private AuthFailure refusedAfterEarlierSwitch(AuthFailure e, X509Certificate renewed) {
    return new AuthFailure(e.reason(), refusedMessage(e, renewed) + "; the profile stays on it, as an earlier run of"
        + " `keys renew` switched it (the key of the certificate it used before is not kept)", "run `sealdrop keys"
        + " renew` with a certificate the server accepts (the newest your CA issued you); if your identity itself is"
        + " disabled or revoked, ask an admin", e);
  }

  /** Whether two files hold the same bytes (false if either cannot be read). */
  private static boolean sameBytes(java.nio.file.Path a, java.nio.file.Path b) {
    try {
      return java.nio.file.Files.mismatch(a, b) == -1L;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /**
   * Binds the SSH keys registered through {@code previous} to the renewed certificate, and only those: a key of the
   * same identity registered through another certificate (another device's profile) stays bound to it, so that
   * revoking that device's certificate still cuts it. Each key as {@code keys add-ssh} reports it, or
   * {@code other-certificate} for one left alone.
   */
  private static List<SshKeysView> rebindSshKeys(Session session, X509Certificate renewed,
      Optional<X509Certificate> previous) throws SealdropFailure {
    List<SshKey> mine = KeysCommand.AddSsh.mine(session);
    List<SshKeysView> result = new ArrayList<>();
    for (SshKey k : mine) {
      if (registeredThrough(k, renewed)) {
        result.add(new SshKeysView("already-registered", List.of(k)));
      } else if (!SshPublicKeyFile.ACCEPTED.contains(k.getAlgorithm())) {
        // an ECDSA key registered before they were refused: adding it anew is refused too, and it logs in no more
        // (review EH: its move failed the whole renew, again on every re-run, and the keys after it were not moved)
        result.add(new SshKeysView("not-accepted", List.of(k)));
      } else if (k.getCertificateRevoked()) {
        // whoever held the revoked certificate may have registered it (a stolen certificate): moved only when the
        // user registers it again, knowingly (keys add-ssh); also a key of an older certificate than the previous
        // one (review BD: from the second renew on, it was "another device's", with the hint to bind it here)
        result.add(new SshKeysView("revoked-certificate", List.of(k)));
      } else if (previous.isPresent() && registeredThrough(k, previous.get())) {
        result.add(KeysCommand.AddSsh.register(session, k.getPublicKey(), mine));
      } else {
        result.add(new SshKeysView("other-certificate", List.of(k)));
      }
    }
    return result;
  }

  /**
   * Whether {@code k} was registered through {@code certificate} itself: by the certificate's fingerprint, as the
   * server lists it, since a serial is unique only per issuing CA (two intermediate CAs of the deployment can issue
   * the same identity certificates with equal serials); by the serial alone only from a server that does not list
   * fingerprints.
   */
  private static boolean registeredThrough(SshKey k, X509Certificate certificate) {
    if (!k.getCertificateFingerprint().isEmpty()) {
      return k.getCertificateFingerprint().equals(ClientCertificates.fingerprint(certificate));
    }
    return serialOf(k).filter(certificate.getSerialNumber()::equals).isPresent();
  }

  /** The serial of the certificate {@code k} was registered through, as the server lists it (hexadecimal). */
  private static Optional<BigInteger> serialOf(SshKey k) {
    try {
      return k.getCertificateSerial().isEmpty() ? Optional.empty()
          : Optional.of(new BigInteger(k.getCertificateSerial(), 16));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The server refused the certificate the profile was just moved to: puts back the files the profile held before
   * (they connected until now, or at least are what the user had) and says so.
   */
  private SealdropFailure refused(AuthFailure e, Profile profile, Optional<ProfileFiles> held,
      X509Certificate renewed, Optional<X509Certificate> previous) {
    String what = refusedMessage(e, renewed);
    if (held.isEmpty()) {
      return new AuthFailure(e.reason(), what + "; the profile uses it all the same (its previous files could not"
          + " be read)", e.hint().orElse(null), e);
    }
    try {
      held.get().restore(profile);
    } catch (IOException io) {
      return new KeyStoreFailure("PROFILE_UNWRITABLE", what + "; putting the profile's previous certificate back"
          + " failed: " + io.getMessage(), "check the permissions of the profile folder " + profile.dir()
          + "; until then it uses the refused certificate", io);
    }
    String back = "; the profile was put back as it was (" + previous.map(p -> "certificate serial " + serial(p))
        .orElse("its previous certificate") + ")";
    return new AuthFailure(e.reason(), what + back, refusedHint(e), e);
  }

  /** "the server refused the renewed certificate (--cert FILE, serial S): why" */
  private String refusedMessage(AuthFailure e, X509Certificate renewed) {
    // a disabled identity is the identity's standing, not this certificate's (review EQ: "refused the renewed
    // certificate: the server refused your identity: ... your certificate is fine")
    String refused = "the server refused the renewed certificate (--cert " + cert + ", serial " + serial(renewed) + ")";
    String disabled = dev.sealdrop.client.net.GrpcFailures.DISABLED_IDENTITY;
    return e.getMessage().startsWith(disabled)
        ? refused + " because your identity is disabled by an admin (" + e.getMessage().substring(disabled.length())
            + "; the renewed certificate is not at fault: the same command uses it once an admin enables the identity"
        : refused + ": " + e.getMessage().replaceFirst("^the server refused our certificate: ", "");
  }

  private static String refusedHint(AuthFailure e) {
    return e.reason().equals("CERTIFICATE_REVOKED")
        ? "a revoked certificate cannot be renewed to: pass the newest certificate your CA issued you; if it is that"
            + " one, your identity itself may have been revoked (permanent): ask an admin"
        : e.hint().map(h -> h + "; then run the same command again").orElse("run the same command again");
  }

  /**
   * The profile's client key, certificate and key bundle as they were before a renewal, byte for byte, and its
   * tls/previous-client.crt (or that there was none): the renewal overwrites it before the server is asked, and a
   * later run that completes an interrupted renewal reads it to know which SSH keys to move (outside test: a refused
   * renewal kept the overwritten one, and the next completed renewal left the SSH keys on another certificate).
   */
  private static final class ProfileFiles {
    private final byte[] key;
    private final byte[] certificate;
    private final byte[] bundle;
    /** Null if the profile had no tls/previous-client.crt. */
    private final byte[] previousCertificate;

    private ProfileFiles(byte[] key, byte[] certificate, byte[] bundle, byte[] previousCertificate) {
      this.key = key;
      this.certificate = certificate;
      this.bundle = bundle;
      this.previousCertificate = previousCertificate;
    }

    static Optional<ProfileFiles> read(Profile profile) {
      try {
        Path previous = profile.previousClientCertificate();
        return Optional.of(new ProfileFiles(Files.readAllBytes(profile.clientKey()),
            Files.readAllBytes(profile.clientCertificate()), Files.readAllBytes(profile.ownBundle()),
            Files.isRegularFile(previous) ? Files.readAllBytes(previous) : null));
      } catch (IOException e) {
        return Optional.empty();
      }
    }

    void restore(Profile profile) throws IOException {
      SecureFiles.write(profile.clientKey(), key);
      SecureFiles.write(profile.clientCertificate(), certificate);
      SecureFiles.write(profile.ownBundle(), bundle);
      if (previousCertificate != null) {
        SecureFiles.write(profile.previousClientCertificate(), previousCertificate);
      } else {
        Files.deleteIfExists(profile.previousClientCertificate());
      }
    }
  }

  /**
   * The profile's bundle, which the renewal must match (the fingerprint must not change). Unreadable, it is said with
   * a hint for this command: the general one, to run init again, would make new keys (with --force) or send the
   * user back here (without).
   */
  private static KeyBundle ownBundle(Session session) throws SealdropFailure {
    try {
      return session.ownBundle();
    } catch (KeyStoreFailure e) {
      if (!e.reason().equals("NO_BUNDLE")) {
        throw e;
      }
      throw new KeyStoreFailure(e.reason(), e.getMessage(), "keys renew keeps the fingerprint of that bundle, so it"
          + " needs it: restore " + session.profile().ownBundle() + " from a backup of the profile (a file"
          + " `sealdrop keys export` wrote is the same bundle), then run the same command again; `sealdrop init"
          + " --force` would make new keys, and files sealed for the old ones could no longer be opened", e);
    }
  }

  private PublicKeys unlockedPublicKeys(Session session) throws SealdropFailure {
    PrivateKeys unlocked = session.keyStore(passphrase.file).unlock();
    try {
      return unlocked.publicKeys();
    } finally {
      unlocked.destroy();
    }
  }

  /** The certificate in {@code file} (the profile's, or the one it used before), if it is there and readable. */
  private static Optional<X509Certificate> certificateIn(Path file) {
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Pem.certificate(file));
    } catch (SealdropFailure | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** As {@code openssl x509 -noout -serial} prints it (upper-case hex), which {@code admin identities revoke} takes. */
  static String serial(X509Certificate c) {
    return CertificateSerials.shown(c.getSerialNumber());
  }

  /**
   * @param alreadyUsed the profile held this certificate already (the same files again)
   * @param previous the certificate renewed from, if known
   */
  private record Renewed(KeyBundle bundle, String publishedFingerprint, X509Certificate certificate,
      boolean alreadyUsed, Optional<X509Certificate> previous, List<SshKeysView> sshKeys, Instant now)
      implements Result {
    @Override
    public void writeJson(JsonGenerator g) throws IOException {
      g.writeStartObject();
      g.writeBooleanField("ok", true);
      g.writeStringField("status", alreadyUsed ? "already-current" : "renewed");
      g.writeStringField("identity", bundle.identity());
      g.writeStringField("fingerprint", bundle.fingerprint());
      g.writeStringField("published_fingerprint", publishedFingerprint);
      g.writeStringField("certificate_serial", serial(certificate));
      g.writeStringField("not_after", bundle.notAfter().toString());
      if (previous.isPresent()) {
        g.writeStringField("previous_certificate_serial", serial(previous.get()));
        g.writeStringField("previous_not_after", previous.get().getNotAfter().toInstant().toString());
      }
      g.writeArrayFieldStart("ssh_keys");
      for (SshKeysView v : sshKeys) {
        g.writeStartObject();
        g.writeStringField("status", v.status());
        g.writeStringField("fingerprint", v.keys().get(0).getFingerprint());
        g.writeStringField("algorithm", v.keys().get(0).getAlgorithm());
        g.writeStringField("certificate_serial", SshKeysView.serial(v.keys().get(0)));
        // what a script checks a moved key against (the human output names both): whose key it is
        g.writeStringField("comment", v.keys().get(0).getComment());
        g.writeStringField("added_at", Timestamps.ofMillis(v.keys().get(0).getAddedAtMillis()));
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    }

    @Override
    public void writeHuman(PrintWriter out) {
      String identity = TerminalText.clean(bundle.identity());
      Optional<X509Certificate> replaced = previous.filter(p -> !p.equals(certificate));
      if (alreadyUsed) {
        // the same files again: a run that was interrupted, or one repeated
        out.println(identity + "'s profile already uses this certificate (serial " + serial(certificate) + "): your key"
            + " bundle, valid until " + bundle.notAfter() + ", signed with it again and published");
      } else {
        out.println("Renewed " + identity + "'s certificate: serial " + serial(certificate) + ", your key bundle valid"
            + " until " + bundle.notAfter() + replaced.map(p -> " (was serial " + serial(p) + ", until "
            + p.getNotAfter().toInstant() + ")").orElse(""));
      }
      out.println("  fingerprint: " + bundle.fingerprint() + "  (unchanged: the same keys, so others' pins of you hold"
          + " and files sealed for you still open)");
      out.println("  published:   yes" + (publishedFingerprint.equals(bundle.fingerprint()) ? ""
          : " (the server answered " + TerminalText.clean(publishedFingerprint) + ")"));
      if (sshKeys.isEmpty()) {
        out.println("  SSH keys:    none registered");
      }
      for (SshKeysView v : sshKeys) {
        SshKey k = v.keys().get(0);
        out.println("  SSH key:     " + TerminalText.clean(k.getFingerprint()) + " (" + TerminalText.clean(k.getAlgorithm())
            + ") " + switch (v.status()) {
              case "already-registered" -> "already bound to this certificate";
              case "not-accepted" -> "NOT moved: keys of this type are no longer accepted, and it does not log in;"
                  + " remove it (`sealdrop keys remove-ssh " + TerminalText.clean(k.getFingerprint()) + "`) and"
                  + " register an ed25519 key (`sealdrop keys add-ssh FILE.pub`)";
              case "other-certificate" -> "left bound to another certificate of yours (serial "
                  + SshKeysView.serial(k) + ", another device's profile?); `sealdrop keys add-ssh` with it from this"
                  + " profile would bind it here";
              case "revoked-certificate" -> "NOT moved: it was registered through certificate serial "
                  + SshKeysView.serial(k) + ", which is revoked, so whoever held that certificate may have added it"
                  + " (comment '" + TerminalText.clean(k.getComment()) + "', added "
                  + Timestamps.ofMillis(k.getAddedAtMillis()) + "); it does not log in. If it is yours,"
                  + " `sealdrop keys add-ssh FILE.pub` binds it to this certificate; if not, `sealdrop keys remove-ssh "
                  + TerminalText.clean(k.getFingerprint()) + "`";
              default -> "now bound to the renewed certificate (comment '" + TerminalText.clean(k.getComment())
                  + "', first added " + Timestamps.ofMillis(k.getAddedAtMillis()) + ")";
            });
      }
      if (sshKeys.stream().anyMatch(v -> v.status().equals("rebound"))) {
        // whoever held the previous certificate could register keys through it; renew moves them all (outside test)
        out.println("  check that each SSH key moved is yours: if the previous certificate may have been exposed, one"
            + " you do not know was added by whoever held it: remove it (`sealdrop keys remove-ssh FINGERPRINT`) and"
            + " have that certificate revoked");
      }
      out.println("  peers see the renewed bundle the next time they fetch your key; `sealdrop keys export` gives it to"
          + " those who imported it offline");
      // a key registered through the previous certificate was listed as revoked: the server said so (round R); one
      // of another revoked certificate says nothing of it (review RJ)
      replaced.filter(p -> now.isBefore(p.getNotAfter().toInstant())).ifPresent(p -> out.println(sshKeys.stream()
          .filter(v -> v.status().equals("revoked-certificate")).flatMap(v -> v.keys().stream())
          .anyMatch(k -> registeredThrough(k, p))
          ? "  the previous certificate (serial " + serial(p) + ") is revoked: it no longer connects"
          : "  the previous certificate (serial " + serial(p) + ") stays valid until " + p.getNotAfter().toInstant()
              + " unless an admin has revoked it or revokes it; if it may be exposed, ask one to (if not done yet):"
              + " `sealdrop admin identities revoke " + identity + " --certificate " + serial(p) + "`"));
    }
  }
}
