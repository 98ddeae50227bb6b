package dev.sealdrop.server.door.grpc;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.sealdrop.server.core.upload.UploadSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Hands an UploadRequest's data to the core without copying it once more. {@code ByteString.toByteArray}
 * copied every 1 MiB message into a fresh array (zeroed, then filled: 1 GiB of allocation and copying
 * per GiB uploaded, about a fifth of the upload call thread's CPU; docs/benchmarks.md, session 22).
 * Here the core reads the bytes where the parsed message holds them: {@link UploadSession#append(byte[],
 * int, int)} copies what it keeps before it returns and keeps no reference, which is what
 * {@link UnsafeByteOperations#unsafeWriteTo} requires (the message's bytes are never written to).
 */
final class UploadBytes {
  private UploadBytes() {}

  /** Appends all of {@code data} to {@code session}, piece by piece as the ByteString holds it. */
  static void appendTo(UploadSession session, ByteString data) {
    try {
      UnsafeByteOperations.unsafeWriteTo(data, new ByteOutput() {
        @Override
        public void write(byte value) {
          session.append(new byte[] {value});
        }

        @Override
        public void write(byte[] value, int offset, int length) {
          session.append(value, offset, length);
        }

        @Override
        public void writeLazy(byte[] value, int offset, int length) {
          session.append(value, offset, length);
        }

        @Override
        public void write(ByteBuffer value) {
          if (value.hasArray()) {
            session.append(value.array(), value.arrayOffset() + value.position(), value.remaining());
          } else {
            byte[] copy = new byte[value.remaining()];
            value.duplicate().get(copy);
            session.append(copy);
          }
        }

        @Override
        public void writeLazy(ByteBuffer value) {
          write(value);
        }
      });
    } catch (IOException e) {
      // only the ByteOutput above could throw one, and it does not
      throw new UncheckedIOException(e);
    }
  }
}
