package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The human line of identity changes counts in words that agree with the number. */
class CountedTest {
  @Test
  void oneIsSingularAndEveryOtherNumberPlural() {
    assertThat(IdentitiesCommand.counted(1, "sessions_closed")).isEqualTo("1 session closed");
    assertThat(IdentitiesCommand.counted(0, "sessions_closed")).isEqualTo("0 sessions closed");
    assertThat(IdentitiesCommand.counted(3, "sessions_closed")).isEqualTo("3 sessions closed");
    assertThat(IdentitiesCommand.counted(1, "downloads_cut")).isEqualTo("1 download cut");
    assertThat(IdentitiesCommand.counted(2, "downloads_cut")).isEqualTo("2 downloads cut");
    assertThat(IdentitiesCommand.counted(1, "grants_revoked")).isEqualTo("1 grant revoked");
  }
}
