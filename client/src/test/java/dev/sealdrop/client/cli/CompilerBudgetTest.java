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

  /** The file the launcher hands to later JVMs: owner-only, the same directives, and HotSpot takes it at start. */
  @Test
  void theDirectivesKeptForTheLauncherAreOwnerOnlyAndAcceptedByAStartingJvm(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("jit-0123456789ab.json");
    CompilerBudget.keepForNextStart(file);
    assertThat(java.nio.file.Files.readString(file)).isEqualTo(CompilerBudget.DIRECTIVES);
    assertThat(java.nio.file.Files.getPosixFilePermissions(file))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    java.nio.file.Files.writeString(file, CompilerBudget.DIRECTIVES + " ");
    CompilerBudget.keepForNextStart(file);
    assertThat(java.nio.file.Files.readString(file)).as("an existing file is left alone").endsWith(" ");
    try (java.util.stream.Stream<java.nio.file.Path> left = java.nio.file.Files.list(dir)) {
      assertThat(left).as("no temporary file left").containsExactly(file);
    }

    Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + file, "-XX:+CompilerDirectivesPrint",
        "-version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("com/sun/crypto/provider/*.*").contains("matching: *.*");
  }
}
