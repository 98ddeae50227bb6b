package dev.sealdrop.client.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test-only TCP proxy in front of the real server that can break one connection after N bytes
 * in either direction (a dropped network, as far as both ends can tell). TLS passes through
 * untouched, end to end.
 */
public final class CuttingProxy implements AutoCloseable {
  /**
   * Break the next connection once this many client-to-server bytes passed (-1: never). Each of these settings
   * applies to connections accepted after it was set.
   */
  public final AtomicLong cutUpstreamAfter = new AtomicLong(-1);
  /** Break the next connection once this many server-to-client bytes passed (-1: never). */
  public final AtomicLong cutDownstreamAfter = new AtomicLong(-1);
  /**
   * Once this many client-to-server bytes passed on the next connection, drop the client's next
   * chunk unforwarded and break the connection (-1: never). With 1, the ClientHello passes and the
   * client's second flight (its certificate and Finished: its side of the TLS 1.3 handshake is done)
   * never arrives: a server whose handshake timer ran out just as the client finished.
   */
  public final AtomicLong dropUpstreamAfter = new AtomicLong(-1);
  /**
   * Whether a cut resets the client's connection (TCP RST, as when the server's host crashes or a
   * firewall drops the connection) instead of closing it: the client then sees "Connection reset by peer".
   */
  public volatile boolean resetOnCut;

  /**
   * Once this many server-to-client bytes passed on the next connection, stop forwarding in that
   * direction (the connection stays open, as on a stalled network) until {@link #resumeStalled}
   * is counted down; {@link #stalled} is counted down when it happens (-1: never).
   */
  public final AtomicLong stallDownstreamAfter = new AtomicLong(-1);
  /**
   * Flip one bit of the server-to-client stream of the next connection (-1: never), as a faulty network device would:
   * of the first byte at or after this offset that lies in a TLS record's payload (not in its 5-byte header, whose
   * damage TLS reports otherwise), so that the connection goes on and TLS finds the record's authentication failed.
   */
  public final AtomicLong flipDownstreamAt = new AtomicLong(-1);
  /**
   * As {@link #flipDownstreamAt}, but the bit flipped is in the version of the first TLS record header at or after
   * this offset: the stream no longer reads as TLS at all.
   */
  public final AtomicLong flipDownstreamHeaderAt = new AtomicLong(-1);
  /** As {@link #stallDownstreamAfter}, for client-to-server bytes (an upload that stops moving). */
  public final AtomicLong stallUpstreamAfter = new AtomicLong(-1);
  public final CountDownLatch stalled = new CountDownLatch(1);
  public final CountDownLatch resumeStalled = new CountDownLatch(1);
  /**
   * How long each accepted connection waits before the proxy connects it to the server and starts
   * forwarding (an overloaded server that accepts late, or a slow network): the client's TCP connect
   * succeeds at once, its handshake waits this long for an answer.
   */
  public volatile long connectDelayMillis;
  /** Bytes passed from the clients to the server so far, over every connection. */
  private final AtomicLong upstreamTotal = new AtomicLong();

  private final ServerSocket listener;
  private final int targetPort;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  public CuttingProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    acceptor = new Thread(this::acceptLoop, "cutting-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Bytes the clients sent the server through this proxy so far (TLS records, every connection). */
  public long upstreamBytes() {
    return upstreamTotal.get();
  }

  /** Connections accepted so far. */
  public int connections() {
    return sockets.size() / 2;
  }

  public String address() {
    return "127.0.0.1:" + listener.getLocalPort();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        long delay = connectDelayMillis;
        if (delay > 0) {
          try {
            Thread.sleep(delay);
          } catch (InterruptedException e) {
            client.close(); // closed during the delay
            throw e;
          }
        }
        Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        sockets.add(client);
        sockets.add(server);
        // only a connection accepted after a cut was set may take it: an earlier one (the last command's,
        // still closing) would otherwise take it with its last bytes, and the connection meant goes uncut
        pump(client, server, armed(cutUpstreamAfter), armed(dropUpstreamAfter), armed(stallUpstreamAfter),
            new AtomicLong(-1), new AtomicLong(-1), client, server, upstreamTotal);
        pump(server, client, armed(cutDownstreamAfter), new AtomicLong(-1), armed(stallDownstreamAfter),
            armed(flipDownstreamAt), armed(flipDownstreamHeaderAt), client, server, new AtomicLong());
      } catch (IOException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** {@code setting} if it is set now (the connections accepted from now on share it), else a setting that is never. */
  private static AtomicLong armed(AtomicLong setting) {
    return setting.get() >= 0 ? setting : new AtomicLong(-1);
  }

  private void pump(Socket from, Socket to, AtomicLong cutAfter, AtomicLong dropAfter, AtomicLong stallAfter,
      AtomicLong flipAt, AtomicLong flipHeaderAt, Socket a, Socket b, AtomicLong total) {
    Thread t = new Thread(() -> {
      long passed = 0;
      byte[] buf = new byte[16 * 1024];
      RecordPayloadFlip flip = new RecordPayloadFlip(flipAt, flipHeaderAt);
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          long drop = dropAfter.get();
          if (drop >= 0 && passed >= drop && dropAfter.compareAndSet(drop, -1)) {
            a.close();
            b.close();
            return;
          }
          flip.apply(buf, n, passed);
          out.write(buf, 0, n);
          out.flush();
          passed += n;
          total.addAndGet(n);
          long limit = cutAfter.get();
          if (limit >= 0 && passed >= limit && cutAfter.compareAndSet(limit, -1)) {
            if (resetOnCut) {
              a.setSoLinger(true, 0);
            }
            a.close();
            b.close();
            return;
          }
          long stall = stallAfter.get();
          if (stall >= 0 && passed >= stall && stallAfter.compareAndSet(stall, -1)) {
            stalled.countDown();
            resumeStalled.await();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (IOException e) {
        // the other direction closed the sockets
      } finally {
        try {
          to.shutdownOutput();
        } catch (IOException e) {
          // already closed
        }
      }
    }, "cutting-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Follows the TLS records of one direction, to flip a bit of the first payload byte at or after an offset. */
  private static final class RecordPayloadFlip {
    private final AtomicLong at;
    private final AtomicLong headerAt;
    private int headerSeen;
    private int length;
    private long payloadLeft;

    RecordPayloadFlip(AtomicLong at, AtomicLong headerAt) {
      this.at = at;
      this.headerAt = headerAt;
    }

    void apply(byte[] buf, int n, long passed) {
      if (at.get() < 0 && headerAt.get() < 0) {
        return;
      }
      for (int i = 0; i < n; i++) {
        if (payloadLeft > 0) {
          long want = at.get();
          if (want >= 0 && passed + i >= want && at.compareAndSet(want, -1)) {
            buf[i] ^= 0x10;
            return;
          }
          payloadLeft--;
        } else if (headerSeen == 2) {
          long want = headerAt.get();
          if (want >= 0 && passed + i >= want && headerAt.compareAndSet(want, -1)) {
            buf[i] ^= 0x01; // the record's version: 0x0303 becomes 0x0302
            return;
          }
          headerSeen++;
        } else if (headerSeen == 3) {
          length = (buf[i] & 0xff) << 8;
          headerSeen++;
        } else if (headerSeen == 4) {
          payloadLeft = length | (buf[i] & 0xff);
          headerSeen = 0;
        } else {
          headerSeen++;
        }
      }
    }
  }

  /** Breaks every connection made so far (a dropped network); new ones are still accepted. */
  public void breakConnections() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }

  @Override
  public void close() throws IOException {
    resumeStalled.countDown();
    listener.close();
    acceptor.interrupt();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
