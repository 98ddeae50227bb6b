package dev.sealdrop.client.cli;

import com.google.protobuf.ByteString;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.ConfirmDownloadResponse;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import dev.sealdrop.protocol.v1.CreateUploadRequest;
import dev.sealdrop.protocol.v1.CreateUploadResponse;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import dev.sealdrop.protocol.v1.FetchBundleResponse;
import dev.sealdrop.protocol.v1.GetUploadRequest;
import dev.sealdrop.protocol.v1.GetUploadResponse;
import dev.sealdrop.protocol.v1.Grant;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.KeyDirectoryGrpc;
import dev.sealdrop.protocol.v1.ListInboxRequest;
import dev.sealdrop.protocol.v1.ListInboxResponse;
import dev.sealdrop.protocol.v1.PublishBundleRequest;
import dev.sealdrop.protocol.v1.PublishBundleResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-only, in-memory stand-in for the sealdrop server over real mutual TLS 1.3, with fault
 * injection: break the first upload / download after N bytes. It proves the client's resume
 * logic and TLS rules independently of the real server (which the walk-through tests use).
 */
final class FakeServer implements AutoCloseable {
  final Map<String, byte[]> bundles = new ConcurrentHashMap<>();
  final ByteArrayOutputStream upload = new ByteArrayOutputStream();
  volatile long breakUploadAfter = -1;
  /** When an upload is broken: how many of its bytes the server keeps (-1: all; less: as after a crash). */
  volatile long keepOnBreak = -1;
  volatile long breakDownloadAfter = -1;
  /** How many bytes of the file each download message carries (the real server: 1 MiB). */
  volatile int downloadMessageBytes = 16 * 1024;
  /** When set, the download that breakDownloadAfter ends is refused with FAILED_PRECONDITION and this reason. */
  volatile String breakDownloadReason;
  /** When set, the download that breakDownloadAfter ends is ended by stopping the server (as its operator would). */
  volatile boolean stopServerOnDownloadBreak;
  /**
   * Whether, when {@link #stopServerOnDownloadBreak} stopped the server, the client had taken every byte the download
   * sent (null: not stopped yet); see {@link #awaitTakenByClient}.
   */
  volatile Boolean downloadTakenBeforeStop;
  volatile boolean failNextConfirm;
  /** When set, ConfirmDownload is refused with FAILED_PRECONDITION and this reason (GRANT_CONSUMED counts the download). */
  volatile String confirmRefusal;
  final List<Long> uploadStartOffsets = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<Long> downloadStartOffsets = new java.util.concurrent.CopyOnWriteArrayList<>();
  final AtomicInteger redeems = new AtomicInteger();
  /** The redeem key of each Redeem, in order. */
  final List<String> redeemKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
  /**
   * When set, the next Redeem claims the grant but its answer is lost (UNAVAILABLE, as a network cut would end it):
   * the grant then stays claimed for that redeem's key, and only a Redeem with the same key is answered (the server's
   * "redeeming again"); any other is refused GRANT_CLAIMED.
   */
  volatile boolean loseNextRedeemAnswer;
  /** When set, Redeem is refused with FAILED_PRECONDITION and this reason. */
  volatile String redeemRefusal;
  /**
   * When set, Redeem answers that the file is sealed for these recipient key fingerprints. (ReleaseClaim is not served:
   * a client's release is refused UNIMPLEMENTED, as a release that does not get through.)
   */
  volatile List<String> sealedFor;
  private volatile String claimedWithKey;
  volatile boolean committed;
  volatile boolean consumed;
  volatile String token;
  /** A token to answer CreateGrant with instead of one of the real server's format (a hostile server's; round CE). */
  volatile String tokenToHand;
  /** The fingerprint grants name instead of the stored envelope's (a hostile server's; review CF). */
  volatile String fingerprintToName;
  /** The download count CreateGrant answers instead of the one asked for (a hostile server's; round CE). */
  volatile int downloadsToName;
  /** The owner the redeem answer names instead of alice (a hostile server's; round CE). */
  volatile String ownerToName;
  /**
   * When set, the upload's finish is stored (committed as f-1) but answered INVALID_ARGUMENT with this reason, as a
   * refusal of the envelope itself (a hostile server's: the client keeps no spool and cannot abandon the upload here).
   */
  volatile String refuseFinishAs;
  /** Whether ListFiles is served (f-1 once committed); UNIMPLEMENTED otherwise, as before. */
  volatile boolean listsFiles;
  private final Server server;

  /** The TLS protocol of each call, as the server saw it. */
  final List<String> protocols = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Name prefix of the server's threads. */
  static final String THREADS = "fake-server-";
  private final io.netty.channel.EventLoopGroup boss = loop("boss");
  private final io.netty.channel.EventLoopGroup workers = loop("worker");

  private static io.netty.channel.EventLoopGroup loop(String name) {
    return new io.netty.channel.MultiThreadIoEventLoopGroup(1,
        new io.netty.util.concurrent.DefaultThreadFactory(THREADS + name, true), io.netty.channel.nio.NioIoHandler.newFactory());
  }

  private FakeServer(SslContext tls) throws IOException {
    io.grpc.ServerInterceptor recordTls = new io.grpc.ServerInterceptor() {
      @Override
      public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call, Metadata headers,
          io.grpc.ServerCallHandler<Q, R> next) {
        javax.net.ssl.SSLSession session = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
        protocols.add(session == null ? "none" : session.getProtocol());
        return next.startCall(call, headers);
      }
    };
    // its own loops, named, so that tests can tell the client's threads from the server's (ChannelThreadsTest)
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(tls)
        .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
        .channelType(io.netty.channel.socket.nio.NioServerSocketChannel.class)
        .addService(io.grpc.ServerInterceptors.intercept(new Keys(), recordTls))
        .addService(io.grpc.ServerInterceptors.intercept(new Transfer(), recordTls))
        .addService(io.grpc.ServerInterceptors.intercept(new Admin(), recordTls)).build().start();
  }

  static FakeServer start(Path cert, Path key, Path ca) throws IOException {
    return start(cert, key, ca, "TLSv1.3");
  }

  static FakeServer start(Path cert, Path key, Path ca, String protocol) throws IOException {
    SslContext tls = GrpcSslContexts.forServer(cert.toFile(), key.toFile()).trustManager(ca.toFile())
        .clientAuth(ClientAuth.REQUIRE).protocols(protocol).build();
    return new FakeServer(tls);
  }

  int port() {
    return server.getPort();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  synchronized long storedSize() {
    return upload.size();
  }

  synchronized byte[] stored() {
    return upload.toByteArray();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
  }

  /**
   * From Linux's {@code /proc/net/tcp} and {@code tcp6}: whether every established connection on {@code port} has no
   * byte the server sent still unacknowledged and no byte the client was sent still unread (empty where those files
   * are missing).
   */
  static java.util.Optional<Boolean> socketsDrained(int port) throws IOException {
    Path v4 = Path.of("/proc/net/tcp");
    Path v6 = Path.of("/proc/net/tcp6");
    if (!java.nio.file.Files.isReadable(v4)) {
      return java.util.Optional.empty();
    }
    List<String> lines = new java.util.ArrayList<>(java.nio.file.Files.readAllLines(v4));
    if (java.nio.file.Files.isReadable(v6)) {
      lines.addAll(java.nio.file.Files.readAllLines(v6));
    }
    for (String line : lines) {
      // sl local_address rem_address st tx_queue:rx_queue ..., addresses as HEXADDR:HEXPORT
      String[] f = line.trim().split("\\s+");
      if (f.length < 5 || !f[0].endsWith(":") || !f[3].equals("01")) { // the header, or not ESTABLISHED
        continue;
      }
      int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
      int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
      String[] queues = f[4].split(":");
      long unacknowledged = Long.parseLong(queues[0], 16);
      long unread = Long.parseLong(queues[1], 16);
      if (local == port && unacknowledged > 0 || remote == port && unread > 0) {
        return java.util.Optional.of(false);
      }
    }
    return java.util.Optional.of(true);
  }

  /** When the grant was made, as the server's clock says (a grant lives an hour). */
  private static final long CREATED = System.currentTimeMillis();

  private Grant grant() {
    return Grant.newBuilder().setGrantId("g-1").setFileId("f-1").setOwner("alice").setRecipient("bob")
        .setState(consumed ? GrantState.GRANT_STATE_CONSUMED : GrantState.GRANT_STATE_ACTIVE)
        .setMaxDownloads(1).setDownloadsUsed(consumed ? 1 : 0).setSize(stored().length)
        .setFingerprint(fingerprintToName != null ? fingerprintToName : storedFingerprint())
        .setCreatedAtMillis(CREATED).setExpiresAtMillis(CREATED + 3_600_000).build();
  }

  /** The stored envelope's fingerprint, as the real server names it in a grant ("" before alice's upload is whole). */
  private String storedFingerprint() {
    byte[] alice = bundles.get("alice");
    byte[] envelope = stored();
    if (alice == null || envelope.length == 0) {
      return "";
    }
    try {
      return dev.sealdrop.envelope.EnvelopeInspector.inspect(new java.io.ByteArrayInputStream(envelope),
          dev.sealdrop.keys.KeyBundle.decode(alice).verifyingKey()).fingerprint();
    } catch (Exception incomplete) {
      return "";
    }
  }

  /** The number of RevokeIdentity calls that reached this server. */
  final AtomicInteger identityRevokes = new AtomicInteger();

  /** An admin listener (on the same port) whose server dies in the middle of every identity revocation. */
  private final class Admin extends dev.sealdrop.protocol.v1.AdminServiceGrpc.AdminServiceImplBase {
    @Override
    public void revokeIdentity(dev.sealdrop.protocol.v1.RevokeIdentityRequest req,
        StreamObserver<dev.sealdrop.protocol.v1.RevokeIdentityResponse> out) {
      identityRevokes.incrementAndGet();
      server.shutdownNow();
    }
  }

  private final class Keys extends KeyDirectoryGrpc.KeyDirectoryImplBase {
    @Override
    public void publishBundle(PublishBundleRequest req, StreamObserver<PublishBundleResponse> out) {
      try {
        dev.sealdrop.keys.KeyBundle b = dev.sealdrop.keys.KeyBundle.decode(req.getSignedBundle().toByteArray());
        bundles.put(b.identity(), req.getSignedBundle().toByteArray());
        out.onNext(PublishBundleResponse.newBuilder().setFingerprint(b.fingerprint()).build());
        out.onCompleted();
      } catch (dev.sealdrop.keys.BundleException e) {
        out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      }
    }

    @Override
    public void fetchBundle(FetchBundleRequest req, StreamObserver<FetchBundleResponse> out) {
      byte[] b = bundles.get(req.getIdentity());
      if (b == null) {
        out.onError(Status.NOT_FOUND.withDescription(req.getIdentity() + " has no bundle").asRuntimeException());
        return;
      }
      out.onNext(FetchBundleResponse.newBuilder().setSignedBundle(ByteString.copyFrom(b)).build());
      out.onCompleted();
    }
  }

  private final class Transfer extends TransferServiceGrpc.TransferServiceImplBase {
    @Override
    public void createUpload(CreateUploadRequest req, StreamObserver<CreateUploadResponse> out) {
      synchronized (FakeServer.this) {
        upload.reset();
      }
      out.onNext(CreateUploadResponse.newBuilder().setUploadId("u-1").setMaxMessageBytes(32 * 1024).build());
      out.onCompleted();
    }

    @Override
    public void listFiles(dev.sealdrop.protocol.v1.ListFilesRequest req,
        StreamObserver<dev.sealdrop.protocol.v1.ListFilesResponse> out) {
      if (!listsFiles) {
        super.listFiles(req, out);
        return;
      }
      dev.sealdrop.protocol.v1.ListFilesResponse.Builder files = dev.sealdrop.protocol.v1.ListFilesResponse.newBuilder();
      if (committed) {
        files.addFiles(dev.sealdrop.protocol.v1.FileInfo.newBuilder().setFileId("f-1").setSize(storedSize()));
      }
      out.onNext(files.build());
      out.onCompleted();
    }

    @Override
    public void getUpload(GetUploadRequest req, StreamObserver<GetUploadResponse> out) {
      out.onNext(GetUploadResponse.newBuilder().setUploadId("u-1").setCommittedOffset(storedSize())
          .setFileId(committed ? "f-1" : "").build());
      out.onCompleted();
    }

    @Override
    public StreamObserver<UploadRequest> upload(StreamObserver<UploadResponse> out) {
      return new StreamObserver<>() {
        boolean dead;

        @Override
        public void onNext(UploadRequest r) {
          if (dead) {
            return;
          }
          if (r.hasStart()) {
            uploadStartOffsets.add(r.getStart().getOffset());
            if (r.getStart().getOffset() != storedSize()) {
              dead = true;
              out.onError(Status.FAILED_PRECONDITION.withDescription("wrong offset").asRuntimeException());
              return;
            }
          }
          synchronized (FakeServer.this) {
            upload.writeBytes(r.getData().toByteArray());
          }
          if (breakUploadAfter >= 0 && storedSize() >= breakUploadAfter) {
            breakUploadAfter = -1;
            if (keepOnBreak >= 0) {
              synchronized (FakeServer.this) {
                byte[] kept = java.util.Arrays.copyOf(upload.toByteArray(), (int) keepOnBreak);
                upload.reset();
                upload.writeBytes(kept);
              }
            }
            dead = true;
            out.onError(Status.UNAVAILABLE.withDescription("test: connection broken").asRuntimeException());
            return;
          }
          if (r.getFinish() && refuseFinishAs != null) {
            dead = true;
            committed = true;
            Metadata m = new Metadata();
            m.put(dev.sealdrop.client.net.GrpcFailures.REASON, refuseFinishAs);
            out.onError(Status.INVALID_ARGUMENT.withDescription("refused: " + refuseFinishAs).asRuntimeException(m));
            return;
          }
          if (r.getFinish()) {
            dead = true;
            committed = true;
            out.onNext(UploadResponse.newBuilder().setUploadId("u-1").setFileId("f-1").setSize(stored().length).build());
            out.onCompleted();
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }

    @Override
    public void createGrant(CreateGrantRequest req, StreamObserver<CreateGrantResponse> out) {
      // the real server's format (sdg_ + 43 base64url): receive refuses any other before it connects
      token = tokenToHand != null ? tokenToHand : String.format("sdg_%043d", System.nanoTime());
      Grant answered = downloadsToName == 0 ? grant() : grant().toBuilder().setMaxDownloads(downloadsToName).build();
      out.onNext(CreateGrantResponse.newBuilder().setGrant(answered).setToken(token).build());
      out.onCompleted();
    }

    @Override
    public void listInbox(ListInboxRequest req, StreamObserver<ListInboxResponse> out) {
      out.onNext(ListInboxResponse.newBuilder().addGrants(grant()).build());
      out.onCompleted();
    }

    @Override
    public void redeem(RedeemRequest req, StreamObserver<RedeemResponse> out) {
      redeems.incrementAndGet();
      redeemKeys.add(req.getRedeemKey());
      if (redeemRefusal != null) {
        Metadata m = new Metadata();
        m.put(dev.sealdrop.client.net.GrpcFailures.REASON, redeemRefusal);
        Status status = "LOCKED_DOWN".equals(redeemRefusal) ? Status.UNAVAILABLE : Status.FAILED_PRECONDITION;
        out.onError(status.withDescription("refused: " + redeemRefusal).asRuntimeException(m));
        return;
      }
      if (claimedWithKey != null && !claimedWithKey.equals(req.getRedeemKey())) {
        Metadata m = new Metadata();
        m.put(dev.sealdrop.client.net.GrpcFailures.REASON, "GRANT_CLAIMED");
        out.onError(Status.FAILED_PRECONDITION.withDescription("the grant is claimed by a download in progress")
            .asRuntimeException(m));
        return;
      }
      if (loseNextRedeemAnswer) {
        loseNextRedeemAnswer = false;
        claimedWithKey = req.getRedeemKey();
        out.onError(Status.UNAVAILABLE.withDescription("connection lost").asRuntimeException());
        return;
      }
      if (consumed) {
        Metadata m = new Metadata();
        m.put(dev.sealdrop.client.net.GrpcFailures.REASON, "GRANT_CONSUMED");
        out.onError(Status.FAILED_PRECONDITION.withDescription("grant already consumed").asRuntimeException(m));
        return;
      }
      if (!req.getToken().equals(token)) {
        out.onError(Status.NOT_FOUND.withDescription("no such grant").asRuntimeException());
        return;
      }
      Grant granted = ownerToName == null ? grant() : grant().toBuilder().setOwner(ownerToName).build();
      RedeemResponse.Builder answer = RedeemResponse.newBuilder().setClaimId("claim-1").setGrant(granted)
          .setClaimExpiresAtMillis(System.currentTimeMillis() + 600_000);
      if (sealedFor != null) {
        answer.addAllRecipientKeyFingerprints(sealedFor);
        claimedWithKey = req.getRedeemKey(); // its claim stays, as no release gets through
      }
      out.onNext(answer.build());
      out.onCompleted();
    }

    @Override
    public void download(DownloadRequest req, StreamObserver<DownloadResponse> out) {
      if (stopServerOnDownloadBreak) {
        // ready only once nothing sent is left in this server's buffers (awaitTakenByClient)
        ((io.grpc.stub.ServerCallStreamObserver<DownloadResponse>) out).setOnReadyThreshold(1);
      }
      downloadStartOffsets.add(req.getOffset());
      byte[] all = stored();
      int off = (int) req.getOffset();
      while (off < all.length) {
        int n = Math.min(downloadMessageBytes, all.length - off);
        out.onNext(DownloadResponse.newBuilder().setOffset(off).setTotalSize(all.length)
            .setData(ByteString.copyFrom(Arrays.copyOfRange(all, off, off + n))).build());
        off += n;
        if (breakDownloadAfter >= 0 && off >= breakDownloadAfter) {
          breakDownloadAfter = -1;
          if (stopServerOnDownloadBreak) {
            // let what was sent reach the client first (a loaded CI machine once stopped it before any byte had, and a
            // fixed half second was not always enough): the test is about the words of the break and keeping what
            // arrived, not about losing what was queued
            downloadTakenBeforeStop = awaitTakenByClient((io.grpc.stub.ServerCallStreamObserver<DownloadResponse>) out);
            server.shutdownNow();
            return;
          }
          String reason = breakDownloadReason;
          if (reason != null) {
            Metadata m = new Metadata();
            m.put(dev.sealdrop.client.net.GrpcFailures.REASON, reason);
            out.onError(Status.FAILED_PRECONDITION.withDescription("test: " + reason).asRuntimeException(m));
            return;
          }
          out.onError(Status.UNAVAILABLE.withDescription("test: connection broken").asRuntimeException());
          return;
        }
      }
      out.onCompleted();
    }

    /**
     * Waits (60 s at most) until the client process has read every byte {@code call} sent: this server's buffers hold
     * none of it (the call is ready with a threshold of 1 byte), and on Linux the kernel says that no byte this
     * server's port sent is unacknowledged and that no client socket connected to it holds unread bytes. The client's
     * transport handles what it read before it sees the server stop, and delivers those messages before the error.
     * Where {@code /proc/net/tcp} is missing, half a second after the buffers emptied stands in. Returns whether it saw
     * that happen.
     */
    private boolean awaitTakenByClient(io.grpc.stub.ServerCallStreamObserver<DownloadResponse> call) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      try {
        while (System.nanoTime() - deadline < 0) {
          if (call.isReady()) {
            java.util.Optional<Boolean> drained = socketsDrained(port());
            if (drained.isEmpty()) {
              Thread.sleep(500);
              return true;
            }
            if (drained.get()) {
              return true;
            }
          }
          Thread.sleep(10);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return false;
    }

    @Override
    public void confirmDownload(ConfirmDownloadRequest req, StreamObserver<ConfirmDownloadResponse> out) {
      if (failNextConfirm) {
        failNextConfirm = false;
        out.onError(Status.UNAVAILABLE.withDescription("test: connection broken").asRuntimeException());
        return;
      }
      String refusal = confirmRefusal;
      if (refusal != null) {
        consumed = consumed || refusal.equals("GRANT_CONSUMED");
        Metadata m = new Metadata();
        m.put(dev.sealdrop.client.net.GrpcFailures.REASON, refusal);
        // a revocation is refused as the server's authentication refuses it
        out.onError((refusal.equals("CERTIFICATE_REVOKED") ? Status.UNAUTHENTICATED.withDescription("test: identity"
            + " revoked by an admin") : Status.FAILED_PRECONDITION.withDescription("test: " + refusal))
            .asRuntimeException(m));
        return;
      }
      consumed = true;
      out.onNext(ConfirmDownloadResponse.newBuilder().setGrant(grant()).build());
      out.onCompleted();
    }
  }

}
