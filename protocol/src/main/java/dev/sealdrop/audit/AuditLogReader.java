package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.JsonLines;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * Reads an audit log or export one line at a time, with bounded memory: a line longer than
 * {@link #MAX_LINE_BYTES} is refused before it is buffered whole. It parses; it does not verify
 * (that is {@link AuditVerifier}'s job). Suitable for {@code sealdrop admin audit tail}.
 */
public final class AuditLogReader implements Closeable {
  /** Longest accepted line, newline excluded. A maximal record is about 70 KiB of JSON. */
  public static final int MAX_LINE_BYTES = 256 * 1024;

  private final InputStream in;
  private long lineNumber;
  private byte[] buf = new byte[4096];
  private final byte[] chunk = new byte[64 * 1024];
  private int pos;
  private int limit;

  public AuditLogReader(InputStream in) {
    this.in = in;
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the operator or auditor names the file to read")
  public static AuditLogReader open(Path file) throws IOException {
    return new AuditLogReader(Files.newInputStream(file));
  }

  /** 1-based number of the line last returned. */
  public long lineNumber() {
    return lineNumber;
  }

  /**
   * The next entry, or empty at the end of the input.
   *
   * @throws AuditFormatException naming the line, if it is too long, not UTF-8, not newline-terminated
   *     (a torn last line) or not a valid entry
   */
  public Optional<AuditLogEntry> next() throws IOException {
    int len = 0;
    boolean newline = false;
    while (!newline) {
      if (pos == limit) {
        limit = in.read(chunk, 0, chunk.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          break;
        }
      }
      int start = pos;
      while (pos < limit && chunk[pos] != '\n') {
        pos++;
      }
      int n = pos - start;
      if (len + n > MAX_LINE_BYTES) {
        throw new AuditFormatException("line " + (lineNumber + 1) + ": longer than " + MAX_LINE_BYTES + " bytes");
      }
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.min(Math.max(buf.length * 2, len + n), MAX_LINE_BYTES));
      }
      System.arraycopy(chunk, start, buf, len, n);
      len += n;
      if (pos < limit) {
        pos++; // consume '\n'
        newline = true;
      }
    }
    if (!newline && len == 0) {
      return Optional.empty();
    }
    lineNumber++;
    if (!newline) {
      throw new AuditFormatException("line " + lineNumber + ": incomplete last line (no newline): the file was cut, or"
          + " bytes were added after its last line");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(buf, 0, len)).toString();
    } catch (CharacterCodingException e) {
      throw new AuditFormatException("line " + lineNumber + ": not valid UTF-8", e);
    }
    try {
      return Optional.of(JsonLines.parse(text));
    } catch (AuditFormatException e) {
      throw new AuditFormatException("line " + lineNumber + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
