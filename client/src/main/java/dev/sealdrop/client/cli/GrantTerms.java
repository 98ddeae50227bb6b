package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import java.math.BigInteger;
import java.time.Duration;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * A grant's terms, {@code --expires D} and {@code --downloads N}, shared by {@code send} and
 * {@code grant} so that both validate them alike before any network call.
 */
final class GrantTerms {
  static final int MAX_DOWNLOADS = 100;

  @Option(names = "--expires", paramLabel = "DURATION", converter = Durations.class,
      description = {"Grant lifetime: " + Durations.ACCEPTED + ".",
          "Default: the server's (grant-default-lifetime, 72h by default)."})
  Duration expires;

  @Option(names = "--downloads", paramLabel = "N", defaultValue = "1", converter = Downloads.class,
      description = "How many downloads the grant allows (default: ${DEFAULT-VALUE}).")
  int downloads;

  /**
   * Parses {@code --downloads}: a count no server accepts, one beyond an int or no number at all, is refused while
   * parsing, as {@code --expires} is ({@link Durations}), with {@code BAD_DOWNLOADS}, not picocli's "is not an int".
   */
  static final class Downloads implements CommandLine.ITypeConverter<Integer> {
    private static final Pattern WHOLE = Pattern.compile("[+-]?\\d+");

    @Override
    public Integer convert(String value) throws UsageFailure {
      String v = value.strip();
      if (!WHOLE.matcher(v).matches()) {
        throw refused((v.isEmpty() ? "--downloads is empty" : "--downloads " + value + " is not a whole number")
            + "; it must be 1.." + MAX_DOWNLOADS);
      }
      BigInteger n = new BigInteger(v);
      if (n.signum() < 1 || n.compareTo(BigInteger.valueOf(MAX_DOWNLOADS)) > 0) {
        throw refused("--downloads must be 1.." + MAX_DOWNLOADS + ", not " + v);
      }
      return n.intValueExact();
    }

    private static UsageFailure refused(String message) {
      return new UsageFailure("BAD_DOWNLOADS", message, "give how many times the recipient may download the file, a"
          + " whole number from 1 to " + MAX_DOWNLOADS + " (1, the default, makes a one-time grant)");
    }
  }

  /** How far the lifetime a grant answer names may differ from the one asked for (the server's rounding). */
  private static final Duration LIFETIME_SLACK = Duration.ofMinutes(1);

  /**
   * Why the grant the server answered does not have these terms, if it does not: another download count, an expiry
   * not after its creation, or (with {@code --expires}) another lifetime (round CE: a hostile server's -1 downloads and
   * past expiry were shown as the grant's). Both times are the server's: this machine's clock, which may be off, is
   * not used (review CI: a client clock 11 minutes slow refused every honest grant).
   */
  java.util.Optional<String> notMetBy(dev.sealdrop.protocol.v1.Grant g) {
    if (g.getMaxDownloads() != downloads) {
      return java.util.Optional.of("it allows " + g.getMaxDownloads() + " download(s), not the " + downloads
          + " asked for");
    }
    Duration life = Duration.ofMillis(g.getExpiresAtMillis() - g.getCreatedAtMillis());
    String when = "it expires at " + dev.sealdrop.client.cli.output.Timestamps.ofMillis(g.getExpiresAtMillis())
        + " and was created at " + dev.sealdrop.client.cli.output.Timestamps.ofMillis(g.getCreatedAtMillis());
    if (life.isNegative() || life.isZero()) {
      return java.util.Optional.of(when + ": it never lives");
    }
    if (expires != null && life.minus(expires).abs().compareTo(LIFETIME_SLACK) > 0) {
      return java.util.Optional.of(when + ", a lifetime of " + life.toSeconds() + " s, not the --expires "
          + expires.toSeconds() + " s asked for");
    }
    return java.util.Optional.empty();
  }

  /** These terms as an upload states them up front (CreateUpload), for the server to refuse before any byte. */
  dev.sealdrop.client.net.Uploader.IntendedTerms intended() {
    return new dev.sealdrop.client.net.Uploader.IntendedTerms(expires == null ? 0 : expires.toSeconds(), downloads);
  }

  /** A CreateGrant request for {@code fileId} to {@code recipient} with these terms. */
  CreateGrantRequest request(String fileId, String recipient) {
    CreateGrantRequest.Builder req = CreateGrantRequest.newBuilder().setFileId(fileId).setRecipient(recipient)
        .setMaxDownloads(downloads);
    if (expires != null) {
      req.setExpiresInSeconds(expires.toSeconds());
    }
    return req.build();
  }
}
