package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.net.GrpcFailures;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every page of an admin listing, read one after the other: the server answers at most 1000 rows a page with the token
 * of the next (admin.proto, ListAllGrants and ListAllFiles), asked for until it is empty. A server older than paging
 * answers everything at once with no token, which ends the listing too.
 */
final class Pages {
  private Pages() {}

  /** One page: its rows and the next page's token ("" after the last). */
  record Page<T>(List<T> rows, String next) {}

  /** Asks for the page at a token ("" for the first). */
  @FunctionalInterface
  interface Fetch<T> {
    Page<T> at(String token) throws SealdropFailure;
  }

  /** The rows of every page, in order. */
  static <T> List<T> all(AdminConnection admin, Fetch<T> fetch) throws SealdropFailure {
    List<T> rows = new ArrayList<>();
    Set<String> asked = new HashSet<>();
    String token = "";
    do {
      String at = token;
      Page<T> page = admin.call(GrpcFailures.Op.LIST, () -> fetch.at(at));
      rows.addAll(page.rows());
      token = page.next();
      if (!token.isEmpty() && !asked.add(token)) {
        // a server naming a page it gave already would keep the CLI asking for ever
        throw new NetworkFailure("LISTING_REPEATS", "the server gave the same next page of the listing twice (after "
            + rows.size() + " rows); the listing cannot be read to its end", "try again; if it happens again, report"
            + " it to the server's operator with the server log");
      }
    } while (!token.isEmpty());
    return rows;
  }
}
