package dev.sealdrop.server;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.keys.KeyDirectory;
import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.door.grpc.KeyDirectoryGrpcService;
import dev.sealdrop.server.door.grpc.PeerIdentityInterceptor;
import dev.sealdrop.server.door.grpc.SessionGrpcService;
import dev.sealdrop.server.door.grpc.SshKeysGrpcService;
import dev.sealdrop.server.door.grpc.TransferGrpcService;
import dev.sealdrop.server.door.grpc.tls.ServerTls;
import dev.sealdrop.server.door.sftp.SftpDoor;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import dev.sealdrop.server.store.meta.JdbcSshKeyRepository;
import dev.sealdrop.server.store.blob.LocalBlobStore;
import dev.sealdrop.server.store.meta.Database;
import dev.sealdrop.server.store.meta.JdbcBundleRepository;
import dev.sealdrop.server.store.meta.JdbcGrantRepository;
import dev.sealdrop.server.store.meta.JdbcIdentityRepository;
import dev.sealdrop.server.store.meta.JdbcUploadRepository;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running sealdrop server, wired top to bottom: storage, core, TLS, identity, services.
 * {@link #start} binds and logs {@code listening on HOST:PORT}; {@link #close} drains running calls
 * within the configured grace; {@link #kill} stops at once (a test hook that emulates a crash).
 */
public final class SealdropServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SealdropServer.class);

  private final ServerConfig config;
  private final Database database;
  private final Server grpc;
  private final ExecutorService executor;
  private final ScheduledExecutorService maintenance;
  private final UploadService uploads;
  private final GrantService grants;
  private final IdentityService identities;
  private final InetSocketAddress address;
  /** The SFTP door, or null when it is not configured (set once, right after construction). */
  private SftpDoor sftp;

  private SealdropServer(ServerConfig config, Database database, Server grpc, ExecutorService executor,
      ScheduledExecutorService maintenance, UploadService uploads, GrantService grants, IdentityService identities) {
    this.config = config;
    this.database = database;
    this.grpc = grpc;
    this.executor = executor;
    this.maintenance = maintenance;
    this.uploads = uploads;
    this.grants = grants;
    this.identities = identities;
    this.address = (InetSocketAddress) grpc.getListenSockets().get(0);
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the data directory comes from server configuration")
  public static SealdropServer start(ServerConfig config) throws IOException {
    Files.createDirectories(config.dataDir());
    Database db = Database.openSqlite(config.dataDir().resolve("sealdrop.db"));
    ExecutorService executor = null;
    ScheduledExecutorService maintenance = null;
    try {
      // core over stores
      IdentityService identities = new IdentityService(new JdbcIdentityRepository(db), config.clock());
      identities.registerAll(config.identities().registered());
      config.identities().bootstrapAdmin().ifPresent(identities::bootstrapAdmin);
      X509Certificate ca = ServerTls.readCertificate(config.tls().caCertificate());
      KeyDirectory keys = new KeyDirectory(new JdbcBundleRepository(db), identities, ca, config.clock());
      JdbcUploadRepository files = new JdbcUploadRepository(db);
      LocalBlobStore blobs = new LocalBlobStore(config.dataDir());
      UploadService uploads = new UploadService(files, blobs, keys, identities, config.uploads(), config.clock());
      uploads.recover();
      GrantService grants = new GrantService(new JdbcGrantRepository(db), files, blobs, identities, config.grants(),
          config.clock());
      SshKeyService sshKeys = new SshKeyService(new JdbcSshKeyRepository(db), identities, config.clock());
      // door: TLS, identity, services
      ServerConfig.Network net = config.network();
      executor = Executors.newCachedThreadPool(named("sealdrop-call-"));
      Server grpc = NettyServerBuilder.forAddress(new InetSocketAddress(net.host(), net.port()))
          .sslContext(ServerTls.build(config.tls(), ca, identities))
          .executor(executor)
          .handshakeTimeout(net.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionIdle(net.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTime(net.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTimeout(net.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveTime(30, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(false)
          .maxInboundMessageSize(net.maxMessageBytes())
          .maxInboundMetadataSize(16 * 1024)
          .maxConcurrentCallsPerConnection(net.maxConcurrentCallsPerConnection())
          .maxRstFramesPerWindow(200, 10)
          .intercept(new PeerIdentityInterceptor(identities))
          .addService(new SessionGrpcService(config.clock()))
          .addService(new KeyDirectoryGrpcService(keys))
          .addService(new TransferGrpcService(uploads, grants, net.uploadChunkBytes()))
          .addService(new SshKeysGrpcService(sshKeys))
          .build()
          .start();
      maintenance = Executors.newSingleThreadScheduledExecutor(named("sealdrop-maintenance-"));
      SealdropServer server = new SealdropServer(config, db, grpc, executor, maintenance, uploads, grants, identities);
      maintenance.scheduleWithFixedDelay(server::runMaintenanceQuietly, 1, 1, TimeUnit.MINUTES);
      LOG.info("listening on {}:{}", server.host(), server.port());
      if (config.sftp().enabled()) {
        try {
          server.sftp = SftpDoor.start(config, sshKeys, uploads, grants);
        } catch (IOException | RuntimeException e) {
          server.kill();
          throw e;
        }
      }
      return server;
    } catch (IOException | RuntimeException e) {
      if (executor != null) {
        executor.shutdownNow();
      }
      if (maintenance != null) {
        maintenance.shutdownNow();
      }
      db.close();
      throw e;
    }
  }

  public int port() {
    return address.getPort();
  }

  public String host() {
    return address.getAddress().getHostAddress();
  }

  /** The SFTP door's port; throws if the door is not configured. */
  public int sftpPort() {
    if (sftp == null) {
      throw new IllegalStateException("the SFTP door is not enabled (ServerConfig.withSftpPort)");
    }
    return sftp.port();
  }

  public ServerConfig config() {
    return config;
  }

  /** The core's identity service, for tests and the future admin door (disable, revoke). */
  public IdentityService identities() {
    return identities;
  }

  /**
   * Runs the periodic maintenance now: expires abandoned uploads (deleting their data) and settles
   * claims whose window passed. Tests call it after moving their clock.
   */
  public void runMaintenance() {
    int expired = uploads.expireAbandoned();
    int settled = grants.settleClaims();
    if (expired + settled > 0) {
      LOG.info("maintenance: {} abandoned upload(s) expired, {} claim(s) settled", expired, settled);
    }
  }

  private void runMaintenanceQuietly() {
    try {
      runMaintenance();
    } catch (RuntimeException e) {
      LOG.warn("maintenance failed: {}", e.toString());
    }
  }

  /** Stops accepting calls, lets running ones finish within the grace period, then closes storage. */
  @Override
  public void close() {
    LOG.info("shutting down (grace {})", config.network().shutdownGrace());
    if (sftp != null) {
      sftp.close();
    }
    grpc.shutdown();
    maintenance.shutdown();
    try {
      if (!grpc.awaitTermination(config.network().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("calls still running after the grace period; cancelling them");
        grpc.shutdownNow();
        grpc.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      grpc.shutdownNow();
      Thread.currentThread().interrupt();
    }
    executor.shutdown();
    database.close();
    LOG.info("stopped");
  }

  /** Test hook: stops at once without grace or cleanup, as close to a crash as a JVM can do to itself. */
  public void kill() {
    LOG.warn("killed");
    if (sftp != null) {
      sftp.close();
    }
    database.close();
    grpc.shutdownNow();
    maintenance.shutdownNow();
    executor.shutdownNow();
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
