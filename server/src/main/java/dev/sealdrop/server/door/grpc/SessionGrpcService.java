package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.WhoAmIRequest;
import dev.sealdrop.protocol.v1.WhoAmIResponse;
import dev.sealdrop.server.core.identity.Principal;
import io.grpc.stub.StreamObserver;
import java.time.Clock;

/** SessionService: tells a client who the server thinks it is. */
public final class SessionGrpcService extends SessionServiceGrpc.SessionServiceImplBase {
  private final Clock clock;

  public SessionGrpcService(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void whoAmI(WhoAmIRequest request, StreamObserver<WhoAmIResponse> out) {
    Unary.run(out, () -> {
      Principal p = PeerIdentityInterceptor.caller();
      return WhoAmIResponse.newBuilder().setIdentity(p.identity()).setRole(ProtoMapper.role(p.role()))
          .setServerTimeMillis(clock.millis()).build();
    });
  }
}
