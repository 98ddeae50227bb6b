package dev.sealdrop.client.cli;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Spends the JIT's optimising compiler (C2) only where a CLI process gains from it: the JDK methods that call
 * the CPU's AES, carry-less multiply and SHA instructions (HotSpot's crypto intrinsics), and the key unlock's
 * scrypt (Bouncy Castle's Salsa20/8 core: 650–740 ms with C2 against 780–800 ms in C1 alone, cold JVM, N =
 * 2^17, on the benchmark machine).
 *
 * <p>A CLI JVM lives for seconds. On a 1 GiB transfer HotSpot's C2 compiled ~650 methods of Netty, gRPC,
 * protobuf and picocli, using 6–9 s of CPU (a third of the process's CPU, measured with {@code perf} on this
 * project's 2-core benchmark machine), which the sealing, TLS and the server needed. Everything else still gets
 * C1-compiled (fast to produce, good enough for code that is not the per-byte path).
 *
 * <p>The intrinsics are used only inside C2-compiled code that calls them: C2 replaces the call to, say,
 * {@code GHASH.processBlocks} by the instruction sequence when it compiles the caller; a caller compiled by C1
 * runs the method's Java body (a few times slower). So the policy names each intrinsic method and its direct
 * callers, and nothing above them: the JCE's per-call code around them ({@code Cipher.init},
 * {@code GaloisCounterMode}'s {@code doFinal}, the envelope's framing) runs once per 64 KiB chunk and costs little
 * in C1, while C2 took 0.9 s per command compiling it with everything it inlines (JFR's {@code jdk.Compilation}
 * events of a 1 GiB receive: 1.25 s of C2 with the whole crypto packages allowed, 0.32 s with this list).
 * {@code CompilerBudgetTest} checks, in a JVM started with these directives, that C2 does use the intrinsics.
 * Names of JDK 17 and of later JDKs (whose GCM calls one intrinsic, {@code implGCMCrypt0}); a name a JDK does not
 * have matches nothing. Measured end to end in docs/benchmarks.md ("Compiler budget", "Session 25").
 *
 * <p>The policy is HotSpot compiler directives. The launcher ({@code client/sealdrop}) gives them to the
 * JVM at its start ({@code -XX:CompilerDirectivesFile}, then {@code -Dsealdrop.jit=start} says so), from a
 * file this class writes into the launcher's private cache folder the first time the launcher names it
 * ({@code -Dsealdrop.jit.directives=FILE}). Otherwise they are installed from inside, through the
 * platform's {@code DiagnosticCommand} MBean (the in-process equivalent of {@code jcmd PID
 * Compiler.directives_add}), on a background thread, best effort: on a JVM without that command the CLI
 * simply runs with the JVM's defaults; they then arrive after C2 has compiled some start-up code. {@code
 * -Dsealdrop.jit=default} turns it off. Nothing here affects results, only where CPU time goes.
 */
final class CompilerBudget {
  /**
   * The methods C2 may compile (HotSpot syntax: {@code package/Class.method}, {@code *} as a wildcard): the crypto
   * intrinsics and their direct callers, and scrypt's core.
   */
  static final List<String> C2_METHODS = List.of(
      "com/sun/crypto/provider/GaloisCounterMode.implGCMCrypt*",
      "com/sun/crypto/provider/GHASH.update", "com/sun/crypto/provider/GHASH.processBlocks*",
      "com/sun/crypto/provider/CounterMode.crypt", "com/sun/crypto/provider/CounterMode.implCrypt",
      "com/sun/crypto/provider/AESCrypt.*cryptBlock",
      "sun/security/provider/DigestBase.engineUpdate", "sun/security/provider/DigestBase.implCompressMultiBlock*",
      "sun/security/provider/SHA2.implCompress*",
      "org/bouncycastle/crypto/generators/SCrypt.*", "org/bouncycastle/crypto/engines/Salsa20Engine.*",
      "org/bouncycastle/util/Pack.*");

  /** The compiler directives: C2 for {@link #C2_METHODS}, for nothing else (the first match wins). */
  static final String DIRECTIVES = "[\n  { match: [" + C2_METHODS.stream().map(m -> '"' + m + '"')
      .collect(Collectors.joining(", ")) + "],\n    c2: { Exclude: false } },\n  { match: [\"*.*\"], c2: { Exclude: true } }\n]\n";

  /**
   * HotSpot compile commands for the launcher ({@code -XX:CompileCommandFile}): {@link #C2_METHODS} are compiled
   * after a hundredth of the calls HotSpot otherwise waits for. {@code GHASH.update} runs once per 64 KiB chunk,
   * so by HotSpot's own count (about 5,000 calls) C2 would take it on only after some 300 MiB, and until then the
   * GCM runs without the CPU's instructions: a 20 MB receive spent 0.3 s decrypting. Directives cannot say this;
   * only a command can, and only at a JVM's start. {@code quiet} first: HotSpot would otherwise print every
   * command on standard output, where {@code --json} answers.
   */
  static final String COMMANDS = "quiet\n" + C2_METHODS.stream().map(m -> "CompileThresholdScaling," + m + ",0.01\n")
      .collect(Collectors.joining());

  /**
   * JVM options the launcher gives together with the directives (they are sound only where C2 may compile nothing
   * but {@link #C2_METHODS}): every other method is compiled once, by C1 without profiling (tier 1), instead of
   * twice. HotSpot's tiered policy first compiles a warm method by C1 with full profiling (tier 3: slower code,
   * and a slower compile) so that C2 can later use the profile; only when it then asks C2 for the method and finds
   * it excluded does it compile the method again at tier 1. With these options the interpreter starts a method's
   * profile at its first compile decision ({@code Tier0ProfilingStartPercentage=0}), and C2's invocation thresholds
   * are met at once: the policy asks C2 first, the directives refuse, and the method goes straight to tier 1. Loops
   * keep their thresholds (the back-edge one is untouched), and for the methods C2 may compile this is "compile
   * now", as the commands ask anyway. JFR's {@code jdk.Compilation} of a 1 GiB send: 2,199 tier-3 and 1,007 tier-1
   * compiles (542 of them recompiles), 1.17 s of C1, against no tier-3 and 3,135 tier-1 compiles, 0.85 s
   * (docs/benchmarks.md, "Session 26"). The launcher has them literally; {@code CompilerBudgetTest} checks that its
   * line has exactly these.
   */
  static final List<String> START_OPTIONS = List.of("-XX:Tier0ProfilingStartPercentage=0",
      "-XX:Tier4InvocationThreshold=0", "-XX:Tier4MinInvocationThreshold=0", "-XX:Tier4CompileThreshold=0");

  /**
   * Given by the launcher with the directives, before {@link #START_OPTIONS}: HotSpot announces the directives it read
   * ("2 compiler directives added") on standard output, where {@code --json} answers; this silences HotSpot's own
   * console output only (its warnings and errors go to standard error regardless). A diagnostic flag, which a JVM
   * lists only once diagnostic options are unlocked, so {@link #knows} cannot ask about it; HotSpot has had it from
   * its first releases to JDK 25.
   */
  static final String QUIET_OPTION = "-XX:-DisplayVMOutput";

  /**
   * True if this JVM has every flag of {@code options} ({@code -XX:Name=value}, {@code -XX:+Name} or
   * {@code -XX:-Name}). A JVM refuses to start with a flag it does not know, so the launcher's files are kept only
   * where the options the launcher gives with them are known (the files are per JDK: a new JDK decides again).
   */
  static boolean knows(List<String> options) {
    try {
      com.sun.management.HotSpotDiagnosticMXBean vm =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
      for (String option : options) {
        String flag = option.substring("-XX:".length()).replaceFirst("^[+-]", "").replaceFirst("=.*$", "");
        vm.getVMOption(flag);
      }
      return true;
    } catch (RuntimeException | LinkageError e) { // IllegalArgumentException: no such flag
      return false;
    }
  }

  private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";

  private CompilerBudget() {}

  /**
   * Installs the policy on a daemon thread, and writes it where the launcher asks for it, unless
   * {@code -Dsealdrop.jit=default}, or {@code =start} (the JVM got it at its start).
   */
  static void applyInBackground() {
    String mode = System.getProperty("sealdrop.jit", "");
    if (mode.equals("default") || mode.equals("start")) {
      return;
    }
    String forNextStart = System.getProperty("sealdrop.jit.directives");
    Thread t = new Thread(() -> applyQuietly(forNextStart), "compiler-budget");
    t.setDaemon(true);
    t.start();
  }

  private static void applyQuietly(String forNextStart) {
    String answer = "";
    try {
      answer = apply();
    } catch (IOException | JMException | RuntimeException | LinkageError e) {
      // not HotSpot, or no jdk.management: the JVM's own compile policy applies, which is only slower
    }
    // Kept for the next start only once this JVM took them: a JVM refuses to start with a file it cannot parse, or
    // with an option it does not know.
    if (forNextStart != null && accepted(answer) && knows(START_OPTIONS)) {
      try {
        keepForNextStart(Path.of(forNextStart));
      } catch (IOException | RuntimeException e) {
        // the next command installs them from inside again
      }
    }
  }

  /**
   * Writes the directives to {@code file} for the launcher to hand to later JVMs at their start, and the
   * {@link #COMMANDS} beside it ({@link #commandsBeside}): owner-only, each complete or not at all (a temporary file
   * renamed into place); an existing file is left alone.
   */
  static void keepForNextStart(Path file) throws IOException {
    keep(commandsBeside(file), COMMANDS);
    keep(file, DIRECTIVES);
  }

  /** The launcher's commands file for the directives file {@code directives}: {@code jit-KEY.json} → {@code jit-KEY.commands}. */
  static Path commandsBeside(Path directives) {
    String name = directives.getFileName().toString();
    return directives.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".commands");
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the launcher's own cache folder")
  private static void keep(Path file, String text) throws IOException {
    if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "jit-", ".tmp",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The options the launcher gives with the files: {@link #QUIET_OPTION}, then {@link #START_OPTIONS}. */
  static List<String> launcherOptions() {
    List<String> all = new java.util.ArrayList<>(List.of(QUIET_OPTION));
    all.addAll(START_OPTIONS);
    return List.copyOf(all);
  }

  /** HotSpot's answer to {@link #apply} when it took every directive ("2 compiler directives added"). */
  static boolean accepted(String answer) {
    return answer.equals(DIRECTIVE_COUNT + " compiler directives added");
  }

  /** The directives in {@link #DIRECTIVES}: one per {@code match}. */
  static final int DIRECTIVE_COUNT = 2;

  /** Installs the directives now; returns HotSpot's answer (e.g. "2 compiler directives added"). */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "a temporary file of our own")
  static String apply() throws IOException, JMException {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Path file = Files.createTempFile("sealdrop-jit-", ".json");
    try {
      Files.writeString(file, DIRECTIVES, StandardCharsets.UTF_8);
      Object answer = server.invoke(new ObjectName(DIAGNOSTIC_COMMAND), "compilerDirectivesAdd",
          new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
      return String.valueOf(answer).strip();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** HotSpot's listing of the installed directives (for tests and diagnosis). */
  static String installed() throws JMException {
    Object answer = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName(DIAGNOSTIC_COMMAND),
        "compilerDirectivesPrint", new Object[] {new String[0]}, new String[] {String[].class.getName()});
    return String.valueOf(answer);
  }
}
