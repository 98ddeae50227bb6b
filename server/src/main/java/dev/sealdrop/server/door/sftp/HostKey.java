package dev.sealdrop.server.door.sftp;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.Iterator;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * The door's persistent ssh-ed25519 host key, in OpenSSH format, generated on first start with
 * owner-only permissions (written to a temporary file, fsynced, then renamed into place). Read
 * with MINA's OpenSSH key parser only: unlike {@code SimpleGeneratorHostKeyProvider} there is no
 * Java-deserialization path at all (SECURITY.md §0 rule 2, CVE-2022-45047).
 */
final class HostKey {
  static final String FILE_NAME = "ssh_host_ed25519_key";

  private HostKey() {}

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the data directory comes from server configuration")
  static KeyPair loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      if (Files.isDirectory(file)) {
        throw new IOException("SFTP host key " + file + " is a folder, not a key file; move it away to generate a new"
            + " key (clients will then see a changed host key)");
      }
      try (InputStream in = Files.newInputStream(file)) {
        // MINA answers null, not an empty list, for a file with no key in it (empty, or not an OpenSSH key: round CR,
        // where the start died of a NullPointerException and its stack trace)
        Iterable<KeyPair> found;
        try {
          found = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName(file.toString()), in, null);
        } catch (java.io.StreamCorruptedException | java.io.EOFException e) {
          // a key cut short: MINA's words ("Missing end marker ...") without the file's name
          throw new IOException("SFTP host key " + file + " is unusable (" + e.getMessage() + "); delete it to generate"
              + " a new one (clients will then see a changed host key)", e);
        }
        Iterator<KeyPair> keys = found == null ? java.util.Collections.emptyIterator() : found.iterator();
        if (!keys.hasNext()) {
          throw new IOException("SFTP host key " + file + " holds no key; delete it to generate a new one");
        }
        KeyPair kp = keys.next();
        if (!KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(kp))) {
          throw new IOException("SFTP host key " + file + " is " + KeyUtils.getKeyType(kp) + ", not ssh-ed25519");
        }
        return kp;
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("SFTP host key " + file + " is unusable (" + e.getMessage() + "); delete it to generate"
          + " a new one (clients will then see a changed host key)", e);
    }
  }

  private static void create(Path file) throws IOException, GeneralSecurityException {
    KeyPair kp = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
      new OpenSSHKeyPairResourceWriter().writePrivateKey(kp, "sealdrop sftp host key", null, out);
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // some file systems cannot sync a directory; the key is regenerated if it is lost
    }
  }
}
