package dev.sealdrop.server.testing;

import com.google.protobuf.ByteString;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.envelope.Envelope;
import dev.sealdrop.envelope.FileMetadata;
import dev.sealdrop.envelope.SealingOutputStream;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import dev.sealdrop.protocol.v1.PublishBundleRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/** Each dev user's envelope keys and signed bundle, made once per JVM; sealing helpers. */
public final class Users {
  private static final Map<String, PrivateKeys> KEYS = new ConcurrentHashMap<>();

  private Users() {}

  public static PrivateKeys keys(String user) {
    return KEYS.computeIfAbsent(user, u -> PrivateKeys.generate());
  }

  public static KeyBundle bundle(DevPki pki, String user) {
    return KeyBundle.create(user, keys(user).publicKeys(), Instant.now().plus(Duration.ofDays(30)),
        pki.privateKey(user), List.of(pki.certificate(user), pki.caCertificate()));
  }

  /** Publishes {@code user}'s bundle on the server. */
  public static void publish(Clients clients, DevPki pki, String user) {
    clients.keys(user).publishBundle(PublishBundleRequest.newBuilder()
        .setSignedBundle(ByteString.copyFrom(bundle(pki, user).encoded())).build());
  }

  public record Sealed(byte[] bytes, String fingerprint) {}

  /** Seals {@code plain} as {@code declaredSender} with {@code signer}'s keys for {@code recipients}. */
  public static Sealed seal(String declaredSender, PrivateKeys signer, byte[] plain, String... recipients) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<RecipientKey> to = java.util.Arrays.stream(recipients).map(r -> keys(r).publicKeys().encryption()).toList();
      SealingOutputStream s = Envelope.seal(out, declaredSender, signer, to,
          new FileMetadata("clients.csv", plain.length, "text/csv", Instant.parse("2026-11-23T09:00:00Z")));
      s.write(plain);
      s.close();
      return new Sealed(out.toByteArray(), s.fingerprint());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Sealed seal(String sender, byte[] plain, String... recipients) {
    return seal(sender, keys(sender), plain, recipients);
  }

  public static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
