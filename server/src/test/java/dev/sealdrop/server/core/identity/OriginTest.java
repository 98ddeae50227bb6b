package dev.sealdrop.server.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;

/** The peer address in audit records: IP and port, never the host name before the slash. */
class OriginTest {
  @Test
  void theHostNameBeforeTheSlashIsDropped() throws Exception {
    InetAddress named = InetAddress.getByAddress("client.example", new byte[] {127, 0, 0, 1});
    assertThat(Origin.peerOf(new InetSocketAddress(named, 40123))).isEqualTo("127.0.0.1:40123");
    InetAddress bare = InetAddress.getByAddress(new byte[] {10, 1, 2, 3});
    assertThat(Origin.peerOf(new InetSocketAddress(bare, 22))).isEqualTo("10.1.2.3:22");
    InetAddress v6 = InetAddress.getByAddress("h", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    assertThat(Origin.peerOf(new InetSocketAddress(v6, 5))).doesNotStartWith("h").endsWith(":5").contains("1");
  }

  @Test
  void anIpAndPortAreShownAsTheSocketAddressIs() throws Exception {
    InetAddress v4 = InetAddress.getByAddress("client.example", new byte[] {127, 0, 0, 1});
    assertThat(Origin.peerOf(v4.getHostAddress(), 40123)).isEqualTo("127.0.0.1:40123")
        .isEqualTo(Origin.peerOf(new InetSocketAddress(v4, 40123)));
    InetAddress v6 = InetAddress.getByAddress("h", new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    assertThat(Origin.peerOf(v6.getHostAddress(), 5)).startsWith("[").endsWith("]:5")
        .isEqualTo(Origin.peerOf(new InetSocketAddress(v6, 5)));
    assertThat(Origin.peerOf(null, 5)).isEmpty();
    assertThat(Origin.peerOf("", 5)).isEmpty();
  }

  @Test
  void anAddressWithoutASlashIsKeptAndNoAddressIsEmpty() {
    SocketAddress local = new SocketAddress() {
      @Override
      public String toString() {
        return "local:test";
      }
    };
    assertThat(Origin.peerOf(local)).isEqualTo("local:test");
    assertThat(Origin.peerOf(null)).isEmpty();
  }
}
