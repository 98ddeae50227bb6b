package dev.sealdrop.client.net;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * A client interceptor that sees (and may amend) the trailers of every call as it ends, before the
 * caller's listener does: the one place of gRPC's forwarding boilerplate for the interceptors that
 * read or add trailers.
 */
abstract class TrailerWatcher implements ClientInterceptor {
  /** Called once per call as it ends, on gRPC's thread, with the call's (mutable) trailers. */
  abstract void closing(Metadata trailers);

  @Override
  public final <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closing(trailers);
            super.onClose(status, trailers);
          }
        }, headers);
      }
    };
  }
}
