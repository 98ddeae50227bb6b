package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.FetchBundleResponse;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.PublishBundleRequest;
import dev.sealdrop.protocol.v1.PublishBundleResponse;
import dev.sealdrop.server.core.keys.KeyDirectory;
import dev.sealdrop.server.core.keys.StoredBundle;
import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;

/** KeyDirectory: publish one's own bundle, fetch another identity's. */
public final class KeyDirectoryGrpcService extends KeyDirectoryGrpc.KeyDirectoryImplBase {
  private final KeyDirectory keys;

  public KeyDirectoryGrpcService(KeyDirectory keys) {
    this.keys = keys;
  }

  @Override
  public void publishBundle(PublishBundleRequest request, StreamObserver<PublishBundleResponse> out) {
    Unary.run(out, () -> PublishBundleResponse.newBuilder()
        .setFingerprint(keys.publish(PeerIdentityInterceptor.caller(), request.getSignedBundle().toByteArray()))
        .build());
  }

  @Override
  public void fetchBundle(FetchBundleRequest request, StreamObserver<FetchBundleResponse> out) {
    Unary.run(out, () -> {
      PeerIdentityInterceptor.caller();
      StoredBundle b = keys.fetch(request.getIdentity());
      return FetchBundleResponse.newBuilder().setSignedBundle(ByteString.copyFrom(b.encoded()))
          .setPublishedAtMillis(b.publishedAt().toEpochMilli()).build();
    });
  }
}
