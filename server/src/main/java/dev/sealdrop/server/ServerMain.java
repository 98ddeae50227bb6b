package dev.sealdrop.server;

import dev.sealdrop.server.config.ConfigFile;
import dev.sealdrop.server.config.ServerConfig;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar sealdrop-server.jar [--dev] [--config FILE] [--data DIR] [--port N] [--host H]
 * [--ca F --cert F --key F] [--bootstrap-admin NAME] [--certs DIR] [--sftp-port N] [--admin-port N] [--admin-host H]}. Construction order only:
 * serial filter → configuration → server → shutdown hook. Prints exactly {@code listening on
 * HOST:PORT} and {@code admin listening on HOST:PORT} on stdout once ready (logs go to stderr).
 */
public final class ServerMain {
  private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("--config", ""), Map.entry("--data", "data"),
      Map.entry("--port", "port"), Map.entry("--host", "host"), Map.entry("--ca", "ca"), Map.entry("--cert", "cert"),
      Map.entry("--key", "key"), Map.entry("--bootstrap-admin", "bootstrap-admin"), Map.entry("--certs", ""),
      Map.entry("--sftp-port", ""), Map.entry("--admin-port", ""), Map.entry("--admin-host", ""));

  private ServerMain() {}

  public static void main(String[] args) throws Exception {
    rejectAllDeserialization();
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ServerConfig config;
    try {
      config = parse(List.of(args));
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("sealdrop-server: error: " + e.getMessage());
      System.err.println("usage: sealdrop-server [--dev] [--config FILE] [--data DIR] [--port N] [--host HOST]"
          + " [--ca FILE --cert FILE --key FILE] [--bootstrap-admin NAME] [--certs DIR] [--sftp-port N]"
          + " [--admin-port N] [--admin-host HOST]");
      System.exit(2);
      return;
    }
    SealdropServer server = SealdropServer.start(config);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "sealdrop-shutdown"));
    stdout.println("listening on " + server.host() + ":" + server.port());
    stdout.println("admin listening on " + server.adminHost() + ":" + server.adminPort());
    if (config.sftp().enabled()) {
      stdout.println("sftp listening on " + server.host() + ":" + server.sftpPort());
    }
    Thread.currentThread().join();
  }

  /** Installs a reject-everything deserialization filter unless one was set ({@code -Djdk.serialFilter}). */
  static void rejectAllDeserialization() {
    if (ObjectInputFilter.Config.getSerialFilter() == null) {
      ObjectInputFilter.Config.setSerialFilter(info -> ObjectInputFilter.Status.REJECTED);
    }
  }

  static ServerConfig parse(List<String> args) throws IOException {
    boolean dev = false;
    Map<String, String> settings = new LinkedHashMap<>();
    Path configFile = null;
    Path certs = Path.of("certs-dev", "out");
    Integer sftpPort = null;
    Integer adminPort = null;
    String adminHost = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--dev")) {
        dev = true;
        continue;
      }
      if (!FLAGS.containsKey(a) || i + 1 >= args.size()) {
        throw new IllegalArgumentException(FLAGS.containsKey(a) ? a + " needs a value" : "unknown option " + a);
      }
      String value = args.get(++i);
      switch (a) {
        case "--config" -> configFile = Path.of(value);
        case "--certs" -> certs = Path.of(value);
        case "--sftp-port" -> sftpPort = port("--sftp-port", value);
        case "--admin-port" -> adminPort = port("--admin-port", value);
        case "--admin-host" -> adminHost = value;
        default -> settings.put(FLAGS.get(a), value);
      }
    }
    Map<String, String> merged = new LinkedHashMap<>();
    if (configFile != null) {
      ConfigFile.read(configFile).forEach((k, v) -> merged.put(String.valueOf(k), String.valueOf(v)));
    }
    merged.putAll(settings);
    Path data = Path.of(merged.getOrDefault("data", "data"));
    ServerConfig base = dev ? ServerConfig.development(data, certs) : null;
    ServerConfig config = ConfigFile.apply(base, merged);
    config = sftpPort == null ? config : config.withSftpPort(sftpPort);
    config = adminPort == null ? config : config.withAdminPort(adminPort);
    return adminHost == null ? config : config.withAdmin(config.admin().withHost(adminHost));
  }

  private static int port(String flag, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number (0 = any free port), not '" + value + "'");
    }
  }
}
