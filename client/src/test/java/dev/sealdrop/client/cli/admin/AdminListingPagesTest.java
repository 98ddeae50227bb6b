package dev.sealdrop.client.cli.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sealdrop.client.cli.CliRun;
import dev.sealdrop.client.cli.DevServerPerClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server answers an admin listing a page (1000 rows at most) at a time (review DR: whole, a transferor's 300,000
 * grants exhausted its heap); {@code admin grants list} and {@code admin files list} read every page, so that an admin
 * still sees every row, each once. So do an identity's own listings (session 58): {@code files}, {@code grants} and
 * {@code inbox}, oldest first.
 */
class AdminListingPagesTest extends DevServerPerClass {
  static final int EXTRA = 1500;

  @BeforeAll
  static void start() throws Exception {
    startServer();
    Profiles.init(root, server, true, "alice", "bob", "carol");
    Profiles.as(root, "alice", "keys", "publish").assertExit(0);
    Profiles.as(root, "bob", "keys", "publish").assertExit(0);
    Path file = Files.writeString(root.resolve("clients.csv"), "id,name\n1,a\n");
    Profiles.as(root, "alice", "send", file.toString(), "--to", "bob").assertExit(0);
    // more grants than a page holds: copies of alice's (revoked, so that none is live), each a little older than it
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("data").resolve("sealdrop.db"));
        Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 30000");
      s.execute("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < " + EXTRA + ")"
          + " INSERT INTO grants (id, file_id, owner, recipient, token_hash, state, created_at, expires_at,"
          + " max_downloads, downloads_used, updated_at) SELECT printf('g_%032x', n), file_id, owner, recipient,"
          + " printf('%064x', n), 'REVOKED', created_at - n, expires_at, max_downloads, downloads_used, updated_at"
          + " FROM grants, seq");
      // and more files than a page holds: rows only (a listing reads no blob)
      s.execute("WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < " + EXTRA + ")"
          + " INSERT INTO files (id, owner, size, fingerprint, recipient_fps, created_at) SELECT printf('f_%032x', n),"
          + " owner, size, fingerprint, recipient_fps, created_at - n FROM files, seq");
    }
  }

  @Test
  void grantsListReadsEveryPage() {
    CliRun r = Profiles.as(root, "carol", "--json", "admin", "grants", "list").assertExit(0);
    List<Map<String, Object>> grants = r.list("grants");
    assertThat(grants).hasSize(EXTRA + 1);
    assertThat(new HashSet<>(grants.stream().map(g -> g.get("grant_id")).toList())).as("each once")
        .hasSize(EXTRA + 1);
    assertThat(Profiles.as(root, "carol", "--json", "admin", "grants", "list", "--state", "revoked").assertExit(0)
        .list("grants")).hasSize(EXTRA);
    assertThat(Profiles.as(root, "carol", "admin", "grants", "list", "--state", "active").assertExit(0).out()
        .lines().filter(l -> l.contains("g_")).count()).isEqualTo(1);
  }

  @Test
  void ownListingsReadEveryPageOldestFirst() {
    for (String[] listing : new String[][] {{"alice", "grants", "grants", "grant_id"}, {"bob", "inbox", "grants",
        "grant_id"}, {"alice", "files", "files", "file_id"}}) {
      List<Map<String, Object>> rows = Profiles.as(root, listing[0], "--json", listing[1]).assertExit(0)
          .list(listing[2]);
      List<Object> ids = rows.stream().map(g -> g.get(listing[3])).toList();
      assertThat(ids).as(listing[1]).hasSize(EXTRA + 1);
      assertThat(new HashSet<>(ids)).as(listing[1] + ": each once").hasSize(EXTRA + 1);
      assertThat(ids.get(0)).as(listing[1] + ": the oldest (the copy made " + EXTRA + " ms before) first")
          .isEqualTo(String.format("%s_%032x", listing[3].substring(0, 1), EXTRA));
    }
  }

  @Test
  void filesListReadsEveryPage() {
    List<Map<String, Object>> files = Profiles.as(root, "carol", "--json", "admin", "files", "list").assertExit(0)
        .list("files");
    assertThat(files).hasSize(EXTRA + 1);
    assertThat(new HashSet<>(files.stream().map(f -> f.get("file_id")).toList())).as("each once").hasSize(EXTRA + 1);
    assertThat(files.get(0)).as("newest first: the one sent").satisfies(f -> assertThat(String.valueOf(
        f.get("grants_total"))).isEqualTo(String.valueOf(EXTRA + 1)));
  }
}
