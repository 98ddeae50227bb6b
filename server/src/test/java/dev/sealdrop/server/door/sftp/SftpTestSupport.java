package dev.sealdrop.server.door.sftp;

import dev.sealdrop.protocol.v1.AddSshKeyRequest;
import dev.sealdrop.protocol.v1.SshKeysGrpc;
import dev.sealdrop.server.testing.Clients;
import dev.sealdrop.server.testing.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/** MINA client helpers: key pairs, registration over gRPC, logins that pin the server's host key. */
final class SftpTestSupport {
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  private SftpTestSupport() {}

  static KeyPair ed25519() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String openSsh(PublicKey key) {
    return PublicKeyEntry.toString(key) + " test@sealdrop";
  }

  static SshKeysGrpc.SshKeysBlockingStub sshKeys(Clients clients, String user) {
    return SshKeysGrpc.newBlockingStub(clients.channel(user)).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  /** Generates an Ed25519 key for {@code user} and registers it over the mutually authenticated gRPC door. */
  static KeyPair registeredKey(Clients clients, String user) {
    KeyPair kp = ed25519();
    sshKeys(clients, user).addSshKey(AddSshKeyRequest.newBuilder().setPublicKey(openSsh(kp.getPublic())).build());
    return kp;
  }

  /** The server's persistent host key, as written to its data folder. */
  static PublicKey hostKey(TestServer server) {
    try (InputStream in = Files.newInputStream(server.dataDir.resolve(HostKey.FILE_NAME))) {
      Iterator<KeyPair> it = SecurityUtils.loadKeyPairIdentities(null, NamedResource.ofName("host"), in, null).iterator();
      return it.next().getPublic();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A started client that accepts only {@code server}'s host key. */
  static SshClient client(TestServer server) {
    PublicKey expected = hostKey(server);
    SshClient client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier((session, address, key) -> KeyUtils.compareKeys(expected, key));
    client.start();
    return client;
  }

  /** Logs in as {@code user} with {@code key}; throws if authentication fails. */
  static ClientSession login(SshClient client, TestServer server, String user, KeyPair key) throws IOException {
    ClientSession session = client.connect(user, "127.0.0.1", server.server().sftpPort()).verify(TIMEOUT).getSession();
    try {
      session.addPublicKeyIdentity(key);
      session.auth().verify(TIMEOUT);
      return session;
    } catch (IOException | RuntimeException e) {
      if (String.valueOf(e.getMessage()).contains("timeout")) {
        dumpThreadsOnce(); // the server and this client share the JVM: what each thread waits for (a CI run hung so)
      }
      session.close(true);
      throw e;
    }
  }

  private static final java.util.concurrent.atomic.AtomicBoolean DUMPED = new java.util.concurrent.atomic.AtomicBoolean();

  /** Every thread's stack, once per JVM, on stderr (the test's report keeps it). */
  private static void dumpThreadsOnce() {
    if (!DUMPED.compareAndSet(false, true)) {
      return;
    }
    StringBuilder out = new StringBuilder("a login timed out; the threads of this JVM:\n");
    for (java.lang.management.ThreadInfo t : java.lang.management.ManagementFactory.getThreadMXBean()
        .dumpAllThreads(true, true)) {
      out.append('"').append(t.getThreadName()).append("\" ").append(t.getThreadState());
      if (t.getLockName() != null) {
        out.append(" on ").append(t.getLockName()).append(" owned by ").append(t.getLockOwnerName());
      }
      out.append('\n');
      for (java.lang.management.MonitorInfo m : t.getLockedMonitors()) {
        out.append("    holds monitor ").append(m).append(" (taken at ").append(m.getLockedStackFrame()).append(")\n");
      }
      for (java.lang.management.LockInfo l : t.getLockedSynchronizers()) {
        out.append("    holds lock ").append(l).append('\n');
      }
      for (StackTraceElement f : t.getStackTrace()) {
        out.append("    at ").append(f).append('\n');
      }
    }
    System.err.print(out);
  }

  static SftpClient sftp(ClientSession session) {
    try {
      return SftpClientFactory.instance().createSftpClient(session);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void put(SftpClient sftp, String path, byte[] bytes) throws IOException {
    try (var out = sftp.write(path)) {
      out.write(bytes);
    }
  }

  static byte[] get(SftpClient sftp, String path) throws IOException {
    try (InputStream in = sftp.read(path)) {
      return in.readAllBytes();
    }
  }

  static java.util.List<String> names(SftpClient sftp, String dir) throws IOException {
    java.util.List<String> out = new java.util.ArrayList<>();
    for (SftpClient.DirEntry e : sftp.readDir(dir)) {
      if (!e.getFilename().equals(".") && !e.getFilename().equals("..")) {
        out.add(e.getFilename());
      }
    }
    return out;
  }

  static Path writeTemp(Path dir, String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  /**
   * What the server says when it disconnects {@code s}: "REASON_CODE MESSAGE" of its
   * SSH_MSG_DISCONNECT, or "closed without a disconnect message".
   */
  static CompletableFuture<String> disconnectMessage(ClientSession s) {
    CompletableFuture<String> said = new CompletableFuture<>();
    s.addSessionListener(new SessionListener() {
      @Override
      public void sessionDisconnect(Session session, int reason, String msg, String language, boolean initiator) {
        if (!initiator) {
          said.complete(reason + " " + msg);
        }
      }

      @Override
      public void sessionClosed(Session session) {
        said.complete("closed without a disconnect message");
      }
    });
    return said;
  }
}
