package dev.sealdrop.audit;

import dev.sealdrop.audit.internal.JsonLines;
import dev.sealdrop.audit.internal.RecordEncoding;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Brings an existing log file to a state the writer can continue from, or refuses. */
final class LogRecovery {
  private LogRecovery() {}

  static AuditLogWriter.Recovery recover(FileChannel ch, Path file, AuditLogConfig config, AuditKey key)
      throws IOException {
    long length = ch.size();
    long keep = afterLastNewline(ch, length);
    long torn = length - keep;
    if (keep == 0) {
      // Nothing complete was ever written. Only a torn copy of our own header may be replaced;
      // anything else is not an audit log of ours and is left alone.
      byte[] header = JsonLines.header(config.origin(), key.publicKey());
      if (torn > 0 && !isPrefixOf(ch, torn, header)) {
        throw new AuditLogCorruptException("audit file " + file + " is not empty and is not a sealdrop audit log"
            + " (no complete line): configure another path or move the file aside", null);
      }
      ch.truncate(0);
      ByteBuffer buf = ByteBuffer.wrap(header);
      long pos = 0;
      while (buf.hasRemaining()) {
        pos += ch.write(buf, pos);
      }
      ch.force(true);
      return new AuditLogWriter.Recovery(RecordEncoding.genesis(config.origin()), 0, null, torn);
    }
    // Verify the complete lines first, so that a log that fails is left exactly as it was found.
    VerificationResult r;
    // through ch, never a new descriptor: closing one would drop the writer's lock (RangeInputStream)
    try (InputStream in = new RangeInputStream((pos, b, off, len) -> ch.read(ByteBuffer.wrap(b, off, len), pos), keep)) {
      r = AuditVerifier.withKey(key.publicKey()).allowingUnsignedTail().verify(in);
    }
    if (!r.valid()) {
      VerificationResult.Failure f = r.failure().orElseThrow();
      throw new AuditLogCorruptException("audit log " + file + " does not verify (" + f.reason() + " at record "
          + f.sequence() + ": " + f.message() + "); refusing to append. Keep the file as evidence, move it aside"
          + " and start a new log", r);
    }
    if (!config.origin().equals(r.origin())) {
      throw new AuditLogCorruptException("audit log " + file + " belongs to origin '" + r.origin()
          + "', but the configured origin is '" + config.origin() + "': configure the right file or origin", null);
    }
    if (r.hasWarning(VerificationResult.Warning.Kind.HEADER_KEY_DIFFERS)) {
      throw new AuditLogCorruptException("audit log " + file + " was started with another audit key ("
          + "its header names a different key than " + key.publicKey().encoded() + "): configure the original key"
          + " or start a new log", null);
    }
    if (torn > 0) {
      // An incomplete last line was being written when the process stopped. It was never fsynced
      // as a whole and so never acknowledged; the writer records that it was cut off.
      ch.truncate(keep);
      ch.force(true);
    }
    return new AuditLogWriter.Recovery(r.head(), r.records(), r.lastCheckpoint().orElse(null), torn);
  }

  private static boolean isPrefixOf(FileChannel ch, long length, byte[] header) throws IOException {
    if (length >= header.length) {
      return false;
    }
    ByteBuffer buf = ByteBuffer.allocate((int) length);
    long pos = 0;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        return false;
      }
      pos += n;
    }
    return java.util.Arrays.equals(buf.array(), 0, (int) length, header, 0, (int) length);
  }

  /** Position just after the last '\n' (0 if none). */
  private static long afterLastNewline(FileChannel ch, long length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    long end = length;
    while (end > 0) {
      long start = Math.max(0, end - buf.capacity());
      buf.clear().limit((int) (end - start));
      long pos = start;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos);
        if (n < 0) {
          throw new IOException("audit log shrank while being opened");
        }
        pos += n;
      }
      for (int i = (int) (end - start) - 1; i >= 0; i--) {
        if (buf.get(i) == '\n') {
          return start + i + 1;
        }
      }
      end = start;
    }
    return 0;
  }
}
