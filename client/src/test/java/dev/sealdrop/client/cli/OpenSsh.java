package dev.sealdrop.client.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** OpenSSH's own binaries ({@code ssh-keygen}, {@code sftp}) for the CLI tests; skipped, named, when missing. */
final class OpenSsh {
  static final Path SSH_KEYGEN = Path.of("/usr/bin/ssh-keygen");
  static final Path SFTP = Path.of("/usr/bin/sftp");

  private OpenSsh() {}

  /** The output and exit code of one finished process. */
  record Run(int exit, String output) {}

  static void assumeInstalled(Path tool) {
    assumeTrue(Files.isExecutable(tool), "OpenSSH's " + tool.getFileName()
        + " is not installed (apt-get install -y openssh-client); this test needs it");
  }

  /** {@code ssh-keygen -t TYPE [-b BITS] -N '' -C COMMENT -f FILE}: FILE (private) and FILE.pub. */
  static Path keygen(Path file, String type, int bits, String comment) throws IOException, InterruptedException {
    assumeInstalled(SSH_KEYGEN);
    List<String> cmd = new ArrayList<>(List.of(SSH_KEYGEN.toString(), "-q", "-t", type, "-N", "", "-C", comment,
        "-f", file.toString()));
    if (bits > 0) {
      cmd.addAll(List.of("-b", Integer.toString(bits)));
    }
    Run r = run(cmd, file.getParent());
    if (r.exit() != 0) {
      throw new AssertionError("ssh-keygen failed:\n" + r.output());
    }
    return file;
  }

  /** The public half of an OpenSSH private key file ({@code ssh-keygen -y}), one authorized_keys line. */
  static String publicLine(Path privateKey) throws IOException, InterruptedException {
    assumeInstalled(SSH_KEYGEN);
    Run r = run(List.of(SSH_KEYGEN.toString(), "-y", "-f", privateKey.toString()), privateKey.getParent());
    if (r.exit() != 0) {
      throw new AssertionError("ssh-keygen -y failed:\n" + r.output());
    }
    return r.output().strip();
  }

  /**
   * OpenSSH {@code sftp} in batch mode as {@code user} with {@code identity} only, against
   * 127.0.0.1:{@code port}, accepting only the host key in {@code knownHosts}.
   */
  static Run sftp(Path work, Path identity, Path knownHosts, int port, String user, String... commands)
      throws IOException, InterruptedException {
    assumeInstalled(SFTP);
    Path batch = Files.writeString(work.resolve("batch-" + System.nanoTime()), String.join("\n", commands) + "\n");
    return run(List.of(SFTP.toString(), "-F", "/dev/null", "-b", batch.toString(), "-i", identity.toString(),
        "-P", Integer.toString(port), "-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=yes",
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no",
        user + "@127.0.0.1"), work);
  }

  private static Run run(List<String> cmd, Path dir) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd.get(0) + " did not finish:\n" + output);
    }
    return new Run(p.exitValue(), output);
  }
}
