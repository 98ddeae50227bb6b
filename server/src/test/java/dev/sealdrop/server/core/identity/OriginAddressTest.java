package dev.sealdrop.server.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Addresses in audit records and "listening on" lines: IPv6 in brackets and short form, as clients write them. */
class OriginAddressTest {
  static String shortOf(String literal) throws Exception {
    return Origin.shortForm((java.net.Inet6Address) InetAddress.getByName(literal));
  }

  @Test
  void ipv6AddressesAreWrittenInTheirShortFormInBrackets() throws Exception {
    assertThat(shortOf("0:0:0:0:0:0:0:1")).isEqualTo("::1");
    assertThat(shortOf("0:0:0:0:0:0:0:0")).isEqualTo("::");
    assertThat(shortOf("fe80:0:0:0:0:0:0:1")).isEqualTo("fe80::1");
    assertThat(shortOf("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1"); // the first of two equal runs
    assertThat(shortOf("2001:db8:0:1:0:0:0:1")).isEqualTo("2001:db8:0:1::1"); // the longest run
    assertThat(shortOf("2001:DB8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1"); // one zero group stays
    assertThat(Origin.peerOf(new InetSocketAddress(InetAddress.getByName("::1"), 61000))).isEqualTo("[::1]:61000");
    assertThat(Origin.peerOf("0:0:0:0:0:0:0:1", 61000)).isEqualTo("[::1]:61000");
    assertThat(Origin.peerOf(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8443)))
        .isEqualTo("127.0.0.1:8443");
    assertThat(Origin.peerOf("127.0.0.1", 8443)).isEqualTo("127.0.0.1:8443");
    assertThat(Origin.peerOf(null)).isEmpty();
  }
}
