package dev.sealdrop.client.cli.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.protocol.v1.AddIdentityRequest;
import dev.sealdrop.protocol.v1.DisableIdentityRequest;
import dev.sealdrop.protocol.v1.EnableIdentityRequest;
import dev.sealdrop.protocol.v1.IdentityInfo;
import dev.sealdrop.protocol.v1.ListIdentitiesRequest;
import dev.sealdrop.protocol.v1.RevokeIdentityRequest;
import dev.sealdrop.protocol.v1.Role;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sealdrop admin identities list|add|disable|enable|revoke}. */
@Command(name = "identities", mixinStandardHelpOptions = true,
    description = "List, add, disable, re-enable and revoke identities.",
    subcommands = {IdentitiesCommand.ListIdentities.class, IdentitiesCommand.Add.class, IdentitiesCommand.Disable.class,
        IdentitiesCommand.Enable.class, IdentitiesCommand.Revoke.class},
    footer = {"  sealdrop admin identities list --json", "  sealdrop admin identities add erin --role acquirer",
        "  sealdrop admin identities revoke bob --reason 'laptop lost'"})
final class IdentitiesCommand extends CommandGroup {
  static final int MAX_REASON = 256;

  /** The JSON/human result of a change to one identity, with the counts of what it closed, in order. */
  static Result changed(String verb, IdentityInfo i, Map<String, Integer> counts) {
    return result(verb, null, false, i, counts, null);
  }

  /**
   * One certificate revoked: as {@link #changed}, then where the server had seen it speak for the identity (JSON
   * {@code certificate_seen_as}, one string each), or, if nowhere, a line saying so: revoked ahead, and worth a second
   * look at the serial.
   */
  static Result revokedCertificate(String serial, boolean already, IdentityInfo i, Map<String, Integer> counts,
      List<String> seenAs) {
    // a repeat says so, as for an identity (outside test: a second revocation read as a fresh one)
    // as listings show serials, whatever case and leading zeros it was typed with (review EC: `1f3a9c` echoed as typed)
    String shown = dev.sealdrop.client.cli.CertificateSerials.shown(new java.math.BigInteger(serial, 16));
    return result("Revoked certificate " + shown + " of", already ? who -> "Certificate " + shown + " of " + who
        + " was revoked already; nothing changed" : null, true, i, counts, seenAs);
  }

  /**
   * A disable or enable: {@code state} is what it sets ("disabled"); if the identity {@code wasAlready}
   * so, the line says nothing changed. JSON says {@code "changed"} either way.
   */
  private static Result switched(String verb, String state, boolean wasAlready, IdentityInfo i,
      Map<String, Integer> counts) {
    return result(verb, wasAlready ? who -> who + " was " + state + " already; nothing changed" : null, true, i, counts,
        null);
  }

  /**
   * {@code already}: for a repeat (nothing changed), the line that says so, given who; else null. {@code counts}: JSON name →
   * count, each a field in JSON and "; N words" on the human line (a repeat that closed nothing says no count).
   */
  private static Result result(String verb, java.util.function.UnaryOperator<String> already, boolean saysChanged,
      IdentityInfo i,
      Map<String, Integer> counts, List<String> seenAs) {
    return new Result() {
      @Override
      public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", true);
        if (saysChanged) {
          g.writeBooleanField("changed", already == null);
        }
        g.writeFieldName("identity");
        AdminViews.identity(g, i);
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
          g.writeNumberField(c.getKey(), c.getValue());
        }
        if (seenAs != null) {
          g.writeArrayFieldStart("certificate_seen_as");
          for (String where : seenAs) {
            g.writeString(where);
          }
          g.writeEndArray();
        }
        g.writeEndObject();
      }

      @Override
      public void writeHuman(PrintWriter out) {
        String who = TerminalText.clean(i.getIdentity()) + " (role " + AdminViews.role(i.getRole()) + ", state "
            + AdminViews.state(i.getState()) + ")";
        StringBuilder line = new StringBuilder(already == null ? verb + " " + who
            : already.apply(who));
        boolean any = counts.values().stream().anyMatch(n -> n != 0);
        for (Map.Entry<String, Integer> c : counts.entrySet()) {
          if (already == null || any) {
            line.append("; ").append(counted(c.getValue(), HUMAN_COUNTS.getOrDefault(c.getKey(), c.getKey())));
          }
        }
        out.println(line);
        if (seenAs == null) {
          return;
        }
        String name = TerminalText.clean(i.getIdentity());
        if (seenAs.isEmpty()) {
          out.println("note: the server had not seen this certificate speak for " + name + " (it signed no key bundle"
              + " and registered no SSH key of " + name + "); it is revoked ahead, and refused if ever presented as "
              + name + "'s. If it was to be another identity's certificate, check the serial");
        }
        for (String where : seenAs) {
          out.println("  seen as " + name + "'s: " + TerminalText.clean(where));
        }
      }
    };
  }

  /** Name, count, name, count, … in that order. */
  private static Map<String, Integer> counts(Object... nameThenCount) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int k = 0; k < nameThenCount.length; k += 2) {
      counts.put((String) nameThenCount[k], (Integer) nameThenCount[k + 1]);
    }
    return counts;
  }

  /**
   * The human line's words for counts whose JSON name alone misleads: revoking bob mid-download printed "0 downloads
   * cut" though his own download was (round CG): that one went with his session; downloads_cut counts others'
   * downloads of his files.
   */
  private static final Map<String, String> HUMAN_COUNTS = Map.of(
      "sessions_closed", "sessions_closed_(with_their_transfers)",
      "downloads_cut", "downloads_of_its_files_by_others_cut");

  /** "2 sessions closed", "1 session closed" from a JSON name such as {@code sessions_closed}. */
  static String counted(int count, String pluralName) {
    String words = pluralName.replace('_', ' ');
    return count + " " + (count == 1 ? words.replaceFirst("s( |$)", "$1") : words);
  }

  static String reason(String reason) throws UsageFailure {
    if (reason == null) {
      return "";
    }
    int characters = reason.codePointCount(0, reason.length()); // an emoji is one character, not two UTF-16 units
    if (characters > MAX_REASON) {
      throw new UsageFailure("REASON_TOO_LONG", "--reason is " + characters + " characters; at most "
          + MAX_REASON + " are allowed", "shorten the reason");
    }
    return reason;
  }

  static Role parseRole(String text) throws UsageFailure {
    String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
    for (Role r : new Role[] {Role.ROLE_TRANSFEROR, Role.ROLE_ACQUIRER, Role.ROLE_ADMIN}) {
      if (r.name().equals("ROLE_" + t)) {
        return r;
      }
    }
    throw new UsageFailure("BAD_ROLE", "\"" + text + "\" is not a role", "use transferor, acquirer or admin");
  }

  /** {@code identities list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every identity with its role and state.",
      footer = {"  sealdrop admin identities list", "  sealdrop admin identities list --json"})
  static final class ListIdentities extends AdminSubcommand {
    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      List<IdentityInfo> all = admin.call(GrpcFailures.Op.LIST,
          () -> admin.stub().listIdentities(ListIdentitiesRequest.getDefaultInstance())).getIdentitiesList();
      output.emitReport(new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", true);
          g.writeArrayFieldStart("identities");
          for (IdentityInfo i : all) {
            AdminViews.identity(g, i);
          }
          g.writeEndArray();
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          if (all.isEmpty()) {
            out.println("(none)");
            return;
          }
          AdminViews.identityHeader(out);
          all.forEach(i -> AdminViews.identityLine(out, i));
        }
      });
    }
  }

  /** {@code identities add IDENTITY --role ROLE}. */
  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Register an identity (the subject CN of the certificates your CA issues) with a role.",
          "It can connect once it holds a certificate from the deployment CA."},
      footer = "  sealdrop admin identities add erin --role acquirer")
  static final class Add extends AdminSubcommand {
    @Parameters(index = "0", paramLabel = "IDENTITY", description = "1-64 characters of [A-Za-z0-9._@-].")
    String identity;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "transferor, acquirer or admin.")
    String role;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String identity = identity("IDENTITY", this.identity, "`sealdrop admin identities add erin --role acquirer`");
      Role r = parseRole(role);
      IdentityInfo i = admin.call(GrpcFailures.Op.ADMIN_IDENTITY, () -> admin.stub()
          .addIdentity(AddIdentityRequest.newBuilder().setIdentity(identity).setRole(r).build())).getIdentity();
      output.emit(changed("Added", i, Map.of()));
    }
  }

  /** {@code identities disable IDENTITY}. */
  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = {"Disable an identity at once: its connections are closed, its transfers aborted, and its grants "
          + "(to or from it) cannot be redeemed. Reversible with `enable`."},
      footer = "  sealdrop admin identities disable bob --reason 'on leave'")
  static final class Disable extends AdminSubcommand {
    @Parameters(index = "0", paramLabel = "IDENTITY", description = "The identity to disable.")
    String identity;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited; at most 256 characters).")
    String reason;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String identity = identity("IDENTITY", this.identity, "`sealdrop admin identities disable bob`");
      String why = reason(reason);
      var resp = admin.call(GrpcFailures.Op.ADMIN_IDENTITY, () -> admin.stub().disableIdentity(
          DisableIdentityRequest.newBuilder().setIdentity(identity).setReason(why).build()));
      output.emit(switched("Disabled", "disabled", resp.getAlreadyDisabled(), resp.getIdentity(), counts(
          "sessions_closed", resp.getSessionsClosed(), "downloads_cut", resp.getDownloadsCut())));
    }
  }

  /** {@code identities enable IDENTITY}. */
  @Command(name = "enable", mixinStandardHelpOptions = true,
      description = "Re-enable a disabled identity (a revoked one stays revoked).",
      footer = "  sealdrop admin identities enable bob")
  static final class Enable extends AdminSubcommand {
    @Parameters(index = "0", paramLabel = "IDENTITY", description = "The identity to re-enable.")
    String identity;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String identity = identity("IDENTITY", this.identity, "`sealdrop admin identities enable bob`");
      var resp = admin.call(GrpcFailures.Op.ADMIN_IDENTITY, () -> admin.stub()
          .enableIdentity(EnableIdentityRequest.newBuilder().setIdentity(identity).build()));
      output.emit(switched("Enabled", "enabled", resp.getAlreadyEnabled(), resp.getIdentity(), Map.of()));
    }
  }

  /** {@code identities revoke IDENTITY [--certificate SERIAL]}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = {"Revoke an identity for good, or only one of its certificates (--certificate). Takes effect at "
          + "once: its connections are closed, transfers in flight aborted, its next TLS handshake fails, and grants "
          + "created by it or addressed to it become unusable. Irreversible."},
      footer = {"  sealdrop admin identities revoke bob --reason 'laptop lost'",
          "  sealdrop admin identities revoke bob --certificate 1f3a9c \\",
          "      --reason 'old laptop'"})
  static final class Revoke extends AdminSubcommand {
    @Parameters(index = "0", paramLabel = "IDENTITY", description = "The identity to revoke.")
    String identity;

    @Option(names = "--certificate", paramLabel = "SERIAL",
        description = "Revoke only this certificate (hexadecimal serial number).")
    String serial;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited; at most 256 characters).")
    String reason;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String identity = identity("IDENTITY", this.identity, "`sealdrop admin identities revoke bob`");
      String why = reason(reason);
      String hex = serial == null ? "" : certificateSerial(serial);
      var resp = admin.call(GrpcFailures.Op.ADMIN_IDENTITY, () -> admin.stub().revokeIdentity(RevokeIdentityRequest
          .newBuilder().setIdentity(identity).setCertificateSerial(hex).setReason(why).build()));
      output.emit(hex.isEmpty()
          ? switched("Revoked", "revoked", resp.getAlreadyRevoked(), resp.getIdentity(), counts("sessions_closed",
              resp.getSessionsClosed(), "grants_revoked", resp.getGrantsRevoked(), "downloads_cut",
              resp.getDownloadsCut()))
          : revokedCertificate(hex, resp.getAlreadyRevoked(), resp.getIdentity(), counts("sessions_closed", resp.getSessionsClosed(),
              "grants_revoked", resp.getGrantsRevoked()), resp.getCertificateSeenAsList()));
    }

    /**
     * The serial's hex digits, given as {@code openssl x509 -noout -serial} prints it ({@code serial=0C92...}),
     * as {@code openssl x509 -text} shows it ({@code 0c:92:...}), with {@code 0x}, or bare.
     */
    static String certificateSerial(String given) throws UsageFailure {
      String s = given.trim();
      if (s.regionMatches(true, 0, "serial=", 0, 7)) {
        s = s.substring(7);
      } else if (s.regionMatches(true, 0, "0x", 0, 2)) {
        s = s.substring(2);
      }
      if (s.matches("(?i)[0-9a-f]{1,2}(:[0-9a-f]{2})+")) {
        s = s.replace(":", "");
      }
      String hint = "give its hex digits as `openssl x509 -noout -serial -in CERT` prints them (serial=0C92... or"
          + " 0C92...)";
      if (s.matches("(?i)[0-9a-f]{65,}")) {
        // hexadecimal, just too long (two serials pasted together?): not "not a hexadecimal serial number"
        throw new UsageFailure("BAD_SERIAL", "--certificate has " + s.length() + " hexadecimal digits, too many for a"
            + " certificate serial number (1 to 64 digits)", hint);
      }
      if (!s.matches("(?i)[0-9a-f]{1,64}")) {
        throw new UsageFailure("BAD_SERIAL", "--certificate \"" + given + "\" is not a hexadecimal serial number", hint);
      }
      return s;
    }
  }
}
