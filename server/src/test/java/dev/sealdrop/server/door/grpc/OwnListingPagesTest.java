package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.FileInfo;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.ListFilesResponse;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.ListGrantsResponse;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.ListInboxResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc.TransferServiceBlockingStub;
import dev.sealdrop.server.testing.DatabaseFile;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Transfers;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An identity's own listings (ListFiles, ListGrants, ListInbox) come a page at a time, newest first (session 58: they
 * came whole, so that a transferor's 300,000 short-lived grants made its own listing, and its recipient's inbox, hold
 * them all at once in the server's heap), each page starting after the last row of the one before: a client that reads
 * only the first page (one from before paging) sees the newest rows (review EC).
 */
class OwnListingPagesTest extends OneServerPerMethod {
  private String upload(int seed) {
    return Transfers.upload(clients, "alice", Users.seal("alice", Users.randomBytes(100 + seed, seed), "bob").bytes())
        .getFileId();
  }

  private static List<String> grantIds(List<Grant> grants) {
    return grants.stream().map(Grant::getGrantId).toList();
  }

  @Test
  void grantsAndInboxComeAPageAtATimeNewestFirst() {
    Users.publish(clients, server.pki, "alice");
    String file = upload(0);
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(Transfers.grant(clients, "alice", file, "bob").getGrant().getGrantId());
    }
    TransferServiceBlockingStub alice = clients.transfer("alice");
    TransferServiceBlockingStub bob = clients.transfer("bob");
    assertThat(alice.listGrants(ListGrantsRequest.getDefaultInstance()).getNextPageToken()).as("one page holds all")
        .isEmpty();

    List<Grant> paged = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String token = "";
    do {
      ListGrantsResponse page = alice.listGrants(ListGrantsRequest.newBuilder().setPageSize(4).setPageToken(token)
          .build());
      paged.addAll(page.getGrantsList());
      sizes.add(page.getGrantsCount());
      token = page.getNextPageToken();
      if (sizes.size() == 1) {
        // a grant made between two pages is newer than the listing's start: not in this one's later pages
        made.add(Transfers.grant(clients, "alice", file, "bob").getGrant().getGrantId());
      }
    } while (!token.isEmpty());
    assertThat(sizes).as("a short page is the last").containsExactly(4, 1);
    assertThat(grantIds(paged)).as("newest first, each once").containsExactlyElementsOf(
        newestFirst(made.subList(0, 5)));

    List<Grant> inbox = new ArrayList<>();
    token = "";
    do {
      ListInboxResponse page = bob.listInbox(ListInboxRequest.newBuilder().setPageSize(5).setPageToken(token).build());
      inbox.addAll(page.getGrantsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertThat(grantIds(inbox)).containsExactlyElementsOf(newestFirst(made));
    assertThat(grantIds(bob.listInbox(ListInboxRequest.getDefaultInstance()).getGrantsList()))
        .containsExactlyElementsOf(newestFirst(made));
  }

  private static List<String> newestFirst(List<String> oldestFirst) {
    List<String> reversed = new ArrayList<>(oldestFirst);
    java.util.Collections.reverse(reversed);
    return reversed;
  }

  @Test
  void filesComeAPageAtATimeAndAPageHoldsAThousandAtMost() throws Exception {
    Users.publish(clients, server.pki, "alice");
    List<String> uploaded = List.of(upload(0), upload(1), upload(2));
    TransferServiceBlockingStub alice = clients.transfer("alice");
    ListFilesResponse first = alice.listFiles(ListFilesRequest.newBuilder().setPageSize(2).build());
    ListFilesResponse second = alice.listFiles(ListFilesRequest.newBuilder().setPageSize(2)
        .setPageToken(first.getNextPageToken()).build());
    assertThat(second.getNextPageToken()).isEmpty();
    List<String> paged = new ArrayList<>();
    first.getFilesList().forEach(f -> paged.add(f.getFileId()));
    second.getFilesList().forEach(f -> paged.add(f.getFileId()));
    assertThat(paged).containsExactlyElementsOf(newestFirst(uploaded));

    // 1,200 more files (rows only: a listing reads no blob), each older than the first upload
    DatabaseFile.execute(data, "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1200)"
        + " INSERT INTO files (id, owner, size, fingerprint, recipient_fps, created_at) SELECT printf('f_%032x', n),"
        + " owner, size, fingerprint, recipient_fps, created_at - 100000 - n FROM (SELECT * FROM files LIMIT 1), seq");
    ListFilesResponse whole = alice.listFiles(ListFilesRequest.getDefaultInstance());
    assertThat(whole.getFilesCount()).as("the default page").isEqualTo(1000);
    assertThat(whole.getFilesList().subList(0, 3).stream().map(FileInfo::getFileId).toList())
        .as("the newest first: what a client that reads one page (from before paging) looks for")
        .containsExactlyElementsOf(newestFirst(uploaded));
    ListFilesResponse asked = alice.listFiles(ListFilesRequest.newBuilder().setPageSize(5000).build());
    assertThat(asked.getFilesCount()).as("more than the maximum is the maximum").isEqualTo(1000);
    ListFilesResponse rest = alice.listFiles(ListFilesRequest.newBuilder().setPageToken(whole.getNextPageToken())
        .build());
    assertThat(rest.getNextPageToken()).isEmpty();
    assertThat(rest.getFilesList().stream().map(FileInfo::getFileId).toList()).as("the rest, the oldest last")
        .hasSize(203).endsWith(String.format("f_%032x", 1200));
  }

  @Test
  void badPagesAreRefusedAfterTheRoleCheck() {
    TransferServiceBlockingStub alice = clients.transfer("alice");
    TransferServiceBlockingStub bob = clients.transfer("bob");
    refused(() -> alice.listGrants(ListGrantsRequest.newBuilder().setPageSize(-1).build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    assertThat(refused(() -> alice.listFiles(ListFilesRequest.newBuilder().setPageToken("zzz").build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST").getStatus().getDescription())
        .contains("page_token is not one this server gave");
    refused(() -> bob.listInbox(ListInboxRequest.newBuilder().setPageToken("cDE6MTox").build()),
        Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST");
    // who may not list is told so, whatever the page asked for
    refused(() -> bob.listFiles(ListFilesRequest.newBuilder().setPageToken("zzz").build()),
        Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
    refused(() -> alice.listInbox(ListInboxRequest.newBuilder().setPageSize(-1).build()),
        Status.Code.PERMISSION_DENIED, "ROLE_FORBIDDEN");
  }
}
