package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.audit.RefusalThrottle;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The transfer port's answer to a call of a method it does not serve (an {@code AdminService} call, which belongs on
 * the admin listener; a misspelt or made-up name): {@code UNIMPLEMENTED}, as gRPC's own answer, but only after the
 * caller was authenticated like any other caller ({@link PeerIdentityInterceptor}), and audited as {@code call.refuse}
 * with the result {@code unknown-method}, within the budget of refused calls: a client probing for calls is seen.
 *
 * <p>The method the caller named is any text; only the protocol's own method names are kept (the audit object is
 * {@code rpc:} and the bare method name, as for the other refused calls); every other name is replaced by
 * {@value #UNKNOWN} before any interceptor sees it, so no caller writes text of its choosing into the log.
 */
public final class UnknownMethods extends HandlerRegistry {
  /** The full name every method outside the protocol is known by here (its bare name, {@code Unknown}, is audited). */
  static final String UNKNOWN = "sealdrop.v1.Unknown/Unknown";

  private final Map<String, ServerMethodDefinition<Ignored, Ignored>> protocol;
  private final ServerMethodDefinition<Ignored, Ignored> unknown;
  private final RefusalThrottle refusals;

  /** {@code refusals}: the throttle of refused calls ({@link RefusalThrottle#forCalls}). */
  public UnknownMethods(RefusalThrottle refusals) {
    this.refusals = Objects.requireNonNull(refusals, "refusals");
    this.protocol = Stream.of(AdminServiceGrpc.getServiceDescriptor(), KeyDirectoryGrpc.getServiceDescriptor(),
            SessionServiceGrpc.getServiceDescriptor(), SshKeysGrpc.getServiceDescriptor(),
            TransferServiceGrpc.getServiceDescriptor())
        .flatMap(s -> s.getMethods().stream())
        .map(MethodDescriptor::getFullMethodName)
        .collect(Collectors.toUnmodifiableMap(Function.identity(), this::definition));
    this.unknown = definition(UNKNOWN);
  }

  /** Called by gRPC only for a method none of the port's services has. */
  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    return protocol.getOrDefault(methodName, unknown);
  }

  private ServerMethodDefinition<Ignored, Ignored> definition(String fullName) {
    MethodDescriptor<Ignored, Ignored> method = MethodDescriptor.<Ignored, Ignored>newBuilder()
        .setType(MethodDescriptor.MethodType.UNKNOWN)
        .setFullMethodName(fullName)
        .setRequestMarshaller(Ignored.MARSHALLER)
        .setResponseMarshaller(Ignored.MARSHALLER)
        .build();
    return ServerMethodDefinition.create(method, this::refuse);
  }

  private ServerCall.Listener<Ignored> refuse(ServerCall<Ignored, Ignored> call, Metadata headers) {
    String name = call.getMethodDescriptor().getFullMethodName();
    refusals.refusedCall(PeerIdentityInterceptor.caller(),
        "rpc:" + call.getMethodDescriptor().getBareMethodName(), "unknown-method");
    call.close(Status.UNIMPLEMENTED.withDescription(describe(name)), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  static String describe(String fullName) {
    if (fullName.startsWith(AdminServiceGrpc.SERVICE_NAME + "/")) {
      return "Method not found here: " + fullName + " is served by the admin listener (the address the server printed"
          + " as `admin listening on`), not by the transfer port";
    }
    if (UNKNOWN.equals(fullName)) {
      return "Method not found: the transfer port serves sealdrop.v1's TransferService, KeyDirectory, SessionService"
          + " and SshKeys (docs/protocol.md); check that the client is a sealdrop client of a matching version";
    }
    return "Method not found: " + fullName;
  }

  /** A message of a method not served: never read (the call is closed before any), never written. */
  static final class Ignored {
    static final MethodDescriptor.Marshaller<Ignored> MARSHALLER = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(Ignored value) {
        return InputStream.nullInputStream();
      }

      @Override
      public Ignored parse(InputStream stream) {
        try {
          stream.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return INSTANCE;
      }
    };
    private static final Ignored INSTANCE = new Ignored();

    private Ignored() {}
  }
}
