package dev.sealdrop.client.net;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Whether an RPC was ever handed to a connection. gRPC gives a call a stream on a connection
 * only once that connection is ready (TLS done and the server's HTTP/2 settings received); until
 * then the request waits inside the client. A call that failed without ever getting such a
 * stream sent nothing to the server, so trying it again cannot do anything twice.
 *
 * <p>{@link ServerConnection#call} opens an {@link Attempt} on its thread; {@link #INTERCEPTOR}
 * (on every channel) attaches a stream tracer to the calls started on that thread, which marks the
 * attempt when gRPC creates the call's stream on a connection.
 */
final class Delivery {
  private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

  private Delivery() {}

  /** One try of one RPC (attempts nest: what an inner one sees, its outer ones see too). */
  static final class Attempt implements AutoCloseable {
    private final Attempt outer;
    private volatile boolean watched;
    private volatile boolean handedToConnection;

    private Attempt(Attempt outer) {
      this.outer = outer;
    }

    /**
     * True only if this attempt's calls were seen by {@link #INTERCEPTOR} and none of them was
     * handed to a connection: then nothing of them reached the server. False when unsure (a channel
     * without the interceptor, a call started on another thread).
     */
    boolean provablyUnsent() {
      return watched && !handedToConnection;
    }

    /** True once a stream of this attempt's calls was created on a connection (it may have been sent). */
    boolean handedToConnection() {
      return handedToConnection;
    }

    private void markWatched() {
      for (Attempt a = this; a != null; a = a.outer) {
        a.watched = true;
      }
    }

    private void markHandedToConnection() {
      for (Attempt a = this; a != null; a = a.outer) {
        a.handedToConnection = true;
      }
    }

    @Override
    public void close() {
      if (outer == null) {
        CURRENT.remove();
      } else {
        CURRENT.set(outer);
      }
    }
  }

  /** Starts watching the calls this thread starts until the attempt is closed. */
  static Attempt begin() {
    Attempt a = new Attempt(CURRENT.get());
    CURRENT.set(a);
    return a;
  }

  static final ClientInterceptor INTERCEPTOR = new ClientInterceptor() {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      Attempt attempt = CURRENT.get();
      if (attempt == null) {
        return next.newCall(method, options);
      }
      attempt.markWatched();
      return next.newCall(method, options.withStreamTracerFactory(new ClientStreamTracer.Factory() {
        @Override
        public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
          return new ClientStreamTracer() {
            @Override
            public void streamCreated(Attributes transportAttrs, Metadata headers) {
              attempt.markHandedToConnection();
            }
          };
        }
      }));
    }
  };
}
