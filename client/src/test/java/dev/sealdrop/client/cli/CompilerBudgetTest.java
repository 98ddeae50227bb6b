package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CompilerBudgetTest {
  @Test
  void hotSpotAcceptsTheDirectivesAndKeepsC2ForTheCryptoOnly() throws Exception {
    assertThat(CompilerBudget.apply()).isEqualTo("2 compiler directives added");
    String installed = CompilerBudget.installed();
    // the crypto directive comes first (first match wins), the catch-all after it
    int crypto = installed.indexOf("com/sun/crypto/provider/*.*");
    int all = installed.indexOf("matching: *.*");
    assertThat(crypto).isPositive();
    assertThat(all).isGreaterThan(crypto);
    assertThat(installed).contains("dev/sealdrop/envelope/*.*", "sun/security/provider/*.*",
        "org/bouncycastle/crypto/engines/Salsa20Engine.*"); // the key unlock's scrypt core
  }
}
