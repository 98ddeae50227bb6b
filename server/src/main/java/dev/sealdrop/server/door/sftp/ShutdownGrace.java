package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Shutdown;
import java.io.IOException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Collection;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.io.IoWriteFuture;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.GenericUtils;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferException;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.server.Handle;
import org.apache.sshd.sftp.server.SftpEventListener;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SFTP door's part of a graceful shutdown; the core's {@link Shutdown} says that it has begun
 * and until when (the one deadline the gRPC door drains against too), and refuses new uploads and
 * redeems from then on. Here: a session that holds an upload or download handle
 * ({@link OpenHandles#transferOpen}) may go on until its last one is closed; every other session is
 * told the server is shutting down ({@link Disconnects#tellShuttingDown}) and closed — at the start
 * of the shutdown ({@link #closeIdle}), {@link #REPLY_SETTLE} after the reply to the request that
 * closed its last transfer handle is written (so that the client learns its upload was committed or
 * its download counted), when its SFTP channel ends, or when it logs in. {@link SftpDoor} closes what is left at the deadline.
 */
final class ShutdownGrace implements SessionListener {
  private static final Logger LOG = LoggerFactory.getLogger(ShutdownGrace.class);
  /**
   * How long a session whose last transfer was closed has to receive the reply to that close (and to
   * end its channel itself, as a batch {@code sftp} does) before it is told and closed; never past
   * the shutdown's deadline.
   */
  static final Duration REPLY_SETTLE = Duration.ofSeconds(1);
  /** Set once a session was told: it is told once. */
  private static final AttributeKey<Boolean> TOLD = new AttributeKey<>();

  private final Shutdown shutdown;
  /**
   * Runs the tells that wait {@link #REPLY_SETTLE}: the door's own thread, not a shared pool. (JDK 25's
   * {@code CompletableFuture.delayedExecutor} runs its tasks in the common async pool, where anything else
   * that blocks there held a tell back for seconds, up to the deadline.)
   */
  private final ScheduledExecutorService timer;
  /** SFTP subsystems whose thread runs: each closes its handles before it ends. */
  private final Set<Subsystem> running = ConcurrentHashMap.newKeySet();

  ShutdownGrace(Shutdown shutdown, ScheduledExecutorService timer) {
    this.shutdown = Objects.requireNonNull(shutdown, "shutdown");
    this.timer = Objects.requireNonNull(timer, "timer");
  }

  /**
   * At the start of the shutdown (after {@link Shutdown#begin}): closes every session that has no
   * upload or download open; returns how many are left to finish theirs.
   */
  int closeIdle(Collection<? extends Session> sessions) {
    int finishing = 0;
    for (Session s : sessions) {
      // read after the shutdown began: a handle released later is seen by finished() on its thread
      if (OpenHandles.transferOpen(s)) {
        finishing++;
      } else {
        tell(s);
      }
    }
    return finishing;
  }

  /** Tells and closes every session still open (the deadline passed). */
  void closeAll(Collection<? extends Session> sessions) {
    sessions.forEach(ShutdownGrace::tell);
  }

  /**
   * Whether every SFTP subsystem has ended, and so has closed its handles: an upload not closed by
   * its client is deleted and a download cut short gives its claim back, which needs the storage the
   * server closes next.
   */
  boolean subsystemsEnded() {
    return running.isEmpty();
  }

  /**
   * A login while the server shuts down (its connection was accepted just before the listener
   * closed) is told so and closed, as an idle session is.
   */
  @Override
  public void sessionEvent(Session session, Event event) {
    if (event == Event.Authenticated && shutdown.begun()) {
      LOG.info("SFTP login of '{}' during the shutdown: closing it", session.getUsername());
      tell(session);
    }
  }

  /**
   * After a request ({@code lastReply}: the reply it was answered with, null if none is due): once
   * the shutdown has begun, a session with no transfer left is closed {@link #REPLY_SETTLE} after
   * that reply is written, so that the client has it before the DISCONNECT.
   */
  private void finished(Session session, IoWriteFuture lastReply) {
    if (!shutdown.begun() || OpenHandles.transferOpen(session)) {
      return;
    }
    // it had transfers open when the shutdown began (the others were told then) and none is left:
    // nothing of it was cut, so it is not told to put again
    if (lastReply == null) {
      tell(session, Disconnects.SHUTTING_DOWN_FINISHED); // its SFTP channel ended: no reply left to deliver
      return;
    }
    // not as soon as the reply is written: OpenSSH's ssh, reading that reply and the DISCONNECT at
    // once, exits before it passes the reply on, and sftp fails ("Connection closed", 255) after an
    // upload that was committed or a download that counted. A batch sftp ends its channel sooner.
    long settle = Math.min(REPLY_SETTLE.toNanos(), shutdown.remainingNanos());
    lastReply.addListener(written -> {
      try {
        timer.schedule(() -> tell(session, Disconnects.SHUTTING_DOWN_FINISHED), settle, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopped) {
        tell(session, Disconnects.SHUTTING_DOWN_FINISHED); // the door has stopped: the deadline passed
      }
    });
  }

  private static void tell(Session session) {
    tell(session, Disconnects.SHUTTING_DOWN);
  }

  private static void tell(Session session, String why) {
    if (session.isOpen() && session.setAttribute(TOLD, Boolean.TRUE) == null) {
      Disconnects.tellShuttingDown(session, why);
    }
  }

  /** Makes the door's SFTP subsystems (configure it as MINA's {@link SftpSubsystemFactory}). */
  SftpSubsystemFactory subsystems() {
    return new Subsystems();
  }

  private final class Subsystems extends SftpSubsystemFactory {
    @Override
    public Command createSubsystem(ChannelSession channel) throws IOException {
      SftpSubsystem subsystem = new Subsystem(channel, this);
      GenericUtils.forEach(getRegisteredListeners(), subsystem::addSftpEventListener);
      return subsystem;
    }
  }

  /** MINA's SFTP subsystem, which says when it has answered a request or ended. */
  private final class Subsystem extends SftpSubsystem implements TreeChange {
    /** The SFTP subsystem's own lines (a handle's close, a malformed request): the door's, not the shutdown's. */
    private static final Logger SFTP_LOG = LoggerFactory.getLogger(SftpDoor.class);
    /** The last reply queued (on the subsystem's thread). */
    private volatile IoWriteFuture lastReply;
    /** The change to the tree the request being answered asks for ({@link TreeChange}), or null. */
    private volatile String treeChange;

    /** Whether the request being answered is an SSH_FXP_OPEN. */
    private volatile boolean opening;

    @Override
    public String treeChange() {
      return treeChange;
    }

    @Override
    public boolean opening() {
      return opening;
    }

    Subsystem(ChannelSession channel, SftpSubsystemFactory factory) {
      super(channel, factory);
    }

    /**
     * A REALPATH that climbs with {@code ..} is answered with the folder it names, clamped at the root (review EA:
     * OpenSSH's {@code cd ..} canonicalises {@code /outbox/..} with REALPATH, which the door refused like any path
     * with {@code ..}, so that a session could not go back up). Only REALPATH: every other request keeps refusing
     * {@code ..} ({@link VirtualAccessor}); the climbed path is then checked as any other.
     */
    @Override
    protected void doRealPath(Buffer buffer, int id) throws IOException {
      String path = buffer.getString();
      ByteArrayBuffer canonical = new ByteArrayBuffer();
      canonical.putString(VirtualAccessor.climbed(path));
      canonical.putRawBytes(buffer.array(), buffer.rpos(), buffer.available());
      super.doRealPath(canonical, id);
    }

    @Override
    public void run() {
      running.add(this);
      try {
        super.run(); // closes the channel's handles before it returns
      } finally {
        running.remove(this);
      }
    }

    /**
     * No "vendor-id" extension: MINA's names its library and exact version to every client that logs in, which the
     * door's banner ({@code SSH-2.0-sealdrop}) deliberately does not tell anyone (docs/security.md).
     */
    @Override
    protected java.util.Map<String, ?> appendVendorIdExtension(Buffer buffer, java.util.Map<String, ?> versionProperties,
        org.apache.sshd.server.session.ServerSession session) {
      return versionProperties;
    }

    /**
     * No {@code acl-supported} extension: the door has no ACLs (MINA's default listed every capability). An empty
     * {@code sftp-acl-supported-mask} setting would not do: MINA treats an empty value as unset.
     */
    @Override
    protected java.util.Collection<Integer> resolveAclSupportedCapabilities(
        org.apache.sshd.server.session.ServerSession session) {
      return java.util.Set.of();
    }

    /**
     * The extended requests MINA carries out for the door: OpenSSH's {@code fsync} and {@code limits}, which the door
     * answers; {@code hardlink}, {@code posix-rename} and {@code lsetstat}, which reach the door's file system and are
     * refused there (PERMISSION_DENIED, audited as its other refusals); and {@code version-select}. Every other one
     * MINA would carry out by name, advertised or not, is answered SSH_FX_OP_UNSUPPORTED before MINA sees it (review
     * DO: {@code md5-hash} or {@code check-file-name} of a /redeem/ path opened it, redeeming the grant and reading
     * every byte on the server to hash it, without one READ).
     */
    static final Set<String> EXTENDED_REQUESTS = Set.of("fsync@openssh.com", "limits@openssh.com",
        "hardlink@openssh.com", "posix-rename@openssh.com", "lsetstat@openssh.com", "version-select");

    @Override
    protected void executeExtendedCommand(Buffer buffer, int id, String extension) throws IOException {
      if (EXTENDED_REQUESTS.contains(extension)) {
        super.executeExtendedCommand(buffer, id, extension);
      } else {
        doUnsupportedExtension(buffer, id, extension);
      }
    }

    /**
     * The {@code supported}/{@code supported2} extensions list no optional requests: the door implements none of
     * MINA's (copy-file, md5-hash, check-file, copy-data, space-available, version-select), and refuses them.
     */
    @Override
    protected java.util.Map<String, org.apache.sshd.common.OptionalFeature> getSupportedClientExtensions(
        org.apache.sshd.server.session.ServerSession session) {
      return java.util.Map.of();
    }

    /**
     * The limits reply names the door's handle limit per session ({@code sftp-max-open-handles}), not MINA's
     * per-channel setting, which is one above it so that the door's own check answers first (outside test: OpenSSH
     * printed "server handle limit 33" for a limit of 32).
     */
    @Override
    protected org.apache.sshd.sftp.client.extensions.openssh.OpenSSHLimitsExtensionInfo getOpenSSHLimitsExtensionInfo(
        int id, org.apache.sshd.server.channel.ChannelSession channel) throws IOException {
      org.apache.sshd.sftp.client.extensions.openssh.OpenSSHLimitsExtensionInfo info =
          super.getOpenSSHLimitsExtensionInfo(id, channel);
      info.maxOpenHandles = OpenHandles.LIMIT.getRequired(channel.getSession());
      return info;
    }

    /** As MINA's, keeping the write's future. */
    @Override
    protected void send(Buffer buffer) throws IOException {
      BufferUtils.updateLengthPlaceholder(buffer, 0);
      lastReply = out.writeBuffer(buffer);
    }

    @Override
    protected void doProcess(Buffer buffer, int length, int type, int id) throws IOException {
      Session session = getServerSession();
      lastReply = null;
      Activity.answering(session); // a session is not idle while one of its requests is answered (a long commit)
      treeChange = TreeChange.of(type, buffer);
      opening = type == SftpConstants.SSH_FXP_OPEN;
      try {
        super.doProcess(buffer, length, type, id);
      } catch (BufferException malformed) {
        // MINA reads a request's fields outside the handlers' own try blocks: a field running past the packet's end
        // ended the subsystem's thread with no reply, and the client's channel hung (outside test). The packet's own
        // length is known, so the next one can still be read: this one is answered, as the SFTP drafts say.
        SFTP_LOG.info("SFTP session {}: a malformed {} request was refused: {}", session,
            SftpConstants.getCommandMessageName(type), malformed.getMessage());
        sendStatus(prepareReply(buffer), id, SftpConstants.SSH_FX_BAD_MESSAGE, "malformed "
            + SftpConstants.getCommandMessageName(type) + " request: a field runs past the end of the packet; it was"
            + " not carried out (a client bug: report it to the client's authors)");
      } finally {
        treeChange = null;
        opening = false;
        Activity.answered(session);
      }
      finished(session, lastReply);
    }

    /**
     * A stat (also lstat, fstat) asks the door's tree first, so that its refusal is the answer. MINA
     * decides whether a path exists with {@code Files.exists} and {@code Files.notExists}, which both
     * say false when the lookup is refused rather than absent (bob's stat of {@code /outbox/NAME}:
     * {@code ROLE_FORBIDDEN}, or an identity disabled meanwhile), and it then answered with empty
     * attributes, a file dated 1970 that is not there; now the client gets the core's refusal, once.
     */
    @Override
    protected NavigableMap<String, Object> resolveFileAttributes(Path file, int flags, boolean useLinkOption,
        LinkOption... options) throws IOException {
      file.getFileSystem().provider().readAttributes(file, BasicFileAttributes.class, options);
      return super.resolveFileAttributes(file, flags, useLinkOption, options);
    }

    /**
     * The channel ended (the client closed it, or the session is closing): its handles are closed now,
     * here rather than by MINA, whose log line for a close that fails (an upload cut by an admin's act,
     * say) names the handle's path: for /outbox/ the client's own file name, which sealdrop does not keep
     * (SECURITY.md §0 rule 5). The door's line gives the core's reason only.
     */
    @Override
    protected void closeAllHandles() {
      ServerSession session = getServerSession();
      SftpEventListener listener = getSftpEventListenerProxy();
      for (Handle handle : handles.values()) {
        try {
          listener.exiting(session, handle);
          handle.close();
        } catch (IOException | RuntimeException e) {
          SFTP_LOG.info("SFTP session {}: a handle closed as its channel ended: {}", session, e.getMessage());
        } finally {
          handle.clearAttributes();
        }
      }
      handles.clear();
      super.closeAllHandles(); // nothing left for MINA to close
      finished(session, null);
    }
  }
}
