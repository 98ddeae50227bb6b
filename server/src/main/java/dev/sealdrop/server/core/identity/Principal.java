package dev.sealdrop.server.core.identity;

import dev.sealdrop.server.core.PermissionDeniedException;
import dev.sealdrop.server.core.Reason;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * An authenticated caller: the identity (certificate subject CN), its role from the database, the
 * certificate it presented (or, over SFTP, registered its SSH key with), and the door and address it
 * came in through (for the audit). Only {@link IdentityService#authenticate} creates one, so holding
 * a Principal means every check passed.
 */
public record Principal(String identity, Role role, X509Certificate certificate, Origin origin) {
  public Principal {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(origin, "origin");
  }

  /** The certificate this caller acts with, as the revocation list names it (over SFTP: its key's registration's). */
  public Credential credential() {
    return new Credential(identity, CertificatePolicy.issuerOf(certificate), CertificatePolicy.serialOf(certificate));
  }

  /** Refuses unless the caller holds {@code required}; {@code action} names what was attempted. */
  public void require(Role required, String action) {
    if (role != required) {
      throw new PermissionDeniedException(Reason.ROLE_FORBIDDEN, "only " + withArticle(required) + " may " + action
          + "; '" + identity + "' is " + withArticle(role));
    }
  }

  /** "a transferor", "an acquirer", "an admin". */
  private static String withArticle(Role r) {
    return (r == Role.TRANSFEROR ? "a " : "an ") + r.key();
  }

  @Override
  public String toString() {
    return identity + " (" + role.key() + ")";
  }
}
