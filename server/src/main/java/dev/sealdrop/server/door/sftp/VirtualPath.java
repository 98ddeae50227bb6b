package dev.sealdrop.server.door.sftp;

import java.nio.file.LinkOption;
import java.util.List;
import org.apache.sshd.common.file.util.BasePath;

/** A path in a session's virtual tree; it never corresponds to a file on the server's disk. */
final class VirtualPath extends BasePath<VirtualPath, VirtualFileSystem> {
  VirtualPath(VirtualFileSystem fs, String root, List<String> names) {
    super(fs, root, names);
  }

  /** The tree has no links: the real path is the normalized absolute path. */
  @Override
  public VirtualPath toRealPath(LinkOption... options) {
    return toAbsolutePath().normalize();
  }

  /** The names of the normalized absolute path, e.g. ["outbox", "f_..."]. */
  List<String> segments() {
    VirtualPath abs = toAbsolutePath().normalize();
    List<String> out = new java.util.ArrayList<>(abs.getNameCount());
    for (int i = 0; i < abs.getNameCount(); i++) {
      out.add(abs.getName(i).toString());
    }
    return out;
  }
}
