package dev.sealdrop.client.keystore;

import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A profile folder and its fixed layout (see {@code docs/cli.md}, "Profile layout"):
 * <pre>
 * profile.properties      identity, server, admin server
 * tls/client.crt          our client certificate (copied at init)
 * tls/client.key          its private key, PKCS#8 PEM (copied at init)
 * tls/ca.crt              the only CA we trust, for TLS and for key bundles
 * tls/previous-client.crt the client certificate before the last {@code keys renew}
 * keys/identity.key       our X-Wing + Ed25519 private keys, passphrase-encrypted
 * keys/bundle.skb         our signed key bundle (public)
 * trusted/NAME.skb        pinned bundles of other identities (TOFU)
 * state/uploads/, state/downloads/   resumable transfers: ciphertext spools, upload ids, claim ids
 * </pre>
 * Everything is owner-only (0700 folders, 0600 files).
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the profile folder is chosen by the local user")
public final class Profile {
  private final Path dir;

  public Profile(Path dir) {
    this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
  }

  public Path dir() {
    return dir;
  }

  public Path configFile() {
    return dir.resolve("profile.properties");
  }

  public Path clientCertificate() {
    return dir.resolve("tls").resolve("client.crt");
  }

  public Path clientKey() {
    return dir.resolve("tls").resolve("client.key");
  }

  /** The client certificate the profile used before its last {@code keys renew} (public; its SSH keys move on). */
  public Path previousClientCertificate() {
    return dir.resolve("tls").resolve("previous-client.crt");
  }

  public Path caCertificate() {
    return dir.resolve("tls").resolve("ca.crt");
  }

  public Path privateKeyFile() {
    return dir.resolve("keys").resolve("identity.key");
  }

  public Path ownBundle() {
    return dir.resolve("keys").resolve("bundle.skb");
  }

  public Path trustedDir() {
    return dir.resolve("trusted");
  }

  public Path uploadsDir() {
    return dir.resolve("state").resolve("uploads");
  }

  public Path downloadsDir() {
    return dir.resolve("state").resolve("downloads");
  }

  /** Signed audit checkpoints received from the server: evidence for {@code audit verify --checkpoints}. */
  public Path checkpointsDir() {
    return dir.resolve("checkpoints");
  }

  public boolean exists() {
    return Files.exists(configFile());
  }

  /**
   * Refuses a profile folder that is a file, or lies under one (e.g. {@code --home clients.csv}): no
   * profile can be there and {@code init} cannot make one, whatever the folder's permissions or
   * {@code --force}.
   */
  public void requireFolderPath() throws UsageFailure {
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        if (Files.isDirectory(p)) {
          return;
        }
        throw new UsageFailure("NOT_A_FOLDER", (p.equals(dir) ? "the profile folder " : "the profile folder " + dir
            + " cannot exist: ") + p + " is a file, not a folder",
            "point --home (or SEALDROP_HOME) at a profile folder, or at a new folder for `sealdrop init`");
      }
    }
  }

  /** Creates the folder tree (owner-only). */
  public void createLayout() throws IOException {
    SecureFiles.ensureDirectory(dir);
    for (Path p : new Path[] {dir.resolve("tls"), dir.resolve("keys"), trustedDir(), dir.resolve("state"),
        uploadsDir(), downloadsDir(), checkpointsDir()}) {
      SecureFiles.ensureDirectory(p);
    }
  }

  public void saveConfig(ProfileConfig config) throws IOException {
    SecureFiles.write(configFile(), config.encode());
  }

  /** Reads the config, or explains that there is no profile here. */
  public ProfileConfig loadConfig() throws KeyStoreFailure, UsageFailure {
    requireFolderPath();
    try {
      return ProfileConfig.decode(Files.readAllBytes(configFile()), configFile().toString());
    } catch (NoSuchFileException e) {
      throw new UsageFailure("NO_PROFILE", "no sealdrop profile in " + dir,
          "create one with `sealdrop init --server HOST:PORT --cert FILE --key FILE --ca FILE`, "
              + "or point --home / SEALDROP_HOME at an existing one");
    } catch (IOException e) {
      throw new KeyStoreFailure("PROFILE_UNREADABLE", "cannot read " + configFile() + ": " + IoReason.of(e),
          "check the profile folder's permissions", e);
    }
  }
}
