package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompilerBudgetTest {
  @Test
  void hotSpotAcceptsTheDirectivesAndKeepsC2ForTheCryptoOnly() throws Exception {
    String answer = CompilerBudget.apply();
    assertThat(answer).isEqualTo("2 compiler directives added");
    assertThat(CompilerBudget.accepted(answer)).isTrue();
    assertThat(CompilerBudget.accepted("Parsing of compiler directives failed")).as("kept for the next start only if taken")
        .isFalse();
    assertThat(CompilerBudget.accepted("")).isFalse();
    String installed = CompilerBudget.installed();
    // the crypto directive comes first (first match wins), the catch-all after it
    int crypto = installed.indexOf("com/sun/crypto/provider/GHASH.update");
    int all = installed.indexOf("matching: *.*");
    assertThat(crypto).isPositive();
    assertThat(all).isGreaterThan(crypto);
    assertThat(installed).contains("sun/security/provider/SHA2.implCompress*",
        "org/bouncycastle/crypto/engines/Salsa20Engine.*"); // the key unlock's scrypt core
  }

  /**
   * The point of the list: C2 still compiles the callers of the CPU's AES, GHASH and SHA-256 instructions, and uses
   * those instructions there (a caller left to C1 would run their Java bodies, several times slower), while the
   * JCE code above them stays in C1. Checked in a JVM started with the directives, running AES-GCM and SHA-256
   * long enough for C2 to compile, with HotSpot's own report of each intrinsic it used and each method it compiled;
   * the JVM gets what the launcher gives it (the directives, the commands and {@link CompilerBudget#START_OPTIONS}).
   */
  @Test
  void underTheDirectivesC2StillUsesTheCpusCryptoInstructionsAndLeavesTheJceAboveThemToC1(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("jit.json");
    CompilerBudget.keepForNextStart(file);
    String out = workload(file, CompilerBudget.commandsBeside(file), CompilerBudget.START_OPTIONS, 4096);
    assertThat(out).contains("workload done");
    assertThat(enabled(out, "UseSHA")).as("flags listed").isTrue();
    if (enabled(out, "UseAESCTRIntrinsics") && enabled(out, "UseGHASHIntrinsics")) {
      assertThat(intrinsicUsed(out, "GaloisCounterMode::implGCMCrypt0")
          || intrinsicUsed(out, "GHASH::processBlocks") && intrinsicUsed(out, "CounterMode::implCrypt"))
          .as("AES-GCM's bulk done with the CPU's instructions").isTrue();
    }
    if (enabled(out, "UseSHA256Intrinsics")) {
      assertThat(intrinsicUsed(out, "SHA2::implCompress0") || intrinsicUsed(out, "DigestBase::implCompressMultiBlock0"))
          .as("SHA-256 done with the CPU's instructions").isTrue();
    }
    assertThat(compiledByC2(out, "javax.crypto.Cipher::init")).as("Cipher.init left to C1").isFalse();
    assertThat(compiledByC2(out, "GaloisCounterMode$GCMDecrypt::doFinal")).as("GCM's doFinal left to C1").isFalse();
  }

  /**
   * The commands the launcher gives with the directives make C2 take the crypto methods early: 64 chunks (4 MiB)
   * into a JVM's life instead of a few thousand.
   */
  @Test
  void theLaunchersCommandsHaveC2TakeTheCryptoEarly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path file = dir.resolve("jit.json");
    CompilerBudget.keepForNextStart(file);
    String early = workload(file, CompilerBudget.commandsBeside(file), 64);
    assertThat(compiledByC2(early, "GHASH::update")).as(early).isTrue();
    assertThat(compiledByC2(workload(file, null, 64), "GHASH::update")).as("HotSpot's own count waits longer")
        .isFalse();
  }

  /**
   * With the launcher's start options a method C2 may not compile is compiled once, by C1 without profiling (tier 1),
   * and nothing at all with full profiling (tier 3, non-OSR); without them HotSpot compiles warm methods at tier 3
   * first and the hot ones again at tier 1 once C2 refuses them ({@code Cipher.init} here).
   */
  @Test
  void withTheStartOptionsAMethodC2MayNotCompileIsCompiledOnceWithoutProfiling(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("jit.json");
    CompilerBudget.keepForNextStart(file);
    java.nio.file.Path commands = CompilerBudget.commandsBeside(file);
    String once = workload(file, commands, CompilerBudget.START_OPTIONS, 4096);
    assertThat(compiled(once, 3)).as("no tier-3 compile").isEmpty();
    List<String> inits = compiled(once, 1).stream().filter(m -> m.startsWith("javax.crypto.Cipher::init ")).toList();
    assertThat(inits).as(once).isNotEmpty().as("each overload once").doesNotHaveDuplicates();
    assertThat(compiledByC2(once, "GHASH::update")).as("the crypto still goes to C2").isTrue();

    String twice = workload(file, commands, 4096);
    List<String> profiled = compiled(twice, 3).stream().filter(m -> m.startsWith("javax.crypto.Cipher::init ")).toList();
    assertThat(profiled).as("HotSpot's own policy").isNotEmpty();
    assertThat(compiled(twice, 1)).as("and again without profiling").containsAnyElementsOf(profiled);
  }

  /** The files are kept for the launcher only where the JVM knows the start options the launcher gives with them. */
  @Test
  void theLaunchersOptionsAreCheckedAgainstTheRunningJvm() {
    assertThat(CompilerBudget.knows(CompilerBudget.START_OPTIONS)).as("HotSpot 17+ has them").isTrue();
    assertThat(CompilerBudget.knows(List.of("-XX:+UseG1GC", "-XX:-UseTransparentHugePages", "-XX:Tier4CompileThreshold=0")))
        .isTrue();
    assertThat(CompilerBudget.knows(List.of("-XX:Tier4CompileThreshold=0", "-XX:Tier9NoSuchThreshold=0"))).isFalse();
    assertThat(CompilerBudget.knows(List.of("-XX:+NoSuchFlagAtAll"))).isFalse();
  }

  /** The launcher gives exactly these options, on the line where it gives the directives. */
  @Test
  void theLauncherGivesTheStartOptionsWithTheDirectives() throws Exception {
    String script = java.nio.file.Files.readString(java.nio.file.Path.of("sealdrop"));
    java.util.regex.Matcher given = java.util.regex.Pattern.compile(
        "set -- -XX:\\+UnlockDiagnosticVMOptions \"-XX:CompilerDirectivesFile=\\$directives\"((?:\\s|\\\\\\n)+-XX:\\S+)+")
        .matcher(script);
    assertThat(given.find()).as("the launcher's directives line").isTrue();
    List<String> options = java.util.Arrays.stream(given.group().split("\\s+|\\\\"))
        .filter(w -> w.startsWith("-XX:") && !w.contains("CompilerDirectivesFile") && !w.contains("Unlock")).toList();
    assertThat(options).isEqualTo(CompilerBudget.launcherOptions());
  }

  /**
   * The methods of {@code -XX:+PrintCompilation}'s lines for compiles at {@code level}, OSR ones left out, with their
   * size in bytecodes (which tells overloads apart): "javax.crypto.Cipher::init (11 bytes)".
   */
  private static List<String> compiled(String out, int level) {
    java.util.regex.Pattern line = java.util.regex.Pattern.compile(
        "^\\s*\\d+\\s+\\d+\\s+[sbn! ]*" + level + "\\s+(\\S+ \\(\\d+ bytes\\))");
    return out.lines().filter(l -> !l.contains("made not entrant") && !l.contains("made zombie")).map(line::matcher)
        .filter(java.util.regex.Matcher::find).map(m -> m.group(1)).toList();
  }

  /** Output of {@link CryptoWorkload} in a JVM started with the directives (and the commands, if given). */
  private static String workload(java.nio.file.Path directives, java.nio.file.Path commands, int chunks)
      throws Exception {
    return workload(directives, commands, List.of(), chunks);
  }

  /** The same, with more JVM options (the launcher's {@link CompilerBudget#START_OPTIONS}). */
  private static String workload(java.nio.file.Path directives, java.nio.file.Path commands, List<String> options,
      int chunks) throws Exception {
    List<String> command = new ArrayList<>(List.of(
        java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + directives, "-XX:+PrintIntrinsics",
        "-XX:+PrintCompilation", "-XX:+PrintFlagsFinal"));
    if (commands != null) {
      command.add("-XX:CompileCommandFile=" + commands);
    }
    command.addAll(options);
    command.addAll(List.of("-cp", classes(), CryptoWorkload.class.getName(), Integer.toString(chunks)));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  private static String classes() throws java.net.URISyntaxException {
    return java.nio.file.Path.of(CryptoWorkload.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .toString();
  }

  /** A flag of {@code -XX:+PrintFlagsFinal} (the intrinsics' switches are diagnostic flags): the CPU has the instructions. */
  private static boolean enabled(String out, String flag) {
    return out.lines().anyMatch(l -> l.matches("\\s*bool\\s+" + flag + "\\s+= true\\b.*"));
  }

  /** A line of {@code -XX:+PrintIntrinsics}: the method inlined as an intrinsic into a compiled caller. */
  private static boolean intrinsicUsed(String out, String method) {
    return out.lines().anyMatch(l -> l.contains(method + " (") && l.contains("(intrinsic"));
  }

  /** A line of {@code -XX:+PrintCompilation} at level 4: timestamp, id, flags, level, method. */
  private static boolean compiledByC2(String out, String method) {
    java.util.regex.Pattern c2 = java.util.regex.Pattern.compile("^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*4\\s+(\\S+)");
    return out.lines().map(c2::matcher).anyMatch(m -> m.find() && m.group(1).endsWith(method));
  }

  /** AES-256-GCM of 64 KiB chunks, both ways, and SHA-256 over them: the CLI's bulk work, for a child JVM. */
  public static final class CryptoWorkload {
    public static void main(String[] args) throws Exception {
      javax.crypto.spec.SecretKeySpec key = new javax.crypto.spec.SecretKeySpec(new byte[32], "AES");
      byte[] plain = new byte[65_536];
      byte[] sealed = new byte[plain.length + 16];
      byte[] opened = new byte[plain.length];
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      javax.crypto.Cipher gcm = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
      for (int i = 0; i < Integer.parseInt(args[0]); i++) {
        byte[] nonce = java.nio.ByteBuffer.allocate(12).putInt(i).array();
        gcm.init(javax.crypto.Cipher.ENCRYPT_MODE, key, new javax.crypto.spec.GCMParameterSpec(128, nonce));
        int n = gcm.doFinal(plain, 0, plain.length, sealed, 0);
        gcm.init(javax.crypto.Cipher.DECRYPT_MODE, key, new javax.crypto.spec.GCMParameterSpec(128, nonce));
        gcm.doFinal(sealed, 0, n, opened, 0);
        sha.update(sealed, 0, n);
      }
      System.out.println("workload done");
    }
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
    java.nio.file.Path commands = dir.resolve("jit-0123456789ab.commands");
    assertThat(CompilerBudget.commandsBeside(file)).isEqualTo(commands);
    assertThat(java.nio.file.Files.readString(commands)).isEqualTo(CompilerBudget.COMMANDS).startsWith("quiet\n");
    assertThat(java.nio.file.Files.getPosixFilePermissions(commands))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    java.nio.file.Files.writeString(file, CompilerBudget.DIRECTIVES + " ");
    CompilerBudget.keepForNextStart(file);
    assertThat(java.nio.file.Files.readString(file)).as("an existing file is left alone").endsWith(" ");
    try (java.util.stream.Stream<java.nio.file.Path> left = java.nio.file.Files.list(dir)) {
      assertThat(left).as("no temporary file left").containsExactlyInAnyOrder(file, commands);
    }

    Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + file, "-XX:+CompilerDirectivesPrint",
        "-version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("com/sun/crypto/provider/GHASH.update").contains("matching: *.*");

    Process quiet = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:CompileCommandFile=" + commands, "-cp", classes(), CryptoWorkload.class.getName(), "1").start();
    String stdout = new String(quiet.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    String stderr = new String(quiet.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(quiet.waitFor()).as(stderr).isZero();
    assertThat(stdout).as("the commands print nothing where --json answers").isEqualTo("workload done\n");
    assertThat(stderr).isEmpty();
  }
}
