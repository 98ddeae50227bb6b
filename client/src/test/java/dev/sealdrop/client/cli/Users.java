package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.SealdropServer;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test users from certs-dev, each with a separate --home folder and passphrase. */
final class Users {
  private Users() {}

  static String passphrase(String name) {
    return name + " correct horse battery staple";
  }

  static Cli user(Path root, String name) {
    return new Cli(root.resolve("home-" + name), passphrase(name));
  }

  /** {@code sealdrop init} for {@code name} against {@code server}; asserts success. */
  static Cli init(DevPki pki, Path root, String name, String server) {
    Cli c = user(root, name);
    CliRun r = c.run("--json", "init", "--server", server, "--cert", pki.certFile(name).toString(),
        "--key", pki.keyFile(name).toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    assertThat(r.json()).containsEntry("ok", true).containsEntry("identity", name);
    return c;
  }

  /**
   * {@code sealdrop init} for {@code name} with {@code server}'s admin listener too ({@code --admin-server});
   * asserts success.
   */
  static Cli initWithAdmin(DevPki pki, Path root, String name, SealdropServer server) {
    Cli c = user(root, name);
    c.run("init", "--server", "127.0.0.1:" + server.port(), "--admin-server", server.adminHost() + ":"
        + server.adminPort(), "--cert", pki.certFile(name).toString(), "--key", pki.keyFile(name).toString(),
        "--ca", pki.caCertFile().toString()).assertExit(0);
    return c;
  }

  /** {@link #init} then {@code keys publish} for {@code name}: a profile others can send to; asserts success. */
  static Cli initAndPublish(DevPki pki, Path root, String name, String server) {
    Cli c = init(pki, root, name, server);
    c.run("keys", "publish").assertExit(0);
    return c;
  }

  /**
   * A file {@code who} sealed for itself, its last bytes cut off: {@code open} reads its header (sealed for {@code
   * who}) before the passphrase, then, with the keys unlocked, refuses it as TRUNCATED. For tests of what happens
   * around the passphrase.
   */
  static Path cutEnvelopeFor(Cli who, String identity, Path dir) throws java.io.IOException {
    Path plain = Files.writeString(dir.resolve("plain-" + identity + ".txt"), "sealed for " + identity);
    Path sealed = dir.resolve("cut-" + identity + ".sealed");
    who.run("seal", plain.toString(), "--to", identity, "-o", sealed.toString()).assertExit(0);
    byte[] whole = Files.readAllBytes(sealed);
    return Files.write(sealed, java.util.Arrays.copyOf(whole, whole.length - 10));
  }

  /** Points a profile at another server address (a proxy), as editing profile.properties would. */
  static void retarget(Cli user, String address) throws java.io.IOException {
    Path config = user.home().resolve("profile.properties");
    String text = Files.readString(config);
    Files.writeString(config, text.replaceAll("(?m)^server=.*$", "server=" + address.replace(":", "\\:")));
  }
}
