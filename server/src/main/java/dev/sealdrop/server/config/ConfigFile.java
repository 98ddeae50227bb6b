package dev.sealdrop.server.config;

import dev.sealdrop.server.core.grant.GrantPolicy;
import dev.sealdrop.server.core.identity.IdentityNames;
import dev.sealdrop.server.core.upload.UploadPolicy;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a properties file (and command-line overrides, same keys) into a {@link ServerConfig}.
 * Unknown keys are refused, so a typo never silently falls back to a default. Durations are
 * ISO-8601 ({@code PT72H}, {@code P30D}); sizes are bytes.
 *
 * <pre>
 * host=127.0.0.1            port=8443             data=./data
 * ca=ca.crt  cert=server.crt  key=server.key      bootstrap-admin=carol
 * max-upload-bytes=...      quota-bytes=...       upload-abandon-after=PT24H  upload-stall-timeout=PT10M
 * storage-reserve-bytes=33554432  max-upload-streams=32  max-upload-streams-per-identity=8
 * grant-default-lifetime=PT72H  grant-max-lifetime=P30D  grant-max-downloads=10  claim-window=PT1H
 * max-download-streams=32  max-download-streams-per-identity=8  download-stall-timeout=PT10M
 * max-live-grants-per-identity=10000
 * shutdown-grace=PT30S  handshake-timeout=PT10S
 * admin-host=127.0.0.1  admin-port=8444  audit-origin=sealdrop/audit  audit-checkpoint-every=1000
 * audit-checkpoint-interval=PT10S  retention=P30D  retention-sweep-interval=PT1H
 * sftp-port=2222 (enables the SFTP door)  sftp-host=  sftp-auth-timeout=PT30S  sftp-idle-timeout=PT10M
 * sftp-max-auth-attempts=6  sftp-max-sessions-per-identity=8  sftp-max-open-handles=32
 * sftp-max-startups-per-source=0 (no limit)
 * </pre>
 */
public final class ConfigFile {
  public static final Set<String> KEYS = Set.of("host", "port", "data", "ca", "cert", "key", "bootstrap-admin",
      "max-upload-bytes", "quota-bytes", "upload-abandon-after", "grant-default-lifetime", "grant-max-lifetime",
      "grant-max-downloads", "claim-window", "max-download-streams", "max-download-streams-per-identity",
      "download-stall-timeout", "upload-stall-timeout", "storage-reserve-bytes", "max-live-grants-per-identity",
      "max-upload-streams", "max-upload-streams-per-identity",
      "shutdown-grace", "handshake-timeout", "admin-host", "admin-port",
      "audit-origin",
      "audit-checkpoint-every", "audit-checkpoint-interval", "retention", "retention-sweep-interval",
      "sftp-host", "sftp-port", "sftp-auth-timeout", "sftp-idle-timeout", "sftp-max-auth-attempts",
      "sftp-max-sessions-per-identity", "sftp-max-open-handles", "sftp-max-startups-per-source");

  /** Far more than every key with a comment line each: a larger --config is not a sealdrop configuration. */
  static final long MAX_FILE_BYTES = 1 << 20;

  /** The keys whose empty value means something: sftp-host's is "the host setting". */
  private static final Set<String> MAY_BE_EMPTY = Set.of("sftp-host");

  /** The longest duration any setting takes: longer ones overflow the clock arithmetic they feed (nanoseconds). */
  static final Duration MAX_DURATION = Duration.ofDays(36_500);

  /** The shortest duration other than zero: the timers and clocks the settings feed count milliseconds. */
  static final Duration MIN_DURATION = Duration.ofMillis(1);

  private ConfigFile() {}

  /**
   * The settings with blanks around each value removed (as the numbers always were), after refusing a key given with
   * no value ({@code data=}): an empty value would otherwise mean the working folder, the wildcard address or a
   * folder named by nothing, never what the operator meant. Only {@code sftp-host} takes an empty value.
   */
  public static Map<String, String> values(Map<String, String> settings) {
    Map<String, String> trimmed = new java.util.LinkedHashMap<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      String value = e.getValue() == null ? "" : e.getValue().strip();
      if (value.isEmpty() && !MAY_BE_EMPTY.contains(e.getKey()) && KEYS.contains(e.getKey())) {
        throw new IllegalArgumentException(e.getKey() + " has no value (the line reads '" + e.getKey() + "='); give"
            + " it one, or remove the line to use the default (docs/admin.md lists each key's)");
      }
      trimmed.put(e.getKey(), value);
    }
    return trimmed;
  }

  /**
   * {@code r} past a UTF-8 byte-order mark, if the file starts with one (editors on Windows write it): otherwise it
   * would be read as part of the first key, which the refusal would then print with an invisible character.
   */
  private static Reader withoutByteOrderMark(java.io.BufferedReader r) throws IOException {
    r.mark(1);
    if (r.read() != '\uFEFF') {
      r.reset();
    }
    return r;
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the operator names the configuration file")
  public static Properties read(Path file) throws IOException {
    OnceEach p = new OnceEach();
    if (Files.isDirectory(file)) {
      throw new IOException("configuration file " + file + " is a folder; --config names a properties file"
          + " (key=value lines)");
    }
    if (Files.exists(file) && !Files.isRegularFile(file)) {
      // a pipe would hold the start until someone writes to it, /dev/zero would fill the memory
      throw new IOException("configuration file " + file + " is not a regular file (a device, pipe or socket);"
          + " --config names a properties file (key=value lines)");
    }
    refuseWritableByAll(file);
    if (Files.exists(file) && Files.size(file) > MAX_FILE_BYTES) {
      throw new IOException("configuration file " + file + " has " + Files.size(file) + " bytes; a sealdrop"
          + " configuration is a few dozen key=value lines (at most " + MAX_FILE_BYTES + " bytes): check --config");
    }
    String text;
    try (Reader r = withoutByteOrderMark(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
      text = readAll(r);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IOException("configuration file " + file + " does not exist; check --config", e);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IOException("configuration file " + file + " is not UTF-8 text", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException("cannot read configuration file " + file + ": permission denied (check its owner and mode)",
          e); // (round AG: the message was the path again)
    } catch (IOException e) {
      throw new IOException("cannot read configuration file " + file + ": " + e.getMessage(), e);
    }
    refuseBackslashes(file, text);
    p.load(new java.io.StringReader(text));
    if (!p.repeated.isEmpty()) {
      // which one was meant is for the operator to say: a typo in the first must not vanish behind the second
      throw new IOException("configuration file " + file + " sets " + String.join(", ", p.repeated) + " more than"
          + " once; keep one line for each key");
    }
    return p;
  }

  /**
   * A configuration every local user may write names the CA every identity is checked against and the first admin
   * ({@code ca}, {@code bootstrap-admin}): refused, as a server key others may read is (round CR: used without a word).
   */
  private static void refuseWritableByAll(Path file) throws IOException {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException | java.nio.file.NoSuchFileException e) {
      return; // no POSIX permissions here; a missing file is told below
    }
    if (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException("configuration file " + file + " can be written by every user of this machine ("
          + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "): whoever changed it could name their own"
          + " CA (ca) or admin (bootstrap-admin); check its content, then chmod o-w " + file);
    }
  }

  private static String readAll(Reader r) throws IOException {
    StringBuilder text = new StringBuilder();
    char[] buffer = new char[8192];
    for (int n; (n = r.read(buffer)) >= 0; ) {
      text.append(buffer, 0, n);
    }
    return text.toString();
  }

  /**
   * Refuses a backslash outside a comment (round AQ): the file is read as Java properties, where a backslash escapes
   * the next character ({@code D:\x} read as {@code D:x}) and one at a line's end joins the next line to it, so that a
   * path ending in one swallowed the next setting, which then silently kept its default. No sealdrop setting needs
   * one.
   */
  private static void refuseBackslashes(Path file, String text) throws IOException {
    String[] lines = text.split("\r\n|\r|\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].stripLeading();
      if (!line.startsWith("#") && !line.startsWith("!") && line.indexOf('\\') >= 0) {
        throw new IOException("configuration file " + file + ", line " + (i + 1) + ", holds a backslash: the file is"
            + " read as Java properties, where a backslash escapes the next character and one at the end of a line"
            + " joins the next line to it; write the setting without it (paths take forward slashes)");
      }
    }
  }

  /** Properties that note each key given more than once (Properties itself keeps the last silently). */
  @SuppressFBWarnings(value = "SE_BAD_FIELD", justification = "never serialized: read once at startup")
  private static final class OnceEach extends Properties {
    private static final long serialVersionUID = 1L;
    private final java.util.Set<String> repeated = new java.util.TreeSet<>();

    @Override
    public synchronized Object put(Object key, Object value) {
      if (containsKey(key)) {
        repeated.add(String.valueOf(key));
      }
      return super.put(key, value);
    }
  }

  /**
   * Applies {@code settings} to {@code base} (the development setup, or {@code null} for a
   * production setup, which then needs ca, cert and key).
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "paths come from the operator's configuration")
  public static ServerConfig apply(ServerConfig base, Map<String, String> given) {
    Set<String> unknown = new TreeSet<>(given.keySet());
    unknown.removeAll(KEYS);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown configuration key(s) " + unknown + "; known keys: " + new TreeSet<>(KEYS));
    }
    Map<String, String> settings = values(given);
    ServerConfig c = base;
    if (c == null) {
      String ca = settings.get("ca");
      String cert = settings.get("cert");
      String key = settings.get("key");
      if (ca == null || cert == null || key == null) {
        throw new IllegalArgumentException("a production server needs ca, cert and key (or run with --dev)");
      }
      c = new ServerConfig(ServerConfig.Network.DEFAULT, new ServerConfig.Tls(Path.of(ca), Path.of(cert), Path.of(key)),
          Path.of(settings.getOrDefault("data", "data")), UploadPolicy.DEFAULT, GrantPolicy.DEFAULT,
          ServerConfig.Identities.NONE, false, java.time.Clock.systemUTC());
    } else if (settings.containsKey("ca") || settings.containsKey("cert") || settings.containsKey("key")) {
      ServerConfig.Tls t = c.tls();
      c = c.withTls(new ServerConfig.Tls(path(settings, "ca", t.caCertificate()),
          path(settings, "cert", t.certificateChain()), path(settings, "key", t.privateKey())));
    }
    if (settings.containsKey("data")) {
      c = c.withDataDir(Path.of(settings.get("data")));
    }
    if (settings.containsKey("host")) {
      c = c.withHost(settings.get("host"));
    }
    if (settings.containsKey("port")) {
      c = c.withPort(port(settings, "port", 0));
    }
    if (settings.containsKey("bootstrap-admin")) {
      try {
        String admin = IdentityNames.check(settings.get("bootstrap-admin"));
        String refused = IdentityNames.refusedForNew(admin);
        if (!refused.isEmpty()) {
          // as `admin identities add` refuses it: logs and the audit log would redact the admin's name
          throw new IllegalArgumentException(refused);
        }
        c = c.withBootstrapAdmin(admin);
      } catch (IllegalArgumentException e) {
        // named with its setting, as every other refused value is
        throw new IllegalArgumentException("bootstrap-admin: " + e.getMessage(), e);
      }
    }
    UploadPolicy u = c.uploads();
    int uploadStreams = intWithin(settings, "max-upload-streams", 1, 100_000, u.maxUploadStreams());
    int uploadShare = shareWithin(settings, "max-upload-streams", uploadStreams, u.maxUploadStreamsPerIdentity());
    c = c.withUploads(new UploadPolicy(bytes(settings, "max-upload-bytes", u.maxUploadBytes()),
        bytes(settings, "quota-bytes", u.quotaBytes()), u.checkpointBytes(),
        positive(settings, "upload-abandon-after", u.abandonAfter()),
        positive(settings, "upload-stall-timeout", u.stallTimeout()),
        settings.containsKey("storage-reserve-bytes") ? within(settings, "storage-reserve-bytes", 0, Long.MAX_VALUE)
            : u.storageReserveBytes(), uploadStreams, uploadShare));
    GrantPolicy g = c.grants();
    Duration defaultLifetime = positive(settings, "grant-default-lifetime", g.defaultLifetime());
    Duration maxLifetime = duration(settings, "grant-max-lifetime", g.maxLifetime());
    if (maxLifetime.compareTo(defaultLifetime) < 0) {
      throw new IllegalArgumentException("grant-max-lifetime (" + shown(settings, "grant-max-lifetime", maxLifetime)
          + ") must be at least grant-default-lifetime (" + shown(settings, "grant-default-lifetime", defaultLifetime)
          + "); raise it or lower grant-default-lifetime");
    }
    int streams = intWithin(settings, "max-download-streams", 1, 100_000, g.maxDownloadStreams());
    int perIdentity = shareWithin(settings, "max-download-streams", streams, g.maxDownloadStreamsPerIdentity());
    Duration claimWindow = atMost(settings, "claim-window", positive(settings, "claim-window", g.claimWindow()),
        MAX_CLAIM_WINDOW, "P30D");
    Duration stallTimeout = positive(settings, "download-stall-timeout", g.downloadStallTimeout());
    // the stall is found by a sweep that runs every quarter of the timeout, at most every 30 s (review RP)
    Duration stallFound = stallTimeout.plus(Duration.ofMillis(
        dev.sealdrop.server.core.Durations.stallSweepMillis(stallTimeout)));
    if (claimWindow.compareTo(stallFound.multipliedBy(2)) <= 0) {
      // review BG: a stalled SFTP handle's claim lapsed before the stall timeout ended it, and another redemption won
      // while it still served what it had read ahead (sftp.md: the claim is held until then)
      throw new IllegalArgumentException("claim-window (" + shown(settings, "claim-window", claimWindow) + ") must be"
          + " more than twice download-stall-timeout (" + shown(settings, "download-stall-timeout", stallTimeout)
          + ") and the quarter of it, at most 30 s, within which a stall is found (" + stallFound + " in all): a"
          + " download that stalls keeps its claim until the stall timeout stops it, and a claim is extended only once"
          + " less than half its window is left; raise claim-window or lower download-stall-timeout");
    }
    c = c.withGrants(new GrantPolicy(defaultLifetime, maxLifetime,
        intWithin(settings, "grant-max-downloads", 1, Integer.MAX_VALUE, g.maxDownloads()),
        claimWindow, streams, perIdentity, stallTimeout,
        intWithin(settings, "max-live-grants-per-identity", 1, 1_000_000, g.maxLiveGrantsPerIdentity())));
    ServerConfig.Admin a = c.admin();
    c = c.withAdmin(new ServerConfig.Admin(settings.getOrDefault("admin-host", a.host()),
        port(settings, "admin-port", a.port()), auditOrigin(settings, a.auditOrigin()),
        intWithin(settings, "audit-checkpoint-every", 1, 1_000_000, a.checkpointEveryRecords()),
        zeroOrAtLeast(settings, "audit-checkpoint-interval", Duration.ofMillis(10), a.checkpointInterval()),
        positive(settings, "retention", a.retention()),
        atLeast(settings, "retention-sweep-interval", positive(settings, "retention-sweep-interval",
            a.retentionSweepInterval()), Duration.ofSeconds(1), "PT1S")));
    c = c.withSftp(sftp(c.sftp(), settings));
    ServerConfig.Network n = c.network();
    return c.withNetwork(new ServerConfig.Network(n.host(), n.port(),
        positive(settings, "handshake-timeout", n.handshakeTimeout()), n.maxConnectionIdle(),
        n.keepAliveTime(), n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(),
        n.maxConcurrentCallsPerConnection(), atMost(settings, "shutdown-grace", notNegative(settings, "shutdown-grace",
            n.shutdownGrace()), MAX_SHUTDOWN_GRACE, "PT24H")));
  }

  /**
   * The longest claim window: a claim holds a one-time grant for its whole window after a receive stopped, and the CLI
   * keeps the redeem key of an unanswered redeem 30 days (round BV: P36500D was taken).
   */
  static final Duration MAX_CLAIM_WINDOW = Duration.ofDays(30);
  /** The longest shutdown grace: a stop waits that long for running transfers (round BV: P36500D was taken). */
  static final Duration MAX_SHUTDOWN_GRACE = Duration.ofHours(24);

  private static Duration atMost(Map<String, String> s, String key, Duration d, Duration max, String maxText) {
    if (d.compareTo(max) > 0) {
      throw new IllegalArgumentException(key + " must be at most " + maxText + ", not '" + s.get(key).trim() + "'");
    }
    return d;
  }

  private static Duration atLeast(Map<String, String> s, String key, Duration d, Duration min, String minText) {
    if (d.compareTo(min) < 0) {
      throw new IllegalArgumentException(key + " must be at least " + minText + ", not '" + s.get(key).trim() + "'"
          + " (a sweep runs that often, each one a pass over the database)");
    }
    return d;
  }

  /**
   * The {@code KEY-per-identity} share of the server-wide {@code KEY} cap ({@code whole}). A share larger than the whole
   * is a mistake (the operator meant one of the two otherwise); the default share above a lowered whole is not: that
   * server simply has the server-wide cap only.
   */
  private static int shareWithin(Map<String, String> settings, String key, int whole, int defaultShare) {
    String shareKey = key + "-per-identity";
    int share = intWithin(settings, shareKey, 1, 100_000, defaultShare);
    if (settings.containsKey(shareKey) && share > whole) {
      throw new IllegalArgumentException(shareKey + " (" + share + ") must be at most " + key + " (" + whole
          + "); lower it, or raise " + key);
    }
    return share;
  }

  /** Whether {@code host} is written as a host name or IP address may be (what sftp-host takes). */
  public static boolean hostShaped(String host) {
    return host.matches("[A-Za-z0-9.:\\[\\]_-]{1,255}");
  }

  /** The SFTP door's settings; {@code sftp-port} turns the door on (0 picks a free port). */
  private static ServerConfig.Sftp sftp(ServerConfig.Sftp f, Map<String, String> s) {
    boolean enabled = f.enabled() || s.containsKey("sftp-port");
    int port = s.containsKey("sftp-port") ? (int) within(s, "sftp-port", 0, 65535) : f.port();
    String host = s.containsKey("sftp-host") ? s.get("sftp-host").trim() : f.host();
    if (!host.isEmpty() && !hostShaped(host)) {
      throw new IllegalArgumentException("sftp-host must be a host name or IP address (empty: the host setting),"
          + " not '" + s.get("sftp-host") + "'");
    }
    return new ServerConfig.Sftp(enabled, port, positive(s, "sftp-auth-timeout", f.authTimeout()),
        positive(s, "sftp-idle-timeout", f.idleTimeout()),
        s.containsKey("sftp-max-auth-attempts") ? (int) within(s, "sftp-max-auth-attempts", 1, 100)
            : f.maxAuthAttempts(),
        s.containsKey("sftp-max-sessions-per-identity") ? (int) within(s, "sftp-max-sessions-per-identity", 1, 10_000)
            : f.maxSessionsPerIdentity(),
        s.containsKey("sftp-max-open-handles") ? (int) within(s, "sftp-max-open-handles", 1, 10_000)
            : f.maxOpenHandles(),
        f.recheckInterval(), host,
        // at most the door's backlog of connections waiting to log in (LoginBacklog: 100); 0 turns it off
        s.containsKey("sftp-max-startups-per-source") ? (int) within(s, "sftp-max-startups-per-source", 0, 100)
            : f.maxStartupsPerSource());
  }

  private static long within(Map<String, String> s, String key, long min, long max) {
    long v = number(s, key);
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be " + min + " to " + max + ", not " + v);
    }
    return v;
  }

  /** A whole number in [min, max] (an int: never cast, so 4294975743 is refused, not read as 8447). */
  private static int intWithin(Map<String, String> s, String key, int min, int max, int fallback) {
    return s.containsKey(key) ? (int) within(s, key, min, max) : fallback;
  }

  /**
   * The audit log's name in its signed checkpoints, checked here as the signed-note format requires
   * (the audit key would otherwise refuse it at start, with a stack trace and the wrong exit code).
   */
  private static String auditOrigin(Map<String, String> s, String fallback) {
    if (!s.containsKey("audit-origin")) {
      return fallback;
    }
    String origin = s.get("audit-origin");
    if (origin.isEmpty() || origin.length() > 200 || !origin.chars().allMatch(ch -> ch > 0x20 && ch < 0x7F && ch != '+')) {
      throw new IllegalArgumentException("audit-origin must be 1 to 200 printable ASCII characters without space or"
          + " '+', such as sealdrop/audit, not '" + origin + "'");
    }
    return origin;
  }

  /** A size in bytes, > 0. */
  private static long bytes(Map<String, String> s, String key, long fallback) {
    return s.containsKey(key) ? within(s, key, 1, Long.MAX_VALUE) : fallback;
  }

  /** A port, 0..65535 (0 = a free port). */
  private static int port(Map<String, String> s, String key, int fallback) {
    if (!s.containsKey(key)) {
      return fallback;
    }
    long v = number(s, key);
    if (v < 0 || v > 65535) {
      throw new IllegalArgumentException(key + " must be 0..65535 (0 = any free port), not " + v);
    }
    return (int) v;
  }

  private static Duration positive(Map<String, String> s, String key, Duration fallback) {
    Duration d = duration(s, key, fallback);
    if (d.isNegative() || d.isZero()) {
      // an example within the key's range (round AG: handshake-timeout's was PT30S, over its 10 s maximum)
      String example = key.equals("handshake-timeout") ? "PT5S" : key.equals("claim-window") ? "PT1H" : "PT30S";
      throw new IllegalArgumentException(key + " must be a positive duration such as " + example + ", not '"
          + s.get(key) + "'");
    }
    return d;
  }

  /** A duration of zero (off) or at least {@code min}. */
  private static Duration zeroOrAtLeast(Map<String, String> s, String key, Duration min, Duration fallback) {
    Duration d = duration(s, key, fallback);
    if (d.isNegative() || (!d.isZero() && d.compareTo(min) < 0)) {
      throw new IllegalArgumentException(key + " must be PT0S (off) or a duration of at least " + min + " such as"
          + " PT10S, not '" + s.get(key) + "'");
    }
    return d;
  }

  /** A duration of zero or more (zero: at once). */
  private static Duration notNegative(Map<String, String> s, String key, Duration fallback) {
    Duration d = duration(s, key, fallback);
    if (d.isNegative()) {
      throw new IllegalArgumentException(key + " must be a duration of zero or more such as PT30S, not '" + s.get(key)
          + "'");
    }
    return d;
  }

  /**
   * A duration setting in a message: as the operator wrote it ({@code P40D}, not Java's {@code PT960H}), or, if it was
   * not set, its default in whole days where it is some.
   */
  private static String shown(Map<String, String> s, String key, Duration value) {
    if (s.containsKey(key)) {
      return s.get(key).trim();
    }
    long seconds = value.getSeconds();
    return "default " + (value.getNano() == 0 && seconds > 0 && seconds % 86_400 == 0 ? "P" + seconds / 86_400 + "D"
        : value.toString());
  }

  private static Path path(Map<String, String> s, String key, Path fallback) {
    return s.containsKey(key) ? Path.of(s.get(key)) : fallback;
  }

  private static long number(Map<String, String> s, String key) {
    String text = s.get(key).trim();
    // Long.parseLong takes a leading '+' and any script's digits ("٣" is 3): a setting is written in ASCII digits
    // (round BV); a '-' is left to the range checks, which say what the setting takes
    if (!text.matches("-?[0-9]+")) {
      throw new IllegalArgumentException(key + " must be a whole number written with the digits 0-9, not '" + s.get(key)
          + "'");
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      if (s.get(key).trim().matches("[+-]?[0-9]+")) {
        // a whole number all the same, only beyond what any setting takes: say so, not that it is not one
        throw new IllegalArgumentException(key + " is too large: '" + s.get(key).trim() + "' is beyond "
            + Long.MAX_VALUE, e);
      }
      throw new IllegalArgumentException(key + " must be a whole number, not '" + s.get(key) + "'", e);
    }
  }

  private static long number(Map<String, String> s, String key, long fallback) {
    return s.containsKey(key) ? number(s, key) : fallback;
  }

  private static Duration duration(Map<String, String> s, String key, Duration fallback) {
    if (!s.containsKey(key)) {
      return fallback;
    }
    String text = s.get(key).trim();
    // Duration.parse reads "-PT0S" as zero and "-PT-1S" as one second: a sign is never meant here
    if (text.indexOf('-') >= 0 || text.indexOf('+') >= 0) {
      throw new IllegalArgumentException(key + " must be an ISO-8601 duration without a sign such as PT72H or P30D,"
          + " not '" + s.get(key) + "'");
    }
    Duration d;
    try {
      d = Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(key + " must be an ISO-8601 duration such as PT72H or P30D, not '"
          + s.get(key) + "'", e);
    }
    if (!d.isZero() && d.compareTo(MIN_DURATION) < 0) {
      throw new IllegalArgumentException(key + " must be at least one millisecond (PT0.001S), not '" + text + "':"
          + " shorter would be read as zero, which turns some timeouts off");
    }
    if (d.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException(key + " must be at most P36500D (100 years), not '" + text + "'");
    }
    return d;
  }
}
