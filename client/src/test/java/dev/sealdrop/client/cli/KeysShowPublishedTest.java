package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Round AX: a thief with a copy of bob's certificate and key published a key bundle of their own in bob's name; senders
 * who fetched bob's key then sealed for the thief, and bob's {@code keys show}, which never asked the server, showed only
 * his own fingerprint. It now compares the server's copy with the profile's.
 */
class KeysShowPublishedTest extends DevServerPerClass {
  @BeforeAll
  static void start() throws Exception {
    startServer();
  }

  @Test
  void yourOwnFingerprintSaysWhetherTheServerPublishesItAndRefusesAnotherInYourName() throws Exception {
    Cli bob = Users.init(pki, root, "bob", address);
    CliRun unpublished = checked(bob, "--json", "keys", "show").assertExit(0);
    assertThat(unpublished.json()).containsEntry("status", "own").containsEntry("published", "none");
    assertThat(unpublished.err()).contains("the server publishes no key bundle of yours yet", "keys publish");

    bob.run("keys", "publish").assertExit(0);
    String mine = (String) checked(bob, "--json", "keys", "show").assertExit(0).json().get("fingerprint");
    assertThat(checked(bob, "--json", "keys", "show").assertExit(0).json()).containsEntry("published", "same");
    assertThat(checked(bob, "keys", "show").assertExit(0).out()).contains("the server publishes this bundle");

    // the copy: bob's certificate and key, keys of its own, published
    Cli thief = Users.init(pki, Files.createDirectories(root.resolve("elsewhere")), "bob", address);
    thief.run("keys", "publish").assertExit(0);
    String theirs = (String) checked(thief, "--json", "keys", "show").assertExit(0).json().get("fingerprint");
    assertThat(theirs).isNotEqualTo(mine);

    CliRun refused = checked(bob, "--json", "keys", "show").assertExit(5);
    assertThat(refused.jsonError()).containsEntry("reason", "PUBLISHED_KEY_DIFFERS");
    assertThat(refused.err()).contains(theirs, mine, "revoke", "keys publish", "--certificate "
        + CertificateSerials.shown(pki.certificate("bob").getSerialNumber()));
    // signed with this profile's own certificate: an `init --force` here is named first (round BK)
    assertThat((String) refused.jsonError().get("hint")).startsWith("it was signed with this profile's own"
        + " certificate: if you ran `init --force` here since you last published");

    // publishing again from this profile puts it right
    bob.run("keys", "publish").assertExit(0);
    assertThat(checked(bob, "--json", "keys", "show").assertExit(0).json()).containsEntry("fingerprint", mine)
        .containsEntry("published", "same");
  }

  /**
   * A server that takes the connection and never answers does not hold the command: round BB measured 22 s. The check's
   * wait is 2 s here (not the product's 5 s), leaving 13 s of the bound to the rest of the run on a busy machine.
   */
  /** Users do not set the variable: the wait is 5 s, and a value that is no whole number of seconds is 5 s too. */
  @Test
  void theWaitForTheServersCopyIsFiveSecondsUnlessSetToAWholeNumber() {
    assertThat(KeysCommand.publishedCheckSeconds(Map.of())).isEqualTo(5);
    for (String ignored : new String[] {"0", "-1", "x", "", "1.5"}) {
      assertThat(KeysCommand.publishedCheckSeconds(Map.of(KeysCommand.PUBLISHED_CHECK_VARIABLE, ignored)))
          .as(ignored).isEqualTo(5);
    }
    assertThat(KeysCommand.publishedCheckSeconds(Map.of(KeysCommand.PUBLISHED_CHECK_VARIABLE, " 7 "))).isEqualTo(7);
  }

  @Test
  void aServerThatDoesNotAnswerIsNotWaitedForLong() throws Exception {
    try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress())) {
      Cli dave = Users.init(pki, Files.createDirectories(root.resolve("silent")), "dave", address);
      Users.retarget(dave, "127.0.0.1:" + silent.getLocalPort());
      long t0 = System.nanoTime();
      CliRun shown = withCheckWait(dave, "dave", 2, "--json", "keys", "show").assertExit(0);
      long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
      assertThat(shown.json()).containsEntry("published", "unchecked");
      assertThat(shown.err()).contains("no answer within 2 s");
      assertThat(seconds).as("bounded by the check's wait, not the handshake's retries").isLessThan(15);
    }
  }

  @Test
  void aServerThatCannotBeReachedLeavesTheFingerprintShownAndSaysItWasNotChecked() throws Exception {
    Cli carol = Users.init(pki, Files.createDirectories(root.resolve("offline")), "carol", address);
    Users.retarget(carol, "127.0.0.1:1");
    CliRun shown = carol.run("--json", "keys", "show").assertExit(0);
    assertThat(shown.json()).containsEntry("status", "own").containsEntry("published", "unchecked");
    assertThat(shown.err()).contains("was not checked");
  }

  /**
   * {@code sealdrop ARGS} as bob (or the thief, who holds bob's certificate), the server's copy of the bundle waited
   * for up to 30 s: the product's 5 s ({@link KeysCommand#PUBLISHED_CHECK_SECONDS}) cover a handshake and the fetch on
   * a quiet machine, not always on a loaded one, where the command said "unchecked" instead of what it found.
   */
  private static CliRun checked(Cli who, String... args) {
    return withCheckWait(who, "bob", 30, args);
  }

  /** {@code sealdrop ARGS} as {@code who} (passphrase {@code user}'s), waiting {@code seconds} for the server's copy. */
  private static CliRun withCheckWait(Cli who, String user, long seconds, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--home";
    all[1] = who.home().toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return Cli.raw(Map.of("SEALDROP_PASSPHRASE", Users.passphrase(user), KeysCommand.PUBLISHED_CHECK_VARIABLE,
        Long.toString(seconds)), all);
  }
}
