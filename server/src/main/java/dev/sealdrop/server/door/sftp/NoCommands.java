package dev.sealdrop.server.door.sftp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every {@code exec} request (a command sent with {@code ssh HOST COMMAND}) with a refusal on its standard error
 * and exit status 127, running nothing. Without a command factory MINA refused it too, but logged the command's text at
 * WARN ("No command factory for command: md5sum /outbox/NAME"): a client's file name, or a token pasted there, in the
 * server's log, which says names and secrets are never logged (round BU: rclone sends {@code md5sum}, {@code sha1sum}
 * and {@code df} on every connection). Only the command's length is logged, at DEBUG.
 */
final class NoCommands implements CommandFactory {
  private static final Logger LOG = LoggerFactory.getLogger(NoCommands.class);
  /** The exit status of a command not found, as a shell gives it. */
  static final int EXIT_STATUS = 127;
  static final String MESSAGE = "this is sealdrop's SFTP door: it serves the sftp subsystem only and runs no commands";

  @Override
  public Command createCommand(ChannelSession channel, String command) {
    LOG.debug("exec request refused: the door runs no commands ({} characters)", command == null ? 0 : command.length());
    return new Refused();
  }

  private static final class Refused implements Command {
    private OutputStream err;
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
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
      if (err != null) {
        err.write((MESSAGE + "\n").getBytes(StandardCharsets.UTF_8));
        err.flush();
      }
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
