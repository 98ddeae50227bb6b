package dev.sealdrop.client.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sealdrop.client.failure.UsageFailure;
import org.junit.jupiter.api.Test;

/** {@code --server}: HOST:PORT or [IPv6]:PORT; an IPv6 address without brackets is told how to write it. */
class HostPortTest {
  @Test
  void hostsAndBracketedIpv6AddressesParse() throws Exception {
    assertThat(HostPort.parse("localhost:8443")).isEqualTo(new HostPort("localhost", 8443));
    assertThat(HostPort.parse("[::1]:37773")).isEqualTo(new HostPort("::1", 37773));
    assertThat(HostPort.parse("[::1]:37773").toString()).isEqualTo("[::1]:37773");
  }

  @Test
  void anIpv6AddressWithoutBracketsOrPortIsToldTheBracketForm() {
    for (String wrong : new String[] {"0:0:0:0:0:0:0:1:37773", "::1:37773", "[::1]"}) {
      UsageFailure f = catchThrowableOfType(UsageFailure.class, () -> HostPort.parse(wrong));
      assertThat(f).as(wrong).isNotNull();
      assertThat(f.reason()).isEqualTo("BAD_ADDRESS");
      assertThat(f.hint()).as(wrong).hasValueSatisfying(h -> assertThat(h).contains("[::1]:8443"));
    }
    UsageFailure plain = catchThrowableOfType(UsageFailure.class, () -> HostPort.parse("localhost"));
    assertThat(plain.hint()).hasValue("for example: localhost:8443");
  }

  /** Round BJ: a URL was told the IPv6 form. */
  @Test
  void aUrlIsToldToDropItsScheme() {
    for (String[] c : new String[][] {{"https://localhost:8443", "give it without the scheme: localhost:8443"},
        {"https://localhost:8443/", "give it without the scheme: localhost:8443"},
        {"grpcs://[::1]:37773/x", "give it without the scheme: [::1]:37773"},
        {"https://example.com", "give the host and port the server prints (`listening on HOST:PORT`), for example"
            + " localhost:8443"}}) {
      UsageFailure f = catchThrowableOfType(UsageFailure.class, () -> HostPort.parse(c[0]));
      assertThat(f).as(c[0]).isNotNull();
      assertThat(f.reason()).isEqualTo("BAD_ADDRESS");
      assertThat(f.getMessage()).contains("is a URL");
      assertThat(f.hint()).as(c[0]).hasValue(c[1]);
    }
  }
}
