package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.protocol.v1.CreateGrantRequest;
import java.time.Duration;
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

  @Option(names = "--downloads", paramLabel = "N", defaultValue = "1",
      description = "How many downloads the grant allows (default: ${DEFAULT-VALUE}).")
  int downloads;

  /** Refuses terms no server accepts; the lifetime was checked while parsing ({@link Durations}). */
  void validate() throws UsageFailure {
    if (downloads < 1 || downloads > MAX_DOWNLOADS) {
      throw new UsageFailure("BAD_DOWNLOADS", "--downloads must be 1.." + MAX_DOWNLOADS + ", not " + downloads,
          "a grant is for one recipient; use a small number");
    }
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
