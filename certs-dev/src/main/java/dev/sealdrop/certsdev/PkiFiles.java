package dev.sealdrop.certsdev;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.StringReader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Reads and writes the PKI's files. Every write goes to a temporary file in the same directory,
 * is fsynced, and is then renamed over the target, so a crash never leaves half a key behind.
 * Private keys and PKCS#12 files are created owner-only (0600) on POSIX file systems.
 */
final class PkiFiles {

  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  static final Set<PosixFilePermission> PUBLIC_READ = PosixFilePermissions.fromString("rw-r--r--");
  static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

  private PkiFiles() {}

  static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code dir} (owner-only on POSIX) if it does not exist yet. */
  static void createDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (Files.exists(dir)) {
      throw new IOException(dir + " exists and is not a directory");
    }
    Files.createDirectories(dir);
    if (posix()) {
      Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
    }
  }

  /**
   * What went wrong, as a sentence: the JDK's file-system exceptions often carry only the path
   * ({@code NoSuchFileException: /x}), which alone says nothing.
   */
  static String describe(IOException e) {
    if (e instanceof FileSystemException f && f.getReason() == null && f.getFile() != null) {
      String what = e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof AccessDeniedException ? "permission denied"
          : e instanceof FileAlreadyExistsException ? "already exists"
          : e.getClass().getSimpleName();
      return f.getFile() + ": " + what;
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  static void writeCertificate(Path file, X509Certificate certificate) throws IOException {
    try {
      writeAtomically(file, pem("CERTIFICATE", certificate.getEncoded()), PUBLIC_READ);
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException("certs-dev: internal error: cannot encode certificate", e);
    }
  }

  /** Writes an unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), owner-only. */
  static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalStateException("certs-dev: internal error: key format is " + key.getFormat() + ", not PKCS#8");
    }
    writeAtomically(file, pem("PRIVATE KEY", key.getEncoded()), OWNER_ONLY);
  }

  /** Writes a PKCS#12 file holding the key under {@code alias} with its chain, owner-only. */
  static void writePkcs12(Path file, String alias, PrivateKey key, X509Certificate[] chain, char[] password)
      throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(alias, key, password, chain);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      store.store(bytes, password);
      writeAtomically(file, bytes.toByteArray(), OWNER_ONLY);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("certs-dev: internal error: cannot write PKCS#12 " + file, e);
    }
  }

  static X509Certificate readCertificate(Path file) throws IOException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(reader)) {
      PemObject pem = parser.readPemObject();
      if (pem == null || !"CERTIFICATE".equals(pem.getType())) {
        throw new IOException(file + " is not a PEM certificate");
      }
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(pem.getContent()));
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " does not hold a valid X.509 certificate: " + e.getMessage(), e);
    }
  }

  static PrivateKey readPrivateKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    try (PEMParser parser = new PEMParser(new StringReader(text))) {
      Object parsed = parser.readObject();
      if (!(parsed instanceof PrivateKeyInfo)) {
        throw new IOException(file + " is not an unencrypted PKCS#8 PEM private key");
      }
      return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parsed);
    }
  }

  /** The certificate stored under {@code alias} in a PKCS#12 file. */
  static X509Certificate readPkcs12Certificate(Path file, String alias, char[] password) throws IOException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (var in = Files.newInputStream(file)) {
        store.load(in, password);
      }
      Certificate certificate = store.getCertificate(alias);
      if (!(certificate instanceof X509Certificate) || !(store.getKey(alias, password) instanceof PrivateKey)) {
        throw new IOException(file + " has no key entry '" + alias + "'");
      }
      return (X509Certificate) certificate;
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " cannot be read as PKCS#12: " + e.getMessage(), e);
    }
  }

  private static byte[] pem(String type, byte[] der) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Writer writer = new OutputStreamWriter(bytes, StandardCharsets.US_ASCII);
        PemWriter pem = new PemWriter(writer)) {
      pem.writeObject(new PemObject(type, der));
    }
    return bytes.toByteArray();
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN",
      justification = "file names are fixed or validated by CertSpec.NAME (no separators, no dots); the directory is the operator's")
  private static void writeAtomically(Path file, byte[] content, Set<PosixFilePermission> permissions)
      throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    // createTempFile makes the file owner-only on POSIX before any byte is written.
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      if (posix()) {
        Files.setPosixFilePermissions(temp, permissions);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
