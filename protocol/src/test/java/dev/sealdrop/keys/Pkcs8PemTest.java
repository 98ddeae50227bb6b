package dev.sealdrop.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The shared PKCS#8 PEM reader: what it accepts, and the two ways it refuses. */
class Pkcs8PemTest {
  private static String pem(byte[] der) {
    return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END PRIVATE KEY-----\n";
  }

  private static KeyPair pair(String algorithm) throws Exception {
    return KeyPairGenerator.getInstance(algorithm).generateKeyPair();
  }

  @Test
  void aKeyOfAnyListedAlgorithmIsReadAsThatKey() throws Exception {
    for (String algorithm : new String[] {"EC", "Ed25519", "RSA"}) {
      KeyPair k = pair(algorithm);
      assertThat(Pkcs8Pem.decode(pem(k.getPrivate().getEncoded()), "EC", "RSA", "Ed25519"))
          .hasValueSatisfying(key -> assertThat(key.getEncoded()).isEqualTo(k.getPrivate().getEncoded()));
    }
  }

  @Test
  void textAroundTheBlockIsIgnored() throws Exception {
    KeyPair k = pair("EC");
    String withBagAttributes = "Bag Attributes\n    localKeyID: 01 02\n" + pem(k.getPrivate().getEncoded()) + "trailer\n";
    assertThat(Pkcs8Pem.decode(withBagAttributes, "EC")).isPresent();
  }

  @Test
  void aKeyOfAnUnlistedAlgorithmIsEmptyNotAWrongKey() throws Exception {
    assertThat(Pkcs8Pem.decode(pem(pair("Ed25519").getPrivate().getEncoded()), "EC")).isEmpty();
  }

  @Test
  void aBlockThatIsNotBase64OrNotAKeyIsEmpty() throws Exception {
    assertThat(Pkcs8Pem.decode("-----BEGIN PRIVATE KEY-----\n@@@@\n-----END PRIVATE KEY-----\n", "EC")).isEmpty();
    assertThat(Pkcs8Pem.decode(pem(new byte[] {1, 2, 3, 4}), "EC", "RSA", "Ed25519")).isEmpty();
  }

  @Test
  void textWithoutAnUnencryptedPkcs8BlockIsRefusedAsSuch() {
    for (String notPkcs8 : new String[] {"", "hello",
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n",
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIIB\n"}) {
      assertThatThrownBy(() -> Pkcs8Pem.decode(notPkcs8, "EC")).isInstanceOf(Pkcs8Pem.NotPkcs8Exception.class)
          .hasMessageContaining("BEGIN PRIVATE KEY");
    }
  }
}
