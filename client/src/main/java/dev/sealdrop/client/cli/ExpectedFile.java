package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What {@code --from} and {@code --fingerprint} name, for {@code receive} and {@code open} alike: the sender and the file
 * the user expects, as the sender told them with the token. Refused as malformed before anything else is done.
 */
final class ExpectedFile {
  /** A file's fingerprint as `send`, `seal` and `files` print it: the SHA-256 digest in hex. */
  static final Pattern FINGERPRINT = Pattern.compile("[0-9a-fA-F]{64}");

  private ExpectedFile() {}

  /** {@code --from} as given, if it is an identity name; null if none was given. */
  static String sender(String from) throws UsageFailure {
    return from == null ? null
        : Recipients.requireIdentityName("--from", from, "give the sender's identity, e.g. --from alice");
  }

  /** {@code --fingerprint} in lower case, if it is a file's fingerprint; null if none was given. */
  static String fingerprint(String fingerprint) throws UsageFailure {
    if (fingerprint == null) {
      return null;
    }
    if (!FINGERPRINT.matcher(fingerprint.strip()).matches()) {
      throw new UsageFailure("BAD_FINGERPRINT", "--fingerprint is not a file's fingerprint: 64 hex digits",
          "give the fingerprint the sender passed on with the token (what `sealdrop send`, `grant` or `seal` printed for"
              + " the file; JSON `fingerprint`)");
    }
    return fingerprint.strip().toLowerCase(Locale.ROOT);
  }
}
