import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.FileInfo;
import dev.sealdrop.protocol.v1.ListFilesRequest;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * bench/sftp.sh's gRPC steps, through the public API over the profile's mutual-TLS credentials
 * (the CLI has no `keys add-ssh` on every branch yet, and no command that grants an already
 * uploaded file again). Not a product: a measuring instrument's setup.
 *
 * <pre>
 * java -cp client/target/sealdrop.jar bench/src/SftpSetup.java add-ssh PROFILE HOST:PORT KEY.pub
 *   registers the OpenSSH public key for the profile's identity; prints its fingerprint
 * java -cp ... SftpSetup.java newest-file PROFILE HOST:PORT
 *   prints the id of the profile identity's most recently committed file
 * java -cp ... SftpSetup.java grants PROFILE HOST:PORT FILE_ID RECIPIENT N
 *   creates N one-time grants of FILE_ID for RECIPIENT; prints one token per line
 * java -cp ... SftpSetup.java grant-newest PROFILE HOST:PORT RECIPIENT
 *   one one-time grant of the identity's newest file for RECIPIENT; prints its token
 * </pre>
 */
public final class SftpSetup {
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      usage();
    }
    Path profile = Path.of(args[1]);
    String[] hp = args[2].split(":");
    SslContext tls = GrpcSslContexts.forClient()
        .keyManager(profile.resolve("tls/client.crt").toFile(), profile.resolve("tls/client.key").toFile())
        .trustManager(profile.resolve("tls/ca.crt").toFile())
        .protocols("TLSv1.3").build();
    ManagedChannel ch = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).sslContext(tls).build();
    try {
      switch (args[0]) {
        case "add-ssh" -> {
          if (args.length != 4) {
            usage();
          }
          String key = Files.readString(Path.of(args[3]), StandardCharsets.UTF_8).strip();
          var added = SshKeysGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
              .addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(key).build());
          System.out.println(added.getKey().getFingerprint());
        }
        case "newest-file" -> {
          FileInfo newest = newest(ch);
          System.out.println(newest.getFileId() + " " + newest.getSize());
        }
        case "grant-newest" -> {
          if (args.length != 4) {
            usage();
          }
          System.out.println(TransferServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
              .createGrant(CreateGrantRequest.newBuilder().setFileId(newest(ch).getFileId()).setRecipient(args[3])
                  .setMaxDownloads(1).build()).getToken());
        }
        case "grants" -> {
          if (args.length != 6) {
            usage();
          }
          var stub = TransferServiceGrpc.newBlockingStub(ch);
          int n = Integer.parseInt(args[5]);
          for (int i = 0; i < n; i++) {
            System.out.println(stub.withDeadlineAfter(60, TimeUnit.SECONDS).createGrant(CreateGrantRequest.newBuilder()
                .setFileId(args[3]).setRecipient(args[4]).setMaxDownloads(1).build()).getToken());
          }
        }
        default -> usage();
      }
    } finally {
      ch.shutdownNow();
    }
  }

  private static FileInfo newest(ManagedChannel ch) {
    return TransferServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
        .listFiles(ListFilesRequest.getDefaultInstance()).getFilesList().stream()
        .max(Comparator.comparingLong(FileInfo::getCreatedAtMillis))
        .orElseThrow(() -> new IllegalStateException("no committed file"));
  }

  private static void usage() {
    System.err.println("usage: SftpSetup add-ssh PROFILE HOST:PORT KEY.pub | newest-file PROFILE HOST:PORT"
        + " | grants PROFILE HOST:PORT FILE_ID RECIPIENT N | grant-newest PROFILE HOST:PORT RECIPIENT");
    System.exit(2);
  }
}
