package dev.sealdrop.keys;

/**
 * A token that marks every place where private key bytes leave their object (after Tink's
 * {@code InsecureSecretKeyAccess}). {@code git grep SecretAccess} lists every such escape;
 * code review should ask why each one needs the raw bytes.
 */
public final class SecretAccess {
  private static final SecretAccess INSTANCE = new SecretAccess();

  private SecretAccess() {}

  /** Obtain the token. Calling this is a deliberate, reviewable act. */
  public static SecretAccess insecure() {
    return INSTANCE;
  }
}
