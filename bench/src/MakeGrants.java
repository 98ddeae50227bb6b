import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Redeem benchmark helper (bench/redeem.sh): the owner of an already uploaded file grants it to
 * RECIPIENT N times over one mutual-TLS connection and prints the N tokens, one per line, so that
 * a round of N concurrent redeems needs no N sender JVMs. A measuring instrument, not a product.
 *
 * <p>Run: {@code java -cp client/target/sealdrop.jar bench/src/MakeGrants.java PROFILE_DIR HOST:PORT FILE_ID
 * RECIPIENT N}.
 */
public final class MakeGrants {
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: MakeGrants PROFILE_DIR HOST:PORT FILE_ID RECIPIENT N");
      System.exit(2);
    }
    Path profile = Path.of(args[0]);
    String[] hp = args[1].split(":");
    int n = Integer.parseInt(args[4]);
    SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forClient(),
            OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
        .keyManager(profile.resolve("tls/client.crt").toFile(), profile.resolve("tls/client.key").toFile())
        .trustManager(profile.resolve("tls/ca.crt").toFile())
        .protocols("TLSv1.3").build();
    ManagedChannel ch = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).sslContext(tls).build();
    try {
      TransferServiceGrpc.TransferServiceBlockingStub stub = TransferServiceGrpc.newBlockingStub(ch);
      for (int i = 0; i < n; i++) {
        System.out.println(stub.withDeadlineAfter(60, TimeUnit.SECONDS).createGrant(CreateGrantRequest.newBuilder()
            .setFileId(args[2]).setRecipient(args[3]).setMaxDownloads(1).build()).getToken());
      }
    } finally {
      ch.shutdownNow();
    }
  }
}
