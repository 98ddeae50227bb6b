package dev.sealdrop.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.certsdev.CertSpec;
import dev.sealdrop.certsdev.DevPki;
import dev.sealdrop.certsdev.IssuedCert;
import dev.sealdrop.server.SealdropServer;
import dev.sealdrop.server.config.ServerConfig;
import dev.sealdrop.server.core.identity.Role;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sealdrop files} and {@code sealdrop grant FILE_ID} against a real server: alice and
 * erin (a second seller, registered for this test) are transferors, bob and dave acquirers.
 */
class FilesAndGrantCommandTest {
  @TempDir
  static Path root;
  static SealdropServer server;
  static Cli alice;
  static Cli bob;
  static Cli erin;
  static Cli carol;
  static Path csv;

  @BeforeAll
  static void start() throws Exception {
    Path certs = root.resolve("certs");
    DevPki pki = DevPki.loadOrCreate(certs);
    IssuedCert erinCert = pki.issue(CertSpec.client("erin"));
    ServerConfig dev = ServerConfig.development(root.resolve("data"), certs);
    Map<String, Role> roles = new LinkedHashMap<>(dev.identities().registered());
    roles.put("erin", Role.TRANSFEROR);
    server = SealdropServer.start(dev.withIdentities(new ServerConfig.Identities(roles, Optional.empty())));
    String address = "127.0.0.1:" + server.port();
    alice = Users.init(pki, root, "alice", address);
    bob = Users.init(pki, root, "bob", address);
    erin = Users.user(root, "erin");
    erin.run("init", "--server", address, "--cert", erinCert.certFile().toString(), "--key",
        erinCert.keyFile().toString(), "--ca", pki.caCertFile().toString()).assertExit(0);
    Cli dave = Users.init(pki, root, "dave", address);
    carol = Users.initWithAdmin(pki, root, "carol", server);
    for (Cli c : List.of(alice, bob, erin, dave)) {
      c.run("keys", "publish").assertExit(0);
    }
    csv = Files.writeString(root.resolve("deal.csv"), "customer,revenue\nACME,1000000\n".repeat(500),
        StandardCharsets.UTF_8);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** {@code from} sends the CSV to {@code to}; returns the uploaded file's id. */
  private static String sendAndFileId(Cli from, String to) {
    CliRun sent = from.run("--json", "send", csv.toString(), "--to", to).assertExit(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> grant = (Map<String, Object>) sent.json().get("grant");
    return (String) grant.get("file_id");
  }

  private static List<Object> fileIds(Cli who) {
    return who.run("--json", "files").assertExit(0).jsonList("files").stream().map(f -> f.get("file_id")).toList();
  }

  /**
   * Terms the server's grant would refuse are refused when the upload is created, before any byte is sent (round CN:
   * {@code send --downloads 11} uploaded the whole file first); the re-run with terms it accepts uploads afresh.
   */
  @Test
  void aGrantOfTermsTheServerRefusesIsRefusedBeforeTheUploadAndNothingIsKept() throws Exception {
    Path file = Files.writeString(root.resolve("limits.csv"), "customer\nINITECH\n".repeat(300), StandardCharsets.UTF_8);
    int before = fileIds(erin).size();
    // the dev server allows at most 10 downloads per grant and a lifetime of at most 30 days; the CLI cannot know that
    for (String[] terms : new String[][] {{"--downloads", "20"}, {"--expires", "60d"}}) {
      CliRun refused = erin.run("--json", "send", file.toString(), "--to", "bob", terms[0], terms[1]).assertExit(2);
      assertThat(refused.jsonError()).as(terms[0]).containsEntry("kind", "usage")
          .containsEntry("reason", "INVALID_REQUEST");
      assertThat((String) refused.jsonError().get("message")).as(terms[0])
          .contains(terms[0].equals("--downloads") ? "a grant allows 1 to 10 downloads on this server; asked for 20"
              : "a grant lives 1s to 30d (2592000 s) on this server; asked for 60d");
      assertThat((String) refused.jsonError().get("hint")).as(terms[0]).startsWith("nothing was uploaded")
          .contains("terms the server accepts");
      assertThat(fileIds(erin)).as(terms[0]).hasSize(before);
      assertThat(list(erin.home().resolve("state").resolve("uploads"))).as("no state kept").isEmpty();
    }

    CliRun again = erin.run("--json", "send", file.toString(), "--to", "bob", "--downloads", "2").assertExit(0);
    assertThat(again.err()).doesNotContain("already uploaded");
    assertThat(fileIds(erin)).hasSize(before + 1);
  }

  /** Round CP: `grant` of terms past the server's limits was told to "check the arguments; see `sealdrop help`". */
  @Test
  void aGrantOfTermsPastTheServersLimitsSaysNothingWasGrantedAndWhatToChange() {
    String fileId = sendAndFileId(erin, "bob");
    CliRun refused = erin.run("--json", "grant", fileId, "--to", "bob", "--downloads", "20").assertExit(2);
    assertThat((String) refused.jsonError().get("message"))
        .contains("a grant allows 1 to 10 downloads on this server; asked for 20");
    assertThat((String) refused.jsonError().get("hint")).startsWith("nothing was granted")
        .contains("--downloads").doesNotContain("sealdrop help");
  }

  /** Round CP: a sender could not delete a file of their own; only an admin's purge or retention removed one. */
  @Test
  void aSenderDeletesTheirOwnFileAndItsGrantsAndNobodyElseCan() {
    CliRun sent = erin.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
    Map<String, Object> grant = sent.object("grant");
    String fileId = (String) grant.get("file_id");
    String token = (String) sent.json().get("token");
    CliRun notHers = alice.run("--json", "files", "delete", fileId).assertExit(2);
    assertThat(notHers.jsonError()).containsEntry("reason", "NOT_FOUND");
    assertThat((String) notHers.jsonError().get("hint")).contains("sealdrop files").contains("nothing was deleted");
    CliRun grantId = erin.run("--json", "files", "delete", (String) grant.get("grant_id")).assertExit(2);
    assertThat(grantId.jsonError()).containsEntry("reason", "BAD_FILE_ID");
    // round CX: it named `sealdrop revoke`, which is no command
    assertThat((String) grantId.jsonError().get("hint")).contains("`sealdrop grants revoke GRANT_ID`");
    assertThat(fileIds(erin)).as("`files` alone still lists").contains(fileId);

    CliRun deleted = erin.run("files", "delete", fileId).assertExit(0);
    assertThat(deleted.out()).isEqualTo("Deleted file " + fileId + "; grants deleted: 1; downloads cut: 0\n");
    assertThat(fileIds(erin)).doesNotContain(fileId);
    CliRun receive = bob.run("--json", "receive", token, "-o", root.toString()).assertExit(4);
    assertThat(receive.jsonError()).containsEntry("reason", "FILE_PURGED");
    assertThat((String) receive.jsonError().get("message")).contains("deleted from the server by its sender")
        .doesNotContain("admin");
    CliRun again = erin.run("--json", "files", "delete", fileId).assertExit(2);
    assertThat(again.jsonError()).containsEntry("reason", "NOT_FOUND");
  }

  /** Round CP: the human `grants` table had no file column, so a sender could not tell which grant was for which file. */
  @Test
  void theGrantsTableNamesTheFileOfEachGrant() {
    CliRun sent = erin.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
    Map<String, Object> grant = sent.object("grant");
    String out = erin.run("grants").assertExit(0).out();
    assertThat(out.lines().findFirst().orElseThrow()).containsPattern("^GRANT +FILE +TO +STATE +SIZE +USED +EXPIRES$");
    assertThat(out.lines()).anyMatch(l -> l.startsWith(grant.get("grant_id") + "  " + grant.get("file_id") + "  bob "));
    assertThat(bob.run("inbox").assertExit(0).out().lines().findFirst().orElseThrow())
        .containsPattern("^GRANT +FROM +STATE +SIZE +USED +EXPIRES$");
  }

  private static List<Path> list(Path dir) throws java.io.IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  /** An acquirer's grant is refused in the words of what was asked, not of the listing the command starts with. */
  @Test
  void anAcquirersGrantIsRefusedAsAGrantNotAsAListing() {
    CliRun r = bob.run("--json", "grant", "f_" + "0".repeat(32), "--to", "alice").assertExit(6);
    assertThat(r.jsonError()).containsEntry("reason", "ROLE_FORBIDDEN");
    assertThat(r.err()).contains("only a transferor may grant files").doesNotContain("list uploaded files");
  }

  /**
   * Round CY: a transferor's `receive TOKEN` was refused ROLE_FORBIDDEN, as it should be, but left its redeem key in
   * state/downloads for 30 days; an admin's too. The role is the identity's: no claim of it can exist for the key.
   */
  @Test
  void aTransferorsOrAnAdminsReceiveIsRefusedAndKeepsNoRedeemKey() throws Exception {
    String token = (String) erin.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0).json().get("token");
    for (Cli who : List.of(alice, carol)) {
      Path downloads = who.home().resolve("state").resolve("downloads");
      List<Path> before = list(downloads);
      CliRun r = who.run("--json", "receive", token, "-o", root.toString()).assertExit(6);
      assertThat(r.jsonError()).as(who.home().toString()).containsEntry("reason", "ROLE_FORBIDDEN");
      assertThat(list(downloads)).as(who.home() + ": nothing kept of this receive").isEqualTo(before);
    }
    // the grant was not touched: its recipient receives it
    Path received = Files.createDirectories(root.resolve("received-after-role-refusals"));
    bob.run("--json", "receive", token, "-o", received.toString()).assertExit(0);
    assertThat(received.resolve("deal.csv")).hasSameBinaryContentAs(csv);
  }

  /**
   * Round CY: an admin who ran `sealdrop grants` or `inbox` was told to use the profile of an identity with that role,
   * or to ask an admin: she is one, and her admin commands list every grant and file.
   */
  @Test
  void anAdminWhoListsGrantsOrAnInboxIsPointedAtTheAdminCommandsThatDo() {
    Map<String, String> instead = Map.of("grants", "`sealdrop admin grants list`",
        "inbox", "`sealdrop admin grants list --recipient NAME`", "files", "`sealdrop admin files list`");
    for (Map.Entry<String, String> c : instead.entrySet()) {
      CliRun r = carol.run("--json", c.getKey()).assertExit(6);
      assertThat(r.jsonError()).as(c.getKey()).containsEntry("reason", "ROLE_FORBIDDEN");
      assertThat((String) r.jsonError().get("message")).as(c.getKey()).endsWith("'carol' is an admin");
      assertThat((String) r.jsonError().get("hint")).as(c.getKey()).startsWith("as an admin, " + c.getValue())
          .doesNotContain("ask an admin");
    }
    // a grant is nothing an admin's command does: not pointed at the file listing its first step asks for
    CliRun grant = carol.run("--json", "grant", "f_" + "3".repeat(32), "--to", "bob").assertExit(6);
    assertThat((String) grant.jsonError().get("message")).contains("only a transferor may grant files");
    assertThat((String) grant.jsonError().get("hint")).contains("`sealdrop admin --help`")
        .doesNotContain("admin files list");
    // anyone else is still pointed at a profile of the role needed
    assertThat((String) bob.run("--json", "grants").assertExit(6).jsonError().get("hint"))
        .contains("use the profile of an identity that has that role");
  }

  /** A recipient that is no identity name is refused before the server is asked (outside test: `--to -bob`). */
  @Test
  void aRecipientThatIsNotAnIdentityNameIsRefusedBeforeTheServerIsAsked() {
    for (String bad : new String[] {"-bob", "bo b", "bob/x"}) {
      CliRun send = alice.run("--json", "send", csv.toString(), "--to", bad).assertExit(2);
      assertThat(send.jsonError()).as(bad).containsEntry("reason", "BAD_IDENTITY")
          .containsEntry("message", "--to '" + bad + "' is not an identity name: 1 to 64 letters, digits, '.', '_',"
              + " '@' or '-', starting with a letter or digit");
      assertThat(alice.run("--json", "grant", "f_" + "2".repeat(32), "--to", bad).assertExit(2).jsonError())
          .containsEntry("reason", "BAD_IDENTITY");
      if (!bad.startsWith("-")) { // (a word that starts with '-' is an option there: UNKNOWN_OPTION)
        assertThat(alice.run("--json", "keys", "show", bad).assertExit(2).jsonError()).as("keys show " + bad)
            .containsEntry("reason", "BAD_IDENTITY");
      }
    }
    // a grant token where a name goes (round BO: it reached the server as an identity name): refused, not repeated
    String token = "sdg_" + "T0k3n-".repeat(7) + "x";
    for (String[] args : new String[][] {{"send", csv.toString(), "--to", token}, {"keys", "show", token},
        {"grant", "f_" + "2".repeat(32), "--to", token}}) {
      CliRun r = alice.run(java.util.stream.Stream.concat(java.util.stream.Stream.of("--json"),
          java.util.Arrays.stream(args)).toArray(String[]::new)).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("reason", "BAD_IDENTITY");
      assertThat(r.out() + r.err()).doesNotContain(token).contains("a grant token (not repeated here)");
    }
  }

  /**
   * Round CY: `send --to "bob "` passed the local check and reached the server as "bob " (INVALID_REQUEST, "check the
   * arguments"), while `receive --from "alice "` was taken as alice. Every identity argument now drops the blanks around
   * it as --from does, and refuses locally what is then still no identity name.
   */
  @Test
  void anIdentityWithBlanksAroundItIsThatIdentityEverywhereAndOneWithABlankInsideIsRefusedLocally() {
    CliRun sent = alice.run("--json", "send", csv.toString(), "--to", " bob\t").assertExit(0);
    assertThat(sent.object("grant")).containsEntry("recipient", "bob");
    String fileId = (String) sent.object("grant").get("file_id");
    assertThat(alice.run("--json", "grant", fileId, "--to", "bob ").assertExit(0).object("grant"))
        .containsEntry("recipient", "bob");
    assertThat(alice.run("--json", "keys", "show", "\tbob ").assertExit(0).json()).containsEntry("identity", "bob");
    assertThat(carol.run("--json", "admin", "grants", "list", "--owner", "alice ", "--recipient", " bob")
        .assertExit(0).jsonList("grants")).isNotEmpty().allSatisfy(g -> assertThat(g).containsEntry("owner", "alice"));
    assertThat(carol.run("--json", "admin", "files", "list", "--owner", " alice").assertExit(0).jsonList("files"))
        .isNotEmpty().allSatisfy(f -> assertThat(f).containsEntry("owner", "alice"));
    assertThat(carol.run("--json", "admin", "identities", "enable", " bob ").assertExit(0).object("identity"))
        .containsEntry("identity", "bob");
    assertThat(carol.run("--json", "keys", "list-ssh", "bob ").assertExit(0).json()).containsEntry("ok", true);

    // a blank inside is still no identity name: refused before the server is asked, not "check the arguments"
    for (String[] args : new String[][] {{"send", csv.toString(), "--to", "bo b "}, {"grant", fileId, "--to", "bo\tb"},
        {"keys", "show", " bo b"}}) {
      assertThat(alice.run(json(args)).assertExit(2).jsonError()).as(String.join(" ", args))
          .containsEntry("reason", "BAD_IDENTITY");
    }
    for (String[] args : new String[][] {{"admin", "grants", "list", "--owner", "al ice"},
        {"admin", "grants", "list", "--recipient", "bob/x"}, {"admin", "files", "list", "--owner", "al ice"},
        {"admin", "identities", "add", "er in", "--role", "acquirer"}, {"admin", "identities", "disable", "b ob"},
        {"admin", "identities", "enable", "b ob"}, {"admin", "identities", "revoke", "b ob"},
        {"keys", "list-ssh", "b ob"}, {"keys", "remove-ssh", "SHA256:" + "A".repeat(43), "--identity", "b ob"}}) {
      CliRun r = carol.run(json(args)).assertExit(2);
      assertThat(r.jsonError()).as(String.join(" ", args)).containsEntry("reason", "BAD_IDENTITY");
      assertThat((String) r.jsonError().get("message")).as(String.join(" ", args)).contains("is not an identity name");
    }
    // an empty one names nobody, as before
    assertThat(carol.run("--json", "admin", "identities", "disable", " ").assertExit(2).jsonError())
        .containsEntry("reason", "EMPTY_IDENTITY");
    assertThat(carol.run("--json", "admin", "identities", "list").assertExit(0).jsonList("identities"))
        .allSatisfy(i -> assertThat(i).doesNotContainEntry("state", "disabled"));
  }

  private static String[] json(String... args) {
    return java.util.stream.Stream.concat(java.util.stream.Stream.of("--json"), java.util.Arrays.stream(args))
        .toArray(String[]::new);
  }

  @Test
  void anUnknownFileIdIsAUsageErrorInTheUsersTermsPointingAtFiles() {
    // not of a file id's shape (a typo, `null` from a script): refused before the server is asked (outside test)
    for (String typo : new String[] {"f-0000000000000000000000000000", "null"}) {
      CliRun r = alice.run("--json", "grant", typo, "--to", "bob").assertExit(2);
      assertThat(r.jsonError()).containsEntry("reason", "BAD_FILE_ID").containsEntry("kind", "usage")
          .containsEntry("message", "that is not a file id: a file id is `f_` followed by 32 hex digits")
          .containsEntry("hint", "copy it from the FILE column of `sealdrop files`");
      assertThat(r.out()).doesNotContain("token");
    }

    // of a file id's shape but unknown: the same words
    String unknown = "f_" + "0".repeat(32);
    assertThat(alice.run("--json", "grant", unknown, "--to", "bob").assertExit(2).jsonError())
        .containsEntry("reason", "FILE_ID_NOT_FOUND")
        .containsEntry("message", "you have no uploaded file " + unknown + " on the server; nothing was granted");
    // pasted with spaces and in upper case: named as the id it is (round X: repeated as typed)
    assertThat(alice.run("--json", "grant", " " + unknown.toUpperCase(java.util.Locale.ROOT) + " ", "--to", "bob")
        .assertExit(2).jsonError())
        .containsEntry("message", "you have no uploaded file " + unknown + " on the server; nothing was granted");
  }

  @Test
  void anUnknownFileIdIsRefusedBeforeTheRecipientsKeyIsFetchedSoNoKeyIsPinned() throws Exception {
    Path trusted = erin.home().resolve("trusted");
    List<String> pinsBefore = pins(trusted);
    assertThat(pinsBefore).noneMatch(p -> p.contains("dave"));
    CliRun r = erin.run("--json", "grant", "f_" + "1".repeat(32), "--to", "dave").assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "FILE_ID_NOT_FOUND");
    assertThat(pins(trusted)).isEqualTo(pinsBefore);
  }

  @Test
  void aFileIdPastedInUpperCaseOrWithSpacesIsTheSameFile() {
    String id = sendAndFileId(erin, "bob");
    CliRun r = erin.run("--json", "grant", " " + id.toUpperCase(java.util.Locale.ROOT) + " ", "--to", "bob")
        .assertExit(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> grant = (Map<String, Object>) r.json().get("grant");
    assertThat(grant).containsEntry("file_id", id);
  }

  @Test
  void aGrantTokenPastedWhereTheFileIdGoesIsRefusedWithoutRepeatingIt() {
    String token = "sdg_" + "Xq3vR8kT0bN2mW5yHc7jL1pD4sF6gA9eU-iO_zKwE2c";
    for (String given : List.of(token, " " + token + " ", "sdc_" + "A".repeat(43))) {
      CliRun r = alice.run("--json", "grant", given, "--to", "bob").assertExit(2);
      assertThat(r.jsonError()).containsEntry("reason", "BAD_FILE_ID").containsEntry("kind", "usage");
      assertThat(r.err() + r.out()).doesNotContain(given.strip());
    }
    assertThat(alice.run("--json", "grant", token, "--to", "bob").err()).contains("that is a grant token, not a file id")
        .contains("`sealdrop files`");
    // a grant id is named as one, and an empty FILE_ID as empty (outside test: "no uploaded file  on the server")
    CliRun grantId = alice.run("--json", "grant", "g_" + "a".repeat(32), "--to", "bob").assertExit(2);
    assertThat(grantId.jsonError()).containsEntry("reason", "BAD_FILE_ID");
    assertThat(grantId.err()).contains("that is a grant id, not a file id");
    assertThat(alice.run("--json", "grant", " ", "--to", "bob").assertExit(2).jsonError())
        .containsEntry("reason", "EMPTY_ARGUMENT").containsEntry("message", "FILE_ID is empty (an unset shell variable?)");
  }

  @Test
  void someoneElsesFileCanNeitherBeListedNorGranted() {
    String erins = sendAndFileId(erin, "bob");
    assertThat(fileIds(alice)).doesNotContain(erins);
    assertThat(fileIds(erin)).contains(erins);

    CliRun r = alice.run("--json", "grant", erins, "--to", "bob").assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "FILE_ID_NOT_FOUND");
    assertThat(r.err()).contains("you have no uploaded file " + erins + " on the server").doesNotContain("ListFiles");
    // and the other way round: what alice uploaded is hers alone
    String alices = sendAndFileId(alice, "bob");
    assertThat(erin.run("--json", "grant", alices, "--to", "bob").assertExit(2).jsonError())
        .containsEntry("reason", "FILE_ID_NOT_FOUND");
  }

  @Test
  void badDurationsAndDownloadCountsAreUsageErrorsAsForSend() {
    String id = sendAndFileId(alice, "bob");
    for (String bad : List.of("soon", "0h", "-5m", "3651d", "72")) {
      CliRun r = alice.run("--json", "grant", id, "--to", "bob", "--expires", bad).assertExit(2);
      assertThat(r.jsonError()).containsEntry("kind", "usage");
      assertThat(r.err()).startsWith("sealdrop: error: ");
    }
    for (String bad : List.of("0", "101", "-1")) {
      CliRun r = alice.run("--json", "grant", id, "--to", "bob", "--downloads", bad).assertExit(2);
      assertThat(r.jsonError()).containsEntry("reason", "BAD_DOWNLOADS");
      // the same words as send's
      assertThat(alice.run("--json", "send", csv.toString(), "--to", "bob", "--downloads", bad).assertExit(2).err())
          .isEqualTo(r.err());
    }
    CliRun missingTo = alice.run("grant", id).assertExit(2);
    assertThat(missingTo.err()).contains("--to");
  }

  @Test
  void aFileNotSealedForTheRecipientIsNotGranted() {
    String forBob = sendAndFileId(alice, "bob");
    CliRun r = alice.run("--json", "grant", forBob, "--to", "dave").assertExit(2);
    assertThat(r.jsonError()).containsEntry("reason", "NOT_SEALED_FOR_RECIPIENT");
    assertThat(r.err()).contains("is not sealed for dave's encryption key").contains("sealdrop send FILE --to dave")
        .contains("sealdrop seal FILE --to dave -o FILE.sealed");
    assertThat(alice.run("--json", "grants").jsonList("grants")).noneMatch(g -> g.get("recipient").equals("dave"));
  }

  /**
   * A recipient who may not receive grants at all (erin is a transferor) is told so, not to seal the file again for
   * them, which would not help (outside test: the seal hint came first, then the role refusal after re-sealing).
   */
  @Test
  void aRecipientWhoIsNoAcquirerIsToldSoBeforeTheFileIsFoundNotSealedForThem() {
    String forBob = sendAndFileId(alice, "bob");
    CliRun r = alice.run("--json", "grant", forBob, "--to", "erin").assertExit(6);
    assertThat(r.jsonError()).containsEntry("reason", "RECIPIENT_NOT_ACQUIRER");
    assertThat(r.err()).contains("'erin' is a transferor").doesNotContain("sealdrop seal FILE");
  }

  @Test
  void aRecipientWhoIsNoAcquirerOrUnknownIsRefusedBeforeAnyByteIsUploaded() {
    List<Object> before = fileIds(alice);
    // erin is a transferor: the server refuses the upload as it would refuse the grant, before any byte is sent
    CliRun sent = alice.run("--json", "send", csv.toString(), "--to", "erin").assertExit(6);
    assertThat(sent.jsonError()).containsEntry("reason", "RECIPIENT_NOT_ACQUIRER").containsEntry("kind", "permission");
    assertThat(sent.err()).contains("'erin' is a transferor").contains("sealdrop: hint: nothing was uploaded");
    CliRun unknown = alice.run("--json", "send", csv.toString(), "--to", "nobody-here").assertExit(2);
    assertThat(unknown.jsonError()).containsEntry("kind", "usage");
    assertThat(fileIds(alice)).isEqualTo(before);
    // nor is anything left to resume: a later send to an acquirer uploads afresh and succeeds
    CliRun ok = alice.run("--json", "send", csv.toString(), "--to", "bob").assertExit(0);
    assertThat(ok.err()).doesNotContain("already uploaded").doesNotContain("resuming");
    assertThat(fileIds(alice)).hasSize(before.size() + 1);

    assertThat(alice.run("--json", "grant", (String) fileIds(alice).get(before.size()), "--to", "nobody-here")
        .assertExit(2).jsonError()).containsEntry("kind", "usage");
  }

  @Test
  void sendingToYourselfIsRefusedBeforeAnythingAndPinsNoKey() throws Exception {
    List<Object> before = fileIds(alice);
    Path trusted = alice.home().resolve("trusted");
    List<String> pinsBefore = pins(trusted);
    CliRun self = alice.run("--json", "send", csv.toString(), "--to", "alice").assertExit(6);
    assertThat(self.jsonError()).containsEntry("reason", "RECIPIENT_NOT_ACQUIRER").containsEntry("kind", "permission");
    assertThat(self.err()).contains("you cannot send a file to yourself").doesNotContain("acquirers only");
    assertThat(fileIds(alice)).isEqualTo(before);
    assertThat(pins(trusted)).isEqualTo(pinsBefore).noneMatch(p -> p.contains("alice"));
  }

  @Test
  void grantingToYourselfIsRefusedBeforeAnythingAndPinsNoKey() throws Exception {
    alice.run("send", csv.toString(), "--to", "bob").assertExit(0);
    String fileId = (String) fileIds(alice).get(0);
    Path trusted = alice.home().resolve("trusted");
    List<String> pinsBefore = pins(trusted);
    CliRun self = alice.run("--json", "grant", fileId, "--to", "alice").assertExit(6);
    assertThat(self.jsonError()).containsEntry("reason", "RECIPIENT_NOT_ACQUIRER").containsEntry("kind", "permission");
    assertThat(self.err()).contains("you cannot grant a file to yourself");
    assertThat(pins(trusted)).isEqualTo(pinsBefore).noneMatch(p -> p.contains("alice"));
  }

  private static List<String> pins(Path trusted) throws java.io.IOException {
    if (!Files.isDirectory(trusted)) {
      return List.of();
    }
    try (java.util.stream.Stream<Path> s = Files.list(trusted)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void filesListsTheUploadAndGrantIssuesATokenBobCanRedeemOnce() throws Exception {
    String id = sendAndFileId(alice, "bob");
    Map<String, Object> file = alice.run("--json", "files").assertExit(0).jsonList("files").stream()
        .filter(f -> f.get("file_id").equals(id)).findFirst().orElseThrow();
    assertThat(file).containsKeys("size", "fingerprint", "created_at", "recipient_key_fingerprints");
    assertThat((String) file.get("created_at")).as("one shape, milliseconds always")
        .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
    assertThat((Long) file.get("size")).isGreaterThan(Files.size(csv));
    @SuppressWarnings("unchecked")
    List<String> recipients = (List<String>) file.get("recipient_key_fingerprints");
    assertThat(recipients).hasSize(1);
    String human = alice.run("files").assertExit(0).out();
    assertThat(human).contains(id).contains((String) file.get("fingerprint")).contains("for " + recipients.get(0));
    // the key it is sealed for can be matched to a person: `keys show` prints the same fingerprint
    assertThat(alice.run("--json", "keys", "show", "bob").assertExit(0).json())
        .containsEntry("recipient_key_fingerprint", recipients.get(0));
    assertThat(bob.run("keys", "show").assertExit(0).out()).contains("encryption key: " + recipients.get(0));

    CliRun granted = alice.run("--json", "grant", id, "--to", "bob", "--expires", "2h", "--downloads", "2")
        .assertExit(0);
    Map<String, Object> gj = granted.json();
    assertThat(gj).containsEntry("ok", true).containsKeys("token", "grant", "recipient");
    @SuppressWarnings("unchecked")
    Map<String, Object> grant = (Map<String, Object>) gj.get("grant");
    assertThat(grant).containsEntry("file_id", id).containsEntry("recipient", "bob").containsEntry("owner", "alice")
        .containsEntry("state", "active").containsEntry("max_downloads", 2L)
        .containsEntry("fingerprint", file.get("fingerprint"));
    assertThat(granted.err()).contains("give bob the token by another channel")
        .contains("; over SFTP, after `get /redeem/TOKEN FILE`: sealdrop open FILE -o PATH --from alice --fingerprint "
            + file.get("fingerprint"));

    // people see the token the way send shows it: last, once, on a line of its own
    CliRun humanGrant = alice.run("grant", id, "--to", "bob").assertExit(0);
    List<String> lines = humanGrant.out().lines().toList();
    assertThat(lines.get(0)).startsWith("Granted " + id + " to bob (key ");
    assertThat(lines.get(lines.size() - 2)).isEqualTo("token (shown once):");
    assertThat(lines.get(1)).startsWith("  grant:   ").contains("1 download(s), expires ");
    List<String> sendLines = alice.run("send", csv.toString(), "--to", "bob").assertExit(0).out().lines().toList();
    assertThat(sendLines.get(0)).startsWith("Sent to bob (key ");
    assertThat(sendLines.subList(1, sendLines.size() - 1).stream().map(l -> l.replaceAll(":.*", ":")).toList())
        .isEqualTo(lines.subList(1, lines.size() - 1).stream().map(l -> l.replaceAll(":.*", ":")).toList());

    String token = (String) gj.get("token");
    Path out = Files.createDirectories(root.resolve("bob-granted"));
    bob.run("--json", "receive", token, "-o", out.toString()).assertExit(0);
    assertThat(Files.mismatch(out.resolve("deal.csv"), csv)).isEqualTo(-1L);
  }
}
