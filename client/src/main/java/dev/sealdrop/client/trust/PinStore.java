package dev.sealdrop.client.trust;

import dev.sealdrop.client.keystore.SecureFiles;
import dev.sealdrop.keys.BundleException;
import dev.sealdrop.keys.KeyBundle;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * Pinned key bundles, one file per identity in {@code trusted/}. A pin is written only for a
 * bundle that already verified against the CA. File names are the identity when it is plainly
 * safe, else its hex encoding, so no identity can name a path outside the folder.
 */
@SuppressFBWarnings(value = {"PATH_TRAVERSAL_IN", "PATH_TRAVERSAL_OUT"},
    justification = "file names are derived from identities through safeName(), confined to trusted/")
public final class PinStore {
  private final Path dir;

  public PinStore(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir");
  }

  /** The pinned bundle's bytes for {@code identity}, if any (not re-verified here). */
  /** Far above any key bundle (a few KiB, its certificate chain included). */
  private static final long MAX_PIN_BYTES = 1 << 20;
  /** The longest file name the usual file systems hold (ext4, XFS, APFS, NTFS in UTF-16 units aside). */
  static final int MAX_NAME_BYTES = 255;

  public Optional<KeyBundle> pinned(String identity) throws IOException {
    Path f = file(identity);
    if (f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      // no file system here holds such a name, so no pin of it can exist (round BH: a crafted sender's 250-byte name
      // made the lookup fail as "its folder cannot be searched")
      return Optional.empty();
    }
    if (Files.notExists(f)) {
      return Optional.empty();
    }
    if (!Files.exists(f)) {
      // neither there nor not there: its folder cannot be searched. Not a first use (round AH: the pin was replaced
      // by the key offered, silently, never KEY_CHANGED)
      throw new UnreadablePin("cannot read the pinned key of " + identity + " (" + f + "): its folder " + dir
          + " cannot be searched", new java.nio.file.AccessDeniedException(dir.toString()));
    }
    if (!Files.isDirectory(f) && (!Files.isRegularFile(f) || Files.size(f) > MAX_PIN_BYTES)) {
      // a pipe would be read forever, a link to /dev/zero until the heap ran out (round AN)
      throw new IOException("the pinned key of " + identity + " (" + f + ") is damaged: it is "
          + (Files.isRegularFile(f) ? "larger than any key bundle" : "not a regular file"));
    }
    byte[] stored;
    try {
      stored = Files.readAllBytes(f);
    } catch (IOException e) {
      throw new UnreadablePin("cannot read the pinned key of " + identity + " (" + f + "): "
          + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : String.valueOf(e.getMessage())),
          e);
    }
    try {
      return Optional.of(KeyBundle.decode(stored));
    } catch (BundleException e) {
      throw new IOException("the pinned key of " + identity + " (" + f + ") is damaged: " + e.getMessage(), e);
    }
  }

  /**
   * A pin file that could not be read (its mode or owner, a disk error): not damaged, and deleting it would drop the
   * very record that tells a changed key (round AD: it was reported as damaged, with a hint to delete it).
   */
  public static final class UnreadablePin extends IOException {
    private static final long serialVersionUID = 1L;

    UnreadablePin(String message, IOException cause) {
      super(message, cause);
    }
  }

  public void pin(KeyBundle verified) throws IOException {
    SecureFiles.ensureDirectory(dir);
    SecureFiles.write(file(verified.identity()), verified.encoded());
  }

  Path file(String identity) {
    return dir.resolve(safeName(identity) + ".skb");
  }

  static String safeName(String identity) {
    if (identity.matches("[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}") && !identity.contains("..")) {
      return identity;
    }
    return "x-" + HexFormat.of().formatHex(identity.getBytes(StandardCharsets.UTF_8));
  }
}
