package dev.sealdrop.client.net;

import dev.sealdrop.client.keystore.SecureFiles;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Properties;

/**
 * A small owner-only key/value file remembering an unfinished transfer (upload id, claim id,
 * offsets), so that re-running the same command resumes. Claim ids are secrets: these files are
 * 0600 in a 0700 folder, and are deleted as soon as the transfer completes.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "state files live in the user's profile folder")
public final class StateFile {
  private final Path file;
  private final Properties values;

  private StateFile(Path file, Properties values) {
    this.file = file;
    this.values = values;
  }

  /** The state file named by a hash of {@code parts} in {@code dir}: a stable, opaque, safe file name. */
  public static Path nameFor(Path dir, String suffix, String... parts) {
    try {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        byte[] b = p.getBytes(StandardCharsets.UTF_8);
        d.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
        d.update((byte) ':');
        d.update(b);
      }
      return dir.resolve(HexFormat.of().formatHex(d.digest(), 0, 16) + suffix);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("cli: internal error: no SHA-256", e);
    }
  }

  public static Optional<StateFile> load(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    return Optional.of(new StateFile(file, p));
  }

  public static StateFile create(Path file) {
    return new StateFile(file, new Properties());
  }

  public Optional<String> get(String key) {
    return Optional.ofNullable(values.getProperty(key)).filter(v -> !v.isEmpty());
  }

  public StateFile set(String key, String value) {
    values.setProperty(key, value);
    return this;
  }

  public void save() throws IOException {
    StringWriter w = new StringWriter();
    values.store(w, "sealdrop transfer state; deleted when the transfer completes");
    SecureFiles.write(file, w.toString().getBytes(StandardCharsets.UTF_8));
  }

  public void delete() throws IOException {
    Files.deleteIfExists(file);
  }
}
