package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.Grant;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The terms a grant answer must have (round CE: a hostile server's -1 downloads and past expiry were shown as the
 * grant's), within what two honest clocks may differ by: a short {@code --expires} that has nearly run out by the time
 * the answer is read, or a server clock a few minutes off, is no bad answer.
 */
class GrantTermsTest {
  private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");

  private static GrantTerms terms(int downloads, Duration expires) {
    GrantTerms t = new GrantTerms();
    t.downloads = downloads;
    t.expires = expires;
    return t;
  }

  private static Grant grant(int downloads, Instant expiresAt) {
    return Grant.newBuilder().setMaxDownloads(downloads).setExpiresAtMillis(expiresAt.toEpochMilli()).build();
  }

  @Test
  void anAnswerWithOtherTermsIsNamedAndOneWithinClockSkewIsNot() {
    assertThat(terms(1, null).notMetBy(grant(3, NOW.plusSeconds(3600)), NOW))
        .hasValue("it allows 3 download(s), not the 1 asked for");
    assertThat(terms(1, null).notMetBy(grant(1, NOW.minusSeconds(11 * 60)), NOW)).hasValueSatisfying(
        why -> assertThat(why).startsWith("it expires at ").endsWith(", which has passed"));
    assertThat(terms(1, Duration.ofHours(1)).notMetBy(grant(1, NOW.plusSeconds(3600 + 11 * 60)), NOW))
        .hasValue("it expires at 2026-12-06T11:11:00.000Z, later than --expires asked for (3600 s from now)");

    assertThat(terms(1, Duration.ofSeconds(1)).notMetBy(grant(1, NOW.minusSeconds(5)), NOW))
        .as("a 1 s grant read a moment after it was made").isEmpty();
    assertThat(terms(2, Duration.ofHours(1)).notMetBy(grant(2, NOW.plusSeconds(3600 + 5 * 60)), NOW))
        .as("a server clock five minutes ahead").isEmpty();
    assertThat(terms(1, null).notMetBy(grant(1, NOW.plusSeconds(72 * 3600)), NOW)).isEmpty();
  }
}
