package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An overloaded server may accept a connection so late that the CLI's own TLS handshake timer (10 s) runs out
 * before the server even saw it (as when 32 CLIs start at once on a busy machine: docs/benchmarks.md, sessions
 * 4-5). The request never left the CLI, so it is tried again, and the next connection succeeds.
 */
class LateHandshakeRetryTest {
  @TempDir
  Path root;

  @Test
  void aServerThatAcceptsTooLateOnceIsTriedAgainAndTheCommandSucceeds() throws Exception {
    Path certs = root.resolve("certs");
    SealdropServer server = SealdropServer.start(ServerConfig.development(root.resolve("data"), certs));
    List<Socket> open = new CopyOnWriteArrayList<>();
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket front = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!front.isClosed()) {
          try {
            Socket client = front.accept();
            open.add(client);
            int n = connections.incrementAndGet();
            Thread relay = new Thread(() -> relay(client, n == 1 ? 12_000 : 0, server.port(), open));
            relay.setDaemon(true);
            relay.start();
          } catch (IOException e) {
            // the front closed at the end of the test
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      Cli bob = Users.init(DevPki.loadOrCreate(certs), root, "bob", "127.0.0.1:" + front.getLocalPort());
      CliRun r = bob.run("--json", "inbox");
      assertThat(r.exit()).as(r.err()).isZero();
      assertThat(r.err()).contains("handshake timed out").contains("trying again");
      assertThat(connections.get()).isGreaterThanOrEqualTo(2);
    } finally {
      for (Socket s : open) {
        s.close();
      }
      server.close();
    }
  }

  /** Connects to the server after {@code delayMillis} (the first connection: a server that accepts late). */
  private static void relay(Socket client, long delayMillis, int port, List<Socket> open) {
    try {
      Thread.sleep(delayMillis);
      Socket upstream = new Socket(InetAddress.getLoopbackAddress(), port);
      open.add(upstream);
      pipe(client.getInputStream(), upstream.getOutputStream());
      pipe(upstream.getInputStream(), client.getOutputStream());
    } catch (IOException | InterruptedException e) {
      // the test is over, or the client gave up on this connection
    }
  }

  private static void pipe(InputStream in, OutputStream out) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try {
        for (int n; (n = in.read(buffer)) > 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      }
    });
    t.setDaemon(true);
    t.start();
  }
}
