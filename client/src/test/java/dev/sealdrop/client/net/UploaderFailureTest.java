package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.failure.SealdropFailure;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * An upload stream the server ended with UNAVAILABLE is told by its reason where it has one, not as a broken
 * connection: the storage reserve ({@code STORAGE_FULL}: a re-run fails alike until the operator frees space; outside
 * test: it read "the connection to the server broke ... re-run to resume") and the stall timeout ({@code
 * UPLOAD_STALLED}). A stream that broke without a reason is interrupted, to resume.
 */
class UploaderFailureTest {
  private static UploadStream.BrokenUpload ended(String reason, String description) {
    Metadata m = new Metadata();
    if (reason != null) {
      m.put(GrpcFailures.REASON, reason);
    }
    return new UploadStream.BrokenUpload(new StatusRuntimeException(Status.UNAVAILABLE.withDescription(description), m));
  }

  @Test
  void theStorageReserveAndTheStallTimeoutAreToldByTheirReasonABrokenConnectionAsInterrupted() {
    SealdropFailure full = Uploader.interrupted(ended("STORAGE_FULL", "the server's storage is nearly full"));
    assertThat(full.reason()).isEqualTo("STORAGE_FULL");
    assertThat(full.getMessage()).contains("the server's storage is nearly full").doesNotContain("broke");
    assertThat(full.hint()).hasValueSatisfying(h -> assertThat(h).contains("free space"));

    SealdropFailure stalled = Uploader.interrupted(ended("UPLOAD_STALLED", "its client sent nothing for 10 min"));
    assertThat(stalled.reason()).isEqualTo("UPLOAD_STALLED");

    SealdropFailure broke = Uploader.interrupted(ended(null, "io exception"));
    assertThat(broke.reason()).isEqualTo("UPLOAD_INTERRUPTED");
  }
}
