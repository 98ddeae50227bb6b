package dev.sealdrop.server.door.sftp;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * When a logged-in session last did something, for {@code sftp-idle-timeout}: logging in, opening a
 * channel, and what the client sends on a channel (SFTP requests and upload data, the window it gives
 * back as it reads a download, the subsystem request, closing), or an SFTP request the server is still
 * answering (a long upload's commit, a write waiting for the disk). Not activity: keepalives (global
 * requests such as OpenSSH's {@code keepalive@openssh.com} from {@code ServerAliveInterval}, channel
 * requests named {@code keepalive@...}, SSH_MSG_IGNORE and SSH_MSG_DEBUG, which never reach the
 * connection service) and replies to the server's own requests.
 *
 * <p>Why the door keeps this instead of MINA's {@code IDLE_TIMEOUT}: MINA restarts that timer on
 * every packet, keepalives included, so a client with {@code ServerAliveInterval} or an idle SFTP
 * channel and a heartbeat was never closed. The door's sweeper ({@link SftpDoor}) closes a session
 * idle longer than the setting, in the words MINA's timeout was given ({@link Disconnects#idle}).
 */
final class Activity {
  static final AttributeKey<Activity> KEY = new AttributeKey<>();

  private volatile long lastNanos = System.nanoTime();
  /** SFTP requests being answered: while there is one, the session is not idle. */
  private final AtomicInteger answering = new AtomicInteger();

  /** Starts counting {@code session}'s activity (it has just logged in). */
  static void start(Session session) {
    session.setAttribute(KEY, new Activity());
  }

  /** Something that counts happened on {@code session}. */
  static void touch(Session session) {
    Activity a = session.getAttribute(KEY);
    if (a != null) {
      a.lastNanos = System.nanoTime();
    }
  }

  /** An SFTP request of {@code session} is being answered, until {@link #answered}. */
  static void answering(Session session) {
    Activity a = session.getAttribute(KEY);
    if (a != null) {
      a.answering.incrementAndGet();
      a.lastNanos = System.nanoTime();
    }
  }

  /** The request {@link #answering} announced has been answered (or failed). */
  static void answered(Session session) {
    Activity a = session.getAttribute(KEY);
    if (a != null) {
      a.lastNanos = System.nanoTime();
      a.answering.decrementAndGet();
    }
  }

  /** Whether {@code session}, logged in, has done nothing that counts for longer than {@code timeout}. */
  static boolean idle(Session session, Duration timeout, long nowNanos) {
    Activity a = session.getAttribute(KEY);
    return a != null && a.answering.get() == 0 && nowNanos - a.lastNanos > timeout.toNanos();
  }

  /**
   * Whether a message of the connection protocol the client sent counts as activity ({@code buffer}
   * positioned after the message's type, left as it was). SSH_MSG_CHANNEL_OPEN counts once the door
   * lets it open (see {@link ChannelGate}).
   */
  static boolean counts(int cmd, Buffer buffer) {
    return switch (cmd) {
      case SshConstants.SSH_MSG_CHANNEL_DATA, SshConstants.SSH_MSG_CHANNEL_EXTENDED_DATA,
          SshConstants.SSH_MSG_CHANNEL_WINDOW_ADJUST, SshConstants.SSH_MSG_CHANNEL_EOF,
          SshConstants.SSH_MSG_CHANNEL_CLOSE -> true;
      case SshConstants.SSH_MSG_CHANNEL_REQUEST -> !keepalive(buffer);
      default -> false; // global requests (keepalives), replies to the server's requests, opens (see above)
    };
  }

  private static boolean keepalive(Buffer buffer) {
    int start = buffer.rpos();
    try {
      buffer.getUInt(); // recipient channel
      return buffer.getString().startsWith("keepalive@");
    } catch (RuntimeException malformed) {
      return false; // MINA refuses it as it reads it
    } finally {
      buffer.rpos(start);
    }
  }
}
