package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A profile whose disk is full when a transfer must record what it just made on the server (a real 1 MiB tmpfs holds
 * the profile, so this needs the right to mount one: root in a container). A receive's claim was kept on the server and
 * the re-run the message asked for was refused GRANT_CLAIMED for an hour (outside test); now the claim is given back
 * first, the message says so, and the re-run once there is room receives the file. A send's new upload is given up.
 */
class FullProfileDiskTest extends DevServerPerClass {
  static Cli alice;
  static Path small;
  static boolean mounted;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    alice = Users.initAndPublish(pki, root, "alice", address);
    Users.initAndPublish(pki, root, "bob", address);
    small = Files.createDirectory(root.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
        .redirectErrorStream(true).start();
    mounted = mount.waitFor() == 0;
  }

  @AfterAll
  static void unmount() throws Exception {
    if (mounted) {
      new ProcessBuilder("umount", small.toString()).start().waitFor();
    }
  }

  @Test
  void aReceiveTheFullProfileCannotKeepRedeemsNothingAndTheRerunReceivesOnceThereIsRoom() throws Exception {
    Assumptions.assumeTrue(mounted, "cannot mount a small tmpfs here (not root)");
    Path bobHome = small.resolve("bob");
    copy(root.resolve("home-bob"), bobHome);
    Cli bob = new Cli(bobHome, Users.passphrase("bob"));
    Path file = Files.writeString(root.resolve("clients.csv"), "id,name\n1,ACME\n");
    String token = (String) alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0).json()
        .get("token");
    Path filler = fill(small);
    Path out = emptyDir("out");
    try {
      CliRun full = bob.run("--json", "receive", token, "-o", out.toString()).assertExit(2);
      assertThat(full.jsonError()).containsEntry("reason", "NO_SPACE");
      assertThat((String) full.jsonError().get("message")).contains("the disk is full")
          .contains("where the profile keeps this receive's state")
          .endsWith("nothing was redeemed and the grant was not used up");
    } finally {
      Files.delete(filler);
    }
    bob.run("receive", token, "-o", out.toString()).assertExit(0);
    assertThat(out.resolve("clients.csv")).hasSameTextualContentAs(file);
  }

  @Test
  void anUploadTheFullProfileCannotRecordIsGivenUpAndTheMessageNamesTheProfile() throws Exception {
    Assumptions.assumeTrue(mounted, "cannot mount a small tmpfs here (not root)");
    Path file = Files.writeString(root.resolve("list.csv"), "id,name\n2,Globex\n");
    alice.run("send", file.toString(), "--to", "bob").assertExit(0); // pins bob's key in alice's profile
    Path aliceHome = small.resolve("alice");
    copy(alice.home(), aliceHome);
    Cli full = new Cli(aliceHome, Users.passphrase("alice"));
    Path other = Files.writeString(root.resolve("other.csv"), "id,name\n3,Initech\n");
    Path filler = fill(small);
    try {
      CliRun r = full.run("--json", "send", other.toString(), "--to", "bob").assertExit(2);
      assertThat(r.jsonError()).containsEntry("reason", "NO_SPACE");
      assertThat((String) r.jsonError().get("message")).contains("where the profile keeps this send's state")
          .endsWith("nothing was uploaded");
      assertThat((String) r.jsonError().get("hint")).doesNotContain("-o");
      try (Stream<Path> open = Files.list(root.resolve("data").resolve("tmp"))) {
        assertThat(open).as("no unfinished upload left on the server").isEmpty();
      }
    } finally {
      Files.delete(filler);
    }
    full.run("send", other.toString(), "--to", "bob").assertExit(0);
  }

  /** Fills the file system of {@code dir} with one file; returns it. */
  private static Path fill(Path dir) throws Exception {
    Path filler = dir.resolve("filler");
    byte[] block = new byte[64 * 1024];
    try (java.io.OutputStream o = Files.newOutputStream(filler)) {
      while (true) {
        o.write(block);
      }
    } catch (java.io.IOException full) {
      return filler; // ENOSPC: full
    }
  }

  private static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : all.sorted(Comparator.naturalOrder()).toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
