package dev.sealdrop.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.FileInfo;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4: a server killed (not shut down) during uploads and restarted on the same data folder
 * keeps every committed file intact and lists nothing half-written; stray data is cleaned up, and
 * an interrupted upload still resumes to a byte-identical blob.
 */
class CrashRecoveryTest {
  @TempDir
  Path data;

  @Test
  void killedDuringUploadsThenRestarted() throws Exception {
    try (TestServer server = new TestServer(data)) {
      byte[] committed;
      UploadResponse kept;
      List<String> interrupted = new ArrayList<>();
      List<byte[]> interruptedBytes = new ArrayList<>();
      try (Clients clients = server.clients()) {
        Users.publish(clients, server.pki, "alice");
        committed = Users.seal("alice", Users.randomBytes(2 << 20, 31), "bob").bytes();
        kept = Transfers.upload(clients, "alice", committed);
        ManagedChannel ch = clients.channel("alice");
        for (int i = 0; i < 3; i++) {
          byte[] env = Users.seal("alice", Users.randomBytes(2 << 20, 40 + i), "bob").bytes();
          String id = Transfers.createUpload(clients, "alice", env.length);
          Transfers.stream(TransferServiceGrpc.newStub(ch), id, env, 0, env.length - 1000, false);
          interrupted.add(id);
          interruptedBytes.add(env);
        }
        for (String id : interrupted) {
          awaitTempSize(id, 1 << 20);
        }
        // As if the server died between renaming a blob and committing its row, and mid-create:
        Files.write(data.resolve("blobs").resolve("f_" + "e".repeat(32)), new byte[] {1, 2, 3});
        Files.write(data.resolve("tmp").resolve("up_" + "e".repeat(32) + ".part"), new byte[] {4, 5, 6});

        server.server().kill();
      }

      server.start();
      try (Clients clients = server.clients()) {
        List<FileInfo> files = clients.transfer("alice").listFiles(ListFilesRequest.getDefaultInstance())
            .getFilesList();
        assertThat(files).extracting(FileInfo::getFileId).containsExactly(kept.getFileId());
        assertThat(Files.readAllBytes(data.resolve("blobs").resolve(kept.getFileId()))).isEqualTo(committed);
        assertThat(list(data.resolve("blobs"))).containsExactly(kept.getFileId());
        assertThat(list(data.resolve("tmp"))).doesNotContain("up_" + "e".repeat(32) + ".part");
        for (String id : interrupted) {
          long offset = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(id).build())
              .getCommittedOffset();
          assertThat(Files.size(data.resolve("tmp").resolve(id + ".part")))
              .as("temporary data is cut back to the durable offset").isEqualTo(offset);
        }
        String id = interrupted.get(0);
        byte[] env = interruptedBytes.get(0);
        long offset = clients.transfer("alice").getUpload(GetUploadRequest.newBuilder().setUploadId(id).build())
            .getCommittedOffset();
        UploadResponse done = Transfers.await(Transfers.stream(clients, "alice", id, env, (int) offset, env.length,
            true));
        assertThat(Files.readAllBytes(data.resolve("blobs").resolve(done.getFileId()))).isEqualTo(env);
      }
    }
  }

  private void awaitTempSize(String id, long size) throws Exception {
    Path part = data.resolve("tmp").resolve(id + ".part");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (Files.size(part) < size && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(Files.size(part)).as("the server received part of " + id).isGreaterThanOrEqualTo(size);
  }

  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
