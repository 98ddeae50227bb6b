package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.client.net.ChannelFactory;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.protocol.v1.FetchBundleRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed connection leaves no thread of its own behind in native code. HotSpot's exit waits for
 * such threads (about 300 ms on JDK 17), so a selector thread left in {@code epoll_wait} added that to
 * every CLI command (gRPC's shared event loop stops only a second after its last channel closes).
 */
class ChannelThreadsTest {
  @TempDir
  static Path root;
  static DevPki pki;

  @BeforeAll
  static void pki() {
    pki = DevPki.loadOrCreate(root.resolve("pki"));
  }

  @Test
  void closingAConnectionEndsEveryThreadItStartedThatWaitsInNativeCode() throws Exception {
    try (FakeServer server = FakeServer.start(pki.certFile("server"), pki.keyFile("server"), pki.caCertFile())) {
      Set<Thread> before = Thread.getAllStackTraces().keySet();
      ServerConnection c = ServerConnection.open(new ChannelFactory(pki.certFile("alice"), pki.keyFile("alice"),
          pki.caCertFile()), HostPort.parse(server.address()));
      try {
        // one call over TLS, answered (the fake server has no bundles): the connection's event loop has run
        assertThatThrownBy(() -> c.keys().fetchBundle(FetchBundleRequest.newBuilder().setIdentity("bob").build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
      } finally {
        c.close();
      }
      // A stopped loop's thread completes its termination future (waking the closer: Unsafe.unpark) just before it
      // ends; on a busy machine it may be preempted there, in native code, for a while. So: no new thread may still
      // wait for I/O in a selector (what gRPC's shared loop did, for a second after its last channel closed), and
      // every new thread must have left native code (ended) within a generous deadline.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      List<String> left;
      while (true) {
        Map<Thread, StackTraceElement[]> now = Thread.getAllStackTraces();
        List<Map.Entry<Thread, StackTraceElement[]>> started = now.entrySet().stream()
            .filter(e -> !before.contains(e.getKey()) && e.getKey().isAlive())
            .filter(e -> !e.getKey().getName().startsWith(FakeServer.THREADS)).toList();
        assertThat(started.stream().filter(ChannelThreadsTest::waitsInASelector).map(ChannelThreadsTest::describe)
            .toList()).as("threads the connection started, still waiting in a selector after it was closed").isEmpty();
        left = started.stream().filter(ChannelThreadsTest::inNativeCode).map(ChannelThreadsTest::describe).toList();
        if (left.isEmpty() || System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(left).as("threads the connection started, still in native code 10 s after it was closed").isEmpty();
    }
  }

  private static String describe(Map.Entry<Thread, StackTraceElement[]> e) {
    return e.getKey().getName() + " at " + (e.getValue().length > 0 ? e.getValue()[0] : "?");
  }

  /** Blocked waiting for I/O events: a JDK selector's select, or Netty's native epoll/kqueue wait. */
  private static boolean waitsInASelector(Map.Entry<Thread, StackTraceElement[]> e) {
    for (StackTraceElement f : e.getValue()) {
      String m = f.getMethodName();
      if (m.equals("doSelect") && f.getClassName().startsWith("sun.nio.ch.") || m.startsWith("epollWait")
          || m.startsWith("kqueueWait")) {
        return true;
      }
    }
    return false;
  }

  private static boolean inNativeCode(Map.Entry<Thread, StackTraceElement[]> e) {
    return e.getKey().getState() == Thread.State.RUNNABLE && e.getValue().length > 0 && e.getValue()[0].isNativeMethod();
  }
}
