package dev.sealdrop.server.door.admin;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.AdminFile;
import dev.sealdrop.protocol.v1.AdminGrant;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.ListAllFilesResponse;
import dev.sealdrop.protocol.v1.ListAllGrantsRequest;
import dev.sealdrop.protocol.v1.ListAllGrantsResponse;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review DR: the admin listings came whole in one message, so that a transferor who made some 300,000 short-lived
 * grants made {@code admin grants list} exhaust the server's heap. They come a page at a time (at most 1000 rows), each
 * page starting after the last row of the one before, so that rows made meanwhile neither repeat nor shift the pages.
 */
class AdminListingPagesTest extends OneServerPerMethod {
  private List<String> upload(int files) {
    Users.publish(clients, server.pki, "alice");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      ids.add(Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(100 + i, i), "bob").bytes())
          .getFileId());
    }
    return ids;
  }

  private static List<String> grantIds(List<AdminGrant> grants) {
    return grants.stream().map(AdminGrant::getGrantId).toList();
  }

  @Test
  void grantsComeAPageAtATimeAndTheirPagesMakeTheWholeListing() {
    String file = upload(1).get(0);
    for (int i = 0; i < 5; i++) {
      Transfers.grant(clients, "alice", file, "bob");
    }
    AdminServiceGrpc.AdminServiceBlockingStub carol = admins.admin("carol");
    ListAllGrantsResponse whole = carol.listAllGrants(ListAllGrantsRequest.getDefaultInstance());
    assertThat(whole.getGrantsList()).hasSize(5);
    assertThat(whole.getNextPageToken()).as("one page holds them all").isEmpty();

    List<AdminGrant> paged = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String token = "";
    do {
      ListAllGrantsResponse page = carol.listAllGrants(ListAllGrantsRequest.newBuilder().setPageSize(2)
          .setPageToken(token).build());
      paged.addAll(page.getGrantsList());
      sizes.add(page.getGrantsCount());
      token = page.getNextPageToken();
      if (sizes.size() == 1) {
        // grants made between two pages come first in a new listing, not in this one's later pages
        Transfers.grant(clients, "alice", file, "bob");
      }
    } while (!token.isEmpty());
    assertThat(sizes).as("a short page is the last").containsExactly(2, 2, 1);
    assertThat(grantIds(paged)).as("the pages, in order, are the listing as it was").containsExactlyElementsOf(
        grantIds(whole.getGrantsList()));
    assertThat(carol.listAllGrants(ListAllGrantsRequest.getDefaultInstance()).getGrantsList()).hasSize(6);
  }

  @Test
  void filesComeAPageAtATimeToo() {
    List<String> files = upload(3);
    AdminServiceGrpc.AdminServiceBlockingStub carol = admins.admin("carol");
    ListAllFilesResponse first = carol.listAllFiles(ListAllFilesRequest.newBuilder().setPageSize(2).build());
    assertThat(first.getFilesList()).hasSize(2);
    ListAllFilesResponse second = carol.listAllFiles(ListAllFilesRequest.newBuilder().setPageSize(2)
        .setPageToken(first.getNextPageToken()).build());
    assertThat(second.getFilesList()).hasSize(1);
    List<String> listed = new ArrayList<>();
    first.getFilesList().forEach(f -> listed.add(f.getFileId()));
    second.getFilesList().forEach(f -> listed.add(f.getFileId()));
    assertThat(listed).containsExactlyInAnyOrderElementsOf(files).doesNotHaveDuplicates();
    assertThat(listed).containsExactlyElementsOf(carol.listAllFiles(ListAllFilesRequest.getDefaultInstance())
        .getFilesList().stream().map(AdminFile::getFileId).toList());
    // a page size over the maximum is the maximum, not a refusal
    assertThat(carol.listAllFiles(ListAllFilesRequest.newBuilder().setPageSize(1_000_000).build()).getFilesList())
        .hasSize(3);
  }

  @Test
  void aTokenThisServerDidNotGiveOrANegativePageSizeIsRefusedAndRecorded() throws Exception {
    AdminServiceGrpc.AdminServiceBlockingStub carol = admins.admin("carol");
    String forged = Base64.getUrlEncoder().withoutPadding().encodeToString("p1:12:../etc/passwd".getBytes());
    for (String token : List.of("not-a-token", forged, "x".repeat(5000))) {
      StatusRuntimeException e = refused(() -> carol.listAllGrants(ListAllGrantsRequest.newBuilder()
          .setPageToken(token).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
      assertThat(e.getStatus().getDescription()).contains("page_token is not one this server gave")
          .doesNotContain(token.substring(0, 8));
    }
    refused(() -> carol.listAllFiles(ListAllFilesRequest.newBuilder().setPageToken("zzz").build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    StatusRuntimeException negative = refused(() -> carol.listAllGrants(ListAllGrantsRequest.newBuilder()
        .setPageSize(-1).build()), Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(negative.getStatus().getDescription()).contains("page_size must not be negative");
    assertThat(server.server().audit().tail(100)).filteredOn(r -> r.action().equals("admin.grant.list"))
        .extracting(Audit.Entry::result).containsOnly("invalid-request").hasSize(4);
  }
}
