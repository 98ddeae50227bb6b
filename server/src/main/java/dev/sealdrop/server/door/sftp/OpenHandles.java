package dev.sealdrop.server.door.sftp;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.Property;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.server.session.ServerSession;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.Handle;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * The open-handle limit ({@code sftp-max-open-handles}) per SSH session, as documented. MINA's
 * {@code MAX_OPEN_HANDLES_PER_SESSION} counts the handles of one SFTP channel, and a session may
 * open two, so alone it lets a session hold twice the limit (each upload handle with its own
 * writer thread and buffers). {@link VirtualAccessor} reserves a slot before it opens anything
 * (before a /redeem/ token is looked up) and frees it when the handle closes. MINA's own check is
 * set one above the limit ({@link SftpDoor}), so that it never answers first: it ran before this one,
 * and on a single channel it refused with its {@code Too many open handles: current=N, max.=N} and
 * status 14, a code SFTP v3 clients such as OpenSSH do not know.
 */
final class OpenHandles {
  /** {@code sftp-max-open-handles}: the door's limit, per SSH session. */
  static final Property<Integer> LIMIT = Property.integer("sealdrop-sftp-max-open-handles");
  private static final AttributeKey<Set<Handle>> OPEN = new AttributeKey<>();

  private OpenHandles() {}

  static void reserve(SftpSubsystemProxy subsystem, Handle handle) throws SftpException {
    ServerSession session = subsystem.getServerSession();
    int max = LIMIT.getRequired(session);
    Set<Handle> open = session.computeAttributeIfAbsent(OPEN,
        k -> Collections.newSetFromMap(new IdentityHashMap<>()));
    synchronized (open) {
      if (!open.contains(handle) && open.size() >= max) {
        throw new SftpException(SftpConstants.SSH_FX_FAILURE, "too many open files and folders in this session"
            + " (at most " + max + ", sftp-max-open-handles); close some first");
      }
      open.add(handle);
    }
  }

  /**
   * Whether {@code session} holds a file handle: an upload into /outbox/ or a /redeem/ download
   * (the only files the tree opens), opened or being opened. A graceful shutdown lets such a session
   * finish ({@link ShutdownGrace}).
   */
  static boolean transferOpen(Session session) {
    Set<Handle> open = session.getAttribute(OPEN);
    if (open == null) {
      return false;
    }
    synchronized (open) {
      return open.stream().anyMatch(h -> h instanceof FileHandle);
    }
  }

  static void release(SftpSubsystemProxy subsystem, Handle handle) {
    Set<Handle> open = subsystem.getServerSession().getAttribute(OPEN);
    if (open != null) {
      synchronized (open) {
        open.remove(handle);
      }
    }
  }
}
