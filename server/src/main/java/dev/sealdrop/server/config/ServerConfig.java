package dev.sealdrop.server.config;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.core.grant.GrantPolicy;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.upload.UploadPolicy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole server configuration: one typed record tree with named defaults, validated at
 * construction. Build it from {@link #development}, from {@link ConfigFile}, or directly; adjust
 * with the {@code with...} methods.
 *
 * @param dev whether this is a development setup (dev PKI; a loud warning at startup)
 * @param clock the only source of time for expiry decisions (tests inject a mutable clock)
 */
public record ServerConfig(Network network, Tls tls, Path dataDir, UploadPolicy uploads, GrantPolicy grants,
    Identities identities, boolean dev, Clock clock, Sftp sftp, Admin admin) {

  /** The configuration with the default admin listener and audit settings. */
  public ServerConfig(Network network, Tls tls, Path dataDir, UploadPolicy uploads, GrantPolicy grants,
      Identities identities, boolean dev, Clock clock, Sftp sftp) {
    this(network, tls, dataDir, uploads, grants, identities, dev, clock, sftp, Admin.DEFAULT);
  }

  /** The configuration without an SFTP door (it listens only when configured: --sftp-port, or --dev). */
  public ServerConfig(Network network, Tls tls, Path dataDir, UploadPolicy uploads, GrantPolicy grants,
      Identities identities, boolean dev, Clock clock) {
    this(network, tls, dataDir, uploads, grants, identities, dev, clock, Sftp.DISABLED);
  }

  public ServerConfig {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(uploads, "uploads");
    Objects.requireNonNull(grants, "grants");
    Objects.requireNonNull(identities, "identities");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(sftp, "sftp");
    Objects.requireNonNull(admin, "admin");
  }

  /**
   * The admin listener (its own port, mutual TLS with the same CA, admin role only), the audit log
   * and retention (docs/admin.md).
   *
   * @param host the management address to bind (loopback by default; never the public interface)
   * @param port 0 picks a free port
   * @param auditOrigin the audit log's name in checkpoints: printable ASCII, no space, no '+'
   * @param checkpointEveryRecords sign an audit checkpoint after this many records
   * @param checkpointInterval and when records are pending this long (zero: only by count and at shutdown)
   * @param retention how long expired, consumed and revoked grants, and files no grant reaches, are kept
   * @param retentionSweepInterval how often the retention sweep runs
   */
  public record Admin(String host, int port, String auditOrigin, int checkpointEveryRecords,
      Duration checkpointInterval, Duration retention, Duration retentionSweepInterval) {
    public static final Admin DEFAULT = new Admin("127.0.0.1", 8444, "sealdrop/audit", 1000, Duration.ofSeconds(10),
        Duration.ofDays(30), Duration.ofHours(1));

    public Admin {
      Objects.requireNonNull(host, "admin host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("admin port must be 0..65535 (0 = any free port), not " + port);
      }
      Objects.requireNonNull(auditOrigin, "auditOrigin");
      if (checkpointEveryRecords < 1) {
        throw new IllegalArgumentException("audit checkpointEveryRecords must be >= 1");
      }
      Objects.requireNonNull(checkpointInterval, "checkpointInterval");
      positive("retention", retention);
      positive("retentionSweepInterval", retentionSweepInterval);
    }

    public Admin withPort(int p) {
      return new Admin(host, p, auditOrigin, checkpointEveryRecords, checkpointInterval, retention,
          retentionSweepInterval);
    }

    public Admin withHost(String h) {
      return new Admin(h, port, auditOrigin, checkpointEveryRecords, checkpointInterval, retention,
          retentionSweepInterval);
    }
  }

  /**
   * The SFTP door (door.sftp), on the network's host.
   *
   * @param enabled whether it listens at all
   * @param port 0 picks a free port
   * @param authTimeout how long a connection may take to authenticate
   * @param idleTimeout an authenticated session with no traffic for this long is closed
   * @param maxAuthAttempts authentication requests allowed per connection
   * @param maxSessionsPerIdentity concurrent SSH sessions one identity may hold
   * @param maxOpenHandles open SFTP file and folder handles per session
   * @param recheckInterval how often live sessions are re-authenticated (revocation takes effect)
   * @param host the address to bind; empty: the transfer listener's host
   * @param maxStartupsPerSource how many connections waiting to log in one address may hold (0: no limit beyond the
   *     door's backlog of all of them), as OpenSSH's {@code PerSourceMaxStartups}
   */
  public record Sftp(boolean enabled, int port, Duration authTimeout, Duration idleTimeout, int maxAuthAttempts,
      int maxSessionsPerIdentity, int maxOpenHandles, Duration recheckInterval, String host, int maxStartupsPerSource) {
    public static final Sftp DISABLED = new Sftp(false, 2222, Duration.ofSeconds(30), Duration.ofMinutes(10), 6, 8,
        32, Duration.ofSeconds(1));

    /** Bound to the transfer listener's host. */
    public Sftp(boolean enabled, int port, Duration authTimeout, Duration idleTimeout, int maxAuthAttempts,
        int maxSessionsPerIdentity, int maxOpenHandles, Duration recheckInterval) {
      this(enabled, port, authTimeout, idleTimeout, maxAuthAttempts, maxSessionsPerIdentity, maxOpenHandles,
          recheckInterval, "", 0);
    }

    /** With no limit per source address beyond the backlog. */
    public Sftp(boolean enabled, int port, Duration authTimeout, Duration idleTimeout, int maxAuthAttempts,
        int maxSessionsPerIdentity, int maxOpenHandles, Duration recheckInterval, String host) {
      this(enabled, port, authTimeout, idleTimeout, maxAuthAttempts, maxSessionsPerIdentity, maxOpenHandles,
          recheckInterval, host, 0);
    }

    public Sftp {
      Objects.requireNonNull(host, "sftp host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("sftp port must be 0..65535 (0 = any free port), not " + port);
      }
      positive("sftp authTimeout", authTimeout);
      positive("sftp idleTimeout", idleTimeout);
      positive("sftp recheckInterval", recheckInterval);
      if (maxAuthAttempts < 1 || maxSessionsPerIdentity < 1 || maxOpenHandles < 1) {
        throw new IllegalArgumentException("sftp limits (auth attempts, sessions, handles) must be >= 1");
      }
      if (maxStartupsPerSource < 0) {
        throw new IllegalArgumentException("sftp maxStartupsPerSource must be >= 0 (0: no limit), not "
            + maxStartupsPerSource);
      }
    }

    /** Listening on {@code port} (0 = a free one), other settings kept. */
    public Sftp on(int newPort) {
      return new Sftp(true, newPort, authTimeout, idleTimeout, maxAuthAttempts, maxSessionsPerIdentity,
          maxOpenHandles, recheckInterval, host, maxStartupsPerSource);
    }

    /** The address to bind: {@link #host}, or {@code transferHost} when it is empty. */
    public String bindHost(String transferHost) {
      return host.isEmpty() ? transferHost : host;
    }
  }

  /**
   * The listener.
   *
   * @param port 0 picks a free port
   * @param maxMessageBytes the largest inbound gRPC message (an upload chunk plus framing)
   * @param uploadChunkBytes the largest {@code data} per UploadRequest, announced by CreateUpload
   * @param shutdownGrace how long a graceful shutdown lets running calls finish
   */
  public record Network(String host, int port, Duration handshakeTimeout, Duration maxConnectionIdle,
      Duration keepAliveTime, Duration keepAliveTimeout, int maxMessageBytes, int uploadChunkBytes,
      int maxConcurrentCallsPerConnection, Duration shutdownGrace) {
    /** The longest TLS handshake the server's TLS layer (Netty's SslHandler, as gRPC sets it up) allows. */
    public static final Duration MAX_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public static final Network DEFAULT = new Network("127.0.0.1", 8443, Duration.ofSeconds(10), Duration.ofMinutes(5),
        Duration.ofMinutes(1), Duration.ofSeconds(20), (1 << 20) + 4096, 1 << 20, 64, Duration.ofSeconds(30));

    public Network {
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535 (0 = any free port), not " + port);
      }
      positive("handshakeTimeout", handshakeTimeout);
      if (handshakeTimeout.compareTo(MAX_HANDSHAKE_TIMEOUT) > 0) {
        // gRPC creates Netty's SslHandler itself, with Netty's fixed 10 s handshake timeout: a longer
        // setting would be silently cut to 10 s, so it is refused instead
        throw new IllegalArgumentException("handshake-timeout must be at most " + MAX_HANDSHAKE_TIMEOUT.toSeconds()
            + " s (the TLS layer ends every handshake after " + MAX_HANDSHAKE_TIMEOUT.toSeconds()
            + " s), not " + handshakeTimeout.toMillis() + " ms; shorter values apply as given");
      }
      positive("maxConnectionIdle", maxConnectionIdle);
      positive("keepAliveTime", keepAliveTime);
      positive("keepAliveTimeout", keepAliveTimeout);
      Objects.requireNonNull(shutdownGrace, "shutdownGrace");
      if (uploadChunkBytes < 1024 || maxMessageBytes < uploadChunkBytes + 1024) {
        throw new IllegalArgumentException("uploadChunkBytes must be >= 1024 and maxMessageBytes >= uploadChunkBytes + 1024");
      }
      if (maxConcurrentCallsPerConnection < 1) {
        throw new IllegalArgumentException("maxConcurrentCallsPerConnection must be >= 1");
      }
    }
  }

  /** PEM files: the one CA client certificates must chain to, and the server's certificate chain and PKCS#8 key. */
  public record Tls(Path caCertificate, Path certificateChain, Path privateKey) {
    public Tls {
      Objects.requireNonNull(caCertificate, "caCertificate (--ca)");
      Objects.requireNonNull(certificateChain, "certificateChain (--cert)");
      Objects.requireNonNull(privateKey, "privateKey (--key)");
    }
  }

  /**
   * Identities registered at startup.
   *
   * @param registered identities (re)registered with these roles at every start (the dev users)
   * @param bootstrapAdmin an admin created if absent
   */
  public record Identities(Map<String, Role> registered, Optional<String> bootstrapAdmin) {
    public static final Identities NONE = new Identities(Map.of(), Optional.empty());

    public Identities {
      registered = Map.copyOf(registered);
      Objects.requireNonNull(bootstrapAdmin, "bootstrapAdmin");
    }
  }

  /**
   * The {@code --dev} setup: certs-dev's PKI in {@code certsDir} (generated if missing), its users
   * registered with their roles, an ephemeral port on 127.0.0.1.
   */
  public static ServerConfig development(Path dataDir, Path certsDir) {
    DevPki pki = DevPki.loadOrCreate(certsDir);
    return development(dataDir, new Tls(pki.caCertFile(), pki.certFile(DevPki.SERVER), pki.keyFile(DevPki.SERVER)));
  }

  /**
   * The development configuration served with {@code tls}, without generating or reading the development PKI: what
   * {@link #development(Path, Path)} returns once the PKI exists. The server's options are checked against it first,
   * so that a bad value ({@code --port abc}) writes nothing (round CX: it was refused after the PKI was generated).
   */
  public static ServerConfig development(Path dataDir, Tls tls) {
    Map<String, Role> roles = new LinkedHashMap<>();
    DevPki.devRoles().forEach((name, role) -> roles.put(name, Role.parse(role)));
    Network net = Network.DEFAULT;
    return new ServerConfig(
        new Network(net.host(), 0, net.handshakeTimeout(), net.maxConnectionIdle(), net.keepAliveTime(),
            net.keepAliveTimeout(), net.maxMessageBytes(), net.uploadChunkBytes(), net.maxConcurrentCallsPerConnection(),
            Duration.ofSeconds(5)),
        tls, dataDir, UploadPolicy.DEFAULT, GrantPolicy.DEFAULT, new Identities(roles, Optional.empty()), true,
        Clock.systemUTC(), Sftp.DISABLED.on(0), Admin.DEFAULT.withPort(0));
  }

  public ServerConfig withNetwork(Network n) {
    return new ServerConfig(n, tls, dataDir, uploads, grants, identities, dev, clock, sftp, admin);
  }

  public ServerConfig withPort(int port) {
    Network n = network;
    return withNetwork(new Network(n.host(), port, n.handshakeTimeout(), n.maxConnectionIdle(), n.keepAliveTime(),
        n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(), n.maxConcurrentCallsPerConnection(),
        n.shutdownGrace()));
  }

  public ServerConfig withHost(String host) {
    Network n = network;
    return withNetwork(new Network(host, n.port(), n.handshakeTimeout(), n.maxConnectionIdle(), n.keepAliveTime(),
        n.keepAliveTimeout(), n.maxMessageBytes(), n.uploadChunkBytes(), n.maxConcurrentCallsPerConnection(),
        n.shutdownGrace()));
  }

  public ServerConfig withTls(Tls t) {
    return new ServerConfig(network, t, dataDir, uploads, grants, identities, dev, clock, sftp, admin);
  }

  public ServerConfig withDataDir(Path d) {
    return new ServerConfig(network, tls, d, uploads, grants, identities, dev, clock, sftp, admin);
  }

  public ServerConfig withUploads(UploadPolicy u) {
    return new ServerConfig(network, tls, dataDir, u, grants, identities, dev, clock, sftp, admin);
  }

  /** Size limit and per-identity quota, keeping the other upload settings. */
  public ServerConfig withLimits(long maxUploadBytes, long quotaBytes) {
    return withUploads(new UploadPolicy(maxUploadBytes, quotaBytes, uploads.checkpointBytes(), uploads.abandonAfter(),
        uploads.stallTimeout(), uploads.storageReserveBytes(), uploads.maxUploadStreams(),
        uploads.maxUploadStreamsPerIdentity()));
  }

  public ServerConfig withGrants(GrantPolicy g) {
    return new ServerConfig(network, tls, dataDir, uploads, g, identities, dev, clock, sftp, admin);
  }

  public ServerConfig withClaimWindow(Duration window) {
    return withGrants(new GrantPolicy(grants.defaultLifetime(), grants.maxLifetime(), grants.maxDownloads(), window,
        grants.maxDownloadStreams(), grants.maxDownloadStreamsPerIdentity(), grants.downloadStallTimeout(),
        grants.maxLiveGrantsPerIdentity()));
  }

  public ServerConfig withIdentities(Identities i) {
    return new ServerConfig(network, tls, dataDir, uploads, grants, i, dev, clock, sftp, admin);
  }

  public ServerConfig withBootstrapAdmin(String name) {
    return withIdentities(new Identities(identities.registered(), Optional.of(name)));
  }

  public ServerConfig withSftp(Sftp s) {
    return new ServerConfig(network, tls, dataDir, uploads, grants, identities, dev, clock, s, admin);
  }

  /** Enables the SFTP door on {@code port} (0 = a free port). */
  public ServerConfig withSftpPort(int port) {
    return withSftp(sftp.on(port));
  }

  public ServerConfig withAdmin(Admin a) {
    return new ServerConfig(network, tls, dataDir, uploads, grants, identities, dev, clock, sftp, a);
  }

  /** The admin listener on {@code port} (0 = a free port), other settings kept. */
  public ServerConfig withAdminPort(int port) {
    return withAdmin(admin.withPort(port));
  }

  public ServerConfig withClock(Clock c) {
    return new ServerConfig(network, tls, dataDir, uploads, grants, identities, dev, c, sftp, admin);
  }

  private static void positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0");
    }
  }
}
