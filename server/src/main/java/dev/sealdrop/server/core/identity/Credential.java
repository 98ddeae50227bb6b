package dev.sealdrop.server.core.identity;

import java.util.Objects;

/**
 * The certificate an act is made with, as the revocation list names it: the identity it authenticates as, its issuer
 * DN and its serial (lower-case hex, {@link CertificatePolicy#serialOf}). A store writes the effect of an act (an
 * upload's start and commit, a grant, a claim) only while this certificate stands, in the statement that writes it:
 * its identity enabled and neither the identity nor this certificate revoked. An admin's revocation that returned
 * before the write is then never outlived by it, whatever the caller's earlier checks saw.
 */
public record Credential(String identity, String issuer, String serialHex) {
  public Credential {
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(serialHex, "serialHex");
  }
}
