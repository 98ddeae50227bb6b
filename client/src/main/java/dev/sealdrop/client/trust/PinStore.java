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
  public Optional<KeyBundle> pinned(String identity) throws IOException {
    Path f = file(identity);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(KeyBundle.decode(Files.readAllBytes(f)));
    } catch (BundleException e) {
      throw new IOException("the pinned key of " + identity + " (" + f + ") is damaged: " + e.getMessage(), e);
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
