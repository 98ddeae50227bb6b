package dev.sealdrop.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.keys.PrivateKeyFile;
import dev.sealdrop.keys.PrivateKeys;
import dev.sealdrop.keys.RecipientKey;
import dev.sealdrop.keys.SecretAccess;
import dev.sealdrop.keys.VerifyingKey;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The public API cannot leak secrets: the only public methods that return bytes are public-key
 * and bundle encodings and {@code PrivateKeys.bytes(SecretAccess)}; no public method takes a
 * nonce, IV, chunk index or raw symmetric key.
 */
class ApiSurfaceTest {
  static final List<Class<?>> API = List.of(Envelope.class, SealingOutputStream.class, EnvelopeInspector.class,
      SenderPolicy.class, FileMetadata.class, OpenedFile.class, HeaderInfo.class, InspectionResult.class,
      PrivateKeys.class, RecipientKey.class, VerifyingKey.class, KeyBundle.class, PrivateKeyFile.class,
      dev.sealdrop.keys.BundleVerifier.class, dev.sealdrop.keys.PublicKeys.class);

  @Test
  void onlyPublicMaterialAndSecretAccessGatedKeysLeaveAsBytes() {
    List<String> byteReturners = new ArrayList<>();
    for (Class<?> c : API) {
      for (Method m : c.getMethods()) {
        if (Modifier.isPublic(m.getModifiers()) && m.getReturnType() == byte[].class) {
          byteReturners.add(c.getSimpleName() + "." + m.getName());
        }
      }
    }
    assertThat(byteReturners).containsExactlyInAnyOrder("PrivateKeys.bytes", "RecipientKey.encoded",
        "VerifyingKey.encoded", "KeyBundle.encoded");
  }

  @Test
  void privateKeyBytesRequireTheSecretAccessToken() throws Exception {
    assertThat(PrivateKeys.class.getMethod("bytes", SecretAccess.class)).isNotNull();
    assertThat(PrivateKeys.class.getMethod("fromBytes", byte[].class, SecretAccess.class)).isNotNull();
  }

  @Test
  void sealingAndOpeningTakeNoKeyBytesNoncesOrCounters() {
    // Randomness, keys and chunk indices are drawn inside: a caller cannot pass them in.
    for (Method m : Envelope.class.getDeclaredMethods()) {
      if (!Modifier.isPublic(m.getModifiers())) {
        continue;
      }
      for (Class<?> t : m.getParameterTypes()) {
        assertThat(t).as("Envelope." + m.getName()).isNotIn(byte[].class, long.class, int.class,
            javax.crypto.SecretKey.class, java.security.SecureRandom.class, java.security.Key.class);
      }
    }
    for (Class<?> c : API) {
      for (Method m : c.getMethods()) {
        assertThat(m.getName().toLowerCase(java.util.Locale.ROOT)).as(c.getSimpleName() + "." + m.getName())
            .doesNotContain("nonce").doesNotContain("filekey").doesNotContain("payloadkey");
      }
    }
  }
}
