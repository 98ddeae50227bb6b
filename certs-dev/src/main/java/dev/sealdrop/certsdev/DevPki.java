package dev.sealdrop.certsdev;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The development PKI in one directory (see certs-dev/README.md for every file).
 *
 * <p>{@link #loadOrCreate} keeps what is already there and sound: an existing CA is never
 * replaced, and a leaf certificate is reissued from that CA only when one of its files is missing,
 * unreadable, expired, not signed by its CA, or does not match its profile or key. {@link #create}
 * with {@code force} replaces everything. Both hold a lock file in the directory, so concurrent
 * runs (in this JVM or in others) do not interleave.
 */
public final class DevPki {

  /** The development users; {@code mallory} is issued by the foreign CA. */
  public static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "mallory");
  /** The password of every {@code NAME.p12} file. Development only; it is public by design. */
  @SuppressFBWarnings(value = "HARD_CODE_PASSWORD", justification = "documented public password of dev-only PKCS#12 files")
  public static final String P12_PASSWORD = "sealdrop-dev";
  /** The name of the server certificate's files ({@code server.crt}, ...); its CN is {@code localhost}. */
  public static final String SERVER = "server";

  static final String CA_NAME = "ca";
  static final String FOREIGN_CA_NAME = "foreign-ca";
  static final String FOREIGN_USER = "mallory";
  static final String CA_COMMON_NAME = "sealdrop development CA (DO NOT TRUST IN PRODUCTION)";
  static final String FOREIGN_CA_COMMON_NAME = "foreign CA (not trusted by sealdrop)";
  static final Duration CA_LIFETIME = Duration.ofDays(3650);
  static final Duration LEAF_LIFETIME = Duration.ofDays(365);
  static final Duration BACKDATE = Duration.ofHours(1);
  private static final String LOCK_FILE = ".lock";
  private static final Object JVM_LOCK = new Object();

  private final Path dir;
  private final CertificateAuthority ca;
  private final CertificateAuthority foreignCa;
  private final Map<String, IssuedCert> issued = new ConcurrentHashMap<>();
  private final List<String> report = Collections.synchronizedList(new ArrayList<>());

  private DevPki(Path dir, CertificateAuthority ca, CertificateAuthority foreignCa) {
    this.dir = dir;
    this.ca = ca;
    this.foreignCa = foreignCa;
  }

  /** The dev users and their roles: alice=transferor, bob=acquirer, carol=admin, dave=acquirer; mallory has none. */
  public static Map<String, String> devRoles() {
    Map<String, String> roles = new LinkedHashMap<>();
    roles.put("alice", "transferor");
    roles.put("bob", "acquirer");
    roles.put("carol", "admin");
    roles.put("dave", "acquirer");
    return Collections.unmodifiableMap(roles);
  }

  /** Loads the PKI in {@code outDir}, generating whatever is missing; an existing CA is kept. */
  public static DevPki loadOrCreate(Path outDir) {
    return create(outDir, false);
  }

  /**
   * Like {@link #loadOrCreate}; with {@code force}, regenerates everything, CAs included.
   *
   * @throws IllegalStateException if an existing CA is unusable (expired, key missing or not
   *     matching); the message says to rerun with {@code --force}
   * @throws UncheckedIOException if the directory cannot be read or written
   */
  public static DevPki create(Path outDir, boolean force) {
    Path dir = Objects.requireNonNull(outDir, "outDir").toAbsolutePath().normalize();
    return locked(dir, () -> {
      LoadedCa ca = loadOrCreateCa(dir, CA_NAME, CA_COMMON_NAME, force);
      LoadedCa foreign = loadOrCreateCa(dir, FOREIGN_CA_NAME, FOREIGN_CA_COMMON_NAME, force);
      DevPki pki = new DevPki(dir, ca.authority, foreign.authority);
      pki.report.add(ca.reportLine);
      pki.report.add(foreign.reportLine);
      pki.ensure(LeafProfile.server(), force);
      for (String user : USERS) {
        pki.ensure(LeafProfile.client(user, user.equals(FOREIGN_USER)), force);
      }
      return pki;
    });
  }

  /**
   * Issues an extra certificate for tests, writing {@code NAME.crt}, {@code NAME.key} and
   * {@code NAME.p12} into {@link #dir()} (replacing files of the same name). A SERVER_AUTH
   * certificate also gets the SANs DNS:localhost, IP:127.0.0.1 and IP:::1.
   */
  public IssuedCert issue(CertSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return locked(dir, () -> mint(LeafProfile.of(spec), spec.notBefore(), spec.notAfter(),
        CertificateAuthority.newKeyPair(spec.keyAlgorithm())));
  }

  public Path dir() {
    return dir;
  }

  /** {@code dir()/ca.crt}: the trust anchor of the development server and clients. */
  public Path caCertFile() {
    return dir.resolve(CA_NAME + ".crt");
  }

  public X509Certificate caCertificate() {
    return ca.certificate();
  }

  /** {@code dir()/foreign-ca.crt}: the CA that issued mallory, which nothing should trust. */
  public Path foreignCaCertFile() {
    return dir.resolve(FOREIGN_CA_NAME + ".crt");
  }

  public X509Certificate foreignCaCertificate() {
    return foreignCa.certificate();
  }

  public Path certFile(String name) {
    return file(name, ".crt");
  }

  /** The PKCS#8 PEM private key file (owner-only). */
  public Path keyFile(String name) {
    return file(name, ".key");
  }

  /** The PKCS#12 file (key, certificate and issuing CA; password {@link #P12_PASSWORD}). */
  public Path p12File(String name) {
    return file(name, ".p12");
  }

  public X509Certificate certificate(String name) {
    IssuedCert known = issued.get(name);
    if (known != null) {
      return known.certificate();
    }
    try {
      return PkiFiles.readCertificate(existing(certFile(name)));
    } catch (IOException e) {
      throw new UncheckedIOException("certs-dev: cannot read certificate '" + name + "': " + PkiFiles.describe(e), e);
    }
  }

  public PrivateKey privateKey(String name) {
    IssuedCert known = issued.get(name);
    if (known != null) {
      return known.privateKey();
    }
    try {
      return PkiFiles.readPrivateKey(existing(keyFile(name)));
    } catch (IOException e) {
      throw new UncheckedIOException("certs-dev: cannot read private key '" + name + "': " + PkiFiles.describe(e), e);
    }
  }

  /** What this instance wrote or kept, one line per file group, in order (for the CLI). */
  public List<String> report() {
    synchronized (report) {
      return List.copyOf(report);
    }
  }

  private Path file(String name, String extension) {
    CertSpec.checkName(name);
    return dir.resolve(name + extension);
  }

  private Path existing(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("certs-dev: " + file + " does not exist; known names are "
          + SERVER + ", " + String.join(", ", USERS) + " and whatever issue() created");
    }
    return file;
  }

  private void ensure(LeafProfile profile, boolean force) {
    if (!force) {
      IssuedCert sound = LeafCheck.loadIfSound(this, profile, authority(profile));
      if (sound != null) {
        issued.put(profile.name(), sound);
        report.add("kept  " + group(profile.name()));
        return;
      }
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    mint(profile, now.minus(BACKDATE), now.plus(LEAF_LIFETIME), CertificateAuthority.newKeyPair());
  }

  private IssuedCert mint(LeafProfile profile, Instant notBefore, Instant notAfter, KeyPair keys) {
    CertificateAuthority issuer = authority(profile);
    X509Certificate certificate = issuer.issue(profile.subject(), keys.getPublic(), profile.eku(),
        notBefore, notAfter, profile.subjectAltNames(), profile.ca(), profile.digitalSignature());
    String name = profile.name();
    try {
      PkiFiles.writePrivateKey(keyFile(name), keys.getPrivate());
      PkiFiles.writePkcs12(p12File(name), name, keys.getPrivate(),
          new X509Certificate[] {certificate, issuer.certificate()}, P12_PASSWORD.toCharArray());
      PkiFiles.writeCertificate(certFile(name), certificate);
    } catch (IOException e) {
      throw new UncheckedIOException("certs-dev: cannot write the files of '" + name + "' in " + dir + ": "
          + PkiFiles.describe(e), e);
    }
    IssuedCert result = new IssuedCert(name, certificate, keys.getPrivate(), certFile(name), keyFile(name));
    issued.put(name, result);
    report.add("wrote " + group(name));
    return result;
  }

  CertificateAuthority authority(LeafProfile profile) {
    return profile.foreignCa() ? foreignCa : ca;
  }

  private String group(String name) {
    return certFile(name) + ", " + name + ".key, " + name + ".p12";
  }

  /** A CA as loaded or created, with the line the CLI prints about it. */
  private static final class LoadedCa {
    final CertificateAuthority authority;
    final String reportLine;

    LoadedCa(CertificateAuthority authority, String reportLine) {
      this.authority = authority;
      this.reportLine = reportLine;
    }
  }

  private static LoadedCa loadOrCreateCa(Path dir, String name, String commonName, boolean force) throws IOException {
    Path crt = dir.resolve(name + ".crt");
    Path key = dir.resolve(name + ".key");
    boolean hasCrt = Files.exists(crt);
    boolean hasKey = Files.exists(key);
    String hint = "; rerun certs-dev with --force to replace it (this reissues every certificate in " + dir + ")";
    if (!force && hasCrt && hasKey) {
      X509Certificate certificate;
      PrivateKey privateKey;
      try {
        certificate = PkiFiles.readCertificate(crt);
        privateKey = PkiFiles.readPrivateKey(key);
      } catch (IOException e) {
        throw new IllegalStateException("certs-dev: the existing CA is unreadable: " + PkiFiles.describe(e) + hint, e);
      }
      if (!CertificateAuthority.keyMatches(certificate, privateKey)) {
        throw new IllegalStateException("certs-dev: " + key + " is not the key of " + crt + hint);
      }
      try {
        certificate.checkValidity();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("certs-dev: the CA " + crt + " is not valid now (valid "
            + certificate.getNotBefore().toInstant() + " to " + certificate.getNotAfter().toInstant() + ")" + hint, e);
      }
      return new LoadedCa(new CertificateAuthority(certificate, privateKey), "kept  " + crt + ", " + name + ".key");
    }
    if (!force && (hasCrt || hasKey)) {
      throw new IllegalStateException("certs-dev: " + (hasCrt ? key : crt) + " is missing but "
          + (hasCrt ? crt : key) + " exists" + hint);
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    CertificateAuthority created = CertificateAuthority.create(commonName, now.minus(BACKDATE), now.plus(CA_LIFETIME));
    PkiFiles.writePrivateKey(key, created.privateKey());
    PkiFiles.writeCertificate(crt, created.certificate());
    return new LoadedCa(created, "wrote " + crt + ", " + name + ".key");
  }

  /** Work that may throw IOException while the directory is locked. */
  private interface LockedWork<T> {
    T run() throws IOException;
  }

  private static <T> T locked(Path dir, LockedWork<T> work) {
    synchronized (JVM_LOCK) {
      try {
        PkiFiles.createDirectory(dir);
        try (FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
          FileLock lock = channel.lock();
          try {
            return work.run();
          } finally {
            lock.release();
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("certs-dev: cannot write the development PKI in " + dir + ": " + PkiFiles.describe(e), e);
      }
    }
  }
}
