package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Page;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A folder whose rows the core gives a page at a time ({@link Page}): /outbox's stored files, /inbox's grants. The
 * first page is read when the folder is opened, so that a refusal is the opendir's; each next one when the client has
 * read the entries before it. Session 58: the folders were read whole into memory, so that listing the inbox of an
 * acquirer to whom some transferor had made 300,000 short-lived grants held all of them at once on the server.
 */
final class PagedEntries<T> implements Iterator<Path> {
  /** Reads the page at a token ("" for the first). */
  @FunctionalInterface
  interface PageReader<T> {
    Page<T> read(String token) throws IOException;
  }

  private final PageReader<T> reader;
  private final Predicate<T> listed;
  private final Function<T, Path> entry;
  private final DirectoryStream.Filter<? super Path> filter;
  private final ArrayDeque<Path> ready = new ArrayDeque<>();
  private String next;

  private PagedEntries(PageReader<T> reader, Predicate<T> listed, Function<T, Path> entry,
      DirectoryStream.Filter<? super Path> filter) {
    this.reader = reader;
    this.listed = listed;
    this.entry = entry;
    this.filter = filter;
  }

  /**
   * The folder's entries: the rows {@code listed} keeps, each as {@code entry} names it, that {@code filter} (null:
   * every one) accepts. Throws what reading the first page throws.
   */
  static <T> DirectoryStream<Path> open(PageReader<T> reader, Predicate<T> listed, Function<T, Path> entry,
      DirectoryStream.Filter<? super Path> filter) throws IOException {
    PagedEntries<T> entries = new PagedEntries<>(reader, listed, entry, filter);
    entries.take(reader.read(""));
    return new DirectoryStream<>() {
      private boolean iterated;

      @Override
      public Iterator<Path> iterator() {
        if (iterated) {
          throw new IllegalStateException("a directory stream is iterated once");
        }
        iterated = true;
        return entries;
      }

      @Override
      public void close() {
      }
    };
  }

  private void take(Page<T> page) throws IOException {
    for (T row : page.items()) {
      if (listed.test(row)) {
        Path p = entry.apply(row);
        if (filter == null || filter.accept(p)) {
          ready.add(p);
        }
      }
    }
    next = page.nextPageToken();
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && !next.isEmpty()) {
      try {
        take(reader.read(next));
      } catch (IOException e) {
        throw new DirectoryIteratorException(e);
      }
    }
    return !ready.isEmpty();
  }

  @Override
  public Path next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }
}
