import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.OpenedFile;
import dev.sealdrop.envelope.SenderPolicy;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeyFile;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.VerifyingKey;
import dev.sealdrop.protocol.v1.ConfirmDownloadRequest;
import dev.sealdrop.protocol.v1.DownloadRequest;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.protocol.v1.RedeemRequest;
import dev.sealdrop.protocol.v1.RedeemResponse;
import dev.sealdrop.protocol.v1.SessionServiceGrpc;
import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.protocol.v1.WhoAmIRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Load-test receivers (bench/load.sh): N concurrent clients, each on its own mutual-TLS
 * connection, redeem one grant each at the same instant, download to a spool file, open and verify it, and confirm,
 * timing each phase, which the CLI does not report. {@code sealdrop receive} makes the same calls but opens while it
 * downloads, without a spool: the download and open phases here include a write and a read of each file that it does
 * not make. The redeems form one burst (every receiver redeems, then all download), so that
 * the receivers' own decryption on this shared machine does not inflate the redeem times. Uses only the public APIs of the CLI's jar (protocol stubs, Envelope,
 * PrivateKeyFile, KeyBundle). Not a product: a measuring instrument.
 *
 * <p>Run: {@code java -cp client/target/sealdrop.jar bench/src/LoadReceivers.java PROFILE_DIR
 * HOST:PORT SENDER TOKENS_FILE OUT_DIR}; passphrase from SEALDROP_PASSPHRASE. Prints one line per
 * receiver and burst: {@code receiver I connect_ms C (TLS + one WhoAmI) redeem_ms R download_ms D open_ms O
 * confirm_ms F bytes B file PATH burst K}, then per burst {@code wall_ms W} (followed by {@code burst K} when
 * there are several). Exit 1 if any receiver failed.
 */
public final class LoadReceivers {
  /** Untimed redeems of unknown tokens per connection before the burst ({@code -Dbench.warmRedeems}, default 20). */
  private static final int WARM_REDEEMS = Integer.getInteger("bench.warmRedeems", 20);
  /**
   * Bursts in this one JVM ({@code -Dbench.bursts}, default 1): TOKENS_FILE then holds BURSTS × N
   * tokens, burst b (from 0) redeeming lines b×N to b×N+N−1; each burst starts once every receiver
   * has finished the one before (download, open and confirm included).
   */
  private static final int BURSTS = Integer.getInteger("bench.bursts", 1);

  /**
   * One burst's start signal and its three meeting points: all ready, all redeemed, all done. Each
   * receiver passes each point once ({@code passed*} are indexed by receiver and touched only by its
   * own thread), also when it stops early ({@link #abandon}), so that nobody waits for it.
   */
  private static final class Burst {
    final CountDownLatch ready;
    final CountDownLatch go = new CountDownLatch(1);
    final CountDownLatch redeemed;
    final CountDownLatch done;
    private final boolean[] passedReady;
    private final boolean[] passedRedeemed;
    /** 1, 2, …; where burst 1 puts receiver I's file: OUT_DIR/receiver-I, later ones receiver-I.burst-B. */
    final int number;

    Burst(int number, int n) {
      this.number = number;
      ready = new CountDownLatch(n);
      redeemed = new CountDownLatch(n);
      done = new CountDownLatch(n);
      passedReady = new boolean[n];
      passedRedeemed = new boolean[n];
    }

    void ready(int id) {
      passedReady[id] = true;
      ready.countDown();
    }

    void redeemed(int id) throws InterruptedException {
      passedRedeemed[id] = true;
      redeemed.countDown();
      redeemed.await();
    }

    /** Receiver {@code id} stopped in or before this burst: releases the points it has not passed. */
    void abandon(int id) {
      if (!passedReady[id]) {
        ready.countDown();
      }
      if (!passedRedeemed[id]) {
        redeemed.countDown();
      }
      done.countDown();
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: LoadReceivers PROFILE_DIR HOST:PORT SENDER TOKENS_FILE OUT_DIR");
      System.exit(2);
    }
    Path profile = Path.of(args[0]);
    String[] hp = args[1].split(":");
    String sender = args[2];
    List<String> tokens = Files.readAllLines(Path.of(args[3]), StandardCharsets.UTF_8).stream()
        .map(String::strip).filter(s -> !s.isEmpty()).toList();
    Path out = Files.createDirectories(Path.of(args[4]));
    String pass = System.getenv("SEALDROP_PASSPHRASE");
    if (pass == null || pass.isEmpty()) {
      throw new IllegalStateException("set SEALDROP_PASSPHRASE");
    }
    PrivateKeys keys = PrivateKeyFile.read(profile.resolve("keys/identity.key"), pass.toCharArray());
    VerifyingKey senderKey = KeyBundle.decode(Files.readAllBytes(profile.resolve("trusted/" + sender + ".skb")))
        .verifyingKey(); // pinned (and verified against the CA) by an earlier `sealdrop receive`
    SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forClient(),
            OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
        .keyManager(profile.resolve("tls/client.crt").toFile(), profile.resolve("tls/client.key").toFile())
        .trustManager(profile.resolve("tls/ca.crt").toFile())
        .protocols("TLSv1.3").build();

    applyTheClisCompilerPolicy();
    if (BURSTS < 1 || tokens.isEmpty() || tokens.size() % BURSTS != 0) {
      throw new IllegalArgumentException(tokens.size() + " tokens cannot make " + BURSTS + " equal bursts");
    }
    int n = tokens.size() / BURSTS;
    PrintStream stdout = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Burst[] bursts = new Burst[BURSTS];
    for (int b = 0; b < BURSTS; b++) {
      bursts[b] = new Burst(b + 1, n);
    }
    List<Thread> threads = new ArrayList<>();
    String[][] lines = new String[BURSTS][n];
    boolean[] failed = new boolean[n];
    for (int i = 0; i < n; i++) {
      int id = i;
      Thread t = new Thread(() -> {
        ManagedChannel ch = NettyChannelBuilder.forAddress(hp[0], Integer.parseInt(hp[1])).sslContext(tls)
            .maxInboundMessageSize(8 << 20).build();
        int b = 0;
        try {
          long c0 = System.nanoTime();
          connect(ch);
          // One WhoAmI per connection first: TLS, HTTP/2 and the identity interceptor are warm, so
          // the timed redeem measures the redeem (its database transaction), not first-call costs.
          SessionServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
              .whoAmI(WhoAmIRequest.getDefaultInstance());
          // ...and WARM_REDEEMS redeems of tokens that do not exist (refused: not found), so that the
          // redeem path's classes are loaded and its code compiled on both sides before the timed one
          // (a receiver's own JVM would pay its first-call costs on its own machine, not on the server's).
          for (int w = 0; w < WARM_REDEEMS; w++) {
            try {
              TransferServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
                  .redeem(RedeemRequest.newBuilder().setToken(unknownToken()).build());
              throw new IllegalStateException("the server redeemed a token that was never issued");
            } catch (io.grpc.StatusRuntimeException expected) {
              // NOT_FOUND (or INVALID_ARGUMENT): the warm-up's only purpose
            }
          }
          long connectNs = System.nanoTime() - c0;
          for (; b < BURSTS; b++) {
            Burst burst = bursts[b];
            burst.ready(id);
            burst.go.await();
            lines[b][id] = receive(id, ch, tokens.get(b * n + id), keys, senderKey, out, connectNs, burst)
                + " burst " + burst.number;
            burst.done.countDown();
          }
        } catch (Exception | Error e) {
          failed[id] = true;
          for (int rest = b; rest < BURSTS; rest++) { // first: nobody waits for a receiver that has stopped
            bursts[rest].abandon(id);
          }
          int at = Math.min(b, BURSTS - 1);
          lines[at][id] = "receiver " + id + " burst " + (at + 1) + " FAILED " + e;
        } finally {
          ch.shutdownNow();
        }
      }, "receiver-" + i);
      threads.add(t);
      t.start();
    }
    long[] wallMs = new long[BURSTS];
    for (int b = 0; b < BURSTS; b++) {
      bursts[b].ready.await();
      long w0 = System.nanoTime();
      bursts[b].go.countDown();
      bursts[b].redeemed.await();
      long redeemedNs = System.nanoTime();
      bursts[b].done.await();
      // for profilers (perf -k CLOCK_MONOTONIC uses the same clock as System.nanoTime on Linux)
      System.err.println("burst " + (b + 1) + " go_ns " + w0 + " redeemed_ns " + redeemedNs);
      wallMs[b] = (System.nanoTime() - w0) / 1_000_000;
    }
    for (Thread t : threads) {
      t.join();
    }
    boolean anyFailed = false;
    for (int b = 0; b < BURSTS; b++) {
      for (int i = 0; i < n; i++) {
        if (lines[b][i] != null) {
          stdout.println(lines[b][i]);
        }
      }
      stdout.println("wall_ms " + wallMs[b] + (BURSTS > 1 ? " burst " + (b + 1) : ""));
    }
    for (boolean f : failed) {
      anyFailed |= f;
    }
    keys.destroy();
    System.exit(anyFailed ? 1 : 0);
  }

  /**
   * The compiler policy {@code sealdrop receive} runs with (client {@code cli.CompilerBudget}: C2 only for
   * the bulk cryptography), so that these receivers cost the shared machine what 32 CLI processes
   * would, and their JIT does not take the server's CPU during the redeem burst. Best effort.
   */
  private static void applyTheClisCompilerPolicy() {
    try {
      java.lang.reflect.Method apply = Class.forName("dev.sealdrop.client.cli.CompilerBudget").getDeclaredMethod("apply");
      apply.setAccessible(true);
      apply.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("note: the CLI's compiler policy could not be applied (" + e + "); the JVM's default applies");
    }
  }

  /** A well-formed grant token that was never issued (32 random bytes, as the server's own). */
  private static String unknownToken() {
    byte[] b = new byte[32];
    new java.security.SecureRandom().nextBytes(b);
    return "sdg_" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Opens the TLS connection before the start signal, so redeem times exclude the handshake. */
  private static void connect(ManagedChannel ch) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    ConnectivityState s;
    while ((s = ch.getState(true)) != ConnectivityState.READY) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no connection within 120 s (state " + s + ")");
      }
      CountDownLatch changed = new CountDownLatch(1);
      ch.notifyWhenStateChanged(s, changed::countDown);
      changed.await(1, TimeUnit.SECONDS);
    }
  }

  private static String receive(int id, ManagedChannel ch, String token, PrivateKeys keys, VerifyingKey senderKey,
      Path out, long connectNs, Burst burst) throws Exception {
    TransferServiceGrpc.TransferServiceBlockingStub stub = TransferServiceGrpc.newBlockingStub(ch);
    long t0 = System.nanoTime();
    RedeemResponse claim = stub.withDeadlineAfter(60, TimeUnit.SECONDS)
        .redeem(RedeemRequest.newBuilder().setToken(token).build());
    long t1 = System.nanoTime();
    // All redeems form one burst: on this one shared machine, receivers that already decrypt would
    // otherwise steal the CPU from the redeems still in flight and from the clock that times them.
    burst.redeemed(id);
    long t1b = System.nanoTime();
    long size = claim.getGrant().getSize();
    Path spool = out.resolve("receiver-" + id + ".sealed");
    long have = 0;
    try (FileChannel f = FileChannel.open(spool, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      Iterator<DownloadResponse> it = stub.download(DownloadRequest.newBuilder().setClaimId(claim.getClaimId())
          .setOffset(0).build());
      while (it.hasNext()) {
        DownloadResponse r = it.next();
        if (r.getOffset() != have) {
          throw new IllegalStateException("out-of-order data at " + r.getOffset() + ", expected " + have);
        }
        for (ByteBuffer b : r.getData().asReadOnlyByteBufferList()) {
          while (b.hasRemaining()) {
            f.write(b);
          }
        }
        have += r.getData().size();
      }
      f.force(true);
    }
    if (have != size) {
      throw new IllegalStateException("downloaded " + have + " of " + size + " bytes");
    }
    long t2 = System.nanoTime();
    Path dir = Files.createDirectories(out.resolve("receiver-" + id + (burst.number == 1 ? "" : ".burst-" + burst.number)));
    OpenedFile opened;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(spool), 64 * 1024)) {
      opened = Envelope.openIntoDirectory(in, keys, SenderPolicy.exactly(claim.getGrant().getOwner(), senderKey), dir,
          false);
    }
    long t3 = System.nanoTime();
    stub.withDeadlineAfter(60, TimeUnit.SECONDS).confirmDownload(ConfirmDownloadRequest.newBuilder()
        .setClaimId(claim.getClaimId()).setFingerprint(opened.fingerprint()).build());
    long t4 = System.nanoTime();
    Files.delete(spool);
    return String.format("receiver %d connect_ms %.1f redeem_ms %.2f download_ms %d open_ms %d confirm_ms %.2f bytes %d"
            + " file %s", id, connectNs / 1e6, (t1 - t0) / 1e6, (t2 - t1b) / 1_000_000, (t3 - t2) / 1_000_000,
        (t4 - t3) / 1e6, opened.metadata().size(), opened.path());
  }
}
