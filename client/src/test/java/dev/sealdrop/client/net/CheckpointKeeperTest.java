package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.sealdrop.audit.AuditEvent;
import dev.sealdrop.audit.AuditKey;
import dev.sealdrop.audit.AuditLogConfig;
import dev.sealdrop.audit.AuditLogWriter;
import dev.sealdrop.audit.HeldCheckpoints;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.protocol.CheckpointTrailer;
import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CLI keeps from the server's audit-checkpoint trailer: valid notes, once; nothing else, never failing. */
class CheckpointKeeperTest {
  @TempDir
  Path tmp;
  Path held;
  CheckpointKeeper keeper;
  SignedCheckpoint checkpoint;

  @BeforeEach
  void setUp() throws Exception {
    held = Files.createDirectory(tmp.resolve("checkpoints"));
    keeper = new CheckpointKeeper(held);
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) 3);
    try (AuditLogWriter w = AuditLogWriter.open(AuditLogConfig.defaults(tmp.resolve("audit.jsonl"), "test/audit"),
        AuditKey.testOnlyFromSeed("test/audit", seed))) {
      w.append(AuditEvent.of("alice", "grant.create", "grant:g1", "ok", "127.0.0.1:1"));
      checkpoint = w.checkpoint();
    }
  }

  private static Metadata trailer(byte[] note) {
    Metadata m = new Metadata();
    m.put(CheckpointTrailer.KEY, note);
    return m;
  }

  private List<Path> kept() throws Exception {
    try (Stream<Path> s = Files.list(held)) {
      return s.toList();
    }
  }

  @Test
  void garbageIsDroppedWithoutFailing() throws Exception {
    for (byte[] bad : List.of("not a checkpoint".getBytes(StandardCharsets.UTF_8), new byte[0],
        "test/audit\n1\n\n\n".getBytes(StandardCharsets.UTF_8),
        checkpoint.note().replace("test/audit\n1\n", "test/audit\nx\n").getBytes(StandardCharsets.UTF_8))) {
      assertThatCode(() -> keeper.keep(trailer(bad))).doesNotThrowAnyException();
    }
    assertThat(kept()).isEmpty();
  }

  @Test
  void nonUtf8IsDroppedWithoutFailing() throws Exception {
    byte[] note = checkpoint.note().getBytes(StandardCharsets.UTF_8);
    byte[] broken = Arrays.copyOf(note, note.length + 2);
    broken[note.length] = (byte) 0xc3; // a lead byte without its continuation
    broken[note.length + 1] = (byte) 0x28;
    keeper.keep(trailer(broken));
    assertThat(kept()).isEmpty();
  }

  @Test
  void anOversizeTrailerIsDroppedWithoutFailingEvenIfItStartsWithAValidNote() throws Exception {
    byte[] note = checkpoint.note().getBytes(StandardCharsets.UTF_8);
    byte[] big = Arrays.copyOf(note, CheckpointTrailer.MAX_BYTES + 1);
    Arrays.fill(big, note.length, big.length, (byte) 'a');
    keeper.keep(trailer(big));
    assertThat(kept()).isEmpty();
  }

  @Test
  void noTrailerOrAnUnwritableFolderNeverFailsTheCall() throws Exception {
    keeper.keep(new Metadata());
    keeper.keep(null);
    assertThat(kept()).isEmpty();
    Path notADir = Files.writeString(tmp.resolve("a-file"), "x");
    assertThatCode(() -> new CheckpointKeeper(notADir).keep(trailer(checkpoint.note().getBytes(StandardCharsets.UTF_8))))
        .doesNotThrowAnyException();
  }

  @Test
  void aValidNoteIsKeptOnceAsReceived() throws Exception {
    byte[] note = checkpoint.note().getBytes(StandardCharsets.UTF_8);
    keeper.keep(trailer(note));
    keeper.keep(trailer(note.clone()));
    assertThat(kept()).hasSize(1);
    assertThat(Files.readString(kept().get(0), StandardCharsets.UTF_8)).isEqualTo(checkpoint.note());
    assertThat(HeldCheckpoints.load(held)).containsExactly(checkpoint);
  }
}
