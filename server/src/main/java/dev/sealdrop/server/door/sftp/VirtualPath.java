package dev.sealdrop.server.door.sftp;

import java.nio.file.LinkOption;
import java.util.List;
import org.apache.sshd.common.file.util.BasePath;

/** A path in a session's virtual tree; it never corresponds to a file on the server's disk. */
final class VirtualPath extends BasePath<VirtualPath, VirtualFileSystem> {
  /**
   * What a listing saw of this entry, or null: the attributes of a path a directory listing returned are those it
   * listed. A grant redeemed, or a file purged, between the listing and MINA's lookup of each entry's attributes
   * failed the whole listing (round AY); a path the client names anew is looked up anew.
   */
  private VirtualAttributes listed;

  VirtualPath(VirtualFileSystem fs, String root, List<String> names) {
    super(fs, root, names);
  }

  /** This path, as a listing returns it: with the attributes the listing saw. */
  VirtualPath listedAs(VirtualAttributes attributes) {
    VirtualPath p = new VirtualPath(getFileSystem(), root, names);
    p.listed = attributes;
    return p;
  }

  /** The attributes a listing saw of this path, if a listing made it. */
  java.util.Optional<VirtualAttributes> listed() {
    return java.util.Optional.ofNullable(listed);
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
