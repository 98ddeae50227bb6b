package dev.sealdrop.server.door.grpc;

import static dev.sealdrop.server.testing.Statuses.refused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.protocol.CheckpointTrailer;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.testing.OneServerPerClass;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A call of a method the transfer port does not serve is answered {@code UNIMPLEMENTED} only after its caller was
 * authenticated, and audited ({@code call.refuse}, {@code unknown-method}), without the name the caller made up.
 */
class UnknownMethodsTest extends OneServerPerClass {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  };

  /** Calls {@code fullMethodName} with a small message; it is refused with the status asked for. */
  private static StatusRuntimeException call(ManagedChannel channel, String fullMethodName, Status.Code code,
      String reason) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(fullMethodName)
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    return refused(() -> ClientCalls.blockingUnaryCall(channel, method,
        CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), new byte[] {8, 1}), code, reason);
  }

  private static List<Audit.Entry> unknownMethodRefusals() throws IOException {
    return server.server().audit().tail(1000).stream()
        .filter(r -> r.action().equals("call.refuse") && r.result().equals("unknown-method")).toList();
  }

  @Test
  void anAdminCallOnTheTransferPortIsRefusedAuditedAndPointsToTheAdminListener() throws IOException {
    StatusRuntimeException e = refused(() -> AdminServiceGrpc.newBlockingStub(clients.channel("bob"))
        .withDeadlineAfter(20, TimeUnit.SECONDS).listIdentities(ListIdentitiesRequest.getDefaultInstance()),
        Status.Code.UNIMPLEMENTED, null);
    assertThat(e.getStatus().getDescription()).contains("sealdrop.v1.AdminService/ListIdentities")
        .contains("admin listening on");
    assertThat(e.getTrailers().get(CheckpointTrailer.KEY)).as("ends with an audit checkpoint, as every call")
        .isNotNull();
    assertThat(unknownMethodRefusals()).anySatisfy(r -> {
      assertThat(r.actor()).isEqualTo("bob");
      assertThat(r.object()).isEqualTo("rpc:ListIdentities");
      assertThat(r.peer()).startsWith("127.0.0.1:");
      assertThat(r.details()).containsEntry("door", "grpc");
    });
  }

  @Test
  void aMadeUpMethodIsAuditedWithoutTheNameTheCallerChose() throws IOException {
    String probe = "evil.Probe/sdg_secretLookingTextAnAttackerWantsInTheLog";
    StatusRuntimeException e = call(clients.channel("alice"), probe, Status.Code.UNIMPLEMENTED, null);
    assertThat(e.getStatus().getDescription()).contains("TransferService").doesNotContain("sdg_");
    assertThat(unknownMethodRefusals()).anySatisfy(r -> {
      assertThat(r.actor()).isEqualTo("alice");
      assertThat(r.object()).isEqualTo("rpc:Unknown");
    });
    assertThat(server.server().audit().tail(1000)).noneMatch(r -> r.toString().contains("evil")
        || r.toString().contains("secretLooking"));
  }

  @Test
  void aStrangerIsRefusedAsAStrangerBeforeAnyMethodIsLookedUp() throws IOException {
    var stranger = server.pki.issue(CertSpec.client("um-stranger"));
    ManagedChannel channel = clients.channel(stranger.privateKey(), stranger.certificate());
    StatusRuntimeException e = call(channel, "sealdrop.v1.TransferService/NoSuchCall", Status.Code.UNAUTHENTICATED,
        "IDENTITY_UNKNOWN");
    assertThat(e.getStatus().getDescription()).doesNotContain("Method not found");
    assertThat(server.server().audit().tail(1000)).anySatisfy(r -> {
      assertThat(r.action()).isEqualTo("call.refuse");
      assertThat(r.actor()).isEqualTo("um-stranger");
      assertThat(r.object()).isEqualTo("rpc:Unknown");
      assertThat(r.result()).isEqualTo("identity-unknown");
      assertThat(r.details()).as("round DA: as the transfer port's other call.refuse records").containsEntry("door",
          "grpc");
    });
  }

  /**
   * Round DA: on the transfer port, an unknown method's call.refuse carried {@code door} = {@code grpc} and a disabled
   * or unknown identity's did not. Every call.refuse of the transfer port carries it; the admin listener's carry none,
   * as none of that listener's records does (docs/admin.md, "One core, every door").
   */
  @Test
  void everyCallRefusalOfTheTransferPortNamesItsDoorAndTheAdminListenersNone() throws IOException {
    var stranger = server.pki.issue(CertSpec.client("um-door-stranger"));
    refused(() -> dev.sealdrop.protocol.v1.TransferServiceGrpc.newBlockingStub(clients.channel(stranger.privateKey(),
        stranger.certificate())).withDeadlineAfter(20, TimeUnit.SECONDS).listInbox(
        dev.sealdrop.protocol.v1.ListInboxRequest.getDefaultInstance()), Status.Code.UNAUTHENTICATED,
        "IDENTITY_UNKNOWN");
    try (dev.sealdrop.server.testing.Clients admin = dev.sealdrop.server.testing.Clients.of(server.pki,
        server.server().adminPort())) {
      refused(() -> AdminServiceGrpc.newBlockingStub(admin.channel(stranger.privateKey(), stranger.certificate()))
          .withDeadlineAfter(20, TimeUnit.SECONDS).listIdentities(ListIdentitiesRequest.getDefaultInstance()),
          Status.Code.UNAUTHENTICATED, "IDENTITY_UNKNOWN");
    }
    List<Audit.Entry> refusals = server.server().audit().tail(1000).stream()
        .filter(r -> r.action().equals("call.refuse") && r.actor().equals("um-door-stranger")).toList();
    assertThat(refusals).extracting(Audit.Entry::object).containsExactly("rpc:ListInbox", "rpc:ListIdentities");
    assertThat(refusals.get(0).details()).as("the transfer port").containsEntry("door", "grpc");
    assertThat(refusals.get(1).details()).as("the admin listener").doesNotContainKey("door");
  }
}
