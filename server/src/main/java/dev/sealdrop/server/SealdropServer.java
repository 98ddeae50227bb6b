package dev.sealdrop.server;

import dev.sealdrop.server.config.ListenAddress;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.Shutdown;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.identity.Identity;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.Role;
import dev.sealdrop.server.core.identity.LiveSessions;
import dev.sealdrop.server.core.keys.KeyDirectory;
import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.core.admin.AdminOperations;
import dev.sealdrop.server.core.admin.FileRemoval;
import dev.sealdrop.server.core.admin.IdentityView;
import dev.sealdrop.server.core.admin.KnownCertificates;
import dev.sealdrop.server.core.admin.Lockdown;
import dev.sealdrop.server.core.admin.Retention;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import dev.sealdrop.server.door.grpc.AdminGrpcService;
import dev.sealdrop.server.door.grpc.AdminRoleInterceptor;
import dev.sealdrop.server.door.grpc.AuditingInterceptor;
import dev.sealdrop.server.door.grpc.CheckpointInterceptor;
import dev.sealdrop.server.door.grpc.ConnectionAudit;
import dev.sealdrop.server.door.grpc.KeyDirectoryGrpcService;
import dev.sealdrop.server.door.grpc.LiveCalls;
import dev.sealdrop.server.store.audit.FileAudit;
import dev.sealdrop.server.store.meta.AuditWitness;
import dev.sealdrop.server.store.meta.UnrecordedActs;
import dev.sealdrop.server.store.meta.JdbcAdminRepository;
import dev.sealdrop.server.door.grpc.PeerIdentityInterceptor;
import dev.sealdrop.server.door.grpc.SessionGrpcService;
import dev.sealdrop.server.door.grpc.SshKeysGrpcService;
import dev.sealdrop.server.door.grpc.TransferGrpcService;
import dev.sealdrop.server.door.grpc.UnknownMethods;
import dev.sealdrop.server.door.grpc.tls.ServerTls;
import dev.sealdrop.server.door.grpc.tls.ServerTlsFiles;
import dev.sealdrop.server.door.sftp.SftpDoor;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import dev.sealdrop.server.store.meta.JdbcSshKeyRepository;
import dev.sealdrop.server.store.blob.LocalBlobStore;
import dev.sealdrop.server.store.fs.DataFolder;
import dev.sealdrop.server.store.meta.Database;
import dev.sealdrop.server.store.meta.JdbcBundleRepository;
import dev.sealdrop.server.store.meta.JdbcGrantRepository;
import dev.sealdrop.server.store.meta.JdbcIdentityRepository;
import dev.sealdrop.server.store.meta.JdbcUploadRepository;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.grpc.Server;
import io.grpc.ServerCredentials;
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
  /**
   * The gRPC door's timer: the answer to an upload 1 s after its {@code finish} if the client has
   * not half-closed (docs/protocol.md §3). The server's own thread, not a shared pool: on JDK 25,
   * {@code CompletableFuture.delayedExecutor} runs its tasks in the common pool, where anything
   * blocking there held them back (the SFTP door's copy of this starved the same way).
   */
  private final ScheduledExecutorService callTimer;
  private final UploadService uploads;
  private final GrantService grants;
  private final IdentityService identities;
  private final InetSocketAddress address;
  private final Audit audit;
  private final Retention retention;
  private final LiveCalls liveCalls;
  private final LiveSessions liveSessions;
  /** The graceful shutdown's state and deadline, which the core and both doors go by. */
  private final Shutdown shutdown;
  /** The admin listener (set once, right after construction). */
  private Server admin;
  /** The data folder, held while this server runs. */
  private final DataFolder.Lock folderLock;
  /** The SFTP door, or null when it is not configured (set once, right after construction). */
  private SftpDoor sftp;
  /** The core's admin operations, which the admin listener serves (set once, right after construction). */
  private AdminOperations adminOperations;

  private SealdropServer(ServerConfig config, Database database, Server grpc, ExecutorService executor,
      ScheduledExecutorService maintenance, ScheduledExecutorService callTimer, UploadService uploads, GrantService grants, IdentityService identities,
      Audit audit, Retention retention, LiveCalls liveCalls, LiveSessions liveSessions, Shutdown shutdown,
      DataFolder.Lock folderLock) {
    this.folderLock = folderLock;
    this.shutdown = shutdown;
    this.audit = audit;
    this.retention = retention;
    this.liveCalls = liveCalls;
    this.liveSessions = liveSessions;
    this.config = config;
    this.database = database;
    this.grpc = grpc;
    this.executor = executor;
    this.maintenance = maintenance;
    this.callTimer = callTimer;
    this.uploads = uploads;
    this.grants = grants;
    this.identities = identities;
    this.address = (InetSocketAddress) grpc.getListenSockets().get(0);
  }

  /**
   * Refuses a start whose {@code blobs/} folder is gone while the database records stored files (a storage mount that
   * failed, a partial restore): it would be made anew and empty, and every download would find its file damaged
   * (round AG: recreated without a word).
   */
  private static void requireStoredFilesFolder(java.nio.file.Path dataDir, JdbcUploadRepository files)
      throws IOException {
    java.nio.file.Path blobs = dataDir.resolve("blobs");
    if (java.nio.file.Files.isDirectory(blobs)) {
      return;
    }
    int recorded = files.allFileIds().size();
    if (recorded > 0) {
      throw new IOException("the folder of stored files " + blobs + " is missing, but the database records "
          + recorded + " stored file(s): if it is a mount, mount it; otherwise restore it from the backup the database"
          + " came from (docs/admin.md, \"Backups and restores\")");
    }
  }

  /**
   * This server's version, as its jar's manifest names it, for the {@code server.start} record: an auditor can tell which
   * version wrote each run of a log (round DA: no record said). {@code unknown} when not run from its jar (tests).
   */
  public static String version() {
    String v = SealdropServer.class.getPackage().getImplementationVersion();
    return v == null || v.isBlank() ? "unknown" : v;
  }

  /**
   * The details of {@code server.start}: {@code dev}, {@code version}, the database's {@code schema} version and, when
   * this start migrated a database an earlier server wrote (an upgrade), {@code schema-migrated-from}, its version
   * before (round DB: an upgrade was said nowhere, and every build's {@code version} is the same snapshot's).
   */
  static java.util.Map<String, String> startDetails(ServerConfig config, Database.Schema schema) {
    java.util.Map<String, String> details = new java.util.TreeMap<>();
    details.put("dev", String.valueOf(config.dev()));
    details.put("version", version());
    if (schema.after() != null) {
      details.put("schema", schema.after());
    }
    if (schema.upgraded()) {
      details.put("schema-migrated-from", schema.before());
    }
    return details;
  }

  /** The line an upgrade's start writes to the server log, or none if this start migrated nothing it found. */
  static java.util.Optional<String> upgradeNotice(java.nio.file.Path database, Database.Schema schema) {
    if (!schema.upgraded()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of("database " + database + " migrated from schema version " + schema.before() + " to "
        + schema.after() + " (" + schema.migrated() + (schema.migrated() == 1 ? " migration" : " migrations") + "):"
        + " an earlier sealdrop server cannot use it any more; to go back, restore the backup of the data folder taken"
        + " before the upgrade (docs/admin.md, \"Upgrading\")");
  }

  /** Each listener's fixed port can be bound now ({@link ListenAddress#requireBindable}). */
  private static void requireListenersBindable(ServerConfig config) throws IOException {
    ServerConfig.Network net = config.network();
    ListenAddress.requireBindable("host", net.host(), net.port());
    ListenAddress.requireBindable("admin-host", config.admin().host(), config.admin().port());
    ServerConfig.Sftp sftp = config.sftp();
    if (sftp.enabled()) {
      ListenAddress.requireBindable(sftp.host().isEmpty() ? "host" : "sftp-host", sftp.bindHost(net.host()),
          sftp.port());
    }
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the data directory comes from server configuration")
  public static SealdropServer start(ServerConfig config) throws IOException {
    // TLS files first: a bad one stops the server before it writes anything
    X509Certificate ca = ServerTls.readCertificate(config.tls().caCertificate());
    ServerTlsFiles.check(config.tls(), ca);
    // one server per data folder, held before anything in it is looked at, opened or migrated (created if missing)
    DataFolder.Lock folderLock = DataFolder.lock(config.dataDir());
    Database db;
    try {
      // a file where sealdrop keeps a folder is refused before anything is tightened, opened or recorded (round DA)
      DataFolder.requireOwnFolders(config.dataDir());
      requireListenersBindable(config); // after the lock (a second server on this folder is told that instead)
      // owner-only (0700; files 0600), tightened if an older or hand-made folder let other users in
      DataFolder.secure(config.dataDir());
      DataFolder.requireDatabaseOfItsHistory(config.dataDir(), config.dataDir().resolve("sealdrop.db"));
      // SQLite would create it 0644 (its -wal, -shm and journal files take the database file's mode)
      DataFolder.createFileIfAbsent(config.dataDir().resolve("sealdrop.db"));
      db = Database.openSqlite(config.dataDir().resolve("sealdrop.db"));
      upgradeNotice(config.dataDir().resolve("sealdrop.db"), db.schema()).ifPresent(LOG::info);
    } catch (IOException | RuntimeException | Error e) {
      folderLock.close();
      throw e;
    }
    ExecutorService executor = null;
    ScheduledExecutorService maintenance = null;
    ScheduledExecutorService callTimer = null;
    FileAudit audit = null;
    Server adminServer = null;
    boolean failedStartRecorded = false;
    try {
      ServerConfig.Admin adminConfig = config.admin();
      // the log must hold the last checkpoint the database kept of it: a log cut back while stopped is refused
      AuditWitness witness = new AuditWitness(db);
      audit = FileAudit.open(config.dataDir(), adminConfig.auditOrigin(), adminConfig.checkpointEveryRecords(),
          adminConfig.checkpointInterval(), config.clock(),
          witness.find().map(k -> new FileAudit.Held(k.verifierKey(), k.size(), k.note())));
      boolean databaseLooksBehind = databaseLooksBehindItsLog(witness.find(), audit);
      // the finding is kept in the data folder until the stored files it concerns are set aside (below): a start cut
      // before that leaves a log whose last run did not stop cleanly, from which the next cannot tell a database minutes
      // behind (review RG: with an admin's lockdown already on, as a backup taken during one restores it, nothing else
      // kept it, and the next start deleted the files stored since)
      java.nio.file.Path behindMark = config.dataDir().resolve(BEHIND_MARK);
      if (databaseLooksBehind) {
        dev.sealdrop.server.store.fs.DataFolder.createFileIfAbsent(behindMark);
      }
      boolean markedBehind = java.nio.file.Files.exists(behindMark);
      audit.record(Audit.SERVER, FileAudit.START, "", "ok", "", startDetails(config, db.schema()));
      long startRecord = audit.takeAppendedOnThisThread();
      // signed at once: after a clean stop, a restart accepts no other unsigned record (docs/audit-log.md)
      audit.checkpoint();
      // a new log under a new key says which log it replaced (after its signed start, so no crash can leave it
      // unsigned after a stop)
      if (audit.replacedLog().isPresent()) {
        FileAudit.Held h = audit.replacedLog().get();
        audit.record(Audit.SERVER, FileAudit.LOG_REPLACED, "", "ok", "", java.util.Map.of("previous-verifier-key",
            h.verifierKey(), "previous-records", Long.toString(h.size())));
      }
      if (!databaseLooksBehind) {
        keepWitness(witness, audit, config.clock());
      } // else once the stored files it does not name are set aside (below): a start cut before keeps the finding
      if (!audit.previousRunStopped()) {
        // a crash between an act's commit and its record left the act unrecorded: record it now (round S)
        new UnrecordedActs(db, audit).recordMissing(startRecord);
      }
      // core over stores
      JdbcAdminRepository adminRepository = new JdbcAdminRepository(db);
      Lockdown lockdown = new Lockdown(adminRepository);
      if (databaseLooksBehind && !lockdown.state().on()) {
        // what happened since may be undone in this database (revocations): no transfer until an admin has looked, and
        // the log says why (review EL: one WARN line, then silence)
        lockdown.onAtStart(DATABASE_BEHIND, config.clock().instant());
        audit.record(Audit.SERVER, "lockdown.on", "server", "ok", "", java.util.Map.of("reason", DATABASE_BEHIND,
            "cause", "database-behind-log"));
      }
      // and while that lockdown of the server's own stands, the database is taken as behind: a start that found it so
      // and was cut before it set the files aside left a log whose last run did not stop cleanly, from which the next
      // start cannot tell a database minutes behind (review RD)
      boolean takenAsBehind = databaseLooksBehind || markedBehind || lockdown.state().on()
          && "server".equals(lockdown.state().changedBy()) && DATABASE_BEHIND.equals(lockdown.state().reason());
      // a lockdown survives a restart: say so at start, or the operator sees a healthy start and refused transfers
      lockdown.startupWarning().ifPresent(LOG::warn);
      IdentityService identities = new IdentityService(new JdbcIdentityRepository(db), config.clock());
      // identities the configuration creates are audited as an admin's would be, by the server: an admin created
      // by bootstrap-admin is the most consequential act there is, and left no record before (outside test)
      for (Identity created : identities.registerAll(config.identities().registered())) {
        auditCreatedByConfiguration(audit, created.name(), created.role(), "registered");
      }
      FileAudit startAudit = audit;
      config.identities().bootstrapAdmin().filter(identities::bootstrapAdmin)
          .ifPresent(name -> auditCreatedByConfiguration(startAudit, name, Role.ADMIN, "bootstrap-admin"));
      KeyDirectory keys = new KeyDirectory(new JdbcBundleRepository(db), identities, ca, config.clock(), audit);
      JdbcUploadRepository files = new JdbcUploadRepository(db);
      requireStoredFilesFolder(config.dataDir(), files);
      warnIfBelowReserve(config.dataDir(), config.uploads().storageReserveBytes());
      LocalBlobStore blobs = new LocalBlobStore(config.dataDir());
      // the graceful shutdown: once begun, no new upload or redeem starts on any door
      Shutdown shutdown = new Shutdown();
      // refused upload acts have a budget of their own, as refused grant acts do (below)
      RefusalThrottle uploadRefusals = RefusalThrottle.forCalls(audit);
      UploadService uploads = new UploadService(files, blobs, keys, identities, config.uploads(), config.grants(),
          config.clock(), lockdown, shutdown, audit, uploadRefusals);
      uploads.recover(takenAsBehind);
      java.nio.file.Files.deleteIfExists(behindMark); // the files it concerned are set aside
      if (databaseLooksBehind) {
        keepWitness(witness, audit, config.clock());
      }
      // the one registry of live sessions: the gRPC door (LiveCalls) and the SFTP door register theirs
      LiveSessions liveSessions = new LiveSessions();
      // refused grant acts have a budget of their own (its sums are written with the others')
      RefusalThrottle grantRefusals = RefusalThrottle.forCalls(audit);
      GrantService grants = new GrantService(new JdbcGrantRepository(db), files, blobs, identities, keys, config.grants(),
          config.clock(), lockdown, shutdown, audit, liveSessions, grantRefusals);
      grants.recover();
      LiveCalls liveCalls = new LiveCalls(liveSessions);
      JdbcSshKeyRepository sshKeyRepository = new JdbcSshKeyRepository(db);
      KnownCertificates knownCertificates = new KnownCertificates(
          () -> adminRepository.listIdentities().stream().map(IdentityView::name).toList(), keys::signingCertificateOf,
          sshKeyRepository::listByIdentity, identities::seenWithSerial);
      FileRemoval fileRemoval = new FileRemoval(adminRepository, grants, blobs, liveSessions, audit, uploadRefusals,
          config.clock());
      AdminOperations adminOps = new AdminOperations(identities, adminRepository, grants, fileRemoval, lockdown,
          liveSessions, audit, config.clock(), ca.getSubjectX500Principal().getName(), knownCertificates);
      Retention retention = new Retention(adminRepository, blobs, audit, config.clock(), adminConfig.retention());
      SshKeyService sshKeys = new SshKeyService(sshKeyRepository, identities, ca, config.clock(), audit);
      // door: TLS, identity, services
      ServerConfig.Network net = config.network();
      executor = Executors.newCachedThreadPool(named("sealdrop-call-"));
      callTimer = Executors.newSingleThreadScheduledExecutor(named("sealdrop-call-timer-"));
      // refused connections are audited within a budget a minute (RefusalThrottle), over both doors
      RefusalThrottle refusals = new RefusalThrottle(audit);
      // and refused calls of callers with a certificate (call.refuse, admin.refuse), over both doors, within their own
      RefusalThrottle callRefusals = RefusalThrottle.forCalls(audit);
      io.netty.handler.ssl.SslContext sharedTls = ServerTls.build(config.tls(), ca, identities, refusals);
      ServerCredentials tls = ServerTls.credentials(sharedTls, refusals, "transfer", net.handshakeTimeout());
      Server grpc = NettyServerBuilder.forAddress(ListenAddress.of("host", net.host(), net.port()), tls)
          .addTransportFilter(new ConnectionAudit(audit, "transfer", identities, refusals))
          .executor(executor)
          .handshakeTimeout(net.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .maxConnectionIdle(net.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTime(net.keepAliveTime().toMillis(), TimeUnit.MILLISECONDS)
          .keepAliveTimeout(net.keepAliveTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .permitKeepAliveTime(30, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(false)
          .maxInboundMessageSize(net.maxMessageBytes())
          // a fixed 4 MiB HTTP/2 window (instead of grpc's auto-tuned one, which starts at 1 MiB): a
          // 1 MiB upload message never waits for a window update; at most 4 MiB buffered per connection
          .flowControlWindow(4 << 20)
          .maxInboundMetadataSize(16 * 1024)
          .maxConcurrentCallsPerConnection(net.maxConcurrentCallsPerConnection())
          .maxRstFramesPerWindow(200, 10)
          .intercept(new AuditingInterceptor(callRefusals))
          .intercept(liveCalls)
          .intercept(new PeerIdentityInterceptor(identities, callRefusals))
          .intercept(new CheckpointInterceptor(audit))
          .addService(new SessionGrpcService(config.clock()))
          .addService(new KeyDirectoryGrpcService(keys))
          .addService(new TransferGrpcService(uploads, grants, fileRemoval, net.uploadChunkBytes(), callTimer,
              liveSessions))
          .addService(new SshKeysGrpcService(sshKeys))
          .fallbackHandlerRegistry(new UnknownMethods(callRefusals))
          .build()
          .start();
      adminServer = startAdmin(adminConfig, net, ServerTls.credentials(sharedTls, refusals, "admin", net.handshakeTimeout()), executor, identities, audit, refusals, callRefusals, liveCalls, adminOps,
          config.dataDir().resolve("tmp"));
      maintenance = Executors.newSingleThreadScheduledExecutor(named("sealdrop-maintenance-"));
      SealdropServer server = new SealdropServer(config, db, grpc, executor, maintenance, callTimer, uploads, grants, identities,
          audit, retention, liveCalls, liveSessions, shutdown, folderLock);
      server.admin = adminServer;
      server.adminOperations = adminOps;
      server.refusalThrottles = java.util.List.of(refusals, callRefusals, grantRefusals, uploadRefusals);
      FileAudit witnessed = audit;
      java.util.concurrent.atomic.AtomicLong keptSize = new java.util.concurrent.atomic.AtomicLong(-1);
      server.witnessKeeper = () -> {
        // once per minute and at stop: a write only when the log signed more since the last one kept
        long size = witnessed.latestHeld().map(FileAudit.Held::size).orElse(-1L);
        if (size > keptSize.get() && keepWitness(witness, witnessed, config.clock())) {
          keptSize.accumulateAndGet(size, Math::max);
        }
      };
      maintenance.scheduleWithFixedDelay(server::runMaintenanceQuietly, 1, 1, TimeUnit.MINUTES);
      // the audit log's checkpoint kept every minute on a timer of its own, not after a maintenance round that may run
      // long (review EJ: the database's checkpoint then lagged the log by as long, which a start takes for a database
      // restored from an older backup)
      callTimer.scheduleWithFixedDelay(server::keepWitness, 1, 1, TimeUnit.MINUTES);
      // the summaries of refusals over the budget are written even when the refusals stop, within seconds of their
      // minute's end (every throttle: round V found the grant acts' left to the next refusal or the stop)
      java.util.List<RefusalThrottle> throttles = server.refusalThrottles;
      maintenance.scheduleWithFixedDelay(() -> {
        for (RefusalThrottle t : throttles) {
          try {
            t.flush();
          } catch (RuntimeException e) {
            LOG.warn("refused connections, calls or grant acts over the budget could not be audited: {}", e.toString());
          }
        }
      }, 10, 10, TimeUnit.SECONDS);
      long sweep = adminConfig.retentionSweepInterval().toMillis();
      maintenance.scheduleWithFixedDelay(server::sweepRetentionQuietly, sweep, sweep, TimeUnit.MILLISECONDS);
      long stall = stallSweepMillis(config.grants().downloadStallTimeout());
      maintenance.scheduleWithFixedDelay(server::stopStalledDownloadsQuietly, stall, stall, TimeUnit.MILLISECONDS);
      long uploadStall = stallSweepMillis(config.uploads().stallTimeout());
      maintenance.scheduleWithFixedDelay(server::stopStalledUploadsQuietly, uploadStall, uploadStall,
          TimeUnit.MILLISECONDS);
      LOG.info("listening on {}", server.endpoints().get(0));
      // the upload cap's default depends on the heap: say which one this server took
      LOG.info("receives at most {} upload streams at once, {} per identity (max-upload-streams{}, heap {} MiB);"
          + " serves at most {} downloads at once, {} per identity", config.uploads().maxUploadStreams(),
          config.uploads().maxUploadStreamsPerIdentity(),
          config.uploads().maxUploadStreams() < dev.sealdrop.server.core.upload.UploadPolicy.DEFAULT_UPLOAD_STREAMS
              ? ", or its default of one per 10 MiB of heap" : "", Runtime.getRuntime().maxMemory() >> 20,
          config.grants().maxDownloadStreams(), config.grants().maxDownloadStreamsPerIdentity());
      // as configured, with the port bound: for 0.0.0.0 the JDK's socket listens on [::] (IPv6 and IPv4), an address
      // no client can connect to, which the listen socket would show
      LOG.info("admin listening on {}", server.endpoints().get(1));
      warnIfAdminIsReachable(adminConfig.host());
      if (config.sftp().enabled()) {
        try {
          server.sftp = SftpDoor.start(config, sshKeys, uploads, grants, audit, refusals, callRefusals, liveSessions,
              shutdown,
              lockdown);
        } catch (IOException | RuntimeException e) {
          recordFailedStart(audit, e);
          failedStartRecorded = true;
          server.halt("the SFTP door did not start; the listeners already started are closed");
          throw e;
        }
      }
      return server;
    } catch (IOException | RuntimeException | Error e) {
      if (adminServer != null) {
        adminServer.shutdownNow();
      }
      if (executor != null) {
        executor.shutdownNow();
      }
      if (audit != null) {
        // the log said the server started: it also says that it stopped at once, and why, so that an auditor never
        // reads a server.start as a server that served (a port in use, an address not on this machine)
        if (!failedStartRecorded) {
          recordFailedStart(audit, e);
        }
        audit.close();
      }
      if (maintenance != null) {
        maintenance.shutdownNow();
      }
      if (callTimer != null) {
        callTimer.shutdownNow();
      }
      try {
        db.close();
      } finally {
        folderLock.close();
      }
      throw e;
    }
  }

  /** {@link FileAudit#STOP} with result {@code start-failed} and the cause; a failure to record it is logged only. */
  /**
   * {@code admin.identity.add} by the server for an identity the configuration created at this start ({@code how}:
   * {@code registered} for the development users, {@code bootstrap-admin} for the first admin).
   */
  private static void auditCreatedByConfiguration(Audit audit, String name, Role role, String how) {
    audit.record(Audit.SERVER, "admin.identity.add", "identity:" + name, "ok", "",
        java.util.Map.of("role", role.key(), "cause", how));
  }

  private static void recordFailedStart(FileAudit audit, Throwable e) {
    StringBuilder words = new StringBuilder(e.getClass().getSimpleName());
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && words.indexOf(t.getMessage()) < 0) {
        words.append(": ").append(t.getMessage()); // e.g. "Failed to bind to address ...: Address already in use"
      }
    }
    String cause = words.toString();
    try {
      audit.record(Audit.SERVER, FileAudit.STOP, "", FileAudit.START_FAILED, "",
          java.util.Map.of("cause", cause.length() > 300 ? cause.substring(0, 300) : cause));
    } catch (RuntimeException failed) {
      LOG.warn("could not record the failed start in the audit log: {}", failed.toString());
    }
  }

  /**
   * docs/admin.md: the admin listener belongs on the loopback or a management network, never the public interface.
   * Any other address, the wildcard above all, is allowed (a management interface is an address of this machine) but
   * said loudly at every start.
   */
  static void warnIfAdminIsReachable(String host) {
    java.net.InetAddress address = new java.net.InetSocketAddress(host, 0).getAddress();
    if (address == null || address.isLoopbackAddress()) {
      return;
    }
    LOG.warn("the admin listener is bound to {}{}: admin calls still need an admin's client certificate, but keep"
        + " this port off any network but a management one (firewall it), or set admin-host=127.0.0.1",
        address.getHostAddress(), address.isAnyLocalAddress() ? ", every interface of this machine (IPv6 as well as"
            + " IPv4: the JDK listens on both for a wildcard address where the machine has IPv6; firewall both)"
            : ", not the loopback");
  }

  /**
   * The admin listener: its own port on the management address, the same TLS and CA, the admin
   * role only (checked by an interceptor for every service there, and again by the core), and the
   * AdminService only. The transfer port never carries AdminService.
   */
  private static Server startAdmin(ServerConfig.Admin a, ServerConfig.Network net, ServerCredentials tls,
      ExecutorService executor, IdentityService identities, Audit audit, RefusalThrottle connectionRefusals,
      RefusalThrottle callRefusals, LiveCalls liveCalls, AdminOperations ops, java.nio.file.Path exportFolder)
      throws IOException {
    return NettyServerBuilder.forAddress(ListenAddress.of("admin-host", a.host(), a.port()), tls)
        .addTransportFilter(new ConnectionAudit(audit, "admin", identities, connectionRefusals))
        .executor(executor)
        .handshakeTimeout(net.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionIdle(net.maxConnectionIdle().toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(false)
        .maxInboundMessageSize(64 * 1024)
        .maxInboundMetadataSize(16 * 1024)
        .maxConcurrentCallsPerConnection(16)
        .maxRstFramesPerWindow(200, 10)
        .intercept(AdminGrpcService.peerInterceptor())
        .intercept(new AdminRoleInterceptor(callRefusals))
        .intercept(liveCalls)
        .intercept(new PeerIdentityInterceptor(identities, callRefusals, true))
        .addService(new AdminGrpcService(ops, audit, exportFolder))
        .build()
        .start();
  }

  public int port() {
    return address.getPort();
  }

  /** The admin listener's port. */
  public int adminPort() {
    return ((InetSocketAddress) admin.getListenSockets().get(0)).getPort();
  }

  /** The admin listener's bound address. */
  public String adminHost() {
    return ((InetSocketAddress) admin.getListenSockets().get(0)).getAddress().getHostAddress();
  }

  /** The core's admin operations, as the admin listener calls them (tests reach what no request can). */
  public AdminOperations adminOperations() {
    return adminOperations;
  }

  /** The core's audit log. */
  public Audit audit() {
    return audit;
  }

  /** The live calls of the gRPC door (tests check that revoked identities have none). */
  public LiveCalls liveCalls() {
    return liveCalls;
  }

  /** The core's registry of live sessions, every door's (tests check that closed ones are gone). */
  public LiveSessions liveSessions() {
    return liveSessions;
  }

  /** Runs the retention sweep now (scheduled every retentionSweepInterval); tests move the clock first. */
  public Retention.Swept sweepRetention() {
    return retention.sweep();
  }

  private void sweepRetentionQuietly() {
    try {
      sweepRetention();
    } catch (RuntimeException e) {
      LOG.warn("retention sweep failed: {}", e.toString());
    }
  }

  public String host() {
    return address.getAddress().getHostAddress();
  }

  /**
   * Where each listener listens, as clients write it ({@code 127.0.0.1:8443}, {@code [::1]:8443}): the transfer
   * listener, the admin listener, and the SFTP door (absent if it is not enabled).
   */
  public java.util.List<String> endpoints() {
    // each host as configured, with the port bound (round DA: a wildcard host printed the socket's [::] on every line,
    // where docs/admin.md says the address as configured, 0.0.0.0:PORT)
    java.util.List<String> e = new java.util.ArrayList<>(java.util.List.of(
        ListenAddress.asConfigured(config.network().host(), port()),
        ListenAddress.asConfigured(config.admin().host(), adminPort())));
    if (sftp != null) {
      e.add(ListenAddress.asConfigured(config.sftp().bindHost(config.network().host()), sftp.port()));
    }
    return e;
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

  /** The core's upload service, for tests (how many upload streams run). */
  public UploadService uploads() {
    return uploads;
  }

  /** Test hook: runs {@code task} on the maintenance thread, where the periodic rounds run. */
  public void runOnMaintenanceThread(Runnable task) {
    maintenance.execute(task);
  }

  /** The core's grant service, for tests (what a door does on a claim). */
  public GrantService grants() {
    return grants;
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
      LOG.info("maintenance: {} unfinished upload(s) deleted (idle past upload-abandon-after, or of a revoked identity),"
          + " {} claim(s) settled", expired, settled);
    }
  }

  /** {@link dev.sealdrop.server.core.Durations#stallSweepMillis}. */
  static long stallSweepMillis(java.time.Duration timeout) {
    return dev.sealdrop.server.core.Durations.stallSweepMillis(timeout);
  }

  private void stopStalledDownloadsQuietly() {
    try {
      grants.stopStalledDownloads();
    } catch (RuntimeException e) {
      LOG.warn("stopping stalled downloads failed: {}", e.toString());
    }
  }

  private void stopStalledUploadsQuietly() {
    try {
      uploads.stopStalledUploads();
    } catch (RuntimeException e) {
      LOG.warn("stopping stalled uploads failed: {}", e.toString());
    }
  }

  private void runMaintenanceQuietly() {
    try {
      runMaintenance();
    } catch (RuntimeException e) {
      LOG.warn("maintenance failed: {}", e.toString());
    }
    keepWitness();
  }

  /**
   * Warns at start when the data folder's file system has less free space than uploads must leave (round BV: a server
   * on a disk smaller than {@code storage-reserve-bytes} refused every upload, and nothing at start said why).
   */
  private static void warnIfBelowReserve(java.nio.file.Path dataDir, long reserve) {
    try {
      long free = java.nio.file.Files.getFileStore(dataDir).getUsableSpace();
      if (reserve > 0 && free <= reserve) {
        LOG.warn("the data folder's file system ({}) has {} MiB free, not more than the {} MiB that uploads leave free"
            + " for the database and the audit log (storage-reserve-bytes): every upload will be refused STORAGE_FULL"
            + " until there is more room", dataDir, free >> 20, reserve >> 20);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("free space of {} unknown: {}", dataDir, e.toString());
    }
  }

  /** Keeps the audit log's latest checkpoint in the database ({@link AuditWitness}): at start, every minute, at stop. */
  private volatile Runnable witnessKeeper = () -> {};
  /** Held while the checkpoint is kept; {@link #witnessClosed} once the stop kept the last (the database then closes). */
  private final Object witnessLock = new Object();
  private boolean witnessClosed;

  /** Keeps the latest checkpoint, unless the stop already kept the last one (a maintenance round racing the stop). */
  private void keepWitness() {
    synchronized (witnessLock) {
      if (!witnessClosed) {
        witnessKeeper.run();
      }
    }
  }

  /**
   * How long a stretch of the audit log's records may lie past the checkpoint the database kept of it: the database
   * keeps one every minute while the log grows (on a timer of its own), so a crash leaves a minute or so of records
   * past it. Longer looks like a database from an older backup.
   */
  static final java.time.Duration WITNESS_LAG_ALLOWED = java.time.Duration.ofHours(1);

  /**
   * The result of a stop's record when acts were still running (cancelled calls past their grace, an admin's act, a
   * maintenance round): not a clean stop, so the next start recovers the acts left unrecorded.
   */
  static final String STOPPED_UNFINISHED = "acts-unfinished";

  /** The file in the data folder that keeps a start's finding that the database is behind, until acted on. */
  static final String BEHIND_MARK = DataFolder.BEHIND_MARK;

  /** The reason of the lockdown a start makes when the database looks behind its audit log. */
  static final String DATABASE_BEHIND = "the database looks older than the audit log (sealdrop.db restored alone from an"
      + " older backup?): revocations and used grants since may be undone; check, then lift the lockdown";

  /**
   * Whether the database looks behind its audit log, said at WARN if so (review EI: a {@code sealdrop.db} restored
   * alone from an older backup, as the server's own refusals of a damaged database advised, was taken without a word,
   * and the start deleted every file stored since as "named by no file"): the log's signed records past the checkpoint
   * the database kept span more than {@link #WITNESS_LAG_ALLOWED} (first to last; what a crash left unsigned and what
   * the start writes of it left out), or there are any after a clean stop (which keeps the last one), or it keeps a checkpoint of another log while this one holds the records of more
   * than one run. A warning, not a refusal (reviews EJ, EK: every such rule also refused healthy servers, late
   * signatures, a log put back after a replacement, with no way out); the start then sets aside the stored files the
   * database does not name instead of deleting them ({@link UploadService#recover(boolean)}).
   */
  static boolean databaseLooksBehindItsLog(java.util.Optional<AuditWitness.Kept> kept, FileAudit audit)
      throws IOException {
    if (kept.isEmpty()) {
      return false;
    }
    FileAudit.After after = audit.after(kept.get().size());
    String check = ". If sealdrop.db was restored alone from an older backup, stop the server now and restore the whole"
        + " data folder from one backup (sealdrop.db with its -wal file, blobs/ and audit/ together): what happened"
        + " since (revocations, used grants) is undone in this database";
    if (!kept.get().verifierKey().equals(audit.verifierKey())) {
      if (after.starts() > 1) {
        LOG.warn("the database (sealdrop.db) keeps a checkpoint of another audit log (key {}, {} records) than this"
            + " folder's, which holds the records of {} runs under its own key: the database may be from another data"
            + " folder, or this log was put back after another replaced it{}", kept.get().verifierKey(),
            kept.get().size(), after.starts(), check);
        return true;
      }
      return false;
    }
    // a clean stop keeps the log's last checkpoint in the database, so nothing lies past it then, however little the
    // database is behind (review BB: one restored alone three minutes back had its newer file deleted as a crash's)
    // (after a shutdown whose acts had not all ended too: its stop kept the last checkpoint all the same: review RL)
    boolean stopped = audit.previousRunShutDown();
    if (after.records() > 0 && (stopped || after.lastMillis() - after.firstMillis() > WITNESS_LAG_ALLOWED.toMillis())) {
      LOG.warn("the database (sealdrop.db) looks older than the audit log: it kept the log's checkpoint of {} records,"
          + " and the log goes on with {} signed records from {} to {}{}{}", kept.get().size(), after.records(),
          java.time.Instant.ofEpochMilli(after.firstMillis()), java.time.Instant.ofEpochMilli(after.lastMillis()),
          stopped ? ", though the server stopped cleanly after them, which keeps the last checkpoint in the database (or"
              + " that stop could not keep it: a WARN at the stop says so)" : "", check);
      return true;
    }
    return false;
  }

  /** Whether the log's latest checkpoint is kept now (kept before, or none to keep, count as kept). */
  private static boolean keepWitness(AuditWitness witness, FileAudit audit, java.time.Clock clock) {
    try {
      audit.latestHeld().ifPresent(h -> witness.keep(new AuditWitness.Kept(h.verifierKey(), h.size(), h.note()),
          clock.instant()));
      return true;
    } catch (RuntimeException e) {
      // the log is checked against the last one kept: a later one missing weakens that check, it stops nothing
      LOG.warn("the audit log's latest checkpoint could not be kept in the database: {}", e.toString());
      return false;
    }
  }

  /**
   * How long the transfer port stays open after the last upload or download stream running at the start of a shutdown
   * ended: for that transfer's closing call (a download's ConfirmDownload, an upload's CreateGrant), never past the
   * grace.
   */
  static final java.time.Duration CLOSING_CALL_WAIT = java.time.Duration.ofSeconds(2);

  /**
   * While gRPC upload and download streams run, or a gRPC download served every byte in the last {@link
   * #CONFIRMATION_WAIT} awaits its confirmation, the transfer port stays open: the core refuses every new upload,
   * redeem and transfer stream ({@code SHUTTING_DOWN}), and a transfer that finished can still make its closing call
   * (round BH: gRPC's own shutdown refused every new call at once, so a download that finished in the grace could not
   * be confirmed, and its receive failed with exit 8). Never past the grace. Returns whether it was interrupted.
   */
  private boolean drainTransfersOpen() {
    boolean streamsRan = false;
    boolean said = false;
    try {
      while (shutdown.remainingNanos() > 0) {
        // one look per round, for both the wait and the linger (round BN: a stream that ended between two looks left
        // no linger for its closing call)
        boolean streams = liveSessions.transfers(dev.sealdrop.server.core.identity.Origin.GRPC) > 0;
        streamsRan |= streams;
        if (!streams && confirmationsAwaited() == 0) {
          break;
        }
        if (!said) {
          said = true;
          LOG.info("waiting for the running uploads and downloads and the confirmations of those finished (at most"
              + " the grace); new ones are refused");
        }
        Thread.sleep(20);
      }
      if (streamsRan) {
        // an upload's closing call (CreateGrant) is not tracked; a drain that only awaited confirmations needs no linger
        TimeUnit.NANOSECONDS.sleep(Math.min(CLOSING_CALL_WAIT.toNanos(), shutdown.remainingNanos()));
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the waits below end at once too
      return true;
    } catch (RuntimeException e) {
      // the database failed while confirmations were looked up (round BN): the rest of the shutdown must still run
      LOG.warn("the wait for running transfers ended early: {}", e.toString());
      return false;
    }
  }

  /**
   * How long after a gRPC download was served every byte the shutdown waits for its confirmation (the client verifies
   * and writes the file first: a large file's last fsync can take seconds), within the grace.
   */
  static final java.time.Duration CONFIRMATION_WAIT = java.time.Duration.ofSeconds(10);

  /** How many gRPC downloads served to their last byte within {@link #CONFIRMATION_WAIT} await a confirmation. */
  int confirmationsAwaited() {
    return grants.confirmationsAwaited(CONFIRMATION_WAIT);
  }

  /** The audit budgets of refusals (connections, calls): what they hold back is written before {@code server.stop}. */
  private java.util.List<RefusalThrottle> refusalThrottles = java.util.List.of();

  /**
   * Stops accepting SFTP connections and admin calls, keeps the transfer port open while its upload and download
   * streams run ({@link #drainTransfersOpen}), then stops accepting calls there too, lets running calls and open SFTP
   * uploads and downloads finish until one deadline (the start of the shutdown + {@code shutdown-grace}), cuts what is
   * left, then closes storage. New uploads, redeems and transfer streams are refused from the start (the core's
   * {@link Shutdown}).
   */
  @Override
  public void close() {
    LOG.info("shutting down (grace {})", config.network().shutdownGrace());
    shutdown.begin(config.network().shutdownGrace());
    if (sftp != null) {
      sftp.beginShutdown(); // idle sessions are told why they end at once; docs/sftp.md
    }
    admin.shutdown();
    boolean interrupted = drainTransfersOpen();
    maintenance.shutdown(); // after the drain: its sweeps and the refusals' flush go on while calls are taken
    grpc.shutdown();
    try {
      // both doors drain against the same deadline: the whole wait is at most the grace
      grpc.awaitTermination(shutdown.remainingNanos(), TimeUnit.NANOSECONDS);
      if (sftp != null) {
        sftp.awaitSessions();
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (!grpc.isTerminated()) {
      LOG.warn("calls still running after the grace period; cancelling them");
      grpc.shutdownNow();
    }
    if (sftp != null) {
      sftp.finishShutdown(); // tells the sessions still open why they end, then stops the door
    }
    try {
      if (!interrupted) {
        grpc.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    admin.shutdownNow();
    executor.shutdown();
    // whether every act that may still record something ended before the stop's record: if not, the stop is not
    // recorded as clean, so that the next start recovers what went unrecorded (review RK)
    boolean allEnded = !interrupted;
    try {
      // the calls cancelled at the deadline end on this executor (an upload's abort and checkpoint, a download's
      // record): before server.stop, after which the audit log takes no record (round AG: they went unrecorded)
      boolean callsEnded = !interrupted && executor.awaitTermination(5, TimeUnit.SECONDS);
      // an admin's act runs to its end whatever its call became (an identity's revocation records each grant it
      // ended): at most its wait for another act's lock and its work; its call's thread is one of the executor's
      if (!interrupted && adminOperations != null && !adminOperations.awaitActs(java.time.Duration.ofSeconds(
          AdminOperations.WAIT_SECONDS + 10))) {
        LOG.warn("an admin's act was still running {} s after the admin port closed; stopping without it (the next"
            + " start records what it left unrecorded)", AdminOperations.WAIT_SECONDS + 10);
        allEnded = false;
      }
      if (!interrupted && !callsEnded && !executor.awaitTermination(1, TimeUnit.SECONDS)) {
        LOG.warn("calls still ending 5 s after they were cancelled; stopping without waiting for them");
        allEnded = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      allEnded = false;
    }
    try {
      // a maintenance round still running (an expiry, a settle of lapsed claims, a retention sweep) writes its acts to
      // the database, then records them: before server.stop, after which the audit log takes no record, and which
      // tells the next start that nothing went unrecorded (review DJ: such acts were left with no record at all)
      if (!interrupted && !maintenance.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("a maintenance round was still running after 5 s more of waiting for it; stopping without it (its"
            + " acts may go unrecorded)");
        allEnded = false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      allEnded = false;
    }
    callTimer.shutdownNow(); // after the calls: an upload finished in the grace is answered (UploadCall)
    for (RefusalThrottle t : refusalThrottles) {
      try {
        t.flushAll(); // refusals over this minute's budget, not yet summed: before server.stop (outside test)
      } catch (RuntimeException e) {
        LOG.warn("refused connections or calls over the budget could not be audited: {}", e.toString());
      }
    }
    try {
      audit.record(Audit.SERVER, FileAudit.STOP, "", allEnded ? "ok" : STOPPED_UNFINISHED, "");
    } catch (RuntimeException e) {
      LOG.error("the shutdown could not be audited: {}", e.toString());
    }
    try {
      audit.close();
      keepWitness(); // the stop's checkpoint, signed by the close
      synchronized (witnessLock) {
        witnessClosed = true; // a maintenance round still running keeps nothing after the database is closed
      }
      database.close();
    } finally {
      folderLock.close();
    }
    LOG.info("stopped");
  }

  /**
   * Test hook: stops at once without grace or cleanup, as close to a crash as a JVM can do to itself.
   * The database closes first, so that nothing the doors do as their connections drop (an SFTP
   * handle's cleanup, a gRPC stream's last checkpoint) reaches it, as after a kill -9.
   */
  public void kill() {
    halt("killed");
  }

  /** {@link #kill}'s work, logged as {@code why} (a start that failed halfway uses it too, and nothing was killed). */
  private void halt(String why) {
    LOG.warn(why);
    database.close();
    if (sftp != null) {
      sftp.close();
    }
    grpc.shutdownNow();
    admin.shutdownNow();
    maintenance.shutdownNow();
    callTimer.shutdownNow();
    executor.shutdownNow();
    try {
      audit.close();
    } finally {
      folderLock.close();
    }
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
