package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.Cli;
import dev.sealdrop.client.cli.CliRun;
import dev.sealdrop.client.cli.DevServerPerClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sealdrop admin ...} in-process against the real server (its admin listener, mutual TLS):
 * carol is the admin, alice and bob are not.
 */
class AdminCommandsTest extends DevServerPerClass {
  @BeforeAll
  static void start() throws Exception {
    startServer();
    Profiles.init(root, server, true, "alice", "bob", "carol");
    Profiles.init(root, server, false, "dave");
  }

  /** {@code sealdrop --home HOME ARGS} as {@code user}. */
  static CliRun as(String user, String... args) {
    return Profiles.as(root, user, args);
  }

  /** alice and bob publish their keys, and alice sends bob a file {@code name} holding {@code content} ({@code --json}). */
  static CliRun aliceSendsBob(String name, String content) throws java.io.IOException {
    as("alice", "keys", "publish").assertExit(0);
    as("bob", "keys", "publish").assertExit(0);
    Path file = Files.writeString(root.resolve(name), content);
    return as("alice", "send", file.toString(), "--to", "bob", "--json").assertExit(0);
  }

  static String[] json(String... args) {
    String[] all = new String[args.length + 1];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--json";
    return all;
  }

  @Test
  void nonAdminsArePermissionDeniedForEveryAdminCommandWithExitSixAndEachRefusalIsAudited() {
    Path export = root.resolve("stolen-export.jsonl");
    List<String[]> every = List.of(new String[] {"admin", "identities", "list"},
        new String[] {"admin", "identities", "add", "mole", "--role", "admin"},
        new String[] {"admin", "identities", "disable", "carol"}, new String[] {"admin", "identities", "enable", "carol"},
        new String[] {"admin", "identities", "revoke", "carol"}, new String[] {"admin", "grants", "list"},
        new String[] {"admin", "grants", "revoke", "g_" + "0".repeat(32)}, new String[] {"admin", "lockdown", "on", "--reason", "x"},
        new String[] {"admin", "lockdown", "off"}, new String[] {"admin", "lockdown", "status"},
        new String[] {"admin", "files", "list"}, new String[] {"admin", "files", "purge", "f_" + "0".repeat(32)},
        new String[] {"admin", "audit", "export", "-o", export.toString()}, new String[] {"admin", "audit", "tail"});
    for (String user : List.of("alice", "bob")) {
      for (String[] cmd : every) {
        CliRun r = as(user, json(cmd)).assertExit(6);
        assertThat(r.object("error")).as(String.join(" ", cmd)).containsEntry("kind", "permission")
            .containsEntry("reason", "ROLE_FORBIDDEN");
        assertThat(r.err()).contains("sealdrop: error: permission denied")
            .contains("you are connected as \"" + user + "\"");
      }
    }
    assertThat(export).doesNotExist();
    assertThat(root.toFile().list()).noneMatch(n -> n.startsWith(".stolen-export"));
    List<Map<String, Object>> tail = as("carol", "admin", "audit", "tail", "-n", "200", "--json").assertExit(0)
        .list("entries");
    assertThat(tail.stream().filter(e -> "admin.refuse".equals(e.get("action")))).extracting(e -> e.get("actor"))
        .containsOnly("alice", "bob").hasSize(2 * every.size());
    assertThat(as("carol", "admin", "lockdown", "status", "--json").assertExit(0).object("lockdown"))
        .as("nothing a refused caller asked for happened").containsEntry("on", false);
  }

  @Test
  void aProfileWithoutAnAdminServerIsAUsageErrorWithAHint() {
    CliRun r = as("dave", "admin", "identities", "list", "--json").assertExit(2);
    assertThat(r.object("error")).containsEntry("reason", "NO_ADMIN_SERVER");
    assertThat(r.err()).contains("has no admin server").contains("admin_server=HOST:PORT");
  }

  @Test
  void carolManagesIdentities() {
    CliRun added = as("carol", json("admin", "identities", "add", "erin", "--role", "acquirer")).assertExit(0);
    assertThat(added.object("identity")).containsEntry("identity", "erin").containsEntry("role", "acquirer")
        .containsEntry("state", "active").containsKey("created_at").containsEntry("revoked_certificate_serials", List.of());
    assertThat(as("carol", json("admin", "identities", "add", "erin", "--role", "acquirer")).assertExit(2)
        .object("error")).containsEntry("kind", "usage").containsEntry("reason", "IDENTITY_EXISTS")
        .satisfies(e -> assertThat((String) e.get("message")).contains("'erin' already exists")
            .doesNotContain("already exists: identity"));
    assertThat(as("carol", json("admin", "identities", "add", "frank", "--role", "king")).assertExit(2)
        .object("error")).containsEntry("reason", "BAD_ROLE");
    // a name outside the alphabet: what is wrong with it and the rule, not "see `sealdrop help`"; refused before the
    // server is asked, as `send --to` refuses it (round CY: the server was asked, and `--owner "alice "` refused there)
    assertThat(as("carol", json("admin", "identities", "add", "bad name", "--role", "acquirer")).assertExit(2)
        .object("error")).containsEntry("reason", "BAD_IDENTITY").containsEntry("message",
            "IDENTITY 'bad name' is not an identity name: 1 to 64 letters, digits, '.', '_', '@' or '-', starting with"
                + " a letter or digit")
        .hasEntrySatisfying("hint", h -> assertThat((String) h).contains("`sealdrop admin identities list`"));

    assertThat(as("carol", json("admin", "identities", "list")).assertExit(0).list("identities"))
        .extracting(i -> i.get("identity")).contains("alice", "bob", "carol", "dave", "erin");
    assertThat(as("carol", "admin", "identities", "list").assertExit(0).out()).contains("IDENTITY").contains("erin")
        .contains("acquirer");

    CliRun disabled = as("carol", json("admin", "identities", "disable", "erin", "--reason", "on leave"))
        .assertExit(0);
    assertThat(disabled.object("identity")).containsEntry("state", "disabled");
    assertThat(disabled.json()).containsEntry("sessions_closed", 0L).containsEntry("downloads_cut", 0L)
        .containsEntry("changed", true);
    // the same again changes nothing, and says so (exit 0: the identity is as asked)
    CliRun twice = as("carol", json("admin", "identities", "disable", "erin")).assertExit(0);
    assertThat(twice.json()).containsEntry("changed", false);
    assertThat(twice.object("identity")).containsEntry("state", "disabled");
    assertThat(as("carol", "admin", "identities", "disable", "erin").assertExit(0).out())
        .startsWith("erin (role acquirer, state disabled) was disabled already; nothing changed");
    // round CG: "0 downloads cut" read as if nothing was stopped; the identity's own transfers go with its sessions
    assertThat(as("carol", "admin", "identities", "disable", "dave").assertExit(0).out()).startsWith("Disabled dave"
        + " (role acquirer, state disabled); 0 sessions closed (with their transfers); 0 downloads of its files by"
        + " others cut");
    as("carol", "admin", "identities", "enable", "dave").assertExit(0);
    CliRun enabled = as("carol", json("admin", "identities", "enable", "erin")).assertExit(0);
    assertThat(enabled.object("identity")).containsEntry("state", "active");
    assertThat(enabled.json()).containsEntry("changed", true);
    assertThat(as("carol", "admin", "identities", "enable", "erin").assertExit(0).out())
        .startsWith("erin (role acquirer, state active) was enabled already; nothing changed");
    CliRun revoked = as("carol", json("admin", "identities", "revoke", "erin", "--reason", "left")).assertExit(0);
    assertThat(revoked.object("identity")).containsEntry("state", "revoked");
    assertThat(revoked.json()).containsKeys("sessions_closed", "grants_revoked", "downloads_cut");
    // a revoked identity is neither enabled nor disabled, and the refusal is about erin, not carol's own certificate
    for (String verb : List.of("enable", "disable")) {
      CliRun again = as("carol", json("admin", "identities", verb, "erin")).assertExit(2);
      assertThat(again.object("error")).as(verb).containsEntry("kind", "usage")
          .containsEntry("reason", "REVOKED_IDENTITY");
      assertThat(again.err()).as(verb).contains("identity 'erin' is revoked for good, so it cannot be " + verb + "d")
          .contains("nothing was changed").contains("hint: ").contains("admin identities add NEW_NAME")
          .doesNotContain("our certificate").doesNotContain("keys renew").doesNotContain("init --force");
    }

    CliRun self = as("carol", json("admin", "identities", "revoke", "carol")).assertExit(2);
    assertThat(self.object("error")).as("an admin cannot revoke itself").containsEntry("kind", "usage")
        .containsEntry("reason", "SELF_ACTION_REFUSED");
    assertThat(self.err()).containsOnlyOnce("cannot revoke itself").contains("hint: ").contains("another admin")
        .doesNotContain("current state");
    assertThat(as("carol", json("admin", "identities", "disable", "nobody")).assertExit(2).object("error"))
        .containsEntry("kind", "usage");
    // a misspelt filter is refused, not answered with an empty listing that says "nobody has anything"
    for (String[] list : List.of(new String[] {"admin", "grants", "list", "--owner", "nobody"},
        new String[] {"admin", "grants", "list", "--recipient", "nobody"},
        new String[] {"admin", "files", "list", "--owner", "nobody"})) {
      CliRun r = as("carol", list).assertExit(2);
      assertThat(r.out()).as(String.join(" ", list)).doesNotContain("(none)");
      assertThat(r.err()).contains("no identity 'nobody'").contains("admin identities list");
    }
  }

  @Test
  void aCertificateSerialIsTakenAsOpensslPrintsIt() {
    as("carol", json("admin", "identities", "add", "gina", "--role", "acquirer")).assertExit(0);
    // what the hint's `openssl x509 -noout -serial -in CERT` prints, and what `openssl x509 -text` shows
    assertThat(as("carol", json("admin", "identities", "revoke", "gina", "--certificate",
        "serial=0C92215C12D3F174F4F9AE4AE5FE0233")).assertExit(0).out()).contains("0C92215C12D3F174F4F9AE4AE5FE0233");
    as("carol", json("admin", "identities", "revoke", "gina", "--certificate",
        "0c:92:21:5c:12:d3:f1:74:f4:f9:ae:4a:e5:fe:02:34")).assertExit(0);
    // and as the server stores it (lower case, no leading zero)
    as("carol", json("admin", "identities", "revoke", "gina", "--certificate",
        "c92215c12d3f174f4f9ae4ae5fe0235")).assertExit(0);
    // shown as openssl prints it (upper case, an even number of digits), so an admin can match it
    assertThat(as("carol", json("admin", "identities", "list")).assertExit(0).list("identities"))
        .filteredOn(i -> "gina".equals(i.get("identity"))).singleElement()
        .satisfies(i -> assertThat(i.get("revoked_certificate_serials")).asList().containsExactlyInAnyOrder(
            "0C92215C12D3F174F4F9AE4AE5FE0233", "0C92215C12D3F174F4F9AE4AE5FE0234",
            "0C92215C12D3F174F4F9AE4AE5FE0235"));
    assertThat(as("carol", "admin", "identities", "list").assertExit(0).out().lines()
        .filter(l -> l.startsWith("gina ")).findFirst().orElseThrow()).contains("revoked certificates: ")
        .contains("0C92215C12D3F174F4F9AE4AE5FE0233").contains("0C92215C12D3F174F4F9AE4AE5FE0235")
        .doesNotContain("c92215c");
    CliRun bad = as("carol", json("admin", "identities", "revoke", "gina", "--certificate", "serial=zz")).assertExit(2);
    assertThat(bad.object("error")).containsEntry("reason", "BAD_SERIAL");
    assertThat(bad.err()).contains("serial=0C92");
    // hexadecimal but too long, however it is written: said so, not "not a hexadecimal serial number"
    for (String tooLong : List.of("A".repeat(100), "serial=" + "0C".repeat(33), "0c:92" + ":5c".repeat(32))) {
      CliRun r = as("carol", json("admin", "identities", "revoke", "gina", "--certificate", tooLong)).assertExit(2);
      assertThat(r.object("error")).as(tooLong).containsEntry("reason", "BAD_SERIAL");
      assertThat(r.err()).as(tooLong).contains("too many for a certificate serial number (1 to 64 digits)")
          .doesNotContain("not a hexadecimal").contains("serial=0C92");
    }
    assertThat(as("carol", json("admin", "identities", "revoke", "gina", "--certificate", "A".repeat(100)))
        .assertExit(2).err()).contains("--certificate has 100 hexadecimal digits");
  }

  /**
   * dave's certificate serial given under gina's name: the server knows it as dave's (it signed his key bundle), so it
   * is refused (2, CERTIFICATE_OF_ANOTHER_IDENTITY) with the command that revokes it, and nothing is revoked; a serial
   * the server has seen nowhere is revoked ahead, and the output says the server had not seen it.
   */
  @Test
  void aCertificateOfAnotherIdentityIsRefusedAndOneSeenNowhereIsRevokedWithANote() throws Exception {
    as("carol", "admin", "identities", "add", "gina2", "--role", "acquirer").assertExit(0);
    as("dave", "keys", "publish").assertExit(0);
    String daveSerial = dev.sealdrop.client.cli.CertificateSerials.shown(pki.certificate("dave").getSerialNumber());

    CliRun refused = as("carol", json("admin", "identities", "revoke", "gina2", "--certificate", daveSerial))
        .assertExit(2);
    assertThat(refused.object("error")).containsEntry("reason", "CERTIFICATE_OF_ANOTHER_IDENTITY");
    assertThat(refused.err()).contains("is a certificate of 'dave' (").contains("it signed the key bundle 'dave'"
        + " published)")
        .contains("sealdrop admin identities revoke dave --certificate " + daveSerial)
        .contains("revoke the certificate under the identity it belongs to");
    assertThat(as("carol", json("admin", "identities", "list")).assertExit(0).list("identities"))
        .filteredOn(i -> "gina2".equals(i.get("identity"))).singleElement()
        .satisfies(i -> assertThat(i.get("revoked_certificate_serials")).asList().isEmpty());

    CliRun ahead = as("carol", "admin", "identities", "revoke", "gina2", "--certificate", "1F3A9C").assertExit(0);
    assertThat(ahead.out()).contains("Revoked certificate 1F3A9C of gina2")
        .contains("note: the server had not seen this certificate speak for gina2");
    CliRun aheadJson = as("carol", json("admin", "identities", "revoke", "gina2", "--certificate", "1F3A9D"))
        .assertExit(0);
    assertThat(aheadJson.list("certificate_seen_as")).isEmpty();
    assertThat(aheadJson.json()).containsEntry("changed", true);
    // a repeat says that nothing changed, as for an identity (outside test: it read as a second revocation)
    CliRun again = as("carol", "admin", "identities", "revoke", "gina2", "--certificate", "1F3A9C").assertExit(0);
    assertThat(again.out()).startsWith("Certificate 1F3A9C of gina2 (role acquirer, state active) was revoked already;"
        + " nothing changed").doesNotContain("Revoked certificate");
    assertThat(as("carol", json("admin", "identities", "revoke", "gina2", "--certificate", "1f3a9d")).assertExit(0)
        .json()).containsEntry("changed", false);
    // typed in lower case with an odd number of digits, it is shown as listings show it (as openssl prints it)
    assertThat(as("carol", "admin", "identities", "revoke", "gina2", "--certificate", "f3a9e").assertExit(0).out())
        .contains("Revoked certificate 0F3A9E of gina2");
    assertThat(as("carol", "admin", "identities", "revoke", "gina2", "--certificate", "000f3a9e").assertExit(0).out())
        .startsWith("Certificate 0F3A9E of gina2 (role acquirer, state active) was revoked already");
  }

  @Test
  void carolSeesRevokesAndPurgesGrantsAndFilesButNeverTokens() throws Exception {
    CliRun sent = aliceSendsBob("clients.csv", "customer_id,name\n1,ACME GmbH\n");
    String token = (String) sent.json().get("token");
    String grantId = (String) sent.object("grant").get("grant_id");
    String fileId = (String) sent.object("grant").get("file_id");

    CliRun listed = as("carol", json("admin", "grants", "list", "--owner", "alice", "--recipient", "bob",
        "--state", "active")).assertExit(0);
    assertThat(listed.list("grants")).extracting(g -> g.get("grant_id")).contains(grantId);
    assertThat(listed.list("grants").get(0)).containsOnlyKeys("grant_id", "file_id", "owner", "recipient", "state",
        "created_at", "expires_at", "max_downloads", "downloads_used");
    assertThat(listed.out()).doesNotContain(token);
    assertThat(as("carol", json("admin", "grants", "list", "--state", "sideways")).assertExit(2).object("error"))
        .containsEntry("reason", "BAD_STATE");

    CliRun files = as("carol", json("admin", "files", "list", "--owner", "alice")).assertExit(0);
    Map<String, Object> f = files.list("files").stream().filter(x -> fileId.equals(x.get("file_id"))).findFirst()
        .orElseThrow();
    assertThat(f).containsEntry("owner", "alice").containsEntry("grants_live", 1L).containsEntry("grants_total", 1L)
        .containsKeys("size", "fingerprint", "created_at");

    // the token pasted for the grant id is refused before the server is asked: it is neither repeated nor
    // recorded in the audit log (which is exported to third parties), and the grant is untouched
    CliRun byToken = as("carol", json("admin", "grants", "revoke", token)).assertExit(2);
    assertThat(byToken.object("error")).containsEntry("reason", "BAD_GRANT_ID").containsEntry("message",
        "that is a grant token, not a grant id: a grant id is `g_` followed by 32 hex digits")
        .containsEntry("hint", "copy it from the GRANT column of `sealdrop admin grants list`");
    assertThat(byToken.out() + byToken.err()).doesNotContain(token.substring(4));
    assertThat(Files.readString(root.resolve("data").resolve("audit").resolve("audit.jsonl")))
        .doesNotContain(token.substring(4));
    assertThat(as("carol", json("admin", "grants", "list", "--owner", "alice")).assertExit(0).list("grants"))
        .filteredOn(g -> grantId.equals(g.get("grant_id"))).singleElement().satisfies(g ->
            assertThat(g).containsEntry("state", "active"));
    // a file id is named as one, with the command that takes it; nothing is asked of the server
    CliRun byFileId = as("carol", json("admin", "grants", "revoke", fileId)).assertExit(2);
    assertThat(byFileId.object("error")).containsEntry("reason", "BAD_GRANT_ID").containsEntry("message",
        "that is a file id, not a grant id: a grant id is `g_` followed by 32 hex digits").containsEntry("hint",
        "a file id is taken by `sealdrop admin files purge FILE_ID`, which deletes the file and every grant on it;"
            + " to find a file's grants, `sealdrop admin grants list` with --json gives each grant's file_id");
    // upper case is taken, as the server takes it, and sent in lower case
    CliRun revoked = as("carol", json("admin", "grants", "revoke", " " + grantId.toUpperCase(java.util.Locale.ROOT)
        + "\n", "--reason", "deal off")).assertExit(0);
    assertThat(revoked.object("grant")).containsEntry("state", "revoked").containsEntry("grant_id", grantId);
    assertThat(revoked.json()).containsEntry("downloads_cut", 0L).containsEntry("already_revoked", false);
    // a repeat changes nothing and says so (outside test: it read as a second revocation), in the audit log too
    CliRun again = as("carol", "admin", "grants", "revoke", grantId).assertExit(0);
    assertThat(again.out()).contains("was already revoked").contains("nothing changed");
    assertThat(server.audit().tail(20)).filteredOn(r -> r.action().equals("admin.grant.revoke")
        && r.object().equals("grant:" + grantId)).extracting(r -> r.details().get("changed"))
        .containsExactly("true", "false");
    CliRun owners = as("alice", json("grants", "revoke", grantId)).assertExit(0);
    assertThat(owners.json()).containsEntry("already_revoked", true);
    Path inbox = Files.createDirectories(root.resolve("bob-downloads"));
    as("bob", "receive", token, "-o", inbox.toString()).assertExit(4);
    Map<String, Object> unknown = as("carol", json("admin", "grants", "revoke", "g_" + "0".repeat(32))).assertExit(4)
        .object("error");
    assertThat(unknown).as("no such grant").containsEntry("kind", "not_redeemable");
    // an admin is pointed at the admin listing, not at the transferor's own `sealdrop grants`
    assertThat((String) unknown.get("hint")).contains("`sealdrop admin grants list`").doesNotContain("`sealdrop grants`");
    assertThat((String) unknown.get("message")).doesNotContain("yours").doesNotContain("ListGrants;");

    Path second = Files.writeString(root.resolve("second.csv"), "customer_id,name\n2,Initech\n");
    CliRun sent2 = as("alice", "send", second.toString(), "--to", "bob", "--downloads", "1", "--json").assertExit(0);
    as("bob", "receive", (String) sent2.json().get("token"), "-o", inbox.toString()).assertExit(0);
    Map<String, Object> consumed = as("carol", json("admin", "grants", "revoke",
        (String) sent2.object("grant").get("grant_id"))).assertExit(4).object("error");
    assertThat(consumed).containsEntry("reason", "GRANT_CONSUMED");
    assertThat((String) consumed.get("hint")).contains("`sealdrop admin grants list`")
        .doesNotContain("`sealdrop grants`");

    CliRun purged = as("carol", json("admin", "files", "purge", fileId, "--reason", "wrong party"))
        .assertExit(0);
    assertThat(purged.json()).containsEntry("file_id", fileId).containsEntry("grants_deleted", 1L);
    assertThat(as("carol", json("admin", "files", "list")).assertExit(0).list("files"))
        .extracting(x -> x.get("file_id")).doesNotContain(fileId);
    // bob's token is told what became of its grant (not "no grant matches this token"), and when
    Map<String, Object> gone = as("bob", json("receive", token, "-o", inbox.toString())).assertExit(4).object("error");
    assertThat(gone).containsEntry("reason", "FILE_PURGED").containsEntry("kind", "not_redeemable");
    assertThat((String) gone.get("message")).startsWith("the grant's file was purged from the server by an admin at 20")
        .contains("(it had been revoked)").doesNotContain("download was stopped").doesNotContain("ask the sender");
    assertThat((String) gone.get("hint")).contains("ask the sender to send it again").doesNotContain("token");
    Map<String, Object> purgedAgain = as("carol", json("admin", "files", "purge", fileId)).assertExit(2).object("error");
    assertThat(purgedAgain).containsEntry("kind", "usage");
    // review BF: the id was right; the hint says nothing is left, not to check it
    assertThat((String) purgedAgain.get("hint")).contains("nothing is left to").doesNotContain("check the");
  }

  /**
   * {@code admin files purge} checks FILE_ID before the server is asked, as {@code admin grants revoke} checks its
   * grant id: a grant token pasted there is refused without being sent or repeated, a grant id is named as one with
   * the command that takes it, and a pasted id with blanks around it, or in upper case, is taken.
   */
  @Test
  void filesPurgeChecksTheFileIdBeforeTheServerIsAsked() throws Exception {
    Path audit = root.resolve("data").resolve("audit").resolve("audit.jsonl");
    long purgesBefore = Files.readString(audit).lines().filter(l -> l.contains("\"admin.file.purge\"")).count();
    CliRun sent = aliceSendsBob("purge-check.csv", "customer_id,name\n3,Umbrella\n");
    String token = (String) sent.json().get("token");
    String grantId = (String) sent.object("grant").get("grant_id");
    String fileId = (String) sent.object("grant").get("file_id");

    CliRun byToken = as("carol", json("admin", "files", "purge", token)).assertExit(2);
    assertThat(byToken.object("error")).containsEntry("reason", "BAD_FILE_ID").containsEntry("message",
        "that is a grant token, not a file id: a file id is `f_` followed by 32 hex digits")
        .containsEntry("hint", "copy it from the FILE column of `sealdrop admin files list`");
    assertThat(byToken.out() + byToken.err()).doesNotContain(token.substring(4));
    CliRun byGrantId = as("carol", json("admin", "files", "purge", grantId)).assertExit(2);
    assertThat(byGrantId.object("error")).containsEntry("reason", "BAD_FILE_ID").containsEntry("message",
        "that is a grant id, not a file id: a file id is `f_` followed by 32 hex digits").containsEntry("hint",
        "a grant id is taken by `sealdrop admin grants revoke GRANT_ID`, which revokes that grant only;"
            + " `sealdrop admin grants list --json` names each grant's file_id");
    assertThat(as("carol", json("admin", "files", "purge", "f_123")).assertExit(2).object("error"))
        .containsEntry("reason", "BAD_FILE_ID")
        .containsEntry("message", "that is not a file id: a file id is `f_` followed by 32 hex digits");
    assertThat(Files.readString(audit).lines().filter(l -> l.contains("\"admin.file.purge\"")).count())
        .as("none of them reached the server").isEqualTo(purgesBefore);
    assertThat(as("carol", json("admin", "grants", "list", "--owner", "alice")).assertExit(0).list("grants"))
        .filteredOn(g -> grantId.equals(g.get("grant_id"))).singleElement().satisfies(g ->
            assertThat(g).containsEntry("state", "active"));

    CliRun purged = as("carol", json("admin", "files", "purge", " " + fileId.toUpperCase(java.util.Locale.ROOT) + "\n"))
        .assertExit(0);
    assertThat(purged.json()).containsEntry("file_id", fileId).containsEntry("grants_deleted", 1L);
  }

  /**
   * Round CP: an empty or blank identity given to a listing filter ({@code --owner "$UNSET"}) names nobody; the server
   * took it as no filter, so {@code admin grants list --recipient ""} listed every grant (a script revoking "the grants
   * of $WHO" would have revoked them all), {@code keys list-ssh ""} listed the admin's own keys as if they were that
   * identity's, and {@code keys remove-ssh FP --identity ""} removed one of the admin's own keys.
   */
  @Test
  void anEmptyIdentityFilterIsRefusedNotTakenAsEveryone() throws Exception {
    aliceSendsBob("empty-filter.csv", "customer_id,name\n4,Initech\n");
    Path pub = root.resolve("carol-empty-filter.pub");
    Files.writeString(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDjqvciwdk+wYAqkZFJJrts6vs8lraB1AGxcKNd3xW79 carol@cp\n");
    as("carol", "keys", "add-ssh", pub.toString()).assertExit(0);
    String fp = (String) as("carol", json("keys", "list-ssh")).assertExit(0).list("ssh_keys").get(0).get("fingerprint");
    for (String empty : List.of("", "  ")) {
      for (String[] args : new String[][] {{"admin", "grants", "list", "--owner", empty},
          {"admin", "grants", "list", "--recipient", empty}, {"admin", "grants", "list", "--state", "active",
          "--recipient", empty}, {"admin", "files", "list", "--owner", empty}, {"keys", "list-ssh", empty},
          {"keys", "remove-ssh", fp, "--identity", empty}}) {
        CliRun r = as("carol", json(args)).assertExit(2);
        assertThat(r.object("error")).as(String.join(" ", args)).containsEntry("reason", "EMPTY_IDENTITY");
        assertThat((String) r.object("error").get("message")).endsWith(" is empty: it names no identity");
        assertThat(r.json()).doesNotContainKeys("grants", "files", "ssh_keys", "removed");
      }
    }
    assertThat(as("carol", json("keys", "list-ssh")).assertExit(0).list("ssh_keys"))
        .as("carol's own key was not removed by --identity ''").extracting(k -> k.get("fingerprint")).containsExactly(fp);
    as("carol", "keys", "remove-ssh", fp).assertExit(0);
  }

  @Test
  void lockdownOnStatusOff() {
    try {
      assertThat(as("carol", json("admin", "lockdown", "on", "--reason", "  ")).assertExit(2).object("error"))
          .containsEntry("reason", "REASON_REQUIRED");
      CliRun on = as("carol", json("admin", "lockdown", "on", "--reason", "possible leak")).assertExit(0);
      assertThat(on.object("lockdown")).containsEntry("on", true).containsEntry("reason", "possible leak")
          .containsEntry("changed_by", "carol").containsKey("changed_at");
      assertThat(on.json()).doesNotContainKey("replaced").containsEntry("transfers_cut", 0L);
      CliRun status = as("carol", "admin", "lockdown", "status").assertExit(0);
      assertThat(status.out()).contains("Lockdown: ON").contains("possible leak").doesNotContain("cut");
      // on again: allowed (a new reason), but the lockdown it replaces is said, not silently overwritten
      CliRun again = as("carol", "admin", "lockdown", "on", "--reason", "leak confirmed").assertExit(0);
      assertThat(again.out()).startsWith("lockdown was already on since ").contains(" by carol (reason: possible leak);"
          + " its reason is now: leak confirmed\n").contains("Lockdown: ON")
          .contains("0 transfer(s) in progress cut (sealdrop's send and receive resume them once the lockdown is lifted; an SFTP upload cut so is deleted, and an SFTP get starts over)");
      CliRun againJson = as("carol", json("admin", "lockdown", "on", "--reason", "third")).assertExit(0);
      assertThat(againJson.object("lockdown")).containsEntry("reason", "third");
      assertThat(againJson.object("replaced")).containsEntry("on", true).containsEntry("reason", "leak confirmed")
          .containsEntry("changed_by", "carol");
      CliRun off = as("carol", json("admin", "lockdown", "off")).assertExit(0);
      assertThat(off.object("lockdown")).containsEntry("on", false);
      assertThat(off.json()).as("it lifted a lockdown: nothing to say it was already off").doesNotContainKey("replaced")
          .doesNotContainKey("transfers_cut");
      // off again: still exit 0 (nothing to do), but said, not answered as if it had lifted one
      CliRun offAgain = as("carol", "admin", "lockdown", "off").assertExit(0);
      assertThat(offAgain.out()).startsWith("lockdown was already off since ")
          .contains(" (lifted by carol); transfers were not refused\n").contains("Lockdown: off");
      CliRun offAgainJson = as("carol", json("admin", "lockdown", "off")).assertExit(0);
      assertThat(offAgainJson.object("lockdown")).containsEntry("on", false).containsEntry("changed_by", "carol");
      assertThat(offAgainJson.object("replaced")).containsEntry("on", false).containsEntry("changed_by", "carol");
    } finally {
      as("carol", "admin", "lockdown", "off");
    }
  }

  @Test
  void carolExportsTheAuditLogAndItVerifiesOffline() throws Exception {
    Path out = root.resolve("audit.jsonl");
    CliRun r = as("carol", json("admin", "audit", "export", "-o", out.toString())).assertExit(0);
    Map<String, Object> doc = r.json();
    assertThat(doc).containsEntry("ok", true).containsEntry("output", out.toString()).containsKeys("records", "head",
        "origin", "verifier_key", "bytes");
    assertThat((Long) doc.get("records")).isPositive();
    assertThat(Files.size(out)).isEqualTo((Long) doc.get("bytes"));
    assertThat(r.err()).contains("obtain it out of band");

    CliRun verified = Cli.raw(Map.of(), "audit", "verify", out.toString(), "--key",
        (String) doc.get("verifier_key"), "--json").assertExit(0);
    assertThat(verified.json()).containsEntry("records", doc.get("records")).containsEntry("head", doc.get("head"));

    // the human output's command can be pasted into a shell as it is, whatever the path, and says what DIR is
    Path odd = root.resolve("deal 42's audit.jsonl");
    String human = as("carol", "admin", "audit", "export", "-o", odd.toString()).assertExit(0).out();
    String command = human.lines().filter(l -> l.startsWith("Verify it with: sealdrop ")).findFirst().orElseThrow()
        .substring("Verify it with: sealdrop ".length());
    Process echo = new ProcessBuilder("sh", "-c", "printf '%s\\n' " + command).redirectErrorStream(true).start();
    assertThat(new String(echo.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines())
        .containsExactly("audit", "verify", odd.toString(), "--key", (String) doc.get("verifier_key"), "--checkpoints",
            "DIR");
    assertThat(human).contains("  DIR: a folder of checkpoints kept outside the server");

    assertThat(as("carol", json("admin", "audit", "export", "-o", out.toString())).assertExit(2).object("error"))
        .containsEntry("reason", "FILE_EXISTS");
    as("carol", json("admin", "audit", "export", "-o", out.toString(), "--force")).assertExit(0);
    // a folder, even with --force, and a folder that does not exist: usage errors that say so, nothing left
    assertThat(as("carol", json("admin", "audit", "export", "-o", root.toString(), "--force")).assertExit(2)
        .object("error")).containsEntry("reason", "IS_A_FOLDER");
    Path missing = root.resolve("no-such-folder").resolve("audit.jsonl");
    assertThat(as("carol", json("admin", "audit", "export", "-o", missing.toString())).assertExit(2).object("error"))
        .containsEntry("reason", "NO_SUCH_FOLDER").satisfies(e -> assertThat((String) e.get("message"))
            .contains(missing.getParent().toString()).doesNotContain(".part"));
    assertThat(root.toFile().list()).noneMatch(n -> n.endsWith(".part"));
    // review DY: a valid name of 240 bytes is exported (its temporary name was the name and more: "cannot write into
    // DIR"), and one longer than file systems take is refused before anything is asked of the server
    Path longName = Files.createDirectories(root.resolve("long-export")).resolve("a".repeat(234) + ".jsonl");
    as("carol", json("admin", "audit", "export", "-o", longName.toString())).assertExit(0);
    assertThat(longName).isRegularFile();
    assertThat(as("carol", json("admin", "audit", "export", "-o", longName.resolveSibling("b".repeat(300))
        .toString())).assertExit(2).object("error")).containsEntry("reason", "NAME_TOO_LONG");
    assertThat(longName.getParent().toFile().list()).containsExactly(longName.getFileName().toString());
    // a folder no file can be made in is named as seal, open and keys export name it, not as "no such file" of the
    // hidden temporary file (round CP)
    if (Files.isDirectory(Path.of("/proc/self"))) {
      assertThat(as("carol", json("admin", "audit", "export", "-o", "/proc/audit.jsonl")).assertExit(2).object("error"))
          .containsEntry("reason", "FOLDER_NOT_WRITABLE").satisfies(e -> assertThat((String) e.get("message"))
              .startsWith("cannot write into /proc (").endsWith("; nothing was exported").doesNotContain(".part"));
    }
    // -o - is standard output, which no command writes a file to: refused as by seal, open and keys export
    assertThat(as("carol", json("admin", "audit", "export", "-o", "-")).assertExit(2).object("error"))
        .containsEntry("reason", "NOT_A_REGULAR_FILE");
    assertThat(Path.of("-")).doesNotExist();

    // a read-only folder is named, not the hidden temporary file (round X); needs the right to mount (root here)
    Path readOnly = Files.createDirectories(root.resolve("ro-export"));
    Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", readOnly.toString())
        .redirectErrorStream(true).start();
    if (mount.waitFor() == 0) {
      try {
        assertThat(as("carol", json("admin", "audit", "export", "-o", readOnly.resolve("a.jsonl").toString()))
            .assertExit(2).object("error")).containsEntry("reason", "READ_ONLY_FILE_SYSTEM")
            .containsEntry("message", "cannot write into " + readOnly + ": the file system is read-only");
      } finally {
        new ProcessBuilder("umount", readOnly.toString()).start().waitFor();
      }
    }
    // a disk that fills while the export arrives is named as a full disk, as every other write names it (round DF: it
    // was WRITE_FAILED with the JDK's words); nothing is kept
    Path full = Files.createDirectories(root.resolve("full-export"));
    Process small = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", full.toString())
        .redirectErrorStream(true).start();
    if (small.waitFor() == 0) {
      try {
        assertThat(as("carol", json("admin", "audit", "export", "-o", full.resolve("a.jsonl").toString()))
            .assertExit(2).object("error")).containsEntry("reason", "NO_SPACE")
            .satisfies(e -> assertThat((String) e.get("message")).startsWith("cannot write into " + full
                + ": the disk is full"));
        assertThat(full.toFile().list()).isEmpty();
      } finally {
        new ProcessBuilder("umount", full.toString()).start().waitFor();
      }
    }

    CliRun tail = as("carol", json("admin", "audit", "tail", "-n", "3")).assertExit(0);
    assertThat(tail.list("entries")).hasSize(3).allSatisfy(e -> assertThat(e).containsKeys("seq", "time", "actor",
        "action", "object", "result", "peer", "details"));
    assertThat(as("carol", "admin", "audit", "tail", "-n", "0").assertExit(2).err()).contains("outside 1..1000");
    // for people: a header line over the rows, as every other listing has (round CA)
    List<String> lines = as("carol", "admin", "audit", "tail", "-n", "2").assertExit(0).out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).matches("\\s*SEQ\\s+TIME\\s+ACTOR\\s+ACTION\\s+OBJECT\\s+RESULT\\s+PEER DETAILS");
    assertThat(lines.get(1)).matches("\\s*\\d+\\s+20\\d\\d-.*");
  }

  @Test
  void everyAdminCommandHasHelpWithAnExample() {
    for (String[] cmd : List.of(new String[] {"admin"}, new String[] {"admin", "identities", "revoke"},
        new String[] {"admin", "grants", "list"}, new String[] {"admin", "lockdown", "on"},
        new String[] {"admin", "files", "purge"}, new String[] {"admin", "audit", "export"},
        new String[] {"admin", "audit", "tail"})) {
      String[] all = new String[cmd.length + 1];
      System.arraycopy(cmd, 0, all, 0, cmd.length);
      all[cmd.length] = "--help";
      assertThat(Cli.raw(Map.of(), all).assertExit(0).out()).as(String.join(" ", cmd)).contains("Example:")
          .contains("Exit codes:").contains("sealdrop admin");
    }
  }
}
