package dev.sealdrop.server.store.meta;

import dev.sealdrop.server.core.identity.Credential;
import java.util.Arrays;

/**
 * The SQL conditions on the certificate an act is made with ({@link Credential}), written once for the standing query
 * and for the statements that write an act's effect. Constants, so that no statement is built at run time.
 */
final class CredentialConditions {
  /** The certificate is revoked: by issuer and serial, or as that identity's serial; binds issuer, serial, identity, serial. */
  static final String CERTIFICATE_REVOKED = "(EXISTS (SELECT 1 FROM revoked_certificates WHERE issuer = ? AND serial = ?)"
      + " OR EXISTS (SELECT 1 FROM revoked_certificate_owners WHERE identity = ? AND serial = ?))";

  /**
   * The credential stands: its identity is enabled (a revoked identity is disabled too) and its certificate is not
   * revoked; binds what {@link #after} appends.
   */
  static final String STANDS = "EXISTS (SELECT 1 FROM identities WHERE name = ? AND enabled = ?) AND NOT "
      + CERTIFICATE_REVOKED;

  private CredentialConditions() {}

  /** {@code params}, then the parameters {@link #STANDS} binds for {@code by}. */
  static Object[] after(Credential by, Object... params) {
    Object[] all = Arrays.copyOf(params, params.length + 6);
    all[params.length] = by.identity();
    all[params.length + 1] = true;
    all[params.length + 2] = by.issuer();
    all[params.length + 3] = by.serialHex();
    all[params.length + 4] = by.identity();
    all[params.length + 5] = by.serialHex();
    return all;
  }
}
