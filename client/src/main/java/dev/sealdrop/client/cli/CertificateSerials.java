package dev.sealdrop.client.cli;

import java.math.BigInteger;
import java.util.Locale;

/**
 * The one way the CLI shows a certificate serial: as {@code openssl x509 -noout -serial} prints it (upper-case hex,
 * an even number of digits: {@code 0C92...}), so that an admin can match what a listing shows with the certificate
 * file in hand. The server sends serials as lower-case hex without leading zeros ({@code c92...});
 * {@code admin identities revoke --certificate} takes either form.
 */
public final class CertificateSerials {
  private CertificateSerials() {}

  /** {@code serial} as openssl prints it. */
  public static String shown(BigInteger serial) {
    return shown(serial.toString(16));
  }

  /** A serial given in hex (either case, leading zeros or not) as openssl prints it; "" stays "". */
  public static String shown(String hex) {
    String upper = hex.toUpperCase(Locale.ROOT);
    return upper.length() % 2 == 0 ? upper : "0" + upper;
  }
}
