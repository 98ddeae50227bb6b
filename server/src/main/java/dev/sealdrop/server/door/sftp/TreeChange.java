package dev.sealdrop.server.door.sftp;

import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.sftp.common.SftpConstants;

/**
 * The change to the tree's shape an SFTP request asks for (a removal, a folder, a rename, a link), named as its refusal
 * is recorded ({@code call.refuse} of {@code sftp:OPERATION}), or null for any other request. Every such change is
 * refused; the door records it whether the refusal comes from the operation itself or, before it, from a path the door
 * does not take ({@code ..}, control characters, a name too long): those are the classic traversal probes (review ED).
 */
interface TreeChange {
  /** The operation of the request being answered, or null. */
  String treeChange();

  /** Whether the request being answered is an SSH_FXP_OPEN (a redeem or an upload). */
  boolean opening();

  /** The operation {@code type} asks for; an extended request's name is read from {@code request} and put back. */
  static String of(int type, Buffer request) {
    switch (type) {
      case SftpConstants.SSH_FXP_REMOVE:
        return "remove";
      case SftpConstants.SSH_FXP_MKDIR:
        return "mkdir";
      case SftpConstants.SSH_FXP_RMDIR:
        return "rmdir";
      case SftpConstants.SSH_FXP_RENAME:
        return "rename";
      case SftpConstants.SSH_FXP_SYMLINK:
        return "symlink";
      case SftpConstants.SSH_FXP_LINK:
        return link(request);
      case SftpConstants.SSH_FXP_EXTENDED:
        return extended(request);
      default:
        return null;
    }
  }

  /** LINK carries the link's path, its target's and whether it is symbolic, which names it as its refusal does. */
  private static String link(Buffer request) {
    int at = request.rpos();
    try {
      request.getString();
      request.getString();
      return request.getBoolean() ? "symlink" : "link";
    } catch (RuntimeException malformed) {
      return "link"; // the request itself is answered as malformed
    } finally {
      request.rpos(at);
    }
  }

  private static String extended(Buffer request) {
    int at = request.rpos();
    try {
      String name = request.getString();
      return switch (name) {
        case "posix-rename@openssh.com" -> "rename";
        case "hardlink@openssh.com" -> "link";
        default -> null;
      };
    } catch (RuntimeException malformed) {
      return null; // the request itself is answered as malformed
    } finally {
      request.rpos(at);
    }
  }
}
