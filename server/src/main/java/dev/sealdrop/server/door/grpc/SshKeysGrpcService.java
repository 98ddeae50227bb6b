package dev.sealdrop.server.door.grpc;

import dev.sealdrop.keys.ClientCertificates;
import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.AddSshKeyResponse;
import dev.sealdrop.protocol.v1.ListSshKeysRequest;
import dev.sealdrop.protocol.v1.ListSshKeysResponse;
import dev.sealdrop.protocol.v1.RemoveSshKeyRequest;
import dev.sealdrop.protocol.v1.RemoveSshKeyResponse;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.server.core.identity.CertificatePolicy;
import dev.sealdrop.server.core.sshkey.SshKey;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import io.grpc.stub.StreamObserver;

/** SshKeys: register, list and remove the SSH public keys of the SFTP door. Translation only. */
public final class SshKeysGrpcService extends SshKeysGrpc.SshKeysImplBase {
  private final SshKeyService keys;

  public SshKeysGrpcService(SshKeyService keys) {
    this.keys = keys;
  }

  @Override
  public void addSshKey(AddSshKeyRequest request, StreamObserver<AddSshKeyResponse> out) {
    Unary.run(out, () -> AddSshKeyResponse.newBuilder()
        .setKey(proto(keys.add(PeerIdentityInterceptor.caller(), request.getPublicKey()))).build());
  }

  @Override
  public void listSshKeys(ListSshKeysRequest request, StreamObserver<ListSshKeysResponse> out) {
    Unary.run(out, () -> ListSshKeysResponse.newBuilder()
        .addAllKeys(keys.list(PeerIdentityInterceptor.caller(), request.getIdentity()).stream()
            .map(this::proto).toList())
        .build());
  }

  @Override
  public void removeSshKey(RemoveSshKeyRequest request, StreamObserver<RemoveSshKeyResponse> out) {
    Unary.run(out, () -> RemoveSshKeyResponse.newBuilder()
        .setKey(proto(keys.remove(PeerIdentityInterceptor.caller(), request.getFingerprint(), request.getIdentity())))
        .build());
  }

  private dev.sealdrop.protocol.v1.SshKey proto(SshKey k) {
    return dev.sealdrop.protocol.v1.SshKey.newBuilder().setIdentity(k.identity()).setFingerprint(k.fingerprint())
        .setAlgorithm(k.key().algorithm()).setBits(k.key().bits()).setPublicKey(k.key().openSsh())
        .setComment(k.key().comment()).setAddedAtMillis(k.addedAt().toEpochMilli())
        .setCertificateSerial(CertificatePolicy.serialOf(k.registrationCertificate()))
        .setCertificateFingerprint(ClientCertificates.fingerprint(k.registrationCertificate()))
        .setCertificateRevoked(keys.vouchedForByRevoked(k)).build();
  }
}
