package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command's help: exit codes table, then an Example section last; usage errors exit 2. */
class HelpAndUsageTest {
  @ParameterizedTest
  @ValueSource(strings = {"", "init", "keys", "keys publish", "keys show", "keys export", "keys import", "seal",
      "open", "send", "inbox", "receive", "grants", "grants revoke", "files", "grant", "keys add-ssh", "keys list-ssh",
      "keys remove-ssh", "help"})
  void everyHelpListsExitCodesAndEndsWithAnExample(String command) {
    String[] args = (command.isEmpty() ? "--help" : command + " --help").split(" ");
    CliRun r = Cli.raw(Map.of(), args).assertExit(0);
    assertThat(r.out()).contains("Exit codes:");
    for (ExitCodes c : ExitCodes.values()) {
      assertThat(r.out()).contains(" " + c.code() + "   " + c.description());
    }
    int example = r.out().lastIndexOf("Example:");
    assertThat(example).as("Example section in help of '%s'", command).isGreaterThan(r.out().indexOf("Exit codes:"));
    assertThat(r.out().substring(example)).contains("sealdrop");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void sendHelpPromisesAResumeOnlyAfterABrokenConnection() {
    // a send stopped by a signal starts over (its sealing key is never on disk): the help must not
    // promise a resume for every interruption, as the interrupted error's hint does not
    CliRun r = Cli.raw(Map.of(), "send", "--help").assertExit(0);
    String help = r.out().replaceAll("\\s+", " ");
    assertThat(help).doesNotContain("If the upload is interrupted")
        .contains("If its connection breaks, run the same command again: it resumes where the server stopped.")
        .contains("A send stopped by Ctrl-C or a signal while it seals cannot resume")
        .contains("one stopped while it resumes resumes again");
  }

  @Test
  void unknownOptionIsAUsageErrorInOneVoice() {
    CliRun r = Cli.raw(Map.of(), "send", "--bogus").assertExit(2);
    assertThat(r.err()).startsWith("sealdrop: error: ").contains("sealdrop: hint: see `sealdrop send --help`");
    assertThat(r.err()).doesNotContain("at dev.sealdrop").doesNotContain("Exception");
  }

  @Test
  void aValueStartingWithADashWhereAParameterBelongsIsNamedNotHiddenBehindAMissingParameter() {
    // outside test: `admin identities add -frank --role acquirer` said only "Missing required parameter: 'IDENTITY'"
    CliRun r = Cli.raw(Map.of(), "--json", "admin", "identities", "add", "-frank", "--role", "acquirer").assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "UNKNOWN_OPTION").containsEntry("message", "unknown option"
        + " '-frank': `sealdrop admin identities add` has no such option, and its IDENTITY is missing");
    assertThat((String) r.jsonError().get("hint")).startsWith("see `sealdrop admin identities add --help`")
        .contains("`sealdrop admin identities add [OPTIONS] -- IDENTITY`");
    // a token is named by its kind, never repeated
    String token = "-sdg_" + "A".repeat(43);
    CliRun t = Cli.raw(Map.of(), "receive", token, "-o", "out").assertExit(2);
    assertThat(t.err()).contains("unknown option (a grant token, not repeated here)").doesNotContain("AAAAAAAA");
    // nor its secret part without the prefix, given where a file belongs (round BJ: "no such file: SECRET")
    String secret = "Q2hhbmdlIG1lIGlmIHlvdSBjYW4gcmVhZCB0aGlzI-_";
    CliRun bare = Cli.raw(Map.of(), "--json", "open", secret, "-o", "out").assertExit(2);
    assertThat(bare.out() + bare.err()).doesNotContain(secret.substring(0, 20));
    assertThat(ErrorReporter.redactSecrets("no such file: " + secret)).isEqualTo("no such file: [redacted]");
    String fingerprint = "SHA256:" + "x".repeat(43); // an SSH key's fingerprint is named, not taken for a secret
    assertThat(ErrorReporter.redactSecrets("no SSH key " + fingerprint)).isEqualTo("no SSH key " + fingerprint);
    // review BJ: in a link, after redeem/ or '=', it is a secret all the same
    assertThat(ErrorReporter.redactSecrets("no such file: got/redeem/" + secret)).isEqualTo("no such file:"
        + " got/redeem/[redacted]");
    assertThat(ErrorReporter.redactSecrets("see ?t=" + secret + "&x")).isEqualTo("see ?t=[redacted]&x");
    assertThat(ErrorReporter.redactSecrets("see https://h/Redeem/" + secret + "/")).isEqualTo("see https://h/Redeem/"
        + "[redacted]/");
    // review RS: but a file name of 43 such characters in a path stays readable
    String name = "Quarterly_financial_report_for_the_board_26";
    assertThat(name).hasSize(43);
    assertThat(ErrorReporter.redactSecrets("no such file: /d/" + name + ".sealed")).isEqualTo("no such file: /d/"
        + name + ".sealed");
    // a missing parameter without such a word keeps picocli's account
    CliRun plain = Cli.raw(Map.of(), "--json", "grants", "revoke").assertExit(2);
    assertThat(plain.jsonError()).containsEntry("reason", "USAGE");
  }

  /** Round U: `--home A inbox --home B` ran with B's profile, silently; at one level picocli refused it already. */
  @Test
  void twoDifferentHomesBeforeAndAfterTheCommandAreRefused() {
    for (String[] args : List.of(new String[] {"--json", "--home", "/tmp/a", "inbox", "--home", "/tmp/b"},
        new String[] {"--json", "--home", "/tmp/b", "inbox", "--home", "/tmp/a"})) {
      CliRun r = Cli.raw(Map.of(), args).assertExit(2);
      assertThat((String) r.jsonError().get("message")).startsWith("--home given twice, as ")
          .endsWith(": give it once, before or after the command");
    }
  }

  /** Round Q: `keys show -bob` and `seal -o -out.sd` got picocli's own words, with no way out named. */
  @Test
  void aDashedWordWhereAnOptionalNameOrAnOptionValueBelongsIsNamedWithTheWayToPassIt() {
    CliRun show = Cli.raw(Map.of(), "--json", "keys", "show", "-bob").assertExit(2);
    assertThat(show.jsonError()).containsEntry("reason", "UNKNOWN_OPTION")
        .containsEntry("message", "unknown option '-bob': `sealdrop keys show` has no such option");
    assertThat((String) show.jsonError().get("hint")).contains("`sealdrop keys show [OPTIONS] -- IDENTITY`");
    CliRun inbox = Cli.raw(Map.of(), "--json", "inbox", "-x").assertExit(2);
    assertThat(inbox.jsonError()).containsEntry("reason", "UNKNOWN_OPTION")
        .containsEntry("hint", "see `sealdrop inbox --help` for its options");

    // a near miss is named (round U: picocli called the file after it an option too)
    CliRun expire = Cli.raw(Map.of(), "--json", "send", "--expire", "72h", "clients.csv", "--to", "bob").assertExit(2);
    assertThat(expire.jsonError()).containsEntry("reason", "UNKNOWN_OPTION").containsEntry("message",
        "unknown option '--expire': `sealdrop send` has no such option (did you mean --expires?)");
    assertThat((String) expire.jsonError().get("hint")).as("a mistyped option, not FILE").doesNotContain("meant as");
    // round V: a slip for a required option was reported as the option missing, the word not named
    CliRun too = Cli.raw(Map.of(), "--json", "send", "clients.csv", "--too", "bob").assertExit(2);
    assertThat(too.jsonError()).containsEntry("reason", "UNKNOWN_OPTION").containsEntry("message",
        "unknown option '--too': `sealdrop send` has no such option, and its required --to is missing"
            + " (did you mean --to?)");
    CliRun seal = Cli.raw(Map.of(), "--json", "seal", "clients.csv", "--to", "bob", "-o", "-out.sd").assertExit(2);
    assertThat(seal.jsonError()).containsEntry("reason", "OPTION_VALUE_MISSING").containsEntry("message",
        "option --output of `sealdrop seal` has no value: the word after it, '-out.sd', starts with '-', so it is read"
            + " as an option");
    assertThat((String) seal.jsonError().get("hint")).startsWith("if '-out.sd' was meant as its value, write"
        + " `--output=-out.sd` (for a file, `./-out.sd` too)");
    // round CP: an option as the last word was picocli's "Missing required parameter for option '--to' (IDENTITY)",
    // reason USAGE, where the same option followed by another option's word was OPTION_VALUE_MISSING
    for (String[] args : new String[][] {{"--json", "send", "clients.csv", "--to"}, {"--json", "receive", "sdg_x", "-o"},
        {"--json", "audit", "verify", "audit.jsonl", "--key"}, {"--json", "admin", "audit", "tail", "-n"}}) {
      CliRun last = Cli.raw(Map.of(), args).assertExit(2);
      assertThat(last.jsonError()).as(String.join(" ", args)).containsEntry("reason", "OPTION_VALUE_MISSING");
      assertThat((String) last.jsonError().get("message")).as(String.join(" ", args)).endsWith(" has no value: nothing"
          + " follows it").doesNotContain("Missing required parameter");
    }
    // round CP: `admin audit tail -n abc` was picocli's "Invalid value for option '--lines': 'abc' is not an int"
    for (String n : new String[] {"abc", "", "1.5"}) {
      CliRun tail = Cli.raw(Map.of(), "--json", "admin", "audit", "tail", "-n", n).assertExit(2);
      assertThat(tail.jsonError()).as(n).containsEntry("reason", "BAD_COUNT");
      assertThat((String) tail.jsonError().get("message")).as(n).endsWith("; it must be 1..1000")
          .doesNotContain("Invalid value");
    }
    for (String n : new String[] {"99999999999", "1001", "0", "-1"}) {
      assertThat(Cli.raw(Map.of(), "--json", "admin", "audit", "tail", "-n", n).assertExit(2).jsonError()).as(n)
          .containsEntry("reason", "BAD_COUNT").containsEntry("message", "-n " + n + " is outside 1..1000");
    }
    CliRun to = Cli.raw(Map.of(), "--json", "send", "clients.csv", "--to").assertExit(2);
    assertThat(to.jsonError()).containsEntry("message", "option --to of `sealdrop send` has no value: nothing follows it")
        .containsEntry("hint", "give its IDENTITY after it (`--to IDENTITY`); see `sealdrop send --help`");
  }

  /**
   * No command takes the passphrase itself (the issue: "never a plain flag"). Someone who tries
   * {@code --passphrase SECRET} is told where it goes instead, and the refusal repeats the secret
   * nowhere: not on stderr, not in the JSON document, not in --verbose's stack trace.
   */
  @Test
  void aPassphraseOnTheCommandLineIsRefusedWithoutRepeatingIt() {
    String secret = "correct horse battery staple";
    for (String[] args : new String[][] {
        {"--json", "--verbose", "receive", "sdg_x", "--passphrase", secret},
        {"--json", "--verbose", "send", "x.csv", "--to", "bob", "--passphrase=" + secret},
        {"--json", "--verbose", "--passphrase", secret, "inbox"},
        // round X: other spellings were echoed in the unknown-option message
        {"--json", "--verbose", "inbox", "--password=" + secret},
        {"--json", "--verbose", "inbox", "--PASSPHRASE=" + secret},
        {"--json", "--verbose", "inbox", "-passphrase=" + secret},
        {"--json", "--verbose", "inbox", "--pw", secret},
        {"--json", "--verbose", "inbox", "---passphrase=" + secret},
        {"--json", "--verbose", "inbox", "--pass-phrase=" + secret},
        {"--json", "--verbose", "inbox", "-p", secret},
        // round AR: a short option's value attached, as getopt takes it
        {"--json", "--verbose", "send", "x.csv", "--to", "bob", "-pcorrect-horse"},
        {"--json", "--verbose", "inbox", "-Pcorrecthorse"},
        {"--json", "--verbose", "inbox", "-p-correcthorse"}}) {
      CliRun r = Cli.raw(Map.of(), args).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("reason", "PASSPHRASE_ON_COMMAND_LINE")
          .containsEntry("kind", "usage");
      assertThat((String) r.jsonError().get("hint")).contains("--passphrase-file").contains("SEALDROP_PASSPHRASE");
      assertThat(r.err()).startsWith("sealdrop: error: sealdrop takes no passphrase on the command line");
      assertThat(r.out() + r.err()).doesNotContain("horse");
    }
  }

  /**
   * An empty path ("$VAR" of an unset variable) is refused naming the option, never taken as the
   * current folder: `send ''` read as "is a folder", `-o ''` written into the current folder.
   */
  @Test
  void anEmptyPathIsRefusedNamingTheOptionNeverTakenAsTheCurrentFolder() {
    for (Map.Entry<String, String[]> c : List.of(
        Map.entry("FILE", new String[] {"send", "", "--to", "bob"}),
        Map.entry("--output", new String[] {"receive", "sdg_Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c", "-o", ""}),
        Map.entry("--output", new String[] {"seal", "clients.csv", "--to", "bob", "--output", " "}),
        Map.entry("--output", new String[] {"open", "clients.csv.sealed", "-o", ""}),
        Map.entry("--output", new String[] {"keys", "export", "-o", ""}),
        Map.entry("--cert", new String[] {"init", "--server", "localhost:1", "--cert", "", "--key", "k", "--ca", "c"}),
        Map.entry("--home", new String[] {"--home", "", "inbox"}),
        // round U: `receive "$TOKEN"` after a failed send said "not a grant token"
        Map.entry("TOKEN", new String[] {"receive", ""}),
        Map.entry("GRANT_ID", new String[] {"grants", "revoke", " "}),
        Map.entry("GRANT_ID", new String[] {"admin", "grants", "revoke", ""}))) {
      String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("--json"),
          java.util.Arrays.stream(c.getValue())).toArray(String[]::new);
      CliRun r = Cli.raw(Map.of(), args).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("reason", "EMPTY_ARGUMENT")
          .containsEntry("message", c.getKey() + " is empty (an unset shell variable?)");
      assertThat(r.err()).doesNotContain("folder");
    }
  }

  @Test
  void anExtraArgumentIsNamedWithWhatTheCommandTakesNotPicocliIndex() {
    // `seal FILE --to bob dave`: the issue writes `--to IDENTITY|BUNDLE_FILE ...`; say that --to is repeated
    CliRun seal = Cli.raw(Map.of(), "--json", "seal", "clients.csv", "--to", "bob", "dave", "-o", "x.sealed")
        .assertExit(2);
    assertThat(seal.jsonError()).containsEntry("reason", "USAGE")
        .containsEntry("message", "unexpected argument 'dave': `sealdrop seal` takes one FILE")
        .containsEntry("hint", "options take one value each: repeat the option for more (e.g. --to bob --to dave);"
            + " see `sealdrop seal --help`");
    CliRun receive = Cli.raw(Map.of(), "receive", "tok-a", "tok-b").assertExit(2);
    assertThat(receive.err()).contains("sealdrop: error: unexpected argument 'tok-b': `sealdrop receive` takes one TOKEN")
        .contains("sealdrop: hint: see `sealdrop receive --help`").doesNotContain("index");
    CliRun inbox = Cli.raw(Map.of(), "inbox", "bob").assertExit(2);
    assertThat(inbox.err()).contains("sealdrop: error: unexpected argument 'bob': `sealdrop inbox` takes no arguments");
    // round BK: `receive TOKEN DIR` is pointed at -o
    CliRun folder = Cli.raw(Map.of(), "--json", "receive", "tok-a", "downloads/").assertExit(2);
    assertThat(folder.jsonError()).containsEntry("hint", "if 'downloads/' is where the output goes, give it with -o"
        + " (`-o downloads/`); see `sealdrop receive --help`");
  }

  /** Round BK: a command's option before the command's name, and an option given twice at one level. */
  @Test
  void anOptionOfACommandBeforeItsNameAndAnOptionGivenTwiceAreToldSo() {
    CliRun early = Cli.raw(Map.of(), "--json", "--passphrase-file", "f", "open", "x.sealed", "-o", "y").assertExit(2);
    assertThat(early.jsonError()).containsEntry("reason", "UNKNOWN_OPTION")
        .containsEntry("hint", "give it after the command's name, e.g. `sealdrop open ... --passphrase-file ...`");
    assertThat((String) early.jsonError().get("message")).startsWith("unknown option '--passphrase-file': `sealdrop`"
        + " has no such option; it is an option of ").contains("sealdrop open");
    CliRun bogus = Cli.raw(Map.of(), "--json", "--bogus", "inbox").assertExit(2);
    assertThat(bogus.jsonError()).containsEntry("message", "unknown option '--bogus': `sealdrop` has no such option");
    for (String[] args : new String[][] {{"--json", "--home", "A", "--home", "B", "inbox"},
        {"--json", "inbox", "--home", "A", "--home=B"}}) {
      CliRun twice = Cli.raw(Map.of(), args).assertExit(2);
      assertThat(twice.jsonError()).as(String.join(" ", args)).containsEntry("reason", "USAGE")
          .containsEntry("message", "--home given twice, as A and B: give it once");
    }
    CliRun expires = Cli.raw(Map.of(), "--json", "send", "x", "--to", "bob", "--expires", "3h", "--expires", "4h")
        .assertExit(2);
    assertThat(expires.jsonError()).containsEntry("message", "--expires given twice, as 3h and 4h: give it once");
  }

  /** Round BK: `send FILE bob` said only that --to was missing, not what became of bob. */
  @Test
  void aRequiredOptionLeftOutBeforeItsValueIsNamedWithTheValue() {
    for (String command : new String[] {"send", "seal", "grant"}) {
      CliRun r = (command.equals("seal") ? Cli.raw(Map.of(), "--json", command, "clients.csv", "bob", "-o", "x.sealed")
          : Cli.raw(Map.of(), "--json", command, "clients.csv", "bob")).assertExit(2);
      assertThat(r.jsonError()).as(command).containsEntry("reason", "USAGE");
      assertThat((String) r.jsonError().get("message")).as(command).startsWith("`sealdrop " + command + "` needs --to ")
          .endsWith(", and takes no argument 'bob' (did you mean --to bob?)");
    }
    // a token in that place is not repeated
    String token = "sdg_" + "Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c";
    CliRun secret = Cli.raw(Map.of(), "--json", "send", "clients.csv", token).assertExit(2);
    assertThat(secret.err() + secret.out()).doesNotContain(token.substring(4, 20));
  }

  @Test
  void aTokenOrClaimIdWhereNoArgumentOrCommandBelongsIsNamedByItsKindNeverRepeated() {
    String token = "sdg_" + "Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c";
    String claim = "sdc_" + "A".repeat(43);
    for (List<String> args : List.of(List.of("receive", token, token), List.of("inbox", token),
        List.of(token), List.of("admin", claim), List.of("--verbose", "receive", token, claim))) {
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      assertThat(r.err() + r.out()).as(String.join(" ", args)).doesNotContain(token.substring(4, 20))
          .doesNotContain(claim.substring(4, 20)).containsAnyOf("a grant token", "a claim id");
    }
    assertThat(Cli.raw(Map.of(), "--json", token).assertExit(2).jsonError()).containsEntry("reason", "UNKNOWN_COMMAND")
        .containsEntry("hint", "a grant token goes after `sealdrop receive` (sealdrop receive TOKEN -o FOLDER); see"
            + " `sealdrop --help`");
    assertThat(Cli.raw(Map.of(), "--json", "inbox", token).assertExit(2).jsonError())
        .containsEntry("message", "unexpected argument: a grant token (not repeated here); `sealdrop inbox` takes no"
            + " arguments");
    // where a path belongs: the message names the path, with the secret in it redacted
    for (List<String> args : List.of(List.of("--json", "open", token, "-o", "x.txt"),
        List.of("--json", "audit", "verify", token), List.of("--json", "receive", token, "-o", token),
        List.of("--verbose", "open", token, "-o", "x.txt"))) {
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new));
      assertThat(r.err() + r.out()).as(String.join(" ", args)).doesNotContain(token.substring(4, 20))
          .contains("sdg_[redacted]");
    }
  }

  @Test
  void aSecondRecipientForSendOrGrantSaysAGrantIsForOneRecipientAndHowToReachSeveral() {
    // `seal` takes --to bob --to dave; a new user tries the same with send and got picocli's
    // "option '--to' (IDENTITY) should be specified only once" with nothing but the help as a hint
    CliRun send = Cli.raw(Map.of(), "--json", "send", "clients.csv", "--to", "bob", "--to", "dave").assertExit(2);
    assertThat(send.jsonError()).containsEntry("reason", "ONE_RECIPIENT")
        .containsEntry("message", "`sealdrop send` makes a grant for one recipient: give --to once");
    assertThat((String) send.jsonError().get("hint")).contains("once for each recipient")
        .contains("sealdrop seal FILE --to bob --to dave").contains("sealdrop grant FILE_ID --to NAME");
    assertThat(send.err()).doesNotContain("specified only once");
    CliRun grant = Cli.raw(Map.of(), "grant", "f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35", "--to", "bob", "--to", "dave")
        .assertExit(2);
    assertThat(grant.err()).contains("sealdrop: error: `sealdrop grant` makes a grant for one recipient: give --to once")
        .contains("sealdrop: hint: run `sealdrop grant FILE_ID --to NAME` once for each recipient");
    // the other way to say two recipients, `--to bob dave`, gets the same account (not "takes one FILE")
    CliRun words = Cli.raw(Map.of(), "--json", "send", "clients.csv", "--to", "bob", "dave").assertExit(2);
    assertThat(words.jsonError()).containsEntry("reason", "ONE_RECIPIENT");
    // another repeated option keeps picocli's account
    CliRun expires = Cli.raw(Map.of(), "--json", "send", "clients.csv", "--to", "bob", "--expires", "1h", "--expires",
        "2h").assertExit(2);
    assertThat(expires.jsonError()).containsEntry("reason", "USAGE");
  }

  @Test
  void aRepeatedGlobalFlagIsHarmless() {
    // a wrapper script that adds --json to a command line that already has it must not turn it into a usage error
    CliRun version = Cli.raw(Map.of(), "--json", "--json", "--verbose", "--verbose", "--version").assertExit(0);
    assertThat(version.json()).containsEntry("ok", true).containsKey("version");
    CliRun help = Cli.raw(Map.of(), "--json", "inbox", "--json", "--json", "--verbose", "--verbose", "--help")
        .assertExit(0);
    assertThat(help.json()).containsEntry("ok", true).containsKey("usage");
    assertThat(help.err()).isEmpty();
  }

  @Test
  void missingCommandIsAUsageError() {
    CliRun r = Cli.raw(Map.of()).assertExit(2);
    assertThat(r.err()).startsWith("sealdrop: error: missing a command");
  }

  @Test
  void usageErrorUnderJsonIsOneJsonErrorDocument() {
    CliRun r = Cli.raw(Map.of(), "--json", "send", "x.csv", "--to", "bob", "--expires", "soon").assertExit(2);
    Map<String, Object> e = r.jsonError();
    assertThat(e).containsEntry("exit_code", 2L).containsEntry("kind", "usage").containsKey("message");
    assertThat(r.err()).contains("sealdrop: error: ").contains("not a duration");
  }

  /**
   * --expires is refused while parsing, before any profile or file is looked at, with its own reason
   * and a message that says what is wrong (zero, negative, no unit, unknown unit, too long); --help
   * says exactly what it accepts, seconds included, for send and grant alike.
   */
  @Test
  void badExpiresIsItsOwnUsageErrorAndHelpSaysWhatIsAccepted() {
    for (String command : List.of("send", "grant")) {
      for (String[] bad : new String[][] {{"0s", "is zero"}, {"-1h", "is negative"}, {"72", "has no unit"},
          {"3y", "has an unknown unit 'y'"}, {"3651d", "is longer than 3650d"}, {"99999999d", "is longer than 3650d"},
          {"1h1h", "has the unit 'h' twice"}, {"30m1h", "has 'h' after 'm'"}}) {
        CliRun r = Cli.raw(Map.of(), "--json", command, "x", "--to", "bob", "--expires", bad[0]).assertExit(2);
        assertThat(r.jsonError()).as(command + " " + bad[0]).containsEntry("kind", "usage")
            .containsEntry("reason", "BAD_EXPIRES");
        assertThat((String) r.jsonError().get("message")).startsWith("--expires " + bad[0] + " " + bad[1]);
        assertThat((String) r.jsonError().get("hint")).contains("(s, m, h, d, w)").contains("from 1s to 3650d");
        assertThat(r.err()).startsWith("sealdrop: error: --expires " + bad[0] + " " + bad[1]);
      }
      for (String good : List.of("1s", "90s", "3650d")) {
        CliRun r = Cli.raw(Map.of(), "--home", "/nonexistent-sealdrop-home", "--json", command, "x", "--to", "bob", "--expires", good);
        assertThat(r.jsonError().get("reason")).as(command + " " + good).isNotEqualTo("BAD_EXPIRES");
      }
      String help = Cli.raw(Map.of(), command, "--help").assertExit(0).out().replaceAll("\\s+", " ");
      assertThat(help).contains("--expires=DURATION").contains("(s, m, h, d, w)").contains("90s")
          .contains("from 1s to 3650d").contains("grant-max-lifetime");
    }
  }

  /**
   * --downloads beyond an int, or no number at all, is BAD_DOWNLOADS saying what is wrong, as 0 and 101 are, not
   * picocli's "Invalid value for option '--downloads': '2147483648' is not an int" (USAGE); for send and grant alike,
   * while parsing, before any profile or file is looked at.
   */
  @Test
  void badDownloadsIsItsOwnUsageErrorForAnyValueOutsideOneToAHundred() {
    for (String command : List.of("send", "grant")) {
      for (String[] bad : new String[][] {{"2147483648", "--downloads must be 1..100, not 2147483648"},
          {"99999999999999999999", "--downloads must be 1..100, not 99999999999999999999"},
          {"-2147483649", "--downloads must be 1..100, not -2147483649"},
          {"abc", "--downloads abc is not a whole number; it must be 1..100"},
          {"1.5", "--downloads 1.5 is not a whole number; it must be 1..100"},
          {"", "--downloads is empty; it must be 1..100"},
          {"0", "--downloads must be 1..100, not 0"}, {"101", "--downloads must be 1..100, not 101"}}) {
        CliRun r = Cli.raw(Map.of(), "--json", command, "x", "--to", "bob", "--downloads", bad[0]).assertExit(2);
        assertThat(r.jsonError()).as(command + " " + bad[0]).containsEntry("kind", "usage")
            .containsEntry("reason", "BAD_DOWNLOADS").containsEntry("message", bad[1])
            .containsEntry("hint", "give how many times the recipient may download the file, a whole number from 1"
                + " to 100 (1, the default, makes a one-time grant)");
        assertThat(r.err()).startsWith("sealdrop: error: " + bad[1]).doesNotContain("is not an int");
      }
      for (String good : List.of("1", "100", "+7")) {
        CliRun r = Cli.raw(Map.of(), "--home", "/nonexistent-sealdrop-home", "--json", command, "x", "--to", "bob",
            "--downloads", good);
        assertThat(r.jsonError().get("reason")).as(command + " " + good).isNotEqualTo("BAD_DOWNLOADS");
      }
    }
  }

  @Test
  void usageErrorIsOneJsonErrorDocumentWhenJsonComesAfterTheBadValue() {
    // picocli stops at the first bad value, so a --json further right is never parsed by it
    for (List<String> args : List.of(
        List.of("send", "x.csv", "--to", "bob", "--expires", "72", "--json"),
        List.of("send", "x.csv", "--to", "bob", "--downloads", "abc", "--json"),
        List.of("help", "bogus", "--json"))) {
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("exit_code", 2L).containsEntry("kind", "usage");
    }
    // after the end-of-options marker "--json" is an argument, not the option
    CliRun plain = Cli.raw(Map.of(), "send", "--expires", "72", "--to", "bob", "--", "--json").assertExit(2);
    assertThat(plain.out()).isEmpty();
  }

  /** Round X: words after `--` are values, yet an extra one was "unknown option '--json' (did you mean --json?)". */
  @Test
  void anOptionAfterTheEndOfOptionsMarkerIsToldAsAValue() {
    CliRun extra = Cli.raw(Map.of(), "--json", "send", "a.txt", "--to", "bob", "--", "--json").assertExit(2);
    assertThat(extra.jsonError()).containsEntry("reason", "USAGE")
        .containsEntry("message", "unexpected argument '--json': `sealdrop send` takes one FILE");
    assertThat((String) extra.jsonError().get("hint")).startsWith("after `--` every word is a value, not an option");
    CliRun moved = Cli.raw(Map.of(), "--json", "send", "--", "a.txt", "--to", "bob").assertExit(2);
    assertThat(moved.jsonError()).containsEntry("reason", "USAGE")
        .containsEntry("message", "the required --to is missing: it came after `--`, where every word is a value");
    assertThat((String) moved.jsonError().get("hint")).contains("sealdrop send --to IDENTITY -- ...");
  }

  @Test
  void helpAndVersionUnderJsonAreOneJsonDocument() {
    CliRun help = Cli.raw(Map.of(), "--json", "send", "--help").assertExit(0);
    assertThat(help.json()).containsEntry("ok", true);
    assertThat((String) help.json().get("usage")).contains("Usage: sealdrop send").contains("Exit codes:");
    CliRun after = Cli.raw(Map.of(), "receive", "--help", "--json").assertExit(0);
    assertThat((String) after.json().get("usage")).contains("Usage: sealdrop receive");
    CliRun version = Cli.raw(Map.of(), "--version", "--json").assertExit(0);
    assertThat((String) version.json().get("version")).contains("sealdrop");
    // without --json, the text as before
    assertThat(Cli.raw(Map.of(), "send", "--help").assertExit(0).out()).startsWith("Usage: sealdrop send");
  }

  @ParameterizedTest
  @ValueSource(strings = {"init", "keys", "keys show", "seal", "open", "send", "inbox", "receive", "grants",
      "grants revoke", "files", "grant", "admin", "admin files purge", "audit verify"})
  void everyCommandsVersionOptionPrintsTheVersion(String command) {
    // each command's help lists "-V, --version  Print version information and exit."
    String top = Cli.raw(Map.of(), "--version").assertExit(0).out();
    assertThat(top).startsWith("sealdrop ");
    for (String option : List.of("--version", "-V")) {
      CliRun text = Cli.raw(Map.of(), (command + " " + option).split(" ")).assertExit(0);
      assertThat(text.out()).as("%s %s", command, option).isEqualTo(top);
      CliRun json = Cli.raw(Map.of(), (command + " " + option + " --json").split(" ")).assertExit(0);
      assertThat(json.json()).as("%s %s --json", command, option).containsEntry("ok", true)
          .containsEntry("version", top.strip());
    }
  }

  @Test
  void helpCommandUnderJsonIsTheSameDocumentAsHelpOption() {
    Map<String, Object> send = Cli.raw(Map.of(), "send", "--help", "--json").assertExit(0).json();
    assertThat(send).containsEntry("ok", true);
    for (List<String> args : List.of(List.of("help", "send", "--json"), List.of("--json", "help", "send"),
        List.of("help", "--json", "send"))) {
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(0);
      assertThat(r.json()).as(String.join(" ", args)).isEqualTo(send);
      assertThat(r.err()).isEmpty();
    }
    Map<String, Object> top = Cli.raw(Map.of(), "--help", "--json").assertExit(0).json();
    assertThat((String) top.get("usage")).startsWith("Usage: sealdrop [");
    assertThat(Cli.raw(Map.of(), "help", "--json").assertExit(0).json()).isEqualTo(top);
    assertThat(Cli.raw(Map.of(), "--json", "help").assertExit(0).json()).isEqualTo(top);
    // the help command's own help
    assertThat((String) Cli.raw(Map.of(), "help", "--help", "--json").assertExit(0).json().get("usage"))
        .contains("Usage: sealdrop help");
    // without --json, the text as before
    String text = Cli.raw(Map.of(), "send", "--help").assertExit(0).out();
    assertThat(Cli.raw(Map.of(), "help", "send").assertExit(0).out()).isEqualTo(text);
    // after the end-of-options marker "--json" is a word of the command path, not the option
    CliRun marker = Cli.raw(Map.of(), "help", "send", "--", "--json").assertExit(2);
    assertThat(marker.out()).isEmpty();
    assertThat(marker.err()).startsWith("sealdrop: error: unknown command 'send --json'");
  }

  @Test
  void helpTakesACommandPathAndPrintsThatCommandsUsage() {
    for (List<String> path : List.of(List.of("admin", "files", "purge"), List.of("keys", "add-ssh"),
        List.of("grants", "revoke"), List.of("admin", "identities"), List.of("admin"))) {
      String name = String.join(" ", path);
      List<String> help = new ArrayList<>(path);
      help.add("--help");
      String text = Cli.raw(Map.of(), help.toArray(String[]::new)).assertExit(0).out();
      assertThat(text).startsWith("Usage: sealdrop " + name + " ");
      help.add("--json");
      Map<String, Object> json = Cli.raw(Map.of(), help.toArray(String[]::new)).assertExit(0).json();
      List<String> cmd = new ArrayList<>(List.of("help"));
      cmd.addAll(path);
      assertThat(Cli.raw(Map.of(), cmd.toArray(String[]::new)).assertExit(0).out()).as("help %s", name)
          .isEqualTo(text);
      cmd.add("--json");
      CliRun r = Cli.raw(Map.of(), cmd.toArray(String[]::new)).assertExit(0);
      assertThat(r.json()).as("help %s --json", name).isEqualTo(json);
      assertThat(r.err()).isEmpty();
      cmd.add(0, "--json");
      cmd.remove(cmd.size() - 1);
      assertThat(Cli.raw(Map.of(), cmd.toArray(String[]::new)).assertExit(0).json()).as("--json help %s", name)
          .isEqualTo(json);
    }
  }

  @Test
  void helpForAnUnknownSubcommandIsAUsageErrorNamingTheWholePath() {
    Map<List<String>, String[]> cases = Map.of(
        List.of("admin", "nosuch"), new String[] {"admin nosuch", "sealdrop admin"},
        List.of("admin", "files", "nosuch"), new String[] {"admin files nosuch", "sealdrop admin files"},
        List.of("admin", "files", "purge", "nosuch"), new String[] {"admin files purge nosuch", "sealdrop admin files purge"},
        List.of("send", "extra"), new String[] {"send extra", "sealdrop send"},
        List.of("nosuch", "send"), new String[] {"nosuch", "sealdrop"});
    cases.forEach((path, expected) -> {
      List<String> args = new ArrayList<>(List.of("help"));
      args.addAll(path);
      CliRun plain = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      assertThat(plain.out()).isEmpty();
      assertThat(plain.err()).as(String.join(" ", args))
          .startsWith("sealdrop: error: unknown command '" + expected[0] + "'\n")
          .contains("sealdrop: hint: see `" + expected[1] + " --help`\n").doesNotContain("Exception");
      args.add("--json");
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("exit_code", 2L)
          .containsEntry("kind", "usage").containsEntry("reason", "UNKNOWN_COMMAND")
          .containsEntry("message", "unknown command '" + expected[0] + "'")
          .containsEntry("hint", "see `" + expected[1] + " --help`");
    });
  }

  @Test
  void anUnknownCommandWordIsTheSameErrorAsHelpForIt() {
    for (List<String> path : List.of(List.of("nosuch"), List.of("admin", "nosuch"), List.of("admin", "files", "nosuch"),
        List.of("grants", "nosuch"), List.of("keys", "nosuch"))) {
      String name = String.join(" ", path);
      List<String> args = new ArrayList<>(path);
      args.add("--json");
      List<String> help = new ArrayList<>(List.of("help"));
      help.addAll(args);
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      Map<String, Object> e = r.jsonError();
      assertThat(e).as(name).containsEntry("reason", "UNKNOWN_COMMAND")
          .containsEntry("message", "unknown command '" + name + "'")
          .isEqualTo(Cli.raw(Map.of(), help.toArray(String[]::new)).assertExit(2).jsonError());
      String parent = String.join(" ", path.subList(0, path.size() - 1));
      String hint = "see `sealdrop" + (parent.isEmpty() ? "" : " " + parent) + " --help`";
      assertThat(e).containsEntry("hint", hint);
      assertThat(r.err()).isEqualTo("sealdrop: error: unknown command '" + name + "'\nsealdrop: hint: " + hint + "\n");
    }
    // also before the global options, and without --json
    CliRun plain = Cli.raw(Map.of(), "--home", "/nonexistent", "nosuch").assertExit(2);
    assertThat(plain.out()).isEmpty();
    assertThat(plain.err()).isEqualTo("sealdrop: error: unknown command 'nosuch'\nsealdrop: hint: see `sealdrop --help`\n");
    // an unknown option is named as one, not as a command
    assertThat(Cli.raw(Map.of(), "--bogus", "--json").assertExit(2).jsonError()).containsEntry("reason",
        "UNKNOWN_OPTION").containsEntry("message", "unknown option '--bogus': `sealdrop` has no such option");
  }

  /**
   * Round CA: a required option left out was picocli's "Missing required option: '--output=OUT'", and the hint of
   * `grant`'s NOT_SEALED_FOR_RECIPIENT led straight into it. Now: what the command needs, what it is, and the
   * command's own example that gives it.
   */
  @Test
  void aMissingRequiredOptionIsNamedWithWhatItIsForAndAnExample() {
    CliRun seal = Cli.raw(Map.of(), "seal", "x.csv", "--to", "bob", "--json").assertExit(2);
    assertThat(seal.jsonError()).containsEntry("reason", "USAGE")
        .containsEntry("message", "`sealdrop seal` needs --output OUT (-o): Where to write the sealed file")
        .containsEntry("hint", "e.g. `sealdrop seal clients.csv --to bob --to dave -o clients.csv.sealed`; see"
            + " `sealdrop seal --help`");
    assertThat(Cli.raw(Map.of(), "admin", "identities", "add", "frank").assertExit(2).err())
        .startsWith("sealdrop: error: `sealdrop admin identities add` needs --role ROLE: ")
        .contains("sealdrop: hint: e.g. `sealdrop admin identities add erin --role acquirer`")
        .doesNotContain("Missing required");
    assertThat(Cli.raw(Map.of(), "init", "--server", "h:1").assertExit(2).err())
        .startsWith("sealdrop: error: `sealdrop init` needs 3 options: --cert FILE, --key FILE and --ca FILE\n")
        .as("an example over several lines, after a global option").contains("sealdrop: hint: e.g. `sealdrop --home"
            + " ~/.sealdrop-alice init --server localhost:8443 --cert certs-dev/out/alice.crt --key"
            + " certs-dev/out/alice.key --ca certs-dev/out/ca.crt`");
    // review CD: an option given without its value is not "needed", and one not required never is
    assertThat(Cli.raw(Map.of(), "seal", "x.csv", "--to", "bob", "-o").assertExit(2).err())
        .startsWith("sealdrop: error: option --output of `sealdrop seal` has no value: nothing follows it\n");
    assertThat(Cli.raw(Map.of(), "open", "x.sealed", "-o", "out", "--passphrase-file").assertExit(2).err())
        .doesNotContain("needs");
    // a parameter left out too (it was picocli's "Missing required parameter: 'FILE.pub'")
    String addSsh = Cli.raw(Map.of(), "keys", "add-ssh").assertExit(2).err();
    assertThat(addSsh).startsWith("sealdrop: error: `sealdrop keys add-ssh` needs FILE.pub: ")
        .contains("see `sealdrop keys add-ssh --help`").doesNotContain("Missing required");
    assertThat(Cli.raw(Map.of(), "receive").assertExit(2).err()).as("an example without a token to redact")
        .contains("sealdrop: hint: e.g. `sealdrop receive \"$TOKEN\" --from alice --fingerprint \"$FP\" --json`")
        .doesNotContain("redacted");
    assertThat(Cli.raw(Map.of(), "audit", "verify").assertExit(2).err()).as("\"e.g.\" ends no sentence")
        .startsWith("sealdrop: error: `sealdrop audit verify` needs FILE: The export (JSON Lines), e.g. from `sealdrop"
            + " admin audit export`\n");
    assertThat(Cli.raw(Map.of(), "--json", "grants", "revoke").assertExit(2).jsonError())
        .containsEntry("reason", "USAGE").hasEntrySatisfying("message", m -> assertThat((String) m)
            .startsWith("`sealdrop grants revoke` needs GRANT_ID"));
  }

  /** Round CA: a mistyped option got "did you mean", a mistyped command none. */
  @Test
  void aMistypedCommandGetsItsNearMisses() {
    assertThat(Cli.raw(Map.of(), "recieve", "sdg_x", "--json").assertExit(2).jsonError()).containsEntry("reason",
        "UNKNOWN_COMMAND").containsEntry("message", "unknown command 'recieve' (did you mean receive?)");
    assertThat(Cli.raw(Map.of(), "admin", "identites", "list").assertExit(2).err())
        .startsWith("sealdrop: error: unknown command 'admin identites' (did you mean identities?)\n");
    assertThat(Cli.raw(Map.of(), "sned", "x.csv", "--to", "bob").assertExit(2).err())
        .startsWith("sealdrop: error: unknown command 'sned' (did you mean send?)\n");
    // round CN: as `admin grants list` is spelled
    assertThat(Cli.raw(Map.of(), "grants", "list").assertExit(2).err())
        .startsWith("sealdrop: error: unknown command 'grants list' (`sealdrop grants` alone lists them)\n");
    // round CS: a command after `--` was "unknown command 'inbox' (did you mean inbox?)"
    assertThat(Cli.raw(Map.of(), "--json", "--", "inbox").assertExit(2).jsonError())
        .containsEntry("reason", "UNKNOWN_COMMAND")
        .containsEntry("message", "'inbox' came after `--`, where every word is a value, not a command")
        .hasEntrySatisfying("hint", h -> assertThat((String) h).startsWith("give the command before `--` (`sealdrop"
            + " inbox ...`)"));
    assertThat(Cli.raw(Map.of(), "admin", "--", "identities", "list").assertExit(2).err())
        .startsWith("sealdrop: error: 'identities' came after `--`").doesNotContain("did you mean");
  }

  /**
   * Round CY: `files list` got only "see sealdrop files --help" where `grants list` was told that `grants` alone lists
   * them; `inbox list` was "unexpected argument". And `files list --help` printed the help of `files` (exit 0) where
   * `help files list` is UNKNOWN_COMMAND (exit 2): docs/cli.md says the two are the same.
   */
  @Test
  void listGivenToACommandThatListsAlonePointsAtItAndBeforeHelpIsRefusedAsHelpRefusesIt() {
    for (String command : List.of("files", "inbox", "grants")) {
      for (String[] args : new String[][] {{command, "list"}, {command, "ls"}, {command, "list", "--help"},
          {"help", command, "list"}, {command, "--help", "list"}}) {
        CliRun r = Cli.raw(Map.of(), args).assertExit(2);
        assertThat(r.out()).as(String.join(" ", args)).isEmpty();
        assertThat(r.err()).as(String.join(" ", args)).startsWith("sealdrop: error: unknown command '" + command + " "
            + args[args[0].equals("help") ? 2 : args[1].equals("--help") ? 2 : 1] + "' (`sealdrop " + command
            + "` alone lists them)\n");
        CliRun json = Cli.raw(Map.of(), java.util.stream.Stream.concat(java.util.stream.Stream.of("--json"),
            java.util.Arrays.stream(args)).toArray(String[]::new)).assertExit(2);
        assertThat(json.jsonError()).as(String.join(" ", args)).containsEntry("reason", "UNKNOWN_COMMAND")
            .containsEntry("hint", "see `sealdrop " + command + " --help`");
      }
    }
    // any word that is no command before --help, as `help` refuses it; the word is the unknown one, not the help
    CliRun admin = Cli.raw(Map.of(), "--json", "admin", "grants", "lst", "--help").assertExit(2);
    assertThat(admin.jsonError()).containsEntry("reason", "UNKNOWN_COMMAND")
        .containsEntry("message", "unknown command 'admin grants lst' (did you mean list?)");
    assertThat(Cli.raw(Map.of(), "nosuch", "--help").assertExit(2).err())
        .startsWith("sealdrop: error: unknown command 'nosuch'");
    // a word after an unknown option may be its value, a passphrase given on the command line: never repeated
    for (String command : List.of("inbox", "files", "admin")) {
      CliRun secret = Cli.raw(Map.of(), "--json", command, "--passphrase", "hunter2 horse", "--help");
      assertThat(secret.out() + secret.err()).as(command).doesNotContain("hunter2");
    }
    // the commands themselves still take --help, and other words stay what they were
    assertThat(Cli.raw(Map.of(), "files", "--help").assertExit(0).out()).contains("sealdrop files");
    assertThat(Cli.raw(Map.of(), "files", "delete", "--help").assertExit(0).out()).contains("sealdrop files delete");
    assertThat(Cli.raw(Map.of(), "--json", "inbox", "bob").assertExit(2).jsonError()).containsEntry("reason", "USAGE");
  }

  @Test
  void everyUsageErrorJsonDocumentCarriesTheHintStderrPrints() {
    for (List<String> args : List.of(List.of("--json"), List.of("admin", "--json"), List.of("send", "--bogus", "--json"),
        List.of("send", "x.csv", "extra", "--to", "bob", "--json"),
        List.of("send", "x.csv", "--to", "bob", "--expires", "soon", "--json"), List.of("nosuch", "--json"),
        List.of("help", "nosuch", "--json"), List.of("help", "--bogus", "--json"))) {
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      Map<String, Object> e = r.jsonError();
      assertThat(e).as(String.join(" ", args)).containsEntry("kind", "usage").containsKey("hint");
      assertThat(r.err()).as(String.join(" ", args)).contains("sealdrop: hint: " + e.get("hint") + "\n");
      assertThat(r.err().split("sealdrop: hint: ", -1)).as("one hint: %s", r.err()).hasSize(2);
    }
  }

  @Test
  void helpForAnUnknownCommandIsAUsageErrorWithItsOwnReason() {
    for (List<String> args : List.of(List.of("help", "bogus", "--json"), List.of("--json", "help", "bogus"))) {
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("exit_code", 2L)
          .containsEntry("kind", "usage").containsEntry("reason", "UNKNOWN_COMMAND")
          .containsEntry("message", "unknown command 'bogus'").containsKey("hint");
      assertThat(r.err()).startsWith("sealdrop: error: unknown command 'bogus'")
          .contains("sealdrop: hint: see `sealdrop --help`");
    }
    CliRun plain = Cli.raw(Map.of(), "help", "bogus").assertExit(2);
    assertThat(plain.out()).isEmpty();
    assertThat(plain.err()).startsWith("sealdrop: error: unknown command 'bogus'").doesNotContain("Exception");
  }

  @Test
  void noPassphraseOptionExistsAnywhere() {
    for (List<String> cmd : List.of(List.of("init"), List.of("seal"), List.of("open"), List.of("send"),
        List.of("receive"))) {
      String help = Cli.raw(Map.of(), cmd.get(0), "--help").out();
      assertThat(help).contains("--passphrase-file").doesNotContainPattern("--passphrase[ =]");
    }
  }

  @Test
  void missingProfileSaysHowToCreateOne(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    CliRun r = Cli.raw(Map.of(), "--home", tmp.resolve("none").toString(), "--json", "inbox").assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "NO_PROFILE");
    assertThat(r.err()).contains("sealdrop: hint: create one with `sealdrop init");
  }

  @Test
  void everyCommandThatNeedsAProfileSaysNoProfileNotAKeyStoreProblem(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    // keys publish / export read our own bundle first: without a profile that was exit 7, NO_BUNDLE
    String none = tmp.resolve("none").toString();
    for (List<String> cmd : List.of(List.of("keys", "publish"), List.of("keys", "show"),
        List.of("keys", "export", "-o", tmp.resolve("me.skb").toString()), List.of("keys", "list-ssh"))) {
      List<String> args = new ArrayList<>(List.of("--home", none, "--json"));
      args.addAll(cmd);
      CliRun r = Cli.raw(Map.of(), args.toArray(String[]::new)).assertExit(2);
      assertThat(r.jsonError()).as(cmd.toString()).containsEntry("reason", "NO_PROFILE");
    }
  }

  @Test
  void aTokenThatIsNotOneIsRefusedBeforeAnyPassphraseProfileOrServer() {
    // no profile and no passphrase source here: a token check that came later would fail on those first
    for (String bad : List.of("notatoken", "sdg_short", "sdg_" + "A".repeat(42) + "!", "g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67",
        "sdc_" + "A".repeat(43), "sdg_" + "A".repeat(44))) {
      CliRun r = Cli.raw(Map.of(), "--json", "receive", bad).assertExit(2);
      assertThat(r.jsonError()).as(bad).containsEntry("reason", "BAD_TOKEN");
      assertThat((String) r.jsonError().get("message")).as(bad).contains("`sdg_` followed by 43");
    }
    // what the word is, where it has the shape of another sealdrop identifier
    assertThat((String) Cli.raw(Map.of(), "--json", "receive", "g_7c1e0b9a4f2d48e6a3b5c90d12ef4a67").assertExit(2)
        .jsonError().get("message")).startsWith("that is a grant id, not its token: ");
    assertThat((String) Cli.raw(Map.of(), "--json", "receive", "sdc_" + "A".repeat(43)).assertExit(2)
        .jsonError().get("message")).startsWith("that is a claim id, not a grant token").doesNotContain("AAAA");
    // surrounding blanks, as a paste may bring, are not part of it: this one gets past the check (to NO_PROFILE)
    assertThat(Cli.raw(Map.of(), "--json", "receive", " sdg_" + "A".repeat(43) + "\n").assertExit(2).jsonError())
        .containsEntry("reason", "NO_PROFILE");
  }

  /** The server's formats: Ids.next ("g_"/"f_" + 32 lowercase hex) and Secrets.next ("sdg_" + 43 base64url). */
  private static final Pattern REAL_ID = Pattern.compile("(g_|f_)[0-9a-f]{32}|sdg_[A-Za-z0-9_-]{43}");
  /** Anything that looks like an id or a token in an example: a prefix, a UUID, a ULID. */
  private static final Pattern ID_LIKE = Pattern.compile(
      "\\b(?:sd[a-z0-9]*_|g_|f_)[^\\s'\"]*|\\b[0-9a-f]{8}-[0-9a-f.-]*|\\b01[0-9A-HJKMNP-TV-Z]{3,}[^\\s]*");
  @Test
  void everyExampleUsesRealIdFormatsAndIsPrintedUnwrapped() {
    List<String> checked = new ArrayList<>();
    for (CommandLine c : allCommands(Sealdrop.commandLine(CliEnvironment.forTest(Map.of(), Path.of("."))))) {
      String name = c.getCommandSpec().qualifiedName(" ");
      c.setUsageHelpWidth(80);
      List<String> usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF).lines().toList();
      for (String line : c.getCommandSpec().usageMessage().footer()) {
        assertThat(usage).as("footer line of '%s' printed whole at 80 columns", name).contains(line);
        Matcher m = ID_LIKE.matcher(line);
        while (m.find()) {
          assertThat(m.group()).as("id in an example of '%s': %s", name, line).matches(REAL_ID);
          checked.add(m.group());
        }
      }
    }
    // the examples that name ids: grant, grants, grants revoke, admin grants (revoke), admin files (purge)
    assertThat(checked).hasSizeGreaterThanOrEqualTo(7);
  }

  @Test
  void everyCommandsSummaryIsAWholeSentence() {
    // the first description line is all a parent's "Commands:" list shows of a command
    for (CommandLine c : allCommands(Sealdrop.commandLine(CliEnvironment.forTest(Map.of(), Path.of("."))))) {
      String[] description = c.getCommandSpec().usageMessage().description();
      if (description.length > 0) {
        assertThat(description[0]).as("summary of '%s'", c.getCommandSpec().qualifiedName(" ")).endsWith(".");
      }
    }
  }

  @Test
  void aCommandLineNamingOneCommandGetsThatCommandsModelAloneAndTheSameOneAsTheWholeTree() {
    CliEnvironment env = CliEnvironment.forTest(Map.of(), Path.of("."));
    CommandLine whole = Sealdrop.commandLine(env);
    List<String> names = whole.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
    assertThat(names).contains("send", "receive", "admin", "audit").hasSize(TopCommands.ALL.size() - 1);
    for (String name : names) {
      // global options before the command, --home's value looking like a command
      for (String[] args : List.of(new String[] {name, "x"}, new String[] {"--json", "--home", "inbox", name},
          new String[] {"--verbose", "--home=send", name, "--help"})) {
        CommandLine one = Sealdrop.commandLine(env, args);
        assertThat(one.getSubcommands().keySet()).as("commands built for %s", List.of(args)).containsExactly(name);
        List<CommandLine> alone = allCommands(one.getSubcommands().get(name));
        List<CommandLine> inWhole = allCommands(whole.getSubcommands().get(name));
        assertThat(alone).hasSameSizeAs(inWhole);
        for (int i = 0; i < alone.size(); i++) {
          assertThat(alone.get(i).getUsageMessage(CommandLine.Help.Ansi.OFF)).as("usage of %s built alone",
              alone.get(i).getCommandSpec().qualifiedName(" "))
              .isEqualTo(inWhole.get(i).getUsageMessage(CommandLine.Help.Ansi.OFF));
        }
      }
    }
    // no command named, help, or a word that is no command: every command (help lists them, errors suggest one)
    // --version alone: the root's model only, and the same version text
    for (String[] args : List.of(new String[] {"--version"}, new String[] {"--json", "-V", "--home", "x"})) {
      CommandLine root = Sealdrop.commandLine(env, args);
      assertThat(root.getSubcommands()).as("commands built for %s", List.of(args)).isEmpty();
      assertThat(root.getCommandSpec().versionProvider()).isNotNull();
    }
    assertThat(Cli.raw(Map.of(), "--version").assertExit(0).out()).isEqualTo(versionOfTheWholeTree());
    for (String[] args : List.of(new String[0], new String[] {"--version", "send"}, new String[] {"--help", "send"},
        new String[] {"help", "send"}, new String[] {"sned"}, new String[] {"--home"}, new String[] {"--nosuch", "send"})) {
      assertThat(Sealdrop.commandLine(env, args).getSubcommands().keySet()).as("commands built for %s", List.of(args))
          .containsExactlyElementsOf(whole.getSubcommands().keySet());
    }
  }

  private static String versionOfTheWholeTree() {
    CommandLine whole = Sealdrop.commandLine(CliEnvironment.forTest(Map.of(), Path.of(".")));
    java.io.StringWriter out = new java.io.StringWriter();
    whole.setOut(new java.io.PrintWriter(out, true));
    assertThat(whole.execute("--version")).isZero();
    return out.toString();
  }

  private static List<CommandLine> allCommands(CommandLine root) {
    List<CommandLine> all = new ArrayList<>(List.of(root));
    for (CommandLine sub : root.getSubcommands().values()) {
      if (sub.getCommandSpec().parent() == root.getCommandSpec()) {
        all.addAll(allCommands(sub));
      }
    }
    return all;
  }
}
