package dev.sealdrop.client.net;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The TLS alerts by which a sealdrop server refuses a client certificate in the handshake
 * (docs/protocol.md §1), as the CLI's TLS stacks report them — BoringSSL
 * ("SSLV3_ALERT_CERTIFICATE_REVOKED") and the JDK ("Received fatal alert: certificate_revoked") — mapped to
 * the reasons the server gives for the same refusals after the handshake.
 */
final class CertificateAlert {
  /** Alert name (as both stacks spell it, lower case) → reason. */
  private static final Map<String, String> REASONS = Map.of(
      "certificate_revoked", "CERTIFICATE_REVOKED",
      "certificate_expired", "CERTIFICATE_EXPIRED",
      "unknown_ca", "CERTIFICATE_UNTRUSTED",
      "certificate_required", "CERTIFICATE_UNTRUSTED",
      "unsupported_certificate", "CERTIFICATE_UNSUPPORTED");

  private CertificateAlert() {}

  /** The alert that {@code tlsMessage} reports, if it reports one about our certificate, and its reason. */
  record Alert(String name, String reason) {}

  static Optional<Alert> of(String tlsMessage) {
    if (tlsMessage == null) {
      return Optional.empty();
    }
    String m = tlsMessage.toLowerCase(Locale.ROOT);
    if (!m.contains("alert")) {
      return Optional.empty(); // our own check of the server, not the server's verdict on us
    }
    return REASONS.entrySet().stream().filter(r -> m.contains(r.getKey())).findFirst()
        .map(r -> new Alert(r.getKey(), r.getValue()));
  }
}
