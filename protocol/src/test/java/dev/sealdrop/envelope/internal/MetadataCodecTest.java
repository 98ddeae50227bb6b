package dev.sealdrop.envelope.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.keys.internal.ByteWriter;
import dev.sealdrop.keys.internal.FormatException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Round AP: metadata out of the spec's ranges was refused as malformed, but named in the JDK's words ("Instant exceeds
 * minimum or maximum instant") or as the wrong rule (a content-type byte past ASCII as "not valid UTF-8"). Each is now
 * named as the spec states its rule.
 */
class MetadataCodecTest {
  private static byte[] metadata(byte[] contentType, long seconds) {
    return new ByteWriter().str16("clients.csv").i64(10).u8(contentType.length).bytes(contentType).i64(seconds).u32(0)
        .toByteArray();
  }

  @Test
  void theSpecsRangeOfCreationTimesIsTakenAndOneSecondBeyondIsNamedAsTheField() throws Exception {
    long min = -31557014167219200L; // docs/envelope-format.md, "Metadata"
    long max = 31556889864403199L;
    assertThat(MetadataCodec.decode(metadata(new byte[0], min)).createdAt()).isEqualTo(Instant.MIN);
    assertThat(MetadataCodec.decode(metadata(new byte[0], max)).createdAt().getEpochSecond()).isEqualTo(max);
    for (long beyond : new long[] {min - 1, max + 1, Long.MIN_VALUE, Long.MAX_VALUE}) {
      assertThatThrownBy(() -> MetadataCodec.decode(metadata(new byte[0], beyond))).isInstanceOf(FormatException.class)
          .hasMessage("creation time " + beyond + " s is outside " + min + ".." + max);
    }
  }

  @Test
  void aContentTypeByteOutsidePrintableAsciiIsNamedAsThatRuleWhateverItsValue() {
    for (int b : new int[] {0x1f, 0x7f, 0x80, 0xc3, 0xff}) {
      assertThatThrownBy(() -> MetadataCodec.decode(metadata(new byte[] {'t', (byte) b}, 0)))
          .isInstanceOf(FormatException.class).as("byte 0x%02x", b)
          .hasMessage("metadata: contentType must be 0..255 printable ASCII characters");
    }
  }
}
