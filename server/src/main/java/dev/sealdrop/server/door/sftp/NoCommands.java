package dev.sealdrop.server.door.sftp;

import java.io.InputStream;
import java.io.OutputStream;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every {@code exec} request (a command sent with {@code ssh HOST COMMAND}) with exit status 127, running
 * nothing and writing nothing. Without a command factory MINA refused it too, but logged the command's text at WARN ("No
 * command factory for command: md5sum /outbox/NAME"): a client's file name, or a token pasted there, in the server's
 * log, which says names and secrets are never logged (round BU: rclone sends {@code md5sum}, {@code sha1sum} and
 * {@code df} on every connection). Only the command's length is logged, at DEBUG. No refusal text is written on the
 * channel: {@code start} runs on an I/O thread, and a client that opened the channel with no window would hold that
 * thread until MINA's wait for window space timed out, stalling every session of the door (review BX); the exit status
 * and the channel's close need no window.
 */
final class NoCommands implements CommandFactory {
  private static final Logger LOG = LoggerFactory.getLogger(NoCommands.class);
  /** The exit status of a command not found, as a shell gives it. */
  static final int EXIT_STATUS = 127;
  /** The exit message MINA keeps with the status (not sent to the client). */
  static final String MESSAGE = "this is sealdrop's SFTP door: it serves the sftp subsystem only and runs no commands";

  @Override
  public Command createCommand(ChannelSession channel, String command) {
    LOG.debug("exec request refused: the door runs no commands ({} characters)", command == null ? 0 : command.length());
    return new Refused();
  }

  private static final class Refused implements Command {
    private ExitCallback exit;

    @Override
    public void setInputStream(InputStream in) {
      // nothing is read
    }

    @Override
    public void setOutputStream(OutputStream out) {
      // nothing is written there
    }

    @Override
    public void setErrorStream(OutputStream err) {
      // nothing is written there (see the class comment)
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      if (exit != null) {
        exit.onExit(EXIT_STATUS, MESSAGE);
      }
    }

    @Override
    public void destroy(ChannelSession channel) {
      // nothing runs
    }
  }
}
