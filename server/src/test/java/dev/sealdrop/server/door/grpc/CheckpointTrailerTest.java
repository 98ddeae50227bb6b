package dev.sealdrop.server.door.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.audit.AuditPublicKey;
import dev.sealdrop.audit.SignedCheckpoint;
import dev.sealdrop.protocol.CheckpointTrailer;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.testing.OneServerPerMethod;
import dev.sealdrop.server.testing.Statuses;
import dev.sealdrop.server.testing.TestServer;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Issue 6: every transfer-port response, refusals included, carries a checkpoint signed by the server's audit key. */
class CheckpointTrailerTest extends OneServerPerMethod {
  private static final String ORIGIN = "deal-42.example/audit";

  @Override
  protected ServerConfig configure(ServerConfig c) {
    ServerConfig.Admin a = c.admin();
    return c.withAdmin(new ServerConfig.Admin(a.host(), a.port(), ORIGIN, 1, a.checkpointInterval(),
        a.retention(), a.retentionSweepInterval()));
  }

  /** The transfer stub of {@code user}, capturing the trailers of its calls into {@code trailers}. */
  TransferServiceGrpc.TransferServiceBlockingStub capturing(String user, AtomicReference<Metadata> trailers) {
    return clients.transfer(user).withInterceptors(
        MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
  }

  SignedCheckpoint checkpointIn(Metadata trailers) throws Exception {
    assertThat(trailers).as("trailers received").isNotNull();
    byte[] note = trailers.get(CheckpointTrailer.KEY);
    assertThat(note).as("a checkpoint trailer").isNotNull();
    return SignedCheckpoint.parse(new String(note, StandardCharsets.UTF_8));
  }

  @Test
  void aRefusedCallCarriesAVerifiableCheckpointToo() throws Exception {
    clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()); // records, so a checkpoint is signed
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
        capturing("bob", trailers).createUpload(CreateUploadRequest.newBuilder().setExpectedSize(1).build()));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getTrailers().get(Statuses.REASON)).isEqualTo("ROLE_FORBIDDEN");

    SignedCheckpoint cp = checkpointIn(trailers.get());
    AuditPublicKey key = AuditPublicKey.parse(server.server().audit().verifierKey());
    assertThat(cp.check(key)).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
    assertThat(cp.checkpoint().origin()).isEqualTo(ORIGIN);
    assertThat(cp.checkpoint().size()).isPositive();
  }

  @Test
  void aSuccessfulCallCarriesTheLatestCheckpointSignedByTheServersAuditKeyAndNoOtherKey() throws Exception {
    clients.transfer("bob").listInbox(ListInboxRequest.getDefaultInstance()); // records, so a checkpoint is signed
    AtomicReference<Metadata> first = new AtomicReference<>();
    capturing("bob", first).listInbox(ListInboxRequest.getDefaultInstance());
    SignedCheckpoint a = checkpointIn(first.get());
    AuditPublicKey key = AuditPublicKey.parse(server.server().audit().verifierKey());
    assertThat(a.check(key)).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);

    // the server's audit key and no other: a key of the same name but other bytes does not verify it
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    AuditPublicKey other = dev.sealdrop.audit.AuditKey.testOnlyFromSeed(key.name(), seed).publicKey();
    assertThat(a.check(other)).isNotEqualTo(SignedCheckpoint.SignatureStatus.VALID);

    // the log grows (a refused call is a record), and a later response carries a later checkpoint
    catchThrowableOfType(StatusRuntimeException.class, () -> clients.transfer("bob")
        .createUpload(CreateUploadRequest.newBuilder().setExpectedSize(1).build()));
    AtomicReference<Metadata> second = new AtomicReference<>();
    capturing("bob", second).listInbox(ListInboxRequest.getDefaultInstance());
    SignedCheckpoint b = checkpointIn(second.get());
    assertThat(b.check(key)).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
    assertThat(b.checkpoint().size()).isGreaterThan(a.checkpoint().size());
  }

  @Test
  void theCheckpointOfAResponseCoversTheCallersOwnActNotOnlyThePeriodicOne() throws Exception {
    // the default cadence: a periodic checkpoint every 1000 records or after an interval (here long)
    clients.close();
    server.close();
    server = new TestServer(data.resolve("default-cadence"), c -> {
      ServerConfig.Admin a = c.admin();
      return c.withAdmin(new ServerConfig.Admin(a.host(), a.port(), ORIGIN, 1000, java.time.Duration.ofHours(1),
          a.retention(), a.retentionSweepInterval()));
    });
    clients = server.clients();
    AuditPublicKey key = AuditPublicKey.parse(server.server().audit().verifierKey());
    for (int i = 0; i < 3; i++) {
      AtomicReference<Metadata> trailers = new AtomicReference<>();
      StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
          capturing("bob", trailers).createUpload(CreateUploadRequest.newBuilder().setExpectedSize(1).build()));
      assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      long lastSeq = server.server().audit().tail(1).get(0).sequence();
      SignedCheckpoint cp = checkpointIn(trailers.get());
      assertThat(cp.check(key)).isEqualTo(SignedCheckpoint.SignatureStatus.VALID);
      assertThat(cp.checkpoint().size()).as("covers the refusal just recorded, seq " + lastSeq).isEqualTo(lastSeq);
    }
  }
}
