package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.JsonLines;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.BufferedInputStream;
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

  public AuditLogReader(InputStream in) {
    this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 64 * 1024);
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
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (len == MAX_LINE_BYTES) {
        throw new AuditFormatException("line " + (lineNumber + 1) + ": longer than " + MAX_LINE_BYTES + " bytes");
      }
      if (len == buf.length) {
        buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_LINE_BYTES));
      }
      buf[len++] = (byte) b;
    }
    if (b == -1 && len == 0) {
      return Optional.empty();
    }
    lineNumber++;
    if (b == -1) {
      throw new AuditFormatException("line " + lineNumber + ": incomplete last line (no newline): the file was cut");
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
