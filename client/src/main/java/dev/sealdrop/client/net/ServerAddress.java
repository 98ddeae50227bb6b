package dev.sealdrop.client.net;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import java.util.Objects;
import java.util.Optional;

/**
 * Names the server a call was addressed to in the trailers of every call that ends, so that
 * {@link GrpcFailures} can say which address could not be reached ("cannot reach the sealdrop
 * server at HOST:PORT: connection refused"): gRPC's own status for that is "io exception". The
 * value is set on this side only; one the server may have sent under the same key is replaced.
 */
public final class ServerAddress extends TrailerWatcher {
  /** Client-local: what {@link #intercept} names, e.g. {@code the sealdrop server at localhost:8443}. */
  static final Metadata.Key<String> TARGET = Metadata.Key.of("sealdrop-client-target", Metadata.ASCII_STRING_MARSHALLER);

  private final String target;

  private ServerAddress(String target) {
    this.target = target;
  }

  /**
   * {@code channel}, whose calls name {@code what} (e.g. "the sealdrop server") at {@code where}
   * in their trailers.
   */
  public static Channel naming(Channel channel, String what, HostPort where) {
    return ClientInterceptors.intercept(channel, new ServerAddress(Objects.requireNonNull(what, "what") + " at "
        + Objects.requireNonNull(where, "where")));
  }

  /** What the call that ended with {@code trailers} was addressed to, if an interceptor named it. */
  static Optional<String> of(Metadata trailers) {
    return trailers == null ? Optional.empty() : Optional.ofNullable(trailers.get(TARGET));
  }

  @Override
  void closing(Metadata trailers) {
    trailers.removeAll(TARGET);
    trailers.put(TARGET, target);
  }
}
