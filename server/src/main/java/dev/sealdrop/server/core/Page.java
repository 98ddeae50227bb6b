package dev.sealdrop.server.core;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One page of a listing and where the next starts: an empty {@code nextPageToken} ends the listing. Newest first by
 * creation time, then by id (the admin's listings: id ascending; an identity's own, its files, the grants it made, its
 * inbox: id descending), each page starting after the last row of the one before, so that rows that existed when the
 * listing began come exactly once, whatever is made meanwhile. Review DR: the listings came whole, in one message, so that a transferor who made some
 * 300,000 grants (each short-lived, within the live-grant limit) made {@code admin grants list} (and, session 58, its
 * own {@code grants} and its recipient's {@code inbox}) exhaust a 256 MiB server heap and the CLI's message limit; a
 * page holds at most {@value #MAX_SIZE}.
 */
public record Page<T>(List<T> items, String nextPageToken) {
  /** What a page holds at most, and by default. */
  public static final int MAX_SIZE = 1000;

  public Page {
    items = List.copyOf(items);
  }

  /**
   * Where a page starts: after the row created at {@code createdAt} with {@code id} in the listing's order (null: at
   * the first row).
   */
  public record After(Instant createdAt, String id) {}

  /** A request's page size and token, checked: a page size of 0 is the default, over the maximum is the maximum. */
  public record Request(int size, After after) {
    public static Request of(int pageSize, String pageToken) {
      if (pageSize < 0) {
        throw new InvalidRequestException(Reason.INVALID_REQUEST, "page_size must not be negative (0 takes the"
            + " server's default, " + MAX_SIZE + ")");
      }
      return new Request(pageSize == 0 ? MAX_SIZE : Math.min(pageSize, MAX_SIZE), decode(pageToken));
    }
  }

  /**
   * The page of {@code read} ({@code request.size()} rows at most, or fewer: the rows read then filtered) that ends
   * where the listing goes on if {@code read} was full.
   */
  public static <R, T> Page<T> of(Request request, List<R> read, Function<R, After> position, List<T> items) {
    String next = read.size() < request.size() ? "" : encode(position.apply(read.get(read.size() - 1)));
    return new Page<>(items, next);
  }

  private static final String VERSION = "p1";
  private static final Pattern ID = Pattern.compile("[a-z]_[0-9a-f]{32}");

  static String encode(After a) {
    String plain = VERSION + ":" + a.createdAt().toEpochMilli() + ":" + a.id();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.US_ASCII));
  }

  /** The position a token names; null for an empty one; refused if it is not a token this server gives. */
  static After decode(String token) {
    if (token == null || token.isEmpty()) {
      return null;
    }
    InvalidRequestException malformed = new InvalidRequestException(Reason.INVALID_REQUEST, "page_token is not one"
        + " this server gave (a next_page_token, as it came); start the listing again without it");
    if (token.length() > 100) {
      throw malformed;
    }
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw malformed;
    }
    String[] parts = plain.split(":", -1);
    if (parts.length != 3 || !parts[0].equals(VERSION) || !parts[1].matches("[0-9]{1,15}")
        || !ID.matcher(parts[2]).matches()) {
      throw malformed;
    }
    return new After(Instant.ofEpochMilli(Long.parseLong(parts[1])), parts[2]);
  }
}
