package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One identity may have at most {@link LiveCalls#MAX_CALLS_PER_IDENTITY} gRPC calls running at once, over all its
 * connections (outside test: an identity opened 12,800 upload calls on 200 connections and sent nothing on them, and
 * the server's memory and threads grew with them). The next is refused (RESOURCE_EXHAUSTED, TOO_MANY_CALLS); other
 * identities are not affected, and once calls end the identity may call again.
 */
class CallLimitTest extends OneServerPerMethod {
  @Test
  void anIdentityWithTooManyCallsRunningIsRefusedUntilSomeEnd() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      // upload calls that send nothing stay open; 32 per connection, within its concurrent-call limit
      int opened = 0;
      while (opened < LiveCalls.MAX_CALLS_PER_IDENTITY) {
        ManagedChannel ch = clients.channel("alice");
        channels.add(ch);
        for (int i = 0; i < 32 && opened < LiveCalls.MAX_CALLS_PER_IDENTITY; i++, opened++) {
          Transfers.openUpload(TransferServiceGrpc.newStub(ch), new CompletableFuture<UploadResponse>());
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (server.server().liveCalls().size() < LiveCalls.MAX_CALLS_PER_IDENTITY) {
        assertThat(System.nanoTime()).as("the calls never all started").isLessThan(deadline);
        Thread.sleep(20);
      }
      refused(() -> clients.transfer("alice").listFiles(ListFilesRequest.newBuilder().build()),
          Status.Code.RESOURCE_EXHAUSTED, "TOO_MANY_CALLS");
      // another identity is not affected
      assertThat(clients.transfer("bob").listInbox(ListInboxRequest.newBuilder().build())).isNotNull();
    } finally {
      for (ManagedChannel ch : channels) {
        ch.shutdownNow();
        ch.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (server.server().liveCalls().size() > 0) {
      assertThat(System.nanoTime()).as("the calls never ended").isLessThan(deadline);
      Thread.sleep(20);
    }
    assertThat(clients.transfer("alice").listFiles(ListFilesRequest.newBuilder().build())).isNotNull();
  }
}
