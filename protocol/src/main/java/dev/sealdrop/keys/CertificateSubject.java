package dev.sealdrop.keys;

import java.security.cert.X509Certificate;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * The one rule for the identity a client certificate names, shared by the server (at every
 * handshake and call) and the CLI (at {@code init}): the subject's only CN, alone in its RDN. A
 * multi-valued RDN ({@code CN=mallory+CN=alice}) names no one. JDK classes only, so that the CLI
 * loads no Bouncy Castle class to start.
 */
public final class CertificateSubject {
  private CertificateSubject() {}

  /**
   * The subject's one CN.
   *
   * @throws IllegalArgumentException saying what is wrong with the subject, in words that follow
   *     "the certificate's": "subject has no CN", "subject has more than one CN, ...", or
   *     "subject cannot be parsed"
   */
  public static String cn(X509Certificate cert) {
    String cn = null;
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        // every attribute of the RDN: Rdn.getType()/getValue() show only the first in sort order
        NamingEnumeration<? extends Attribute> attributes = rdn.toAttributes().getAll();
        while (attributes.hasMore()) {
          Attribute attribute = attributes.next();
          if (!attribute.getID().equalsIgnoreCase("CN")) {
            continue;
          }
          if (cn != null || attribute.size() != 1 || rdn.size() != 1) {
            throw new IllegalArgumentException("subject has more than one CN, or a CN combined with other attributes"
                + " in one RDN");
          }
          cn = String.valueOf(attribute.get());
        }
      }
    } catch (NamingException e) {
      throw new IllegalArgumentException("subject cannot be parsed", e);
    }
    if (cn == null) {
      throw new IllegalArgumentException("subject has no CN");
    }
    return cn;
  }
}
