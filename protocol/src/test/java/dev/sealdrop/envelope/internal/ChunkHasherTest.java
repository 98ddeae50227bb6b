package dev.sealdrop.envelope.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.keys.internal.Primitives;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The second-core hasher delivers exactly the serial per-chunk hashes, in order, although its
 * buffers are recycled while other chunks are still being hashed; it never holds more than
 * {@link ChunkHasher#DEPTH} buffers, and hands chunks over a batch at a time.
 */
class ChunkHasherTest {
  @Test
  void parallelAndSerialHashingAgreeChunkByChunkInOrder() {
    Random r = new Random(5);
    List<String> serial = new ArrayList<>();
    List<String> parallel = new ArrayList<>();
    ChunkHasher s = new ChunkHasher(1024, false, h -> serial.add(HexFormat.of().formatHex(h)));
    ChunkHasher p = new ChunkHasher(1024, true, h -> parallel.add(HexFormat.of().formatHex(h)));
    List<String> expected = new ArrayList<>();
    java.util.Set<byte[]> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (int i = 0; i < 500; i++) {
      int len = 1 + r.nextInt(1024);
      byte[] content = new byte[len];
      r.nextBytes(content);
      expected.add(HexFormat.of().formatHex(Primitives.sha256(content)));
      for (ChunkHasher h : List.of(s, p)) {
        byte[] buf = h.buffer();
        Arrays.fill(buf, (byte) 0x55); // a recycled buffer must no longer be in use
        System.arraycopy(content, 0, buf, 0, len);
        h.hash(buf, 0, len);
        if (h == p) {
          distinct.add(buf);
        }
      }
    }
    s.drain();
    p.drain();
    assertThat(serial).isEqualTo(expected);
    assertThat(parallel).isEqualTo(expected);
    assertThat(distinct).hasSizeLessThanOrEqualTo(ChunkHasher.DEPTH);
  }

  @Test
  void chunksGoToTheHashingThreadABatchAtATimeNotOneByOne() {
    List<byte[]> hashes = new ArrayList<>();
    ChunkHasher p = new ChunkHasher(64, true, hashes::add);
    int chunks = 10 * ChunkHasher.BATCH + 1;
    for (int i = 0; i < chunks; i++) {
      byte[] buf = p.buffer();
      buf[0] = (byte) i;
      p.hash(buf, 0, 1);
    }
    p.drain();
    assertThat(hashes).hasSize(chunks);
    for (int i = 0; i < chunks; i++) {
      assertThat(hashes.get(i)).as("chunk %d", i).isEqualTo(Primitives.sha256(new byte[] {(byte) i}));
    }
    // one hand-off per batch (the last one short): a wake-up of the hashing thread per chunk costs more than its hash
    assertThat(p.handOffs()).isEqualTo(11);
  }

  @Test
  void aLargerBatchHandsOverLessOftenAndKeepsItsOwnBufferBound() {
    List<byte[]> hashes = new ArrayList<>();
    ChunkHasher p = new ChunkHasher(64, true, ChunkHasher.LOCAL_BATCH, hashes::add);
    java.util.Set<byte[]> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    int chunks = 5 * ChunkHasher.LOCAL_BATCH + 3;
    for (int i = 0; i < chunks; i++) {
      byte[] buf = p.buffer();
      distinct.add(buf);
      buf[0] = (byte) i;
      p.hash(buf, 0, 1);
    }
    p.drain();
    for (int i = 0; i < chunks; i++) {
      assertThat(hashes.get(i)).as("chunk %d", i).isEqualTo(Primitives.sha256(new byte[] {(byte) i}));
    }
    assertThat(p.handOffs()).isEqualTo(6);
    assertThat(distinct).hasSizeLessThanOrEqualTo(3 * ChunkHasher.LOCAL_BATCH).hasSizeGreaterThan(ChunkHasher.DEPTH);
  }

  @Test
  void theAutoSettingUsesASecondCoreWhenThereIsOne() {
    assertThat(ChunkHasher.parallelSetting("auto", 1)).isFalse();
    assertThat(ChunkHasher.parallelSetting("auto", 2)).isTrue();
    assertThat(ChunkHasher.parallelSetting("true", 1)).isTrue();
    assertThat(ChunkHasher.parallelSetting("false", 64)).isFalse();
  }
}
