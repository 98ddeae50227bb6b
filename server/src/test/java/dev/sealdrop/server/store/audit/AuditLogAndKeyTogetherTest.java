package dev.sealdrop.server.store.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.server.testing.TestServer;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log and its signing key live together (outside test: a deleted audit.jsonl was silently replaced by a new
 * log starting at record 1 under the same key; a deleted audit.key was replaced on disk by a new one before the start
 * failed). One without the other refuses the start, writes nothing, and says what to restore.
 */
class AuditLogAndKeyTogetherTest {
  @TempDir
  Path data;

  private Path log() {
    return data.resolve("audit").resolve("audit.jsonl");
  }

  private Path key() {
    return data.resolve("audit").resolve("audit.key");
  }

  @Test
  void aMissingLogBesideItsKeyRefusesTheStartUntilItIsRestored() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    byte[] kept = Files.readAllBytes(log());
    Files.delete(log());

    assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class).hasMessageContaining(
        "the audit log " + log() + " is missing or empty, but its signing key " + key() + " exists")
        .hasMessageContaining("Restore audit.jsonl from a backup");
    assertThat(log()).doesNotExist();

    Files.write(log(), kept);
    server.start().close();
  }

  /**
   * Round AK: a log cut to its header line, or within it, passed the check for a missing or empty log, and a new log
   * started at record 1 under the same key, signing other heads for sizes it had signed before; the only message was a
   * few torn bytes discarded. A log cut after a whole record is a crash's torn tail and is still opened.
   */
  @Test
  void aLogCutToItsHeaderOrWithinItRefusesTheStart() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    byte[] kept = Files.readAllBytes(log());
    int header = indexOf(kept, (byte) '\n', 0) + 1;
    int firstRecord = indexOf(kept, (byte) '\n', header) + 1;
    for (int cut : new int[] {5, header, firstRecord - 1}) {
      Files.write(log(), java.util.Arrays.copyOf(kept, cut));
      assertThatThrownBy(server::start).as("cut at %d", cut).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("the audit log " + log() + " is cut short: it holds no whole record, but its signing"
              + " key " + key() + " exists");
      assertThat(Files.size(log())).as("nothing written").isEqualTo(cut);
    }
    // one whole record and a torn line: a crash could not cut the checkpoints signed after it, which the database
    // keeps (AuditLogCutBackTest)
    Files.write(log(), java.util.Arrays.copyOf(kept, firstRecord + 3));
    assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("does not hold the checkpoint of");
    Files.write(log(), kept);
    server.start().close();
  }

  private static int indexOf(byte[] bytes, byte b, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    throw new AssertionError("no newline after " + from);
  }

  @Test
  void aMissingKeyBesideItsLogRefusesTheStartAndNoNewKeyIsWritten() throws Exception {
    TestServer server = new TestServer(data, c -> c);
    server.close();
    byte[] kept = Files.readAllBytes(key());
    Files.delete(key());

    assertThatThrownBy(server::start).isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("its signing key " + key() + " is missing")
        .hasMessageContaining("Restore the key from a backup");
    assertThat(key()).as("no stray key to delete before restoring the old one").doesNotExist();

    Files.write(key(), kept);
    Files.setPosixFilePermissions(key(), java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    server.start().close();
  }
}
