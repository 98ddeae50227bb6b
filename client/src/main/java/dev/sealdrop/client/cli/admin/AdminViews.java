package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.cli.output.Timestamps;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.CertificateSerials;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.protocol.v1.AdminFile;
import dev.sealdrop.protocol.v1.AdminGrant;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.GrantState;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.IdentityState;
import dev.sealdrop.protocol.v1.LockdownState;
import dev.sealdrop.protocol.v1.Role;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How admin objects are shown: one JSON shape each (documented in docs/cli.md) and one table line
 * for people, every server-supplied string cleaned for the terminal.
 */
final class AdminViews {
  private AdminViews() {}

  static String name(Enum<?> e, String prefix) {
    String n = e.name();
    return n.equals("UNRECOGNIZED") ? "unknown" : n.replace(prefix, "").toLowerCase(Locale.ROOT);
  }

  static String role(Role r) {
    return name(r, "ROLE_");
  }

  static String state(IdentityState s) {
    return name(s, "IDENTITY_STATE_");
  }

  static String state(GrantState s) {
    return name(s, "GRANT_STATE_");
  }

  /** ISO-8601 UTC, or null for "never" (0). */
  static String time(long millis) {
    return millis == 0 ? null : Timestamps.ofMillis(millis);
  }

  private static void timeField(JsonGenerator g, String field, long millis) throws IOException {
    String t = time(millis);
    if (t == null) {
      g.writeNullField(field);
    } else {
      g.writeStringField(field, t);
    }
  }

  static void identity(JsonGenerator g, IdentityInfo i) throws IOException {
    g.writeStartObject();
    g.writeStringField("identity", i.getIdentity());
    g.writeStringField("role", role(i.getRole()));
    g.writeStringField("state", state(i.getState()));
    timeField(g, "created_at", i.getCreatedAtMillis());
    g.writeArrayFieldStart("revoked_certificate_serials");
    for (String s : i.getRevokedCertificateSerialsList()) {
      g.writeString(CertificateSerials.shown(s));
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  static void identityHeader(PrintWriter out) {
    out.printf("%-24s  %-10s  %-8s  %s%n", "IDENTITY", "ROLE", "STATE", "CREATED");
  }

  static void identityLine(PrintWriter out, IdentityInfo i) {
    out.printf("%-24s  %-10s  %-8s  %s%s%n", TerminalText.clean(i.getIdentity()), role(i.getRole()),
        state(i.getState()), time(i.getCreatedAtMillis()), i.getRevokedCertificateSerialsCount() == 0 ? ""
            : "  revoked certificates: " + TerminalText.clean(String.join(",", i.getRevokedCertificateSerialsList()
                .stream().map(CertificateSerials::shown).toList())));
  }

  static void grant(JsonGenerator g, AdminGrant x) throws IOException {
    g.writeStartObject();
    g.writeStringField("grant_id", x.getGrantId());
    g.writeStringField("file_id", x.getFileId());
    g.writeStringField("owner", x.getOwner());
    g.writeStringField("recipient", x.getRecipient());
    g.writeStringField("state", state(x.getState()));
    timeField(g, "created_at", x.getCreatedAtMillis());
    timeField(g, "expires_at", x.getExpiresAtMillis());
    g.writeNumberField("max_downloads", x.getMaxDownloads());
    g.writeNumberField("downloads_used", x.getDownloadsUsed());
    g.writeEndObject();
  }

  static void grantHeader(PrintWriter out) {
    out.printf("%-36s  %-12s  %-12s  %-8s  %-5s  %s%n", "GRANT", "OWNER", "RECIPIENT", "STATE", "USED", "EXPIRES");
  }

  static void grantLine(PrintWriter out, AdminGrant x) {
    out.printf("%-36s  %-12s  %-12s  %-8s  %2d/%-2d  %s%n", TerminalText.clean(x.getGrantId()),
        TerminalText.clean(x.getOwner()), TerminalText.clean(x.getRecipient()), state(x.getState()),
        x.getDownloadsUsed(), x.getMaxDownloads(), time(x.getExpiresAtMillis()));
  }

  static void file(JsonGenerator g, AdminFile f) throws IOException {
    g.writeStartObject();
    g.writeStringField("file_id", f.getFileId());
    g.writeStringField("owner", f.getOwner());
    g.writeNumberField("size", f.getSize());
    g.writeStringField("fingerprint", f.getFingerprint());
    timeField(g, "created_at", f.getCreatedAtMillis());
    g.writeNumberField("grants_total", f.getGrantsTotal());
    g.writeNumberField("grants_live", f.getGrantsLive());
    g.writeEndObject();
  }

  static void fileHeader(PrintWriter out) {
    out.printf("%-36s  %-12s  %12s  %-11s  %s%n", "FILE", "OWNER", "SIZE", "GRANTS", "AGE");
  }

  static void fileLine(PrintWriter out, AdminFile f, Instant now) {
    out.printf("%-36s  %-12s  %12d  %3d live/%-3d  %s%n", TerminalText.clean(f.getFileId()),
        TerminalText.clean(f.getOwner()), f.getSize(), f.getGrantsLive(), f.getGrantsTotal(),
        age(f.getCreatedAtMillis(), now));
  }

  /** "3d4h", "2h5m", "40s": how long ago. */
  static String age(long millis, Instant now) {
    long s = Math.max(0, (now.toEpochMilli() - millis) / 1000);
    if (s >= 86_400) {
      return s / 86_400 + "d" + (s % 86_400) / 3600 + "h";
    }
    if (s >= 3600) {
      return s / 3600 + "h" + (s % 3600) / 60 + "m";
    }
    if (s >= 60) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  static void lockdown(JsonGenerator g, LockdownState l) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("on", l.getOn());
    g.writeStringField("reason", l.getReason());
    g.writeStringField("changed_by", l.getChangedBy());
    timeField(g, "changed_at", l.getChangedAtMillis());
    g.writeEndObject();
  }

  static void lockdownHuman(PrintWriter out, LockdownState l) {
    out.println("Lockdown: " + (l.getOn() ? "ON (uploads, grants, redeems and downloads are refused)" : "off"));
    if (l.getChangedAtMillis() != 0) {
      out.println("  changed by " + TerminalText.clean(l.getChangedBy()) + " at " + time(l.getChangedAtMillis())
          + (l.getReason().isEmpty() ? "" : ", reason: " + TerminalText.clean(l.getReason())));
    }
  }

  static void entry(JsonGenerator g, AuditEntry e) throws IOException {
    g.writeStartObject();
    g.writeNumberField("seq", e.getSeq());
    timeField(g, "time", e.getTimeMillis());
    g.writeStringField("actor", e.getActor());
    g.writeStringField("action", e.getAction());
    g.writeStringField("object", e.getObject());
    g.writeStringField("result", e.getResult());
    g.writeStringField("peer", e.getPeer());
    g.writeObjectFieldStart("details");
    for (Map.Entry<String, String> d : new TreeMap<>(e.getDetailsMap()).entrySet()) {
      g.writeStringField(d.getKey(), d.getValue());
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  /**
   * An audit record's columns: OBJECT as wide as the longest id it names ({@code upload:up_} and 32 hex digits), RESULT
   * as the usual results ({@code download-stalled}); a longer value pushes the rest of its line on (review BB: 24 and 7
   * put most grant, file and upload lines out from under their header).
   */
  private static final String ENTRY_COLUMNS = "%6s  %-24s  %-12s  %-22s  %-42s  %-16s  %s%s";

  /** The column names over {@link #entryLine}s, as every other listing has (round CA). */
  static void entryHeader(PrintWriter out) {
    out.println(String.format(Locale.ROOT, ENTRY_COLUMNS, "SEQ", "TIME", "ACTOR", "ACTION", "OBJECT", "RESULT",
        "PEER DETAILS", ""));
  }

  static void entryLine(PrintWriter out, AuditEntry e) {
    StringBuilder details = new StringBuilder();
    new TreeMap<>(e.getDetailsMap()).forEach((k, v) -> details.append(' ').append(k).append('=').append(v));
    out.println(TerminalText.escaped(String.format(Locale.ROOT, ENTRY_COLUMNS, e.getSeq(), time(e.getTimeMillis()),
        e.getActor(), e.getAction(), e.getObject(), e.getResult(),
        e.getPeer().isEmpty() ? "-" : e.getPeer(), details)));
  }
}
