package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.GrantUnavailableException;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.NotFoundException;
import dev.sealdrop.server.core.PermissionDeniedException;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.UnauthenticatedException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.UUID;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.apache.sshd.sftp.common.SftpHelper;
import org.apache.sshd.sftp.server.SftpErrorStatusDataHandler;
import org.apache.sshd.sftp.server.SftpSubsystemEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Translates the core's refusals into SFTP status codes (SFTP v3 has few: permission denied, no
 * such file, failure) with the core's actionable message, and keeps everything else terse: an
 * unexpected error reaches the client as a reference only, never a class name or stack trace.
 */
final class SftpErrors implements SftpErrorStatusDataHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SftpErrors.class);

  static IOException toIo(RuntimeException e) {
    if (e instanceof SealdropException s) {
      return new SftpException(status(s), s.getMessage() + " [" + s.reason().name() + "]");
    }
    java.util.Optional<dev.sealdrop.server.core.UnavailableException> full =
        dev.sealdrop.server.core.StorageFull.of(e);
    if (full.isPresent()) {
      return toIo(full.get());
    }
    String ref = UUID.randomUUID().toString().substring(0, 8);
    LOG.error("SFTP door: internal error (ref {})", ref, e);
    return new SftpException(SftpConstants.SSH_FX_FAILURE, "server: internal error (ref " + ref
        + "); retry, or report the ref to an admin");
  }

  /**
   * A redeem's refusal ({@code GrantService.redeem}), translated as {@link #toIo} does, except that a
   * token not even of a token's shape (mistyped, truncated) answers SSH_FX_NO_SUCH_FILE with the core's
   * message, as a well-formed token that names no grant does: to the client both are a /redeem/ name
   * that is not there (OpenSSH prints "No such file or directory" instead of a bare "Failure"). The
   * audit keeps the core's result ({@code invalid-request}).
   */
  static IOException redeemRefused(RuntimeException e) {
    if (e instanceof InvalidRequestException s) {
      return new SftpException(SftpConstants.SSH_FX_NO_SUCH_FILE, s.getMessage() + " [" + s.reason().name() + "]");
    }
    return toIo(e);
  }

  private static int status(SealdropException e) {
    if (e instanceof UnauthenticatedException || e instanceof PermissionDeniedException) {
      return SftpConstants.SSH_FX_PERMISSION_DENIED;
    }
    if (e instanceof NotFoundException) {
      return SftpConstants.SSH_FX_NO_SUCH_FILE;
    }
    if (e instanceof GrantUnavailableException) {
      return SftpConstants.SSH_FX_PERMISSION_DENIED;
    }
    return SftpConstants.SSH_FX_FAILURE;
  }

  static SftpException badPath(String why) {
    return new SftpException(SftpConstants.SSH_FX_PERMISSION_DENIED, "path refused: " + why);
  }

  /**
   * The status sent: SFTP v3's (the only version the door speaks). MINA's own choice comes from the v6 list for some
   * exceptions (NOT_A_DIRECTORY, FILE_ALREADY_EXISTS, INVALID_FILENAME, ...), codes above 8 that a v3 client such as
   * OpenSSH shows as "Unknown error"; they map as OpenSSH's own server maps the errno behind them. The message keeps
   * the precise name ({@link #resolveErrorMessage}).
   */
  @Override
  public int resolveSubStatus(SftpSubsystemEnvironment sftpSubsystem, int id, Throwable e, int cmd, Object... args) {
    return v3(SftpHelper.resolveSubstatus(unwrapped(e)));
  }

  /**
   * What a folder's later page failed with ({@link PagedEntries} throws it wrapped from its iterator): answered as the
   * failure itself, with its reason (review EC: a bare "failure").
   */
  private static Throwable unwrapped(Throwable e) {
    return e instanceof java.nio.file.DirectoryIteratorException d && d.getCause() != null ? d.getCause() : e;
  }

  static int v3(int status) {
    return switch (status) {
      case SftpConstants.SSH_FX_NO_SUCH_PATH, SftpConstants.SSH_FX_NOT_A_DIRECTORY, SftpConstants.SSH_FX_LINK_LOOP ->
          SftpConstants.SSH_FX_NO_SUCH_FILE;
      case SftpConstants.SSH_FX_WRITE_PROTECT, SftpConstants.SSH_FX_CANNOT_DELETE,
          SftpConstants.SSH_FX_OWNER_INVALID, SftpConstants.SSH_FX_GROUP_INVALID ->
          SftpConstants.SSH_FX_PERMISSION_DENIED;
      case SftpConstants.SSH_FX_INVALID_FILENAME, SftpConstants.SSH_FX_INVALID_PARAMETER ->
          SftpConstants.SSH_FX_BAD_MESSAGE;
      default -> status <= SftpConstants.SSH_FX_OP_UNSUPPORTED ? status : SftpConstants.SSH_FX_FAILURE;
    };
  }

  @Override
  public String resolveErrorMessage(SftpSubsystemEnvironment sftpSubsystem, int id, Throwable thrown, int subStatus,
      int cmd, Object... args) {
    Throwable e = unwrapped(thrown);
    if (e instanceof SftpException) {
      return e.getMessage();
    }
    if (e instanceof AccessDeniedException a) {
      return "permission denied" + (a.getReason() == null ? "" : ": " + a.getReason());
    }
    if (e instanceof FileSystemException f) {
      return SftpConstants.getStatusName(SftpHelper.resolveSubstatus(e)).replace("SSH_FX_", "").replace('_', ' ').toLowerCase(
          java.util.Locale.ROOT) + (f.getReason() == null ? "" : ": " + f.getReason());
    }
    if (e instanceof UnsupportedOperationException) {
      return "operation not supported by sealdrop's SFTP door";
    }
    return SftpConstants.getStatusName(subStatus).replace("SSH_FX_", "").replace('_', ' ')
        .toLowerCase(java.util.Locale.ROOT);
  }
}
