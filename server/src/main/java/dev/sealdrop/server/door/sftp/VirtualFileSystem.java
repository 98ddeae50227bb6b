package dev.sealdrop.server.door.sftp;

import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.List;
import java.util.Set;
import org.apache.sshd.common.file.util.BaseFileSystem;

/** One SSH session's file system: the virtual tree of one logged-in identity. */
final class VirtualFileSystem extends BaseFileSystem<VirtualPath> {
  private final VirtualTree tree;
  private volatile boolean open = true;

  VirtualFileSystem(VirtualFileSystemProvider provider, VirtualTree tree) {
    super(provider);
    this.tree = tree;
  }

  VirtualTree tree() {
    return tree;
  }

  @Override
  protected VirtualPath create(String root, List<String> names) {
    return new VirtualPath(this, root, names);
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return Set.of("basic", "posix");
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw new UnsupportedOperationException("the sealdrop SFTP tree has no user lookup");
  }
}
