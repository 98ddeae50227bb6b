package dev.sealdrop.keys;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decodes an unencrypted PKCS#8 PEM private key ({@code -----BEGIN PRIVATE KEY-----}) with the JDK
 * alone: the one reader of TLS keys that the server's start-up checks and the CLI share. Callers
 * say in their own words which file it was and what to do.
 */
public final class Pkcs8Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----", Pattern.DOTALL);

  private Pkcs8Pem() {}

  /** The text holds no unencrypted PKCS#8 PEM block (e.g. a certificate, a traditional or encrypted key). */
  public static final class NotPkcs8Exception extends Exception {
    NotPkcs8Exception() {
      super("no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----)");
    }
  }

  /**
   * The key in the first PKCS#8 block of {@code pem}, as the first of {@code algorithms} (JCA key
   * algorithm names such as "EC", "RSA", "Ed25519") that accepts it; empty if the block is not
   * valid base64 or none of them does. The decoded key bytes are wiped before this returns.
   */
  public static Optional<PrivateKey> decode(String pem, String... algorithms) throws NotPkcs8Exception {
    Matcher m = BLOCK.matcher(pem);
    if (!m.find()) {
      throw new NotPkcs8Exception();
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    try {
      for (String algorithm : algorithms) {
        try {
          return Optional.of(KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der)));
        } catch (GeneralSecurityException e) {
          // not a key of this algorithm: try the next
        }
      }
      return Optional.empty();
    } finally {
      Arrays.fill(der, (byte) 0);
    }
  }
}
