package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sealdrop.client.failure.UsageFailure;
import org.junit.jupiter.api.Test;

/** --reason's limit (256) counts characters, as cli.md says, not UTF-16 units: an emoji is one (outside test). */
class ReasonLengthTest {
  private static final String EMOJI = "\uD83D\uDD12";

  @Test
  void twoHundredFiftySixEmojiAreAllowedAndOneMoreIsRefusedCountedAsCharacters() throws Exception {
    assertThat(IdentitiesCommand.reason(EMOJI.repeat(256))).isEqualTo(EMOJI.repeat(256));
    assertThatThrownBy(() -> IdentitiesCommand.reason(EMOJI.repeat(257))).isInstanceOf(UsageFailure.class)
        .hasMessage("--reason is 257 characters; at most 256 are allowed");
  }
}
