package dev.sealdrop.client.net;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.Detachable;
import io.grpc.HasByteBuffer;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The download call with messages parsed where the transport received them. gRPC's protobuf marshaller
 * copies every 1 MiB download message twice (from the transport's buffers into a thread-local array, then
 * into a fresh array for the {@code data} field, which at the CLI's heap size is a humongous allocation):
 * about a tenth of a receive's CLI CPU. Here the message is parsed over the transport's own buffers, its
 * {@code data} aliases them, and those buffers stay the message's until {@link Arrived#close()} gives them
 * back. Whoever holds an {@link Arrived} must close it once done with its data, and must not read the data
 * after that.
 *
 * <p>Only for a stream that can hand over its buffers ({@link Detachable}, {@link HasByteBuffer}); any
 * other stream is parsed the ordinary way and its {@link Arrived} holds nothing to give back.
 */
final class DownloadMessages implements MethodDescriptor.Marshaller<DownloadMessages.Arrived> {
  private static final MethodDescriptor.Marshaller<DownloadResponse> ORDINARY =
      ProtoUtils.marshaller(DownloadResponse.getDefaultInstance());
  /** Messages parsed over the transport's buffers (for tests). */
  private final AtomicInteger aliased = new AtomicInteger();
  /** Messages whose buffers are not given back yet (for tests). */
  private final AtomicInteger holding = new AtomicInteger();

  /** One message and the transport buffers its data lies in. */
  final class Arrived implements Closeable {
    private final DownloadResponse message;
    private InputStream buffers;

    private Arrived(DownloadResponse message, InputStream buffers) {
      this.message = message;
      this.buffers = buffers;
    }

    DownloadResponse message() {
      return message;
    }

    /** Gives the transport's buffers back; the data must not be read after this. Idempotent. */
    @Override
    public synchronized void close() {
      if (buffers == null) {
        return;
      }
      InputStream b = buffers;
      buffers = null;
      holding.decrementAndGet();
      closeQuietly(b);
    }
  }

  /** The download method of the transfer service, with its responses parsed by {@code messages}. */
  static MethodDescriptor<DownloadRequest, Arrived> method(DownloadMessages messages) {
    return TransferServiceGrpc.getDownloadMethod().toBuilder(
        ProtoUtils.marshaller(DownloadRequest.getDefaultInstance()), messages).build();
  }

  int aliased() {
    return aliased.get();
  }

  int holding() {
    return holding.get();
  }

  @Override
  public InputStream stream(Arrived value) {
    return ORDINARY.stream(value.message());
  }

  @Override
  public Arrived parse(InputStream stream) {
    if (!(stream instanceof Detachable detachable && stream instanceof HasByteBuffer h && h.byteBufferSupported()
        && stream instanceof KnownLength && stream.markSupported())) {
      return new Arrived(ORDINARY.parse(stream), null);
    }
    InputStream owned = detachable.detach();
    DownloadResponse message;
    try {
      message = parseOver(owned);
    } catch (IOException | RuntimeException e) {
      closeQuietly(owned);
      throw Status.INTERNAL.withDescription("cannot parse a download message: " + e.getMessage()).withCause(e)
          .asRuntimeException();
    }
    holding.incrementAndGet();
    aliased.incrementAndGet();
    return new Arrived(message, owned);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // a gRPC buffer stream does not throw on close; nothing else is held
    }
  }

  /** Parses the message over the stream's own buffers, which stay in {@code owned} (marked, then reset). */
  private static DownloadResponse parseOver(InputStream owned) throws IOException {
    int size = owned.available();
    owned.mark(size); // the buffers passed over stay in the stream instead of being released
    List<ByteString> pieces = new ArrayList<>();
    while (owned.available() > 0) {
      ByteBuffer piece = ((HasByteBuffer) owned).getByteBuffer();
      int n = piece.remaining();
      if (n == 0 || owned.skip(n) != n) {
        throw new IOException("the transport's buffer ended early");
      }
      pieces.add(UnsafeByteOperations.unsafeWrap(piece));
    }
    owned.reset();
    CodedInputStream in = ByteString.copyFrom(pieces).newCodedInput();
    in.enableAliasing(true);
    try {
      DownloadResponse message = DownloadResponse.parser().parseFrom(in);
      in.checkLastTagWas(0);
      return message;
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(e.getMessage(), e);
    }
  }
}
