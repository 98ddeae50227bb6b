package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Pins docs/envelope-format.md ("Ed25519"): a signature verifies by RFC 8032's cofactored equation, so one whose R has
 * a small-order component (crafted by the key's holder: R = rB + T, T of order 2, S = r + k·a) verifies, as it does
 * not with OpenSSL's cofactorless check; a non-canonical S (S + L) does not. Should a Bouncy Castle upgrade change
 * either, this fails and the spec is updated with it. The vectors were made with a throwaway script from the spec's
 * formulas, key scalar 1234567890123456789012345678901234567890 mod L, nonce 9876543210987654321098765432109876543210.
 */
class SignatureEquationTest {
  static final byte[] MESSAGE = "sealdrop".getBytes(StandardCharsets.US_ASCII);
  static final String KEY = "33a73590507d501e4b5e58b45da709059adfaccbde1004fbeedb6034c0b510b5";
  static final String HONEST = "79952884ca9a7572e9eedd2eac29f5120f44dfcde4a335a34d616c333a67c028"
      + "d3ae96eb2f3f513e7cc29b0ae6a1f4a4a9ccc82165006e5e4d7a33abbcaa0502";
  static final String MIXED_ORDER_R = "746ad77b35658a8d161122d153d60aedf0bb20321b5cca5cb29e93ccc5983fd7"
      + "bea1b2bcb681a30ccd09fac4a02a061f403ec32f2649460eb28b084ca9725e0a";

  static VerifyingKey key() throws Exception {
    return VerifyingKey.decode(HexFormat.of().parseHex(KEY));
  }

  @Test
  void anHonestSignatureVerifies() throws Exception {
    assertThat(key().verify(MESSAGE, HexFormat.of().parseHex(HONEST))).isTrue();
  }

  @Test
  void aSignatureWhoseRHasASmallOrderComponentVerifiesByTheCofactoredEquation() throws Exception {
    assertThat(key().verify(MESSAGE, HexFormat.of().parseHex(MIXED_ORDER_R))).isTrue();
    byte[] other = "sealdrap".getBytes(StandardCharsets.US_ASCII);
    assertThat(key().verify(other, HexFormat.of().parseHex(MIXED_ORDER_R))).as("still bound to its message").isFalse();
  }

  @Test
  void aNonCanonicalSIsRefused() throws Exception {
    byte[] sig = HexFormat.of().parseHex(HONEST);
    java.math.BigInteger l = java.math.BigInteger.TWO.pow(252)
        .add(new java.math.BigInteger("27742317777372353535851937790883648493"));
    byte[] sLe = java.util.Arrays.copyOfRange(sig, 32, 64);
    byte[] be = new byte[33];
    for (int i = 0; i < 32; i++) {
      be[32 - i] = sLe[i];
    }
    java.math.BigInteger sPlusL = new java.math.BigInteger(be).add(l); // same value mod L, still < 2^256
    byte[] out = sPlusL.toByteArray();
    for (int i = 0; i < 32; i++) {
      sig[32 + i] = i < out.length ? out[out.length - 1 - i] : 0;
    }
    assertThat(key().verify(MESSAGE, sig)).isFalse();
  }

  @Test
  void aSmallOrderPublicKeyIsRefused() {
    // the point of order 2, (0, -1): y = p - 1 = 0x7fff...ffec, little-endian
    byte[] order2 = HexFormat.of().parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> VerifyingKey.decode(order2))
        .isInstanceOf(KeyFormatException.class).hasMessageContaining("not a valid Ed25519 point");
  }
}
