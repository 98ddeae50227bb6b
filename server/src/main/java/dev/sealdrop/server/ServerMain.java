package dev.sealdrop.server;

import dev.sealdrop.server.config.ConfigFile;
import dev.sealdrop.server.config.ListenAddress;
import dev.sealdrop.server.config.ServerConfig;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar sealdrop-server.jar [--dev] [--config FILE] [--data DIR] [--port N] [--host H]
 * [--ca F --cert F --key F] [--bootstrap-admin NAME] [--certs DIR] [--sftp-port N] [--admin-port N] [--admin-host H]
 * [-h|--help]}. Construction order only:
 * serial filter → configuration → server → shutdown hook. Prints exactly {@code listening on
 * HOST:PORT} and {@code admin listening on HOST:PORT} on stdout once ready (logs go to stderr).
 */
public final class ServerMain {
  /**
   * The exit code of a start refused because another server runs on the same data folder: distinct from 1
   * (cannot start), so that a service manager or script can tell "already running" from a failure.
   */
  static final int DATA_IN_USE = 3;
  private static final Map<String, String> FLAGS = Map.ofEntries(Map.entry("--config", ""), Map.entry("--data", "data"),
      Map.entry("--port", "port"), Map.entry("--host", "host"), Map.entry("--ca", "ca"), Map.entry("--cert", "cert"),
      Map.entry("--key", "key"), Map.entry("--bootstrap-admin", "bootstrap-admin"), Map.entry("--certs", ""),
      Map.entry("--sftp-port", ""), Map.entry("--admin-port", ""), Map.entry("--admin-host", ""));

  private static final String SYNOPSIS = "usage: sealdrop-server [--dev] [--config FILE] [--data DIR] [--port N]"
      + " [--host HOST] [--ca FILE --cert FILE --key FILE] [--bootstrap-admin NAME] [--certs DIR] [--sftp-port N]"
      + " [--admin-port N] [--admin-host HOST] [-h|--help]";

  private ServerMain() {}

  /** Whether {@code -h} or {@code --help} stands where an option may (not as the value of one). */
  static boolean wantsHelp(List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-h") || a.equals("--help")) {
        return true;
      }
      if (FLAGS.containsKey(a) && i + 1 < args.size() && !isOption(args.get(i + 1))) {
        i++;
      }
    }
    return false;
  }

  /**
   * Whether {@code word} is one of the server's options, with or without a value: one given where a value belongs is a
   * value left out (review DV: "--data --dev" took "--dev" for the folder, then asked for --dev; "--dev --data --help"
   * started a server in a folder named "--help").
   */
  static boolean isOption(String word) {
    return FLAGS.containsKey(word) || word.equals("--dev") || word.equals("-h") || word.equals("--help");
  }

  /** What {@code --help} prints: every option, one a line, and where the configuration keys are documented. */
  static String usage() {
    return String.join("\n", SYNOPSIS,
        "Starts the sealdrop server: the transfer (gRPC) listener, the admin listener and, if configured, the SFTP door.",
        "",
        "Options (each of --data, --port, --host, --ca, --cert, --key, --bootstrap-admin, --sftp-port, --admin-port and",
        "--admin-host overrides the configuration key of the same name):",
        "  --dev                   development setup: the dev PKI (generated if missing), its users, free ports, the SFTP door",
        "  --config FILE           read configuration keys from FILE (properties: key=value); options win over it",
        "  --data DIR              data folder (default ./data)",
        "  --host HOST             transfer listener address (default 127.0.0.1)",
        "  --port N                transfer listener port (default 8443; --dev: 0 = a free port)",
        "  --ca FILE               CA certificate (PEM) every client certificate must chain to (needed without --dev)",
        "  --cert FILE             server certificate chain (PEM) (needed without --dev)",
        "  --key FILE              server private key (PEM, PKCS#8) (needed without --dev)",
        "  --bootstrap-admin NAME  create this identity with the admin role if it does not exist",
        "  --certs DIR             with --dev: the development PKI folder (default certs-dev/out)",
        "  --sftp-port N           turn the SFTP door on, on port N (0 = a free port)",
        "  --admin-port N          admin listener port (default 8444; --dev: 0 = a free port)",
        "  --admin-host HOST       admin listener address (default 127.0.0.1; keep it off public interfaces)",
        "  -h, --help              print this help and exit",
        "",
        "Every configuration key (limits such as max-upload-bytes, quota-bytes, grant-max-lifetime,",
        "grant-max-downloads; timeouts, retention, the SFTP door), its unit and default:",
        "docs/admin.md, section \"Configuration keys\".",
        "Once ready it prints \"listening on HOST:PORT\" and \"admin listening on HOST:PORT\" (and \"sftp listening",
        "on HOST:PORT\") on stdout; logs go to stderr. Run it with java -Djdk.serialFilter='!*' -jar ...",
        "Exit codes: 0 after --help, 2 for a bad option or configuration value, 1 if it cannot start (a port in use,",
        "an unusable development PKI), " + DATA_IN_USE + " if another sealdrop server already runs on its data"
            + " folder; once running, it stops on SIGTERM or Ctrl-C with the signal's status (143, 130), after a"
            + " graceful shutdown or, on a second signal during it, at once (the log says which).") + "\n";
  }

  public static void main(String[] args) throws Exception {
    rejectAllDeserialization();
    routeJavaUtilLoggingToLogback();
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    if (wantsHelp(List.of(args))) {
      stdout.print(usage());
      stdout.flush();
      System.exit(0);
      return;
    }
    ServerConfig config;
    try {
      config = parse(List.of(args));
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("sealdrop-server: error: " + e.getMessage());
      System.err.println(SYNOPSIS);
      System.err.println("`java -jar sealdrop-server.jar --help` lists the options; docs/admin.md lists every configuration"
          + " key");
      System.exit(2);
      return;
    } catch (IllegalStateException | UncheckedIOException e) {
      // --dev: certs-dev's PKI exists but cannot be used (a missing CA key, an expired CA, unwritable)
      System.err.println("sealdrop-server: error: " + e.getMessage());
      System.err.println("sealdrop-server: hint: certs-dev/README.md says how to regenerate it; or move the --certs"
          + " folder (default certs-dev/out) away and --dev generates a new development PKI");
      System.exit(1);
      return;
    }
    // installed before the start: a SIGTERM while the server starts (a restart, a service manager's stop) lets the
    // start end and then stops the server gracefully; before, it ended the JVM with the audit log left unclosed and
    // nothing said (round U)
    java.util.concurrent.atomic.AtomicReference<SealdropServer> started = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.CountDownLatch startEnded = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        if (!startEnded.await(2, java.util.concurrent.TimeUnit.MINUTES)) {
          return; // a start that hangs: a second signal (SecondSignal) or SIGKILL ends it
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      SealdropServer s = started.get();
      if (s != null) {
        s.close();
      }
    }, "sealdrop-shutdown"));
    SecondSignal.install(); // a second SIGTERM or Ctrl-C during the grace stops at once
    SealdropServer server = null;
    Exception failed = null;
    try {
      server = SealdropServer.start(config);
      started.set(server);
    } catch (IOException | UncheckedIOException e) {
      failed = e;
    } finally {
      startEnded.countDown(); // before any System.exit below: its shutdown hook waits for it
    }
    if (failed != null) {
      if (inUse(failed)) {
        // the data folder's (or its audit log's) lock is held: a server (this one started twice, by hand or by a service
        // manager) runs there
        System.err.println("sealdrop-server: error: cannot start: another sealdrop server is already running on the"
            + " data folder " + config.dataDir().toAbsolutePath() + " (it holds the folder's " + heldBy(failed) + ")");
        System.err.println("sealdrop-server: hint: stop that server first (one server per data folder), or give this"
            + " one another folder with --data");
        System.exit(DATA_IN_USE);
        return;
      }
      // a busy port, an unreachable --admin-host: the operator's to fix, so a sentence, not a stack trace
      System.err.println("sealdrop-server: error: cannot start: " + describe(failed));
      if (failed.getCause() instanceof BindException b) {
        System.err.println("sealdrop-server: hint: " + bindHint(b));
      } else {
        diskHint(failed, config.dataDir()).ifPresent(h -> System.err.println("sealdrop-server: hint: " + h));
      }
      System.exit(1);
      return;
    }
    // as clients write them: an IPv6 address in brackets ([::1]:8443), each listener with its own address
    List<String> endpoints = server.endpoints();
    stdout.println("listening on " + endpoints.get(0));
    stdout.println("admin listening on " + endpoints.get(1));
    if (endpoints.size() > 2) {
      stdout.println("sftp listening on " + endpoints.get(2));
    }
    Thread.currentThread().join();
  }

  /**
   * What to do about a start that the data folder's disk refused (round BM: a full or read-only disk had no hint): the
   * operating system's reason anywhere in the failure's causes.
   */
  static java.util.Optional<String> diskHint(Throwable failed, java.nio.file.Path data) {
    String where = failingFile(failed).orElse(data.toAbsolutePath().toString());
    if (dev.sealdrop.server.core.StorageFull.of(failed).isPresent()) {
      return java.util.Optional.of("the disk holding " + where + " is full: free space there (`df -h " + where
          + "` shows it), then start the server again");
    }
    for (Throwable t = failed; t != null; t = t.getCause()) {
      if (String.valueOf(t.getMessage()).contains("Read-only file system")) {
        return java.util.Optional.of(where + " is on a read-only file system: mount it writable, or give a data"
            + " folder on a writable disk with --data");
      }
    }
    return java.util.Optional.empty();
  }

  /** The file a failure names, if one of its causes is a file system's refusal that names it. */
  private static java.util.Optional<String> failingFile(Throwable failed) {
    for (Throwable t = failed; t != null; t = t.getCause()) {
      if (t instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
        return java.util.Optional.of(f.getFile());
      }
    }
    return java.util.Optional.empty();
  }

  /** What to do about a listener that could not bind, by the operating system's reason. */
  static String bindHint(BindException e) {
    String why = String.valueOf(e.getMessage());
    if (why.contains("Cannot assign requested address")) {
      // EADDRNOTAVAIL: no interface of this machine has that address
      return "that address is not on this machine; choose one of its addresses (`ip -br addr` lists them), or"
          + " 127.0.0.1 (--host, --admin-host, sftp-host)";
    }
    if (why.contains("Permission denied")) {
      return "ports below 1024 need privileges; choose a port of 1024 or more (--port, --admin-port, --sftp-port)";
    }
    return "another process listens there; choose another port (--port, --admin-port, --sftp-port; 0 picks a free"
        + " one)";
  }

  /**
   * grpc-java logs through {@code java.util.logging}, whose default handler prints multi-line
   * records with stack traces on stderr, outside Logback's format, levels and appenders (e.g.
   * "INFO: Transport failed" for every client that sends garbage). Route them into Logback instead.
   */
  static void routeJavaUtilLoggingToLogback() {
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
  }

  /** Installs a reject-everything deserialization filter unless one was set ({@code -Djdk.serialFilter}). */
  static void rejectAllDeserialization() {
    if (ObjectInputFilter.Config.getSerialFilter() == null) {
      ObjectInputFilter.Config.setSerialFilter(info -> ObjectInputFilter.Status.REJECTED);
    }
  }

  /**
   * Splits {@code --option=value} into {@code --option value} for the options that take a value, as GNU tools and the
   * client accept both (round CR: {@code --config=FILE} was an unknown option). {@code --dev=...} is left whole and is
   * refused as unknown: the switch takes no value.
   */
  private static List<String> splitEqualsForms(List<String> args) {
    List<String> out = new java.util.ArrayList<>(args.size());
    for (String a : args) {
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 2 && FLAGS.containsKey(a.substring(0, eq))) {
        out.add(a.substring(0, eq));
        out.add(a.substring(eq + 1));
      } else {
        out.add(a);
      }
    }
    return out;
  }

  static ServerConfig parse(List<String> args) throws IOException {
    boolean dev = false;
    Map<String, String> settings = new LinkedHashMap<>();
    Path configFile = null;
    Path certs = Path.of("certs-dev", "out");
    boolean certsGiven = false;
    Integer sftpPort = null;
    Integer adminPort = null;
    String adminHost = null;
    java.util.Set<String> seen = new java.util.HashSet<>();
    args = splitEqualsForms(args);
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--dev")) {
        if (dev) {
          throw new IllegalArgumentException("--dev is given twice; give it once"); // as every option (round CX)
        }
        dev = true;
        continue;
      }
      if (!a.startsWith("-")) {
        // "sealdrop-server data" or a value whose option was mistyped away: the server takes no words of its own
        throw new IllegalArgumentException("'" + a + "' is not an option; the server takes only options (every value"
            + " follows its option, as --data DIR)");
      }
      if (!FLAGS.containsKey(a) || i + 1 >= args.size()) {
        throw new IllegalArgumentException(FLAGS.containsKey(a) ? a + " needs a value" : "unknown option " + a);
      }
      if (!seen.add(a)) {
        // as a key given twice in the configuration file: which one was meant is the operator's to say (round AG:
        // "--data A --data B" ran on B, and a bad first --config was never read)
        throw new IllegalArgumentException(a + " is given twice; give it once");
      }
      String value = args.get(++i);
      if (isOption(value)) {
        // "--data --port 0": the option's value left out, the next option taken for it (round AG)
        throw new IllegalArgumentException(a + " needs a value; '" + value + "' is an option");
      }
      if (value.isBlank()) {
        // an unset shell variable ("--data $DIR"): never fall back to the working folder silently
        throw new IllegalArgumentException(a + " needs a value, not an empty one");
      }
      switch (a) {
        case "--config" -> configFile = Path.of(value);
        case "--certs" -> {
          certs = Path.of(value);
          certsGiven = true;
        }
        case "--sftp-port" -> sftpPort = port("--sftp-port", value);
        case "--admin-port" -> adminPort = port("--admin-port", value);
        case "--admin-host" -> adminHost = value;
        default -> settings.put(FLAGS.get(a), value);
      }
    }
    Map<String, String> given = new LinkedHashMap<>();
    Map<String, String> fromFile = Map.of();
    if (configFile != null) {
      ConfigFile.read(configFile).forEach((k, v) -> given.put(String.valueOf(k), String.valueOf(v)));
      // checked on its own: a flag given as well ("data=" in the file, --data on the command line) must not hide a
      // line that would fail the day the flag is left out (outside test)
      try {
        fromFile = ConfigFile.values(given);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(configFile + ": " + e.getMessage(), e);
      }
    }
    given.putAll(settings);
    Map<String, String> merged = ConfigFile.values(given); // "data=" refused here, before it names the working folder
    if (certsGiven && !dev) {
      // it would be ignored: a production server trusts the ca, cert and key it is given, never the dev PKI
      throw new IllegalArgumentException("--certs names the development PKI and works only with --dev; a production"
          + " server takes --ca, --cert and --key (or ca, cert and key in --config)");
    }
    java.util.List<String> pki = java.util.stream.Stream.of("ca", "cert", "key").filter(merged::containsKey).toList();
    if (dev && !pki.isEmpty()) {
      // the development setup registers its users, carol as an admin: under another CA, whoever holds a certificate
      // named carol from it would be an admin of that server (round CR: --dev with a production configuration)
      throw new IllegalArgumentException("--dev uses the development PKI and registers its users (carol as an admin);"
          + " it does not take " + String.join(", ", pki) + " (from --ca, --cert, --key or --config): a server of"
          + " another CA runs without --dev");
    }
    // before the development PKI is generated (ServerConfig.development writes it): a host given that does not resolve
    // writes nothing (review CT: --dev --host TYPO left a new certs-dev/out behind)
    ServerConfig checked = checked(merged, dev, certs, sftpPort, adminPort, adminHost, true);
    requireReplacedLinesValid(configFile, fromFile, merged, dev, certs);
    return dev ? configured(ServerConfig.development(Path.of(merged.getOrDefault("data", "data")), certs), merged,
        sftpPort, adminPort, adminHost) : checked;
  }

  /**
   * The file's lines that command-line options replace, checked as they would be read without those options (review
   * DV: --port beside port=abc started, and failed the day the flag was left out). Only those lines are put back, the
   * listener options (--sftp-port, --admin-port, --admin-host) left out, and their host names not looked up (whether
   * a name resolves is this machine's network's to say, not the line's; review DW).
   */
  private static void requireReplacedLinesValid(Path configFile, Map<String, String> fromFile,
      Map<String, String> merged, boolean dev, Path certs) throws IOException {
    Map<String, String> fileWins = new LinkedHashMap<>(merged);
    List<String> replaced = new java.util.ArrayList<>();
    fromFile.forEach((key, value) -> {
      if (!value.equals(merged.get(key))) {
        fileWins.put(key, value);
        replaced.add(key + "=" + value);
      }
    });
    if (replaced.isEmpty()) {
      return;
    }
    try {
      checked(fileWins, dev, certs, null, null, null, false);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(configFile + ": " + String.join(", ", replaced) + " (replaced now by the"
          + " command-line option" + (replaced.size() == 1 ? "" : "s") + " of the same name) would be refused without"
          + " the option: " + e.getMessage(), e);
    }
  }

  /**
   * The configuration {@code merged} makes, every value checked, without writing anything: for {@code --dev}, on the
   * development configuration's shape with its PKI not read (it is generated, when missing, only for a server that
   * will start: round CX, --dev --port abc left a new certs-dev/out).
   */
  private static ServerConfig checked(Map<String, String> merged, boolean dev, Path certs, Integer sftpPort,
      Integer adminPort, String adminHost, boolean resolveHosts) throws IOException {
    if (resolveHosts) {
      requireGivenHostsResolve(merged, adminHost, dev || sftpPort != null || merged.containsKey("sftp-port"));
    }
    if (!dev) {
      return configured(null, merged, sftpPort, adminPort, adminHost);
    }
    Path nowhere = certs.resolve("not-read");
    return configured(ServerConfig.development(Path.of(merged.getOrDefault("data", "data")),
        new ServerConfig.Tls(nowhere, nowhere, nowhere)), merged, sftpPort, adminPort, adminHost);
  }

  /** {@code base} (null: a production server's) with the settings and the listener options applied, and checked. */
  private static ServerConfig configured(ServerConfig base, Map<String, String> merged, Integer sftpPort,
      Integer adminPort, String adminHost) {
    ServerConfig config = ConfigFile.apply(base, merged);
    config = sftpPort == null ? config : config.withSftpPort(sftpPort);
    config = adminPort == null ? config : config.withAdminPort(adminPort);
    config = adminHost == null ? config : config.withAdmin(config.admin().withHost(adminHost));
    requireDistinctPorts(config);
    requireSftpDoorForItsSettings(config, merged);
    return config;
  }

  /**
   * Every listener's host given resolves (the defaults are addresses), before anything is written: a name that does not
   * (a typo in {@code host}) was found only when its listener bound, after the data folder, database and audit log were
   * created (round CR), and the development PKI (review CT).
   */
  private static void requireGivenHostsResolve(Map<String, String> merged, String adminHost, boolean sftpOn)
      throws IOException {
    if (merged.containsKey("host")) {
      ListenAddress.of("host", merged.get("host"), 0);
    }
    String admin = adminHost != null ? adminHost : merged.get("admin-host");
    if (admin != null) {
      ListenAddress.of("admin-host", admin, 0);
    }
    String sftp = merged.getOrDefault("sftp-host", "").trim();
    if (sftpOn && !sftp.isEmpty() && ConfigFile.hostShaped(sftp)) { // one not so shaped is refused as such after
      ListenAddress.of("sftp-host", sftp, 0);
    }
  }

  /**
   * SFTP settings for a door that is off (no sftp-port, no --dev) would be ignored: refused, as an unknown key is, so
   * that an operator who meant the door on is told how, not left with a server that silently has none.
   */
  private static void requireSftpDoorForItsSettings(ServerConfig config, Map<String, String> settings) {
    if (config.sftp().enabled()) {
      return;
    }
    java.util.List<String> unused = settings.keySet().stream().filter(k -> k.startsWith("sftp-")).sorted().toList();
    if (!unused.isEmpty()) {
      throw new IllegalArgumentException(String.join(", ", unused) + (unused.size() == 1 ? " is" : " are") + " set,"
          + " but the SFTP door is off: set sftp-port (or --sftp-port; 0 picks a free port) to turn it on, or remove "
          + (unused.size() == 1 ? "it" : "them"));
    }
  }

  /**
   * The admin listener never shares the transfer port (nor the SFTP door's): the same fixed port for
   * two listeners is a configuration error, refused before anything starts ({@code 0}, a free port,
   * is always distinct).
   */
  private static void requireDistinctPorts(ServerConfig config) {
    int port = config.network().port();
    int admin = config.admin().port();
    int sftp = config.sftp().enabled() ? config.sftp().port() : 0;
    if (admin != 0 && admin == port) {
      throw new IllegalArgumentException("admin-port " + admin + " is also the transfer port: the admin listener "
          + "needs a port of its own (or 0 for a free one)");
    }
    if (sftp != 0 && (sftp == port || sftp == admin)) {
      throw new IllegalArgumentException("sftp-port " + sftp + " is also the " + (sftp == port ? "transfer" : "admin")
          + " port: the SFTP door needs a port of its own (or 0 for a free one)");
    }
  }

  /** The exception's message and its causes' ("Failed to bind to address /127.0.0.1:8443: Address already in use"). */
  /** Whether {@code e} was caused by the data folder's audit log being locked by another writer. */
  /** What the other server holds: the folder's lock, or (a server of an older version) its audit log. */
  private static String heldBy(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof dev.sealdrop.server.store.fs.DataFolder.InUseException) {
        return "lock, sealdrop.lock";
      }
    }
    return "audit log";
  }

  private static boolean inUse(Throwable e) {
    Throwable c = e;
    for (int depth = 0; c != null && depth < 8; c = c.getCause(), depth++) {
      if (c instanceof dev.sealdrop.audit.AuditLogWriter.InUseException
          || c instanceof dev.sealdrop.server.store.fs.DataFolder.InUseException) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
    Throwable c = e.getCause();
    for (int depth = 0; c != null && depth < 8; c = c.getCause(), depth++) {
      if (c.getMessage() != null && !text.toString().contains(c.getMessage())) {
        text.append(": ").append(c.getMessage());
      }
    }
    return text.toString();
  }

  private static int port(String flag, String value) {
    if (!value.matches("[0-9]+")) { // Integer.parseInt takes '+80' and other scripts' digits (review BX)
      throw new IllegalArgumentException(flag + " needs a number (0 = any free port), not '" + value + "'");
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number (0 = any free port), not '" + value + "'");
    }
  }
}
