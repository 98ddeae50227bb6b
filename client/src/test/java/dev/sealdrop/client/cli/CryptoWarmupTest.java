package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's rounds really run the direction they are for: a warm-up that failed would end
 * silently (it only costs speed), so these check that its decryptions authenticate and that its
 * encryptions never reuse a nonce.
 */
class CryptoWarmupTest {
  private static SecretKeySpec randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return new SecretKeySpec(key, "AES");
  }

  @Test
  void openRoundsDecryptOneAuthenticCiphertextPerSizeAgainAndAgain() throws Exception {
    CryptoWarmup.Rounds rounds = new CryptoWarmup.Rounds(randomKey(), CryptoWarmup.Direction.OPEN);
    byte[] first = rounds.next(256);
    for (int i = 0; i < 100; i++) {
      assertThat(rounds.next(256)).as("the same ciphertext, decrypted (a failed tag would throw)").isSameAs(first);
    }
    byte[] large = rounds.next(8 * 1024);
    assertThat(large).hasSize(8 * 1024 + 16);
    assertThat(rounds.next(8 * 1024)).isSameAs(large);
  }

  @Test
  void sealRoundsEncryptUnderAFreshNonceEachTime() throws Exception {
    CryptoWarmup.Rounds rounds = new CryptoWarmup.Rounds(randomKey(), CryptoWarmup.Direction.SEAL);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      byte[] c = rounds.next(256);
      assertThat(c).hasSize(256 + 16);
      assertThat(seen.add(java.util.HexFormat.of().formatHex(c))).as("round %d made a new ciphertext", i).isTrue();
    }
  }
}
