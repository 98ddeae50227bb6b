package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.protocol.v1.Grant;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The terms a grant answer must have (round CE: a hostile server's -1 downloads and past expiry were shown as the
 * grant's), judged by the server's own times only: a client clock that is off, or a short {@code --expires} that has
 * nearly run out by the time the answer is read, is no bad answer (review CI).
 */
class GrantTermsTest {
  private static final Instant CREATED = Instant.parse("2026-12-06T10:00:00Z");

  private static GrantTerms terms(int downloads, Duration expires) {
    GrantTerms t = new GrantTerms();
    t.downloads = downloads;
    t.expires = expires;
    return t;
  }

  private static Grant grant(int downloads, Duration life) {
    return Grant.newBuilder().setMaxDownloads(downloads).setCreatedAtMillis(CREATED.toEpochMilli())
        .setExpiresAtMillis(CREATED.plus(life).toEpochMilli()).build();
  }

  @Test
  void anAnswerWithOtherTermsIsNamed() {
    assertThat(terms(1, null).notMetBy(grant(3, Duration.ofHours(1))))
        .hasValue("it allows 3 download(s), not the 1 asked for");
    assertThat(terms(1, null).notMetBy(grant(1, Duration.ofHours(-2)))).hasValue("it expires at"
        + " 2026-12-06T08:00:00.000Z and was created at 2026-12-06T10:00:00.000Z: it never lives");
    assertThat(terms(1, Duration.ofHours(1)).notMetBy(grant(1, Duration.ofDays(30)))).hasValueSatisfying(why ->
        assertThat(why).endsWith(", a lifetime of 2592000 s, not the --expires 3600 s asked for"));
    assertThat(terms(1, Duration.ofHours(1)).notMetBy(grant(1, Duration.ofMinutes(10)))).as("shorter too").isPresent();
  }

  @Test
  void anAnswerWithTheTermsAskedForPassesWhateverThisMachinesClockSays() {
    assertThat(terms(1, Duration.ofSeconds(1)).notMetBy(grant(1, Duration.ofSeconds(1)))).isEmpty();
    assertThat(terms(2, Duration.ofHours(1)).notMetBy(grant(2, Duration.ofSeconds(3600 + 30))))
        .as("within the server's rounding").isEmpty();
    assertThat(terms(1, null).notMetBy(grant(1, Duration.ofHours(72)))).as("the server's default lifetime").isEmpty();
  }
}
