package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.Shutdown;
import dev.sealdrop.server.core.TransferGate;
import dev.sealdrop.server.core.grant.GrantService;
import dev.sealdrop.server.core.identity.LiveSessions;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import dev.sealdrop.server.core.upload.UploadService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.file.FileSystemFactory;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoSession;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.RejectAllForwardingFilter;
import org.apache.sshd.server.session.ServerSessionImpl;
import org.apache.sshd.server.session.SessionFactory;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SFTP listener. Read top to bottom: algorithms, host key, authentication, what a session may
 * open, limits, the virtual tree, the revocation sweeper. See docs/sftp.md for the reasons.
 */
public final class SftpDoor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SftpDoor.class);

  /**
   * Key exchange: hybrid post-quantum first, then X25519. No NIST-curve or finite-field DH, no SHA-1.
   * mlkem768x25519-sha256 and sntrup761 need Bouncy Castle (present via the protocol module).
   */
  static final List<BuiltinDHFactories> KEX = List.of(BuiltinDHFactories.mlkem768x25519,
      BuiltinDHFactories.sntrup761x25519_openssh, BuiltinDHFactories.sntrup761x25519, BuiltinDHFactories.curve25519,
      BuiltinDHFactories.curve25519_libssh);
  /**
   * AES-GCM only. Terrapin (CVE-2023-48795) breaks chacha20-poly1305 and EtM MACs with CBC/CTR;
   * GCM is not affected, so no vulnerable mode is offered whether or not the client does strict KEX.
   */
  static final List<BuiltinCiphers> CIPHERS = List.of(BuiltinCiphers.aes256gcm, BuiltinCiphers.aes128gcm);
  /** Never used with GCM (its tag is the MAC); listed because the protocol requires a MAC list. */
  static final List<BuiltinMacs> MACS = List.of(BuiltinMacs.hmacsha512etm, BuiltinMacs.hmacsha256etm);
  /**
   * Host key: ssh-ed25519. User keys: the types core.sshkey accepts, with SHA-2 signatures only: the policy's list
   * (SECURITY.md §3.4), no ECDSA (review EA: ECDSA keys were accepted; one registered before is no longer taken).
   */
  static final List<BuiltinSignatures> SIGNATURES = List.of(BuiltinSignatures.ed25519, BuiltinSignatures.rsaSHA512,
      BuiltinSignatures.rsaSHA256);

  /** The I/O threads of the door: at least 8, twice the processors on a larger machine. */
  static final int NIO_WORKERS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
  /** The length of an SFTP handle id: random, and checked against those in use. */
  static final int HANDLE_BYTES = 16;
  /**
   * Channel window we grant the client: how much it may send before the SFTP thread has processed it, which MINA holds
   * in memory meanwhile, outside any budget. 2 MiB (MINA's default). It was 8 MiB, for throughput, until round BD:
   * OpenSSH 9.2 sends 255 KiB writes after {@code limits@openssh.com} and fills any window, so each upload held 8 MiB
   * of requests, and 24 concurrent OpenSSH uploads ran a server with {@code -Xmx256m} out of memory.
   */
  static final long WINDOW_SIZE = 2L << 20;
  /**
   * Largest channel data packet the client may send: fewer, larger packets (MINA: 32 KiB). Must stay
   * well under MINA's 256 KiB limit on a whole SSH packet (data + 9 header bytes + padding + MAC):
   * advertising 256 KiB let OpenSSH send 262160-byte packets, which MINA refused, killing the upload.
   */
  static final long MAX_PACKET_SIZE = 128L << 10;
  /** Bytes per socket read on the NIO2 transport (MINA: 32 KiB): fewer reads and decode calls. */
  static final int READ_BUFFER_SIZE = 256 << 10;
  /**
   * Replies the SFTP thread may queue on the channel before it waits (MINA: 256 KiB). OpenSSH keeps
   * min(64, sftp-max-open-handles: 32 by default) reads of up to 63 KiB in flight; 2 MiB lets the thread answer all
   * of them without stalling.
   */
  static final int PENDING_WRITE_SIZE = 2 << 20;

  private final Listener sshd;
  private final ScheduledExecutorService sweeper;
  private final ShutdownGrace grace;
  private final Shutdown shutdown;
  /** {@code sftp-idle-timeout}: the door's sweeper closes a session idle that long ({@link Activity}). */
  private final Duration idleTimeout;
  /** Where it listens (kept: the listener closes at the start of a shutdown). */
  private final InetSocketAddress address;
  private final dev.sealdrop.server.core.audit.Audit audit;

  private SftpDoor(Listener sshd, ScheduledExecutorService sweeper, ShutdownGrace grace, Shutdown shutdown,
      Duration idleTimeout, dev.sealdrop.server.core.audit.Audit audit) {
    this.audit = audit;
    this.sshd = sshd;
    this.ioThreads = new IoThreadsWatch(() -> sshd.getIoServiceFactory()
        instanceof org.apache.sshd.common.io.AbstractIoServiceFactory f ? f.getExecutorService() : null);
    this.idleTimeout = idleTimeout;
    this.sweeper = sweeper;
    this.grace = grace;
    this.shutdown = shutdown;
    this.address = (InetSocketAddress) sshd.getBoundAddresses().iterator().next();
  }

  /**
   * MINA's server, with a way to stop accepting connections while the open sessions go on, and
   * sessions whose disconnects say what the door says ({@link Disconnects#told}).
   */
  private static final class Listener extends SshServer {
    /** Set before start: how many connections may wait to log in at once. */
    private LoginBacklog backlog;

    void stopAccepting() {
      IoAcceptor a = acceptor;
      if (a != null) {
        a.unbind();
      }
    }

    @Override
    protected SessionFactory createSessionFactory() {
      return new SessionFactory(this) {
        @Override
        protected ServerSessionImpl doCreateSession(IoSession io) throws Exception {
          backlog.admit(io.getRemoteAddress()); // a refusal here closes the accepted connection
          return new DoorSession(getServer(), io);
        }
      };
    }
  }

  /** MINA's server session (its log lines name this class), whose disconnects say what the door says. */
  private static final class DoorSession extends ServerSessionImpl {
    DoorSession(org.apache.sshd.server.ServerFactoryManager server, IoSession io) throws Exception {
      super(server, io);
    }

    @Override
    public void disconnect(int reason, String message) throws IOException {
      super.disconnect(reason, Disconnects.told(this, reason, message));
    }
  }

  public static SftpDoor start(ServerConfig config, SshKeyService keys, UploadService uploads, GrantService grants,
      dev.sealdrop.server.core.audit.Audit audit, dev.sealdrop.server.core.audit.RefusalThrottle refusals,
      dev.sealdrop.server.core.audit.RefusalThrottle callRefusals, LiveSessions sessions, Shutdown shutdown,
      TransferGate gate) throws IOException {
    ServerConfig.Sftp settings = config.sftp();
    Listener sshd = (Listener) ServerBuilder.builder().factory(Listener::new).build();
    String host = settings.bindHost(config.network().host());
    dev.sealdrop.server.config.ListenAddress.of(settings.host().isEmpty() ? "host" : "sftp-host", host, 0);
    sshd.setHost(host);
    sshd.setPort(settings.port());
    // algorithms
    sshd.setKeyExchangeFactories(KEX.stream().filter(BuiltinDHFactories::isSupported)
        .map(f -> (KeyExchangeFactory) ServerBuilder.DH2KEX.apply(f)).toList());
    sshd.setCipherFactories(List.copyOf(CIPHERS));
    sshd.setMacFactories(List.copyOf(MACS));
    sshd.setSignatureFactories(List.copyOf(SIGNATURES));
    sshd.setCompressionFactories(List.of(BuiltinCompressions.none));
    // host key
    KeyPair hostKey = HostKey.loadOrCreate(config.dataDir());
    sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
    // authentication: public keys registered through core.sshkey, nothing else; a refused key whose
    // signature verifies is told why, an accepted one that transfers are refused during a lockdown (ProvenKeyRefusal)
    sshd.setUserAuthFactories(List.of(ProvenKeyRefusal.factory(gate)));
    sshd.setPublickeyAuthenticator(new KeyAuthenticator(keys));
    // at most LoginBacklog.DEFAULT_LIMIT connections waiting to log in, as OpenSSH's MaxStartups, and of them at most
    // sftp-max-startups-per-source from one address, as its PerSourceMaxStartups (0: off, as OpenSSH's default)
    sshd.backlog = new LoginBacklog(LoginBacklog.DEFAULT_LIMIT, settings.maxStartupsPerSource() == 0
        ? LoginBacklog.DEFAULT_LIMIT : settings.maxStartupsPerSource());
    sshd.addSessionListener(sshd.backlog);
    sshd.addSessionListener(new LoginAudit(audit, refusals));
    // logged-in sessions are the core's to close when an admin disables or revokes their identity
    sshd.addSessionListener(new LoginSessions(sessions));
    // the door's own timer (its thread starts with the first task): the revocation sweep, and the shutdown's tells
    ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sealdrop-sftp-recheck");
      t.setDaemon(true);
      return t;
    });
    // a graceful shutdown lets sessions finish the uploads and downloads they have open, no more
    ShutdownGrace grace = new ShutdownGrace(shutdown, sweeper);
    sshd.addSessionListener(grace);
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setGSSAuthenticator(null);
    sshd.setHostBasedAuthenticator(null);
    // what a session may open: the SFTP subsystem only
    sshd.setShellFactory(null);
    sshd.setCommandFactory(new NoCommands()); // refuses exec requests, logging no command text
    sshd.setAgentFactory(null);
    sshd.setForwardingFilter(RejectAllForwardingFilter.INSTANCE);
    // the SSH services: authentication, where sftp-max-auth-attempts counts failed attempts as OpenSSH's
    // MaxAuthTries does (AuthAttempts); then session channels only, at most 2 per connection, a refused one
    // told why (ChannelGate)
    sshd.setServiceFactories(List.of(new AuthAttempts(settings.maxAuthAttempts()), new ChannelGate()));
    VirtualAccessor accessor = new VirtualAccessor();
    SftpSubsystemFactory sftp = grace.subsystems();
    sftp.setFileSystemAccessor(accessor);
    sftp.setErrorStatusDataHandler(new SftpErrors());
    sftp.addSftpEventListener(accessor);
    sshd.setSubsystemFactories(List.of(sftp));
    sshd.setFileSystemFactory(new TreeFactory(uploads, grants, audit, callRefusals, sessions,
        new UploadBudget(UploadBudget.SERVER_WIDE)));
    // limits
    // a backstop: MINA counts every request, a key's probe and its signature apart (AuthAttempts decides first)
    CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, AuthAttempts.requestsFor(settings.maxAuthAttempts()));
    CoreModuleProperties.AUTH_TIMEOUT.set(sshd, settings.authTimeout());
    // off: MINA restarts its idle timer on every packet, keepalives included; the door's sweeper closes a
    // session idle for sftp-idle-timeout, counting only what Activity counts
    CoreModuleProperties.IDLE_TIMEOUT.set(sshd, Duration.ZERO);
    sshd.setSessionDisconnectHandler(new Disconnects()); // says why an idle or late session is closed
    // a session the door closes is told why (Disconnects.closeTelling), and is closed within 1 s even if
    // its client reads nothing, so that the message cannot delay the close
    CoreModuleProperties.DISCONNECT_TIMEOUT.set(sshd, Duration.ofSeconds(1));
    CoreModuleProperties.MAX_CONCURRENT_SESSIONS.set(sshd, settings.maxSessionsPerIdentity());
    // a backstop only: ChannelGate refuses a channel past its limit first (MINA's check lets one more
    // through, and the one after that closes the whole session)
    CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(sshd, ChannelGate.MAX_CHANNELS);
    OpenHandles.LIMIT.set(sshd, settings.maxOpenHandles()); // per session, over its channels
    // MINA's per-channel check runs first and answers in its own words with a status SFTP v3 lacks:
    // one above the door's limit, it is never reached (a channel's handles are some of its session's)
    SftpModuleProperties.MAX_OPEN_HANDLES_PER_SESSION.set(sshd, settings.maxOpenHandles() + 1);
    // Random 16-byte handle ids, not MINA's default 4-byte counter: the counter hands a failed OPEN's id to no one
    // and then gives the next handle an id still in use, which replaced an open upload's or download's handle in the
    // channel's table, so that the end of the session never closed it (round Z: the upload stayed "busy" and the
    // claim held its download slot until the 10-minute stall timeout)
    SftpModuleProperties.FILE_HANDLE_SIZE.set(sshd, HANDLE_BYTES);
    // throughput (docs/sftp.md, "Throughput"; measured with bench/sftp.sh)
    CoreModuleProperties.WINDOW_SIZE.set(sshd, WINDOW_SIZE);
    CoreModuleProperties.MAX_PACKET_SIZE.set(sshd, MAX_PACKET_SIZE);
    CoreModuleProperties.NIO2_READ_BUFFER_SIZE.set(sshd, READ_BUFFER_SIZE);
    // every socket's completions, accepts included, run on this pool: MINA's default (processors + 1) is 3 threads on a
    // 2-CPU server, so three stuck on broken connections' teardowns would stop the whole door while gRPC runs on (a
    // CI run saw the door answer no new connection for minutes after three abrupt closes; its cause is not known yet)
    CoreModuleProperties.NIO_WORKERS.set(sshd, NIO_WORKERS);
    CoreModuleProperties.BUFFERED_IO_OUTPUT_MAX_PENDING_WRITE_SIZE.set(sshd, PENDING_WRITE_SIZE);
    CoreModuleProperties.SERVER_IDENTIFICATION.set(sshd, "sealdrop");
    // SFTP version 3 only, the one docs/sftp.md describes and OpenSSH speaks, and only the extensions the door
    // implements: MINA's defaults offered later versions and listed extensions (hardlink, posix-rename, lsetstat,
    // and in ShutdownGrace.Subsystem copy-file, md5-hash, ..., ACLs) that the door's tree then refuses
    SftpModuleProperties.SFTP_VERSION.set(sshd, 3);
    SftpModuleProperties.OPENSSH_EXTENSIONS.set(sshd, "fsync@openssh.com=1,limits@openssh.com=1");
    try {
      sshd.start();
    } catch (java.net.BindException e) {
      // worded as the gRPC listeners' refusal is, so that the start-up error names the address and gets its hint
      throw new IOException("Failed to bind to address /" + host + ":" + settings.port() + ": " + e.getMessage(), e);
    }
    SftpDoor door = new SftpDoor(sshd, sweeper, grace, shutdown, settings.idleTimeout(), audit);
    long every = settings.recheckInterval().toMillis();
    sweeper.scheduleWithFixedDelay(door::sweep, every, every, TimeUnit.MILLISECONDS);
    LOG.info("SFTP host key {} {} ({})", KeyUtils.getKeyType(hostKey), KeyUtils.getFingerPrint(hostKey.getPublic()),
        config.dataDir().resolve(HostKey.FILE_NAME));
    // the host as configured, with the port bound (round DA: 0.0.0.0 was printed as the socket's [::])
    LOG.info("sftp listening on {}", dev.sealdrop.server.config.ListenAddress.asConfigured(host, door.port()));
    return door;
  }

  public int port() {
    return address.getPort();
  }

  /** The address the door listens on. */
  public InetSocketAddress address() {
    return address;
  }

  public String host() {
    return address.getAddress().getHostAddress();
  }

  /** Whether the door's I/O threads still run anything (checked each sweep). */
  private final IoThreadsWatch ioThreads;

  /** The sweeper's round: sessions idle too long, then the core's re-check of every login, then the I/O threads. */
  void sweep() {
    try {
      closeIdleSessions();
      recheckSessions();
      ioThreads.check(System.nanoTime());
    } catch (RuntimeException | Error e) {
      // caught, an Error too (round BD: an OutOfMemoryError here ended the idle timeout and the re-check of every
      // login for good): the executor would never run a task again once it threw
      LOG.warn("sweeping the SFTP sessions failed: {}", e.toString());
    }
  }

  /**
   * Closes, told why, every logged-in session that did nothing that counts ({@link Activity}: not
   * keepalives) for {@code sftp-idle-timeout}. A transfer in progress is activity, so it is never cut.
   */
  void closeIdleSessions() {
    long now = System.nanoTime();
    for (Session s : sshd.getActiveSessions()) {
      if (s.isOpen() && Activity.idle(s, idleTimeout, now)) {
        s.removeAttribute(Activity.KEY); // closed once
        Disconnects.closeIdle(s, idleTimeout);
      }
    }
  }

  /**
   * Closes every session whose login no longer passes the core's check: its key was removed, the
   * certificate it was registered with was revoked or expired, or its identity was disabled. (An
   * admin's disable or revocation closes them at once through the core's {@link LiveSessions}; this
   * catches what no admin act announces.)
   */
  void recheckSessions() {
    for (Session s : sshd.getActiveSessions()) {
      Login login = s.getAttribute(Login.KEY);
      if (login == null) {
        continue;
      }
      try {
        login.recheck();
      } catch (SealdropException e) {
        LOG.warn("closing SFTP session of '{}' (key {}): {}", login.user(), login.fingerprint(), e.reason());
        // what no admin act announces (a certificate that expired, a key removed meanwhile) is audited here, before
        // the client is told: the log went from the session's connection.accept to nothing (outside test)
        try {
          audit.record(login.atLogin(), "connection.close", "listener:sftp", dev.sealdrop.server.core.audit.Audit
              .resultOf(e), java.util.Map.of("key", login.fingerprint()));
        } catch (RuntimeException notRecorded) {
          LOG.warn("the close of the SFTP session of '{}' could not be audited: {}", login.user(),
              notRecorded.toString());
        }
        Disconnects.closeTelling(s, e.getMessage(), e.reason());
      } catch (RuntimeException e) {
        LOG.warn("re-checking the SFTP session of '{}' failed: {}", login.user(), e.toString());
      }
    }
  }

  /**
   * The start of a graceful stop (the core's {@link Shutdown} has begun): the listener closes (a new
   * connection is refused), and every session without an upload or download open is told why it ends
   * (OpenSSH prints "Received disconnect from HOST port PORT:11: the server is shutting down; ..."
   * instead of only "Connection to HOST closed by remote host") and closed. The others may finish
   * what they have open until the shutdown's deadline ({@link ShutdownGrace}); {@link #awaitSessions}
   * waits for them, {@link #finishShutdown} closes what is left.
   */
  public void beginShutdown() {
    if (!shutdown.begun()) {
      throw new IllegalStateException("begin the core's Shutdown first: it refuses new uploads and redeems");
    }
    sshd.stopAccepting();
    int finishing = grace.closeIdle(sshd.getActiveSessions());
    if (finishing > 0) {
      LOG.info("{} SFTP session(s) finishing an upload or download (at most {} ms)", finishing,
          TimeUnit.NANOSECONDS.toMillis(shutdown.remainingNanos()));
    }
  }

  /** Waits until every session has ended or the shutdown's deadline passes; returns whether all ended. */
  public boolean awaitSessions() throws InterruptedException {
    while (!sshd.getActiveSessions().isEmpty()) {
      long left = shutdown.remainingNanos();
      if (left == 0) {
        return false;
      }
      Thread.sleep(Math.max(1, Math.min(20, TimeUnit.NANOSECONDS.toMillis(left))));
    }
    return true;
  }

  /**
   * The end of a graceful stop: every session still open is told the server is shutting down (an
   * upload not yet closed is not kept), then the door stops once the sessions' SFTP threads have
   * closed their handles (deleting such uploads, giving cut downloads' claims back), 3 s at most:
   * MINA closes each session once its DISCONNECT is written, and {@code DISCONNECT_TIMEOUT} (1 s)
   * after it at the latest.
   */
  public void finishShutdown() {
    List<? extends Session> open = sshd.getActiveSessions();
    if (!open.isEmpty()) {
      LOG.warn("{} SFTP session(s) still open after the grace period; closing them", open.size());
    }
    grace.closeAll(open);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while ((open.stream().anyMatch(Session::isOpen) || !grace.subsystemsEnded()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    close();
  }

  /** Stops at once: open sessions are dropped without a word (a crash, or after {@link #finishShutdown}). */
  @Override
  public void close() {
    sweeper.shutdownNow();
    try {
      sshd.stop(true);
    } catch (IOException e) {
      LOG.warn("stopping the SFTP listener: {}", e.toString());
    }
  }

  /** Gives each authenticated session its own virtual tree. */
  private record TreeFactory(UploadService uploads, GrantService grants, dev.sealdrop.server.core.audit.Audit audit,
      dev.sealdrop.server.core.audit.RefusalThrottle callRefusals, LiveSessions sessions, UploadBudget budget)
      implements FileSystemFactory {
    private static final VirtualFileSystemProvider PROVIDER = new VirtualFileSystemProvider();

    @Override
    public Path getUserHomeDir(SessionContext session) {
      return null;
    }

    @Override
    public FileSystem createFileSystem(SessionContext session) throws IOException {
      Login login = session.getAttribute(Login.KEY);
      // The authenticator records the key it last accepted; it must be the session's final user.
      if (login == null || !login.user().equals(session.getUsername())) {
        throw new IOException("server: internal error: an SFTP session without a matching login");
      }
      // one tree per SFTP channel; the names open are the session's, shared by its channels
      OpenNames open = session.computeAttributeIfAbsent(OpenNames.KEY, k -> new OpenNames());
      return new VirtualFileSystem(PROVIDER, new VirtualTree(login, uploads, grants, audit, callRefusals, sessions,
          budget, open));
    }
  }
}
