package dev.sealdrop.client.cli;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Spends the JIT's optimising compiler (C2) only where a CLI process gains from it: the bulk
 * cryptography (the JDK's AES-GCM and SHA-256 and the envelope around them) and the key unlock's
 * scrypt (Bouncy Castle's Salsa20/8 core: 650–740 ms with C2 against 780–800 ms in C1 alone, cold
 * JVM, N = 2^17, on the benchmark machine).
 *
 * <p>A CLI JVM lives for seconds. On a 1 GiB transfer HotSpot's C2 compiled ~650 methods of Netty,
 * gRPC, protobuf and picocli, using 6–9 s of CPU (a third of the process's CPU, measured with
 * {@code perf} on this project's 2-core benchmark machine), which the sealing, TLS and the server
 * needed. Everything else still gets C1-compiled (fast to produce, good enough for code that is not
 * the per-byte path). AES-NI, CLMUL and SHA-NI run only from C2-compiled code, hence the exception
 * for the crypto packages. Measured end to end in docs/benchmarks.md ("Compiler budget").
 *
 * <p>The policy is installed as HotSpot compiler directives through the platform's
 * {@code DiagnosticCommand} MBean (the in-process equivalent of {@code jcmd PID Compiler.directives_add}),
 * on a background thread, best effort: on a JVM without that command the CLI simply runs with the
 * JVM's defaults. {@code -Dsealdrop.jit=default} turns it off. Nothing here affects results, only
 * where CPU time goes.
 */
final class CompilerBudget {
  /** Directive patterns (HotSpot syntax: {@code package/Class.method}, {@code *} as a wildcard). */
  static final String DIRECTIVES = """
      [
        { match: ["com/sun/crypto/provider/*.*", "sun/security/provider/*.*", "javax/crypto/*.*",
                  "java/security/MessageDigest*.*", "dev/sealdrop/envelope/*.*",
                  "org/bouncycastle/crypto/generators/SCrypt.*", "org/bouncycastle/crypto/engines/Salsa20Engine.*",
                  "org/bouncycastle/util/Pack.*"],
          c2: { Exclude: false } },
        { match: ["*.*"], c2: { Exclude: true } }
      ]
      """;

  private static final String DIAGNOSTIC_COMMAND = "com.sun.management:type=DiagnosticCommand";

  private CompilerBudget() {}

  /** Installs the policy on a daemon thread, unless {@code -Dsealdrop.jit=default}. */
  static void applyInBackground() {
    if ("default".equals(System.getProperty("sealdrop.jit"))) {
      return;
    }
    Thread t = new Thread(CompilerBudget::applyQuietly, "compiler-budget");
    t.setDaemon(true);
    t.start();
  }

  private static void applyQuietly() {
    try {
      apply();
    } catch (IOException | JMException | RuntimeException | LinkageError e) {
      // not HotSpot, or no jdk.management: the JVM's own compile policy applies, which is only slower
    }
  }

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
