package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The signal handler's bookkeeping, without signals: the first signal goes to the JVM's own handler and is the one the
 * document names; a later one, on its own thread, exits with the first one's status, so that the status the process
 * ends with is the document's whichever thread starts the shutdown (review: systemd's SIGTERM then SIGHUP could exit
 * 129 with a document saying 143).
 */
@SuppressWarnings("sunapi")
class StopSignalsTest {
  private final AtomicInteger received = new AtomicInteger();
  private final List<String> jvmHandled = new ArrayList<>();
  private final List<Integer> exits = new ArrayList<>();
  private final sun.misc.SignalHandler jvm = s -> jvmHandled.add(s.getName());

  @Test
  void theFirstSignalGoesToTheJvmsHandlerAndNamesTheStatus() {
    StopSignals.recorder(received, () -> jvm, exits::add).handle(new sun.misc.Signal("INT"));
    assertThat(jvmHandled).containsExactly("INT");
    assertThat(exits).isEmpty();
    assertThat(StopSignals.exitStatusOf(received.get())).isEqualTo(130);
  }

  @Test
  void aLaterSignalExitsWithTheFirstOnesStatus() {
    StopSignals.recorder(received, () -> jvm, exits::add).handle(new sun.misc.Signal("TERM"));
    StopSignals.recorder(received, () -> jvm, exits::add).handle(new sun.misc.Signal("HUP"));
    assertThat(jvmHandled).containsExactly("TERM");
    assertThat(exits).containsExactly(143);
    assertThat(StopSignals.exitStatusOf(received.get())).isEqualTo(143);
  }

  @Test
  void aSignalBeforeTheJvmsHandlerIsKnownExitsAsThatHandlerWould() {
    StopSignals.recorder(received, () -> null, exits::add).handle(new sun.misc.Signal("HUP"));
    assertThat(exits).containsExactly(129);
    assertThat(StopSignals.exitStatusOf(received.get())).isEqualTo(129);
  }

  @Test
  void noSignalSeenIsToldAsSigterm() {
    assertThat(StopSignals.exitStatusOf(0)).isEqualTo(143);
  }
}
