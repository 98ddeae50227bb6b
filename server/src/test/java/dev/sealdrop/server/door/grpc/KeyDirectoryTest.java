package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.FetchBundleResponse;
import dev.sealdrop.protocol.v1.PublishBundleRequest;
import dev.sealdrop.server.testing.OneServerPerClass;
import dev.sealdrop.server.testing.Users;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 4, key directory: a bundle is stored only if it verifies for the caller's own certificate. */
class KeyDirectoryTest extends OneServerPerClass {
  private static PublishBundleRequest publish(byte[] b) {
    return PublishBundleRequest.newBuilder().setSignedBundle(ByteString.copyFrom(b)).build();
  }

  @Test
  void someoneElsesBundleIsRefused() {
    byte[] bobs = Users.bundle(server.pki, "bob").encoded();
    refused(() -> clients.keys("alice").publishBundle(publish(bobs)), Status.Code.PERMISSION_DENIED,
        "BUNDLE_NOT_YOURS");
  }

  @Test
  void garbageIsRefusedAsInvalid() {
    refused(() -> clients.keys("alice").publishBundle(publish("not a bundle".getBytes())),
        Status.Code.INVALID_ARGUMENT, "BUNDLE_INVALID");
    refused(() -> clients.keys("alice").publishBundle(publish(new byte[0])), Status.Code.INVALID_ARGUMENT,
        "BUNDLE_INVALID");
  }

  @Test
  void bundleSignedWithAnotherCertificateOfTheSameIdentityIsRefused() {
    IssuedCert other = server.pki.issue(CertSpec.client("kd-twin"));
    server.server().identities().registerAll(java.util.Map.of("kd-twin",
        dev.sealdrop.server.core.identity.Role.ACQUIRER));
    IssuedCert second = server.pki.issue(CertSpec.client("kd-twin"));
    KeyBundle signedBySecond = KeyBundle.create("kd-twin", Users.keys("kd-twin").publicKeys(),
        Instant.now().plus(Duration.ofDays(1)), second.privateKey(), List.of(second.certificate(),
            server.pki.caCertificate()));
    refused(() -> dev.sealdrop.protocol.v1.KeyDirectoryGrpc.newBlockingStub(
        clients.channel(other.privateKey(), other.certificate())).publishBundle(publish(signedBySecond.encoded())),
        Status.Code.PERMISSION_DENIED, "BUNDLE_NOT_YOURS");
  }

  @Test
  void ownBundleIsPublishedAndServedByteForByte() {
    byte[] mine = Users.bundle(server.pki, "dave").encoded();
    String fp = clients.keys("dave").publishBundle(publish(mine)).getFingerprint();
    assertThat(fp).isNotBlank();
    FetchBundleResponse fetched = clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder()
        .setIdentity("dave").build());
    assertThat(fetched.getSignedBundle().toByteArray()).isEqualTo(mine);
    assertThat(fetched.getPublishedAtMillis()).isPositive();
  }

  @Test
  void unknownOrUnpublishedIdentityIsNotFound() {
    refused(() -> clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().setIdentity("nobody").build()),
        Status.Code.NOT_FOUND, "NOT_FOUND");
    refused(() -> clients.keys("alice").fetchBundle(FetchBundleRequest.newBuilder().setIdentity("carol").build()),
        Status.Code.NOT_FOUND, "NOT_FOUND");
  }

  /**
   * A bundle that starts later than the server's clock (the server's clock over an hour behind the publisher's) is
   * refused saying so from the server's side, not with the verifier's "this computer's clock or the clock of dave is
   * wrong", which the publisher read as their own computer's.
   */
  @Test
  void aBundleNotYetValidByTheServersClockIsRefusedNamingTheServersClock() throws Exception {
    byte[] signed = Users.bundle(server.pki, "dave").encoded();
    int nameLength = signed[9] & 0xff;
    int notBeforeAt = 8 + 1 + 1 + nameLength + 1216 + 32;
    int count = signed[notBeforeAt + 16] & 0xff;
    int tbsEnd = notBeforeAt + 17;
    for (int i = 0; i < count; i++) {
      tbsEnd += 2 + (((signed[tbsEnd] & 0xff) << 8) | (signed[tbsEnd + 1] & 0xff));
    }
    byte[] tbs = java.util.Arrays.copyOf(signed, tbsEnd);
    long later = Instant.now().plus(Duration.ofHours(2)).getEpochSecond();
    java.nio.ByteBuffer.wrap(tbs, notBeforeAt, 8).putLong(later);
    java.security.Signature ecdsa = java.security.Signature.getInstance("SHA256withECDSA");
    ecdsa.initSign(server.pki.privateKey("dave"));
    ecdsa.update("sealdrop/v1/key-bundle".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    ecdsa.update(tbs);
    byte[] sig = ecdsa.sign();
    byte[] resigned = java.nio.ByteBuffer.allocate(tbs.length + 2 + sig.length).put(tbs).putShort((short) sig.length)
        .put(sig).array();
    assertThat(KeyBundle.decode(resigned).notBefore()).isEqualTo(Instant.ofEpochSecond(later));

    io.grpc.StatusRuntimeException e = refused(() -> clients.keys("dave").publishBundle(publish(resigned)),
        Status.Code.INVALID_ARGUMENT, "BUNDLE_INVALID");
    assertThat(e.getStatus().getDescription()).contains("by the server's clock it is")
        .contains("the server's clock is behind this machine's").doesNotContain("this computer's clock");
  }

  /**
   * A bundle refused for another reason (here its signature: its start moved later without signing it again) keeps that
   * reason, though its start also lies ahead of the server's clock: the clock message would send its publisher to
   * check clocks, and the next publish would be refused again.
   */
  @Test
  void aBundleRefusedForItsSignatureIsNotBlamedOnTheClock() throws Exception {
    byte[] signed = Users.bundle(server.pki, "dave").encoded();
    int nameLength = signed[9] & 0xff;
    int notBeforeAt = 8 + 1 + 1 + nameLength + 1216 + 32;
    byte[] altered = signed.clone();
    java.nio.ByteBuffer.wrap(altered, notBeforeAt, 8).putLong(Instant.now().plus(Duration.ofHours(2)).getEpochSecond());

    io.grpc.StatusRuntimeException e = refused(() -> clients.keys("dave").publishBundle(publish(altered)),
        Status.Code.INVALID_ARGUMENT, "BUNDLE_INVALID");
    assertThat(e.getStatus().getDescription()).contains("bad signature").doesNotContain("server's clock");
  }
}
