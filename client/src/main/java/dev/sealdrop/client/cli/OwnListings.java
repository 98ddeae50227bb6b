package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.Pages;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.protocol.v1.FileInfo;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.ListGrantsRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import java.util.List;

/**
 * The caller's own listings, every page of each ({@link Pages}): its stored files, the grants it made, its inbox,
 * oldest first, as the CLI has always printed them (the server pages them newest first, so that a client that reads
 * the first page only, one from before paging, still sees the newest rows).
 */
final class OwnListings {
  private OwnListings() {}

  /** The caller's stored files. */
  static List<FileInfo> files(Session session) throws SealdropFailure {
    return oldestFirst(Pages.all(token -> ServerConnection.call(GrpcFailures.Op.LIST, () -> {
      var page = session.connect().transfer().listFiles(ListFilesRequest.newBuilder().setPageToken(token).build());
      return new Pages.Page<>(page.getFilesList(), page.getNextPageToken());
    })));
  }

  /** The grants the caller made. */
  static List<Grant> grants(Session session) throws SealdropFailure {
    return oldestFirst(Pages.all(token -> ServerConnection.call(GrpcFailures.Op.LIST, () -> {
      var page = session.connect().transfer().listGrants(ListGrantsRequest.newBuilder().setPageToken(token).build());
      return new Pages.Page<>(page.getGrantsList(), page.getNextPageToken());
    })));
  }

  /** The grants addressed to the caller. */
  static List<Grant> inbox(Session session) throws SealdropFailure {
    return oldestFirst(Pages.all(token -> ServerConnection.call(GrpcFailures.Op.LIST, () -> {
      var page = session.connect().transfer().listInbox(ListInboxRequest.newBuilder().setPageToken(token).build());
      return new Pages.Page<>(page.getGrantsList(), page.getNextPageToken());
    })));
  }

  /** The rows of a newest-first listing, oldest first. */
  private static <T> List<T> oldestFirst(List<T> newestFirst) {
    List<T> rows = new java.util.ArrayList<>(newestFirst);
    java.util.Collections.reverse(rows);
    return rows;
  }
}
