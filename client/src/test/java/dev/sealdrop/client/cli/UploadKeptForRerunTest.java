package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A send that ended with its upload committed and no grant keeps the upload in its state, and its re-run grants it
 * rather than uploading again; unless the file changed meanwhile, or the upload is no longer on the server, or the
 * run stopped before it recorded the commit. The state is reached as a real server leaves it: the grant refused after
 * the upload ({@link FullGrants}).
 */
class UploadKeptForRerunTest extends DevServerPerClass {
  static Cli alice;
  static Cli bob;
  static Cli carol;
  static FullGrants full;

  @BeforeAll
  static void start() throws Exception {
    startServer(FullGrants.limit());
    alice = Users.initAndPublish(pki, root, "alice", address);
    bob = Users.initAndPublish(pki, root, "bob", address);
    carol = Users.initWithAdmin(pki, root, "carol", server);
    full = new FullGrants(alice, "bob", root.resolve("filler"));
  }

  @AfterEach
  void freePlaces() {
    full.revokeAll();
  }

  private static List<Object> fileIds(Cli who) {
    return who.run("--json", "files").assertExit(0).jsonList("files").stream().map(f -> f.get("file_id")).toList();
  }

  /** A file changed after a run that left its upload: the re-run sends the file as it is now, never the old upload. */
  @Test
  void aFileReplacedWithTheSameSizeAndTimeIsSentAsItIsNowNeverTheOldUpload() throws Exception {
    Path file = root.resolve("versions.csv");
    java.nio.file.attribute.FileTime then = java.nio.file.attribute.FileTime.fromMillis(1_767_225_600_000L);
    Files.writeString(file, "customer\nOLD-VERSION\n".repeat(300), StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, then);
    // the grant is refused after the upload: the profile keeps the upload for a re-run
    full.sendRefusedAfterUpload(file);
    // a new version of the same size, moved into place with the same modification time (as cp -p or tar x leave it)
    Path next = Files.writeString(root.resolve("versions.csv.new"), "customer\nNEW-VERSION\n".repeat(300),
        StandardCharsets.UTF_8);
    Files.setLastModifiedTime(next, then);
    Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThat(Files.getLastModifiedTime(file)).isEqualTo(then);
    CliRun again = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    assertThat(again.err()).doesNotContain("already uploaded")
        .contains("an earlier send of another version of versions.csv to bob was not finished");
    // and edited in place, size and modification time kept
    full.sendRefusedAfterUpload(file);
    Files.writeString(file, "customer\nTHIRD-VERSN\n".repeat(300), StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, then);
    CliRun third = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    assertThat(third.err()).doesNotContain("already uploaded");
    assertThat(received(again, "bob-versions-2")).contains("NEW-VERSION").doesNotContain("OLD-VERSION");
    assertThat(received(third, "bob-versions-3")).contains("THIRD-VERSN").doesNotContain("NEW-VERSION");
  }

  /**
   * Review DQ: a send of a new version of FILE tore down a send of the old version still running (gave its upload up
   * on the server, deleted its state and spool). The running send holds its state's lock (here the test holds it, as
   * a send in another terminal would): the new version's send leaves it alone, and says so.
   */
  @Test
  void aSendOfANewVersionLeavesARunningSendOfTheOldOneAlone() throws Exception {
    Path file = root.resolve("running.csv");
    Files.writeString(file, "customer\nFIRST\n".repeat(200), StandardCharsets.UTF_8);
    full.sendRefusedAfterUpload(file);
    Path uploads = alice.home().resolve("state").resolve("uploads");
    List<Path> before;
    try (java.util.stream.Stream<Path> s = Files.list(uploads)) {
      before = s.filter(p -> p.getFileName().toString().endsWith(".properties")).toList();
    }
    assertThat(before).hasSize(1);
    Path oldState = before.get(0);
    Files.writeString(file, "customer\nSECOND-VERSION\n".repeat(200), StandardCharsets.UTF_8);
    try (dev.sealdrop.client.net.TransferLock running = dev.sealdrop.client.net.TransferLock.tryAcquire(oldState)
        .orElseThrow()) {
      CliRun next = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
      assertThat(next.err()).contains("a send of another version of running.csv to bob is still running")
          .doesNotContain("was not finished");
      assertThat(oldState).as("the running send's state is kept").exists();
    }
    // once it is no longer running, the next send of the file clears it away as before
    Files.writeString(file, "customer\nTHIRD-VERSION\n".repeat(200), StandardCharsets.UTF_8);
    CliRun third = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    assertThat(third.err()).contains("an earlier send of another version of running.csv to bob was not finished");
    assertThat(oldState).doesNotExist();
  }

  /** What bob receives with the token {@code sent} printed. */
  private static String received(CliRun sent, String folder) throws java.io.IOException {
    Path out = Files.createDirectories(root.resolve(folder));
    bob.run("--json", "receive", (String) sent.json().get("token"), "-o", out.toString()).assertExit(0);
    return Files.readString(out.resolve("versions.csv"), StandardCharsets.UTF_8);
  }

  /** The upload a run left was purged by an admin: the re-run forgets it and uploads again. */
  @Test
  void anEarlierUploadThatIsGoneFromTheServerIsForgottenAndTheFileUploadedAgain() throws Exception {
    Path file = Files.writeString(root.resolve("purged.csv"), "customer\nHOOLI\n".repeat(300), StandardCharsets.UTF_8);
    CliRun refused = full.sendRefusedAfterUpload(file);
    assertThat(refused.err()).contains("sealdrop: hint: the file is uploaded (f");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("the file is uploaded \\((f_[^)]+)\\)")
        .matcher(refused.err());
    assertThat(m.find()).isTrue();
    String stale = m.group(1);
    assertThat(fileIds(alice)).contains(stale);
    carol.run("--json", "admin", "files", "purge", stale, "--reason", "test").assertExit(0);
    assertThat(fileIds(alice)).doesNotContain(stale);

    CliRun again = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    // one note that says what happens, not "already uploaded" followed by its contradiction
    assertThat(again.err()).contains("the earlier upload (" + stale + ") is no longer on the server; uploading again")
        .doesNotContain("already uploaded");
    @SuppressWarnings("unchecked")
    String fresh = (String) ((Map<String, Object>) again.json().get("grant")).get("file_id");
    assertThat(fresh).isNotEqualTo(stale);
    assertThat(fileIds(alice)).contains(fresh).doesNotContain(stale);
    // the grant is good: bob receives the file
    Path out = Files.createDirectories(root.resolve("bob-purged"));
    bob.run("--json", "receive", (String) again.json().get("token"), "-o", out.toString()).assertExit(0);
    assertThat(out.resolve("purged.csv")).hasSameTextualContentAs(file);
    // and nothing stale is left in alice's profile: the next send of the same file uploads afresh, silently
    CliRun third = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    assertThat(third.err()).doesNotContain("already uploaded").doesNotContain("no longer on the server");
  }

  /**
   * Round BO: a send stopped while the server committed its upload, before it recorded the commit, sealed and uploaded
   * the file again on its re-run, and the first copy stayed on the server without a grant. The re-run now asks the
   * server what became of the upload its state names, and grants the committed file.
   */
  @Test
  void aRunStoppedWhileTheServerCommittedItsUploadIsGrantedOnTheRerunNotUploadedAgain() throws Exception {
    byte[] bytes = new byte[200_000];
    new java.util.Random(46).nextBytes(bytes);
    Path file = Files.write(root.resolve("committed.bin"), bytes);
    int filesBefore = fileCount();
    // a grant the server refuses after the upload keeps the committed upload and its state
    full.sendRefusedAfterUpload(file);
    assertThat(fileCount()).isEqualTo(filesBefore + 1);
    Path uploads = alice.home().resolve("state").resolve("uploads");
    Path state;
    try (Stream<Path> s = Files.list(uploads)) {
      state = s.filter(p -> p.getFileName().toString().endsWith(".properties")).findFirst().orElseThrow();
    }
    // as a run stopped before it recorded the commit leaves its state: the upload named, no file, nothing spooled
    java.util.Properties p = new java.util.Properties();
    try (java.io.Reader r = Files.newBufferedReader(state)) {
      p.load(r);
    }
    assertThat(p.getProperty("upload_id")).startsWith("up_");
    p.remove("file_id");
    p.remove("size");
    p.setProperty("spooled", "false");
    try (java.io.Writer w = Files.newBufferedWriter(state)) {
      p.store(w, null);
    }

    CliRun again = alice.run("--json", "send", file.toString(), "--to", "bob").assertExit(0);
    assertThat(again.err()).contains("the server had stored the whole upload before the earlier run stopped")
        .doesNotContain("sealing and uploading again");
    assertThat(fileCount()).as("granted, not uploaded again").isEqualTo(filesBefore + 1);
  }

  /** How many files alice has stored. */
  private static int fileCount() {
    return alice.run("--json", "files").assertExit(0).list("files").size();
  }
}
