package dev.sealdrop.client.keystore;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What of a profile other users of the machine could read or change, from its modes (round AD: a profile copied with
 * loose modes, e.g. through a FAT disk or `cp` under a wide umask, was used without a word). sealdrop makes every
 * folder 0700 and every file 0600; a profile found otherwise is still used, with one warning that names what is exposed,
 * what that lets others do, and the one command that fixes it. Nothing to say on a file system without POSIX modes.
 */
@SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the profile folder is chosen by the local user")
public final class ProfileExposure {
  private static final Set<PosixFilePermission> OTHERS_READ = EnumSet.of(PosixFilePermission.GROUP_READ,
      PosixFilePermission.OTHERS_READ);
  private static final Set<PosixFilePermission> OTHERS_WRITE = EnumSet.of(PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_WRITE);

  private ProfileExposure() {}

  /**
   * What is open in {@code profile} and what that lets others do (the caller adds the command that closes it), or
   * empty when nothing in it is open to other users.
   */
  public static Optional<String> of(Profile profile) {
    if (!SecureFiles.posix()) {
      return Optional.empty();
    }
    List<String> exposed = new ArrayList<>();
    List<String> consequences = new ArrayList<>();
    Path dir = profile.dir();
    if (readable(profile.clientKey(), dir, exposed)) {
      consequences.add("whoever read tls/client.key can connect as you until an admin revokes your certificate");
    }
    if (readable(profile.privateKeyFile(), dir, exposed)) {
      consequences.add("whoever copied keys/identity.key can try passphrases against it at leisure");
    }
    boolean writable = false;
    for (Path p : laidOut(profile)) {
      writable |= writable(p, dir, exposed);
    }
    if (writable) {
      consequences.add("whoever can change the profile can swap the CA, the server address or a pinned key");
    }
    if (exposed.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of("the profile " + dir + " is open to other users of this machine: " + String.join(", ", exposed)
        + "; " + String.join("; ", consequences));
  }

  /** The folders and files whose change would change whom the profile trusts or where it connects. */
  private static List<Path> laidOut(Profile profile) {
    Path dir = profile.dir();
    List<Path> all = new ArrayList<>(List.of(dir, dir.resolve("tls"), dir.resolve("keys"), profile.trustedDir(),
        profile.configFile(), profile.caCertificate(), profile.clientCertificate(), profile.clientKey(),
        profile.privateKeyFile(), profile.ownBundle()));
    try (DirectoryStream<Path> pins = Files.newDirectoryStream(profile.trustedDir(), "*.skb")) {
      pins.forEach(all::add);
    } catch (IOException e) {
      // no trusted/ folder (or unreadable): the commands that use it say so
    }
    return all;
  }

  private static boolean readable(Path p, Path dir, List<String> exposed) {
    return open(p, dir, OTHERS_READ, "can be read by others", exposed);
  }

  private static boolean writable(Path p, Path dir, List<String> exposed) {
    return open(p, dir, OTHERS_WRITE, "can be changed by others", exposed);
  }

  private static boolean open(Path p, Path dir, Set<PosixFilePermission> bits, String what, List<String> exposed) {
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(p);
    } catch (IOException | UnsupportedOperationException e) {
      return false; // missing or unreadable: the commands that need it say so
    }
    if (mode.stream().noneMatch(bits::contains)) {
      return false;
    }
    String name = p.equals(dir) ? "the folder itself" : dir.relativize(p).toString() + (Files.isDirectory(p) ? "/" : "");
    exposed.add(name + " " + what + " (" + PosixFilePermissions.toString(mode) + ")");
    return true;
  }
}
