package dev.sealdrop.client.cli.admin;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.cli.Cli;
import dev.sealdrop.client.cli.CliRun;
import dev.sealdrop.server.SealdropServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The development PKI's users as sealdrop profiles under a test's folder {@code root} (as
 * {@link dev.sealdrop.client.cli.DevServerPerClass} lays it out): each with its own {@code --home}
 * ({@code root/home-USER}) and passphrase, run in-process through {@link Cli#raw}.
 */
final class Profiles {
  private Profiles() {}

  /** {@code sealdrop init} for each of {@code users} against {@code server}, with its admin listener or without. */
  static void init(Path root, SealdropServer server, boolean withAdmin, String... users) {
    for (String user : users) {
      init(root, server, user, withAdmin);
    }
  }

  private static void init(Path root, SealdropServer server, String user, boolean withAdmin) {
    DevPki pki = DevPki.loadOrCreate(root.resolve("certs"));
    List<String> args = new ArrayList<>(List.of("--home", home(root, user).toString(), "--json", "init", "--server",
        server.host() + ":" + server.port(), "--cert", pki.certFile(user).toString(), "--key",
        pki.keyFile(user).toString(), "--ca", pki.caCertFile().toString()));
    if (withAdmin) {
      args.addAll(List.of("--admin-server", server.adminHost() + ":" + server.adminPort()));
    }
    Cli.raw(Map.of("SEALDROP_PASSPHRASE", passphrase(user)), args.toArray(String[]::new)).assertExit(0);
  }

  /** {@code sealdrop --home HOME ARGS} as {@code user}. */
  static CliRun as(Path root, String user, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = home(root, user).toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.raw(Map.of("SEALDROP_PASSPHRASE", passphrase(user)), all);
  }

  private static String passphrase(String user) {
    return user + " correct horse battery staple";
  }

  private static Path home(Path root, String user) {
    return root.resolve("home-" + user);
  }
}
