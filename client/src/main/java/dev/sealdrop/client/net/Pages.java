package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every page of a listing, read one after the other: the server answers at most 1000 rows a page with the token of the
 * next (admin.proto's ListAllGrants and ListAllFiles; transfer.proto's ListFiles, ListGrants and ListInbox), asked for
 * until it is empty. A server older than paging answers everything at once with no token, which ends the listing too.
 */
public final class Pages {
  private Pages() {}

  /** One page: its rows and the next page's token ("" after the last). */
  public record Page<T>(List<T> rows, String next) {}

  /** Asks for the page at a token ("" for the first), translating the server's refusal. */
  @FunctionalInterface
  public interface Fetch<T> {
    Page<T> at(String token) throws SealdropFailure;
  }

  /** The rows of every page, in order. */
  public static <T> List<T> all(Fetch<T> fetch) throws SealdropFailure {
    List<T> rows = new ArrayList<>();
    Set<String> asked = new HashSet<>();
    String token = "";
    do {
      Page<T> page = fetch.at(token);
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
