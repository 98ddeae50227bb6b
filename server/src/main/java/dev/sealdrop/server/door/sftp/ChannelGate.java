package dev.sealdrop.server.door.sftp;

import java.io.IOException;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.session.AbstractServerSession;
import org.apache.sshd.server.session.ServerConnectionService;
import org.apache.sshd.server.session.ServerConnectionServiceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a logged-in SSH connection may open: "session" channels (for the SFTP subsystem), at most
 * {@link #MAX_CHANNELS} at once. A channel past that, or of any other type (direct-tcpip from {@code
 * ssh -L} or {@code ssh -W}, and the like), gets SSH_MSG_CHANNEL_OPEN_FAILURE with the door's words,
 * and the connection's other channels go on.
 *
 * <p>Why not MINA's {@code MAX_CONCURRENT_CHANNELS} alone: MINA lets one channel more than the
 * setting through, and the one after that makes its {@code registerChannel} throw, which closes the
 * whole session, the transfers of its other channels included (a client multiplexing several
 * {@code sftp} runs over one connection with OpenSSH's ControlMaster lost them all). And a refused
 * forwarding channel was answered "Generic error while opening channel: 0". Here the open is decided
 * before MINA's code runs; MINA's setting stays as a backstop that this check keeps out of reach.
 * The same service notes the messages that count as a session's activity, for the idle timeout.
 */
final class ChannelGate extends ServerConnectionServiceFactory {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelGate.class);

  /** Channels one connection may hold at once: one per SFTP session, e.g. a transfer and a listing beside it. */
  static final int MAX_CHANNELS = 2;
  /** The one channel type a client may open: a session, in which it starts the sftp subsystem. */
  static final String SESSION = "session";

  /** The reason OpenSSH prints after "open failed: resource shortage: ". */
  static final String TOO_MANY_CHANNELS = "sealdrop: at most " + MAX_CHANNELS + " channels per SSH connection;"
      + " close one or open another connection";
  /** The reason OpenSSH prints after "open failed: administratively prohibited: ". */
  static final String ONLY_SFTP = "sealdrop: this server offers the sftp subsystem only; no port forwarding,"
      + " agent, X11 or other channels";

  @Override
  public Service create(Session session) throws IOException {
    if (!(session instanceof AbstractServerSession server)) {
      throw new IOException("server: internal error: not a server session: " + session);
    }
    Connection service = new Connection(server);
    service.addPortForwardingEventListenerManager(this);
    return service;
  }

  /**
   * MINA's server connection service, which first decides whether a channel may open, and notes what
   * counts as the session's activity ({@link Activity}).
   */
  private static final class Connection extends ServerConnectionService {
    Connection(AbstractServerSession session) throws IOException {
      super(session); // MINA creates it once the session has logged in
      Activity.start(session);
    }

    @Override
    public void process(int cmd, Buffer buffer) throws Exception {
      if (Activity.counts(cmd, buffer)) {
        Activity.touch(getSession());
      }
      super.process(cmd, buffer);
    }

    @Override
    protected void channelOpen(Buffer buffer) throws Exception {
      int start = buffer.rpos();
      String type = buffer.getString();
      long sender = buffer.getUInt();
      buffer.rpos(start); // MINA's channelOpen reads the message from its start
      if (!SESSION.equals(type)) {
        LOG.info("refusing a '{}' channel on SFTP session {}: only the sftp subsystem is offered", shown(type),
            getSession());
        sendChannelOpenFailure(buffer, sender, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, ONLY_SFTP, "");
        return;
      }
      // channels are opened on this session's I/O thread only (the door opens none), so the count cannot
      // grow between this check and MINA's registration of the channel
      int open = channels.size(); // also channels closing: MINA's backstop counts them too
      if (open >= MAX_CHANNELS) {
        LOG.info("refusing a channel on SFTP session {}: {} are open, the most one connection may hold", getSession(),
            open);
        sendChannelOpenFailure(buffer, sender, SshConstants.SSH_OPEN_RESOURCE_SHORTAGE, TOO_MANY_CHANNELS, "");
        return;
      }
      Activity.touch(getSession());
      super.channelOpen(buffer);
    }
  }

  /** A client-chosen channel type as a log line may show it: printable ASCII, at most 64 characters. */
  static String shown(String type) {
    String cut = type.length() > 64 ? type.substring(0, 64) : type;
    return cut.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? cut : "(unprintable)";
  }
}
