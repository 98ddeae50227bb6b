package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.failure.LocalDisk;
import dev.sealdrop.client.failure.UsageFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A full disk under {@code seal -o}, {@code open -o} or {@code receive -o} is the user's machine,
 * not a bug in sealdrop: it must be a usage error that says so (exit 2, {@code NO_SPACE}), never
 * "internal error ... this is a bug". The failure is the real one the JDK throws when the kernel
 * answers ENOSPC: Linux's {@code /dev/full} answers every write that way.
 */
@EnabledOnOs(OS.LINUX)
class DiskFullDiagnosisTest {
  @Test
  void aWriteTheDiskRefusesForLackOfSpaceIsAUsageErrorThatSaysTheDiskIsFull() {
    IOException full = catchThrowableOfType(IOException.class, () -> {
      try (FileChannel ch = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[64 * 1024]));
      }
    });
    assertThat(full).as("the kernel's ENOSPC").isNotNull();

    Diagnosis d = Diagnoser.diagnose(full);
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("NO_SPACE");
    assertThat(d.message()).contains("the disk is full").doesNotContain("internal error");
    assertThat(d.hint()).hasValueSatisfying(h -> assertThat(h).contains("free space").doesNotContain("bug"));
  }

  @Test
  void theSameFailureFromFilesNamesTheFile() {
    IOException full = catchThrowableOfType(IOException.class,
        () -> Files.write(Path.of("/dev/full"), new byte[64 * 1024]));
    assertThat(full).isNotNull();
    Diagnosis d = Diagnoser.diagnose(full);
    assertThat(d.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(d.reason()).isEqualTo("NO_SPACE");
  }

  /** A write done on another thread (the envelope library's direct writer) arrives wrapped: still NO_SPACE. */
  @Test
  void aFullDiskReportedThroughAWrappingExceptionIsStillRecognised() {
    IOException full = catchThrowableOfType(IOException.class, () -> {
      try (FileChannel ch = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[64 * 1024]));
      }
    });
    IOException wrapped = new IOException("writing to the file failed: " + full.getMessage(), full);
    UsageFailure f = LocalDisk.refusal(wrapped, Path.of("/srv/incoming"), LocalDisk.OTHER_OUTPUT, "then run it again")
        .orElseThrow();
    assertThat(f.reason()).isEqualTo("NO_SPACE");
    assertThat(f.getMessage()).isEqualTo("cannot write into /srv/incoming: the disk is full (No space left on device)");
    assertThat(f.getCause()).isSameAs(wrapped);
    // a cause without words of its own (a null message) is passed over, not a crash
    IOException silent = new IOException("writing to the file failed", new IOException((String) null, full));
    assertThat(LocalDisk.refusal(silent, Path.of("/srv/incoming"), LocalDisk.OTHER_OUTPUT, "then run it again"))
        .hasValueSatisfying(g -> assertThat(g.reason()).isEqualTo("NO_SPACE"));
    assertThat(LocalDisk.refusal(new IOException("other", new IOException((String) null)), null, "", "then"))
        .isEmpty();
  }

  /**
   * A stream's write knows no file: the folder being written into is named by whoever knows it (here the output
   * folder of open or receive), with how to see that disk's space.
   */
  @Test
  void theFolderBeingWrittenIntoIsNamedWithWhatToDo() {
    IOException full = catchThrowableOfType(IOException.class, () -> {
      try (FileChannel ch = FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(new byte[64 * 1024]));
      }
    });
    Path folder = Path.of("/srv/incoming");
    UsageFailure f = LocalDisk.refusal(full, folder, LocalDisk.OTHER_OUTPUT, "then run the same command again")
        .orElseThrow();
    assertThat(f.reason()).isEqualTo("NO_SPACE");
    assertThat(f.getMessage()).isEqualTo("cannot write into /srv/incoming: the disk is full (No space left on device)");
    assertThat(f.hint()).hasValue("free space on the disk that holds /srv/incoming (`df -h /srv/incoming` shows it),"
        + " or choose an output folder on another disk (-o); then run the same command again");
  }

  /**
   * {@code open -o DIR} onto a real full file system (a 64 KiB tmpfs, so this needs the right to mount one: root
   * in a container) names DIR, where before it said "cannot write: the disk is full" and nothing else.
   */
  @Test
  void openIntoAFullFolderNamesIt(@TempDir Path root) throws Exception {
    Path small = Files.createDirectory(root.resolve("small"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", small.toString())
        .redirectErrorStream(true).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a small tmpfs here (not root)");
    try {
      DevPki pki = DevPki.loadOrCreate(root.resolve("pki"));
      Cli alice = Users.init(pki, root, "alice", "127.0.0.1:1");
      byte[] data = new byte[512 * 1024];
      new java.util.Random(7).nextBytes(data);
      Path plain = Files.write(root.resolve("big.bin"), data);
      Path sealed = root.resolve("big.bin.sealed");
      alice.run("seal", plain.toString(), "--to", "alice", "-o", sealed.toString()).assertExit(0);
      CliRun r = alice.run("--json", "open", sealed.toString(), "-o", small.toString()).assertExit(2);
      assertThat(r.jsonError()).containsEntry("reason", "NO_SPACE")
          .containsEntry("message", "cannot write into " + small + ": the disk is full (No space left on device)")
          .satisfies(e -> assertThat((String) e.get("hint")).contains("`df -h " + small + "`"));
      try (java.util.stream.Stream<Path> left = Files.list(small)) {
        assertThat(left).as("no partial plaintext left").isEmpty();
      }
      // seal into the same full folder names it too (round X: "cannot write: the disk is full" alone)
      CliRun s = alice.run("--json", "seal", plain.toString(), "--to", "alice", "-o", small.resolve("x.sealed")
          .toString()).assertExit(2);
      assertThat(s.jsonError()).containsEntry("reason", "NO_SPACE")
          .containsEntry("message", "cannot write into " + small + ": the disk is full (No space left on device)");
      try (java.util.stream.Stream<Path> left = Files.list(small)) {
        assertThat(left).as("no partial sealed file left").isEmpty();
      }
    } finally {
      new ProcessBuilder("umount", small.toString()).start().waitFor();
    }
  }

  /**
   * A profile on a read-only disk (round BF's note): the file that could not be written is the profile's, so the hint
   * names the profile and never "choose an output folder (-o)", which would not help; a read-only folder of no
   * profile keeps the output folder's hint. Real EROFS from a read-only tmpfs (needs the right to mount: root here).
   */
  @Test
  void aReadOnlyProfileIsNamedInTheHintNotTheOutputFolder(@TempDir Path root) throws Exception {
    Path profile = Files.createDirectories(root.resolve("bob"));
    Files.writeString(profile.resolve("profile.properties"), "identity=bob\n");
    Path state = Files.createDirectories(profile.resolve("state"));
    Path plain = Files.createDirectories(root.resolve("plain"));
    try {
      for (Path p : new Path[] {state, plain}) {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", p.toString())
            .redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "cannot mount a tmpfs here (not root)");
      }
      IOException inProfile = catchThrowableOfType(IOException.class,
          () -> Files.createFile(state.resolve("transfers.lock")));
      Diagnosis d = Diagnoser.diagnose(inProfile);
      assertThat(d.reason()).as("the profile cannot be written, as docs/cli.md's exit 7 says").isEqualTo(
          "PROFILE_UNWRITABLE");
      assertThat(d.exit()).isEqualTo(ExitCodes.KEYSTORE);
      assertThat(d.message()).contains(state.resolve("transfers.lock").toString()).contains("read-only")
          .contains("the profile " + profile);
      assertThat(d.hint()).hasValue("mount it writable, or copy the profile " + profile + " to a disk that is writable"
          + " and has room, and give that copy with --home; then run the same command again");

      IOException elsewhere = catchThrowableOfType(IOException.class, () -> Files.createFile(plain.resolve("a.csv")));
      assertThat(Diagnoser.diagnose(elsewhere).hint()).hasValue("mount it writable, or choose an output folder on"
          + " another disk (-o); then run the same command again");
    } finally {
      for (Path p : new Path[] {state, plain}) {
        new ProcessBuilder("umount", p.toString()).start().waitFor();
      }
    }
  }

  /**
   * Review RH: the JVM takes the operating system's messages in the user's language, so a full or read-only disk under
   * a German desktop ("Auf dem Geraet ist kein Speicherplatz mehr verfuegbar") was not known by its words and ended as
   * "internal error ... a bug". A write into a named folder that fails in unknown words is asked of the file system
   * itself (real tmpfs mounts: root here); a failure that is not the system's (an envelope's, a subclass) never is.
   */
  @Test
  void aFullOrReadOnlyDiskIsToldWhateverLanguageTheSystemSpeaks(@TempDir Path root) throws Exception {
    Path full = Files.createDirectory(root.resolve("full"));
    Path readOnly = Files.createDirectory(root.resolve("ro"));
    Path roomy = Files.createDirectory(root.resolve("roomy"));
    Process a = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", full.toString()).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(a.waitFor() == 0, "cannot mount a small tmpfs here (not root)");
    try {
      assertThat(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", readOnly.toString()).start()
          .waitFor()).isZero();
      catchThrowableOfType(IOException.class, () -> Files.write(full.resolve("filler"), new byte[128 * 1024]));
      String german = "Auf dem Ger\u00e4t ist kein Speicherplatz mehr verf\u00fcgbar";
      UsageFailure f = LocalDisk.refusal(new java.nio.file.FileSystemException(full.resolve(".x.part").toString(), null,
          german), full, LocalDisk.OTHER_OUTPUT, "then run the same command again").orElseThrow();
      assertThat(f.reason()).isEqualTo("NO_SPACE");
      assertThat(f.getMessage()).contains("the disk is full").contains(german);
      // a channel's write fails as a plain IOException, here wrapped as the envelope library's writer does
      UsageFailure ro = LocalDisk.refusal(new IOException("writing to the file failed: Das Dateisystem ist nur lesbar",
          new IOException("Das Dateisystem ist nur lesbar")), readOnly, LocalDisk.OTHER_OUTPUT, "then run the same"
          + " command again").orElseThrow();
      assertThat(ro.reason()).isEqualTo("READ_ONLY_FILE_SYSTEM");

      // not the system's error (a tampered envelope met while writing there): not taken for the disk's
      assertThat(LocalDisk.refusal(new java.io.EOFException("cut short"), full, LocalDisk.OTHER_OUTPUT, "")).isEmpty();
      // nor a failure of sealdrop's own kind caused by one (review RJ: an unreadable input, -o on such a disk)
      assertThat(LocalDisk.refusal(new InputFile.Unreadable(root.resolve("in.csv"), new IOException("E/A-Fehler")),
          full, LocalDisk.OTHER_OUTPUT, "", 10)).isEmpty();
      // and unknown words on a disk with room and writable are left as they are
      assertThat(LocalDisk.refusal(new IOException(german), root, LocalDisk.OTHER_OUTPUT, "")).isEmpty();

      // review RJ: open and receive delete the partial file before they are told, so the room is back then: a disk
      // with less room than the file being written is full (here 2 MiB, empty, for a 3 MiB file)
      assertThat(new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", roomy.toString()).start()
          .waitFor()).isZero();
      assertThat(LocalDisk.refusal(new IOException(german), roomy, LocalDisk.OTHER_OUTPUT, "", 3 << 20)
          .orElseThrow().reason()).isEqualTo("NO_SPACE");
      assertThat(LocalDisk.refusal(new IOException(german), roomy, LocalDisk.OTHER_OUTPUT, "", 64 << 10)).as("room for"
          + " it: not the disk").isEmpty();
    } finally {
      for (Path p : new Path[] {full, readOnly, roomy}) {
        new ProcessBuilder("umount", p.toString()).start().waitFor();
      }
    }
    // EFBIG in the JDK's words (a FAT file system past 4 GiB), wherever it is told
    UsageFailure big = LocalDisk.refusal(new IOException("writing to the file failed: File too large",
        new IOException("File too large")), root, LocalDisk.OTHER_OUTPUT, "then run the same command again")
        .orElseThrow();
    assertThat(big.reason()).isEqualTo("FILE_TOO_LARGE");
    assertThat(big.hint()).hasValueSatisfying(h -> assertThat(h).contains("another file system"));
  }

  /**
   * Only the profile's own files are the profile's: an output folder made inside a profile folder, or a file beside its
   * settings, is not (session 45's read: any folder above the failing file with a profile.properties was taken for it).
   */
  @Test
  void aFileIsTheProfilesOnlyIfItIsOneOfTheProfilesOwn(@TempDir Path root) throws Exception {
    Path profile = Files.createDirectories(root.resolve("bob"));
    Files.writeString(profile.resolve("profile.properties"), "identity=bob\n");
    for (String own : new String[] {"state/downloads/0123.properties", "keys/identity.key", "checkpoints/x.note",
        "trusted/alice.skb", "tls/client.crt", ".tmp-123.part", "profile.properties"}) {
      IOException e = new java.nio.file.FileSystemException(profile.resolve(own).toString());
      assertThat(Diagnoser.profileHolding(e)).as(own).isEqualTo(profile.toAbsolutePath().normalize());
    }
    for (String other : new String[] {"downloads/clients.csv", "clients.csv", "out/.tmp-123.part",
        "out/state/x"}) {
      IOException e = new java.nio.file.FileSystemException(profile.resolve(other).toString());
      assertThat(Diagnoser.profileHolding(e)).as(other).isNull();
    }
  }
}
