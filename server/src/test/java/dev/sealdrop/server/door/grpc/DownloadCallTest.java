package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The read buffer of one download: never larger than what is left to send, never empty. */
class DownloadCallTest {
  @Test
  void theBufferFitsWhatIsLeftUpToOneChunk() {
    assertThat(DownloadCall.bufferFor(64 * 1024)).isEqualTo(64 * 1024);
    assertThat(DownloadCall.bufferFor(DownloadCall.CHUNK)).isEqualTo(DownloadCall.CHUNK);
    assertThat(DownloadCall.bufferFor(DownloadCall.CHUNK + 1L)).isEqualTo(DownloadCall.CHUNK);
    assertThat(DownloadCall.bufferFor(1L << 40)).isEqualTo(DownloadCall.CHUNK);
  }

  @Test
  void aDownloadWithNothingLeftStillHasAUsableBuffer() {
    assertThat(DownloadCall.bufferFor(0)).isEqualTo(1);
    assertThat(DownloadCall.bufferFor(1)).isEqualTo(1);
  }
}
