package dev.sealdrop.server.door.sftp;

import static dev.sealdrop.server.door.sftp.SftpTestSupport.openSsh;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sealdrop.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/**
 * OpenSSH's own {@code sftp} in batch mode against a test server's SFTP door, run in a work folder
 * that holds its {@code known_hosts} (the door's host key, checked strictly) and its identity files,
 * with no user configuration ({@code -F /dev/null}) and only the identity given ({@code IdentitiesOnly}).
 */
final class OpenSshSftp {
  private static final Path SFTP = Path.of("/usr/bin/sftp");
  private static final Path SSH = Path.of("/usr/bin/ssh");

  private final Path work;
  private final TestServer server;

  /** Writes {@code work/known_hosts} with {@code server}'s host key. */
  OpenSshSftp(Path work, TestServer server) throws IOException {
    this.work = work;
    this.server = server;
    Files.writeString(work.resolve("known_hosts"), "[127.0.0.1]:" + server.server().sftpPort() + " "
        + PublicKeyEntry.toString(SftpTestSupport.hostKey(server)) + "\n");
  }

  /** Skips the test unless OpenSSH's sftp (and ssh) is installed. */
  static void assumeInstalled() {
    assumeTrue(Files.isExecutable(SFTP) && Files.isExecutable(SSH),
        "OpenSSH's sftp is not installed (apt-get install -y openssh-client); the test needs it");
  }

  /**
   * Writes {@code kp}'s private key to {@code work/FILE}, readable by its owner only (as ssh requires);
   * {@code withPub}: also FILE.pub, as ssh-keygen does. Returns FILE.
   */
  String writeIdentity(String file, KeyPair kp, boolean withPub) throws IOException {
    Path key = work.resolve(file);
    Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream out = Files.newOutputStream(key)) {
      new OpenSSHKeyPairResourceWriter().writePrivateKey(kp, file, null, out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    if (withPub) {
      Files.writeString(work.resolve(file + ".pub"), openSsh(kp.getPublic()) + "\n");
    }
    return file;
  }

  /** What sftp printed and its exit status. */
  record Run(int exit, String output) {}

  /** Runs sftp to its end as {@code user} with the key in {@code work/keyFile}; its stdout is discarded, stderr kept. */
  Run run(String user, String keyFile, String batch) throws IOException, InterruptedException {
    ProcessBuilder b = builder(user, keyFile, batch, List.of()).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    Process p = b.start();
    return finish(p, p.getErrorStream());
  }

  /** As {@link #run}, with {@code -v}: stdout and stderr (the debug log) together. */
  Run runVerbose(String user, String keyFile, String batch) throws IOException, InterruptedException {
    Process p = builder(user, keyFile, batch, List.of("-v")).redirectErrorStream(true).start();
    return finish(p, p.getInputStream());
  }

  /** Starts sftp with {@code options}; stdout and stderr together on the process's input stream. */
  Process start(String user, String keyFile, String batch, String... options) throws IOException {
    return builder(user, keyFile, batch, List.of(options)).redirectErrorStream(true).start();
  }

  /**
   * Starts OpenSSH's {@code ssh} with {@code options} ({@code -N}, {@code -W HOST:PORT}, {@code -M -S
   * SOCKET} ...) and the same settings as sftp's, then the destination and {@code command} (e.g.
   * {@code sftp} after {@code -s}); stdout and stderr together.
   */
  Process startSsh(String user, String keyFile, List<String> options, String... command) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(SSH.toString(), "-F", "/dev/null", "-p",
        String.valueOf(server.server().sftpPort())));
    cmd.addAll(common(keyFile));
    cmd.addAll(options);
    cmd.add(user + "@127.0.0.1");
    cmd.addAll(List.of(command));
    return new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start();
  }

  /** Waits for {@code p} to end (60 s at most): its exit status and what it printed on its input stream. */
  static Run finish(Process p) throws IOException, InterruptedException {
    return finish(p, p.getInputStream());
  }

  private ProcessBuilder builder(String user, String keyFile, String batch, List<String> options)
      throws IOException {
    Path file = Files.writeString(work.resolve("batch-" + System.nanoTime()), batch);
    List<String> cmd = new ArrayList<>(List.of(SFTP.toString()));
    cmd.addAll(options);
    cmd.addAll(List.of("-F", "/dev/null", "-b", file.toString(), "-P", String.valueOf(server.server().sftpPort())));
    cmd.addAll(common(keyFile));
    cmd.add(user + "@127.0.0.1");
    return new ProcessBuilder(cmd).directory(work.toFile());
  }

  /** The options sftp and ssh are given alike: the identity, the pinned host key, no prompts. */
  private List<String> common(String keyFile) {
    return List.of("-i", work.resolve(keyFile).toString(),
        "-o", "UserKnownHostsFile=" + work.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
        "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "PasswordAuthentication=no");
  }

  private static Run finish(Process p, InputStream printed) throws IOException, InterruptedException {
    String output;
    try (InputStream in = printed) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("sftp did not finish:\n" + output);
    }
    return new Run(p.exitValue(), output);
  }
}
