package dev.sealdrop.server.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review BF: the server's messages showed a serial whose first byte is below 0x10 without its leading zero
 * ({@code 3CFC...} where {@code openssl x509 -noout -serial} and the CLI print {@code 03CFC...}).
 */
class SerialShownTest {
  @Test
  void aSerialIsShownAsOpensslPrintsIt() {
    assertThat(CertificatePolicy.shown("3cfc7b0268d04bf676b08cabe954a0f")).isEqualTo("03CFC7B0268D04BF676B08CABE954A0F");
    assertThat(CertificatePolicy.shown("6ef890ab29d7210e38638ed48885bfd")).isEqualTo("06EF890AB29D7210E38638ED48885BFD");
    assertThat(CertificatePolicy.shown("1a2b")).isEqualTo("1A2B");
    assertThat(CertificatePolicy.shown("1")).isEqualTo("01");
  }
}
