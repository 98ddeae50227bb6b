package dev.sealdrop.client.cli.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.protocol.v1.AuditEntry;
import dev.sealdrop.protocol.v1.TailAuditRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sealdrop admin audit export|tail}. */
@Command(name = "audit", mixinStandardHelpOptions = true,
    description = "Export the audit log (for `sealdrop audit verify`) or show its latest records.",
    subcommands = {AdminAuditCommand.Export.class, AdminAuditCommand.Tail.class},
    footer = {"  sealdrop admin audit export -o audit.jsonl", "  sealdrop admin audit tail -n 50"})
final class AdminAuditCommand extends CommandGroup {
  static final int MAX_TAIL = 1000;

  /** {@code audit export -o FILE [--force]}. */
  @Command(name = "export", mixinStandardHelpOptions = true,
      description = {"Write the audit log (records and signed checkpoints, JSON Lines) to FILE, up to a checkpoint "
          + "signed for this export, and check it with the audit key the server announces. Give the file and the key "
          + "(obtained out of band too) to an auditor: `sealdrop audit verify FILE --key KEY --checkpoints DIR`."},
      footer = {"  sealdrop admin audit export -o audit-2026-11-23.jsonl",
          "  sealdrop admin audit export -o audit.jsonl --json \\",
          "      | jq -r .verifier_key > audit-key.txt"})
  static final class Export extends AdminSubcommand {
    @Option(names = {"-o", "--output"}, required = true, converter = dev.sealdrop.client.cli.EmptyArgument.PathText.class, paramLabel = "FILE", description = "Where to write the export.")
    String file; // as given: a trailing / names a folder (Path would drop it)

    @Option(names = "--force", description = "Replace FILE if it exists.")
    boolean force;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      AuditExport.Written w = new AuditExport(file, force).write(admin);
      if (w.result().valid()) {
        output.warn("the audit key came from the server being audited; an auditor should obtain it out of band "
            + "too and verify with `sealdrop audit verify " + dev.sealdrop.client.cli.output.ShellWords.of(file)
            + " --key KEY`");
      }
      AuditExport.ensureValid(w);
      output.emit(AuditExport.result(w));
    }
  }

  /** {@code audit tail [-n N]}. */
  @Command(name = "tail", mixinStandardHelpOptions = true,
      description = {"The latest audit records, oldest first, for people. Not a proof: use `admin audit export` and "
          + "`sealdrop audit verify` for that."},
      footer = {"  sealdrop admin audit tail", "  sealdrop admin audit tail -n 200 --json"})
  static final class Tail extends AdminSubcommand {
    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "20", converter = Count.class,
        description = "How many records (1-1000; default ${DEFAULT-VALUE}).")
    int count;

    /**
     * Parses {@code -n}: no number at all ({@code -n abc}, {@code -n ''}) or one beyond an int is {@code BAD_COUNT}, as
     * one outside 1..1000 is, not picocli's "Invalid value for option '--lines': 'abc' is not an int" under
     * {@code USAGE} (round CP).
     */
    static final class Count implements picocli.CommandLine.ITypeConverter<Integer> {
      private static final java.util.regex.Pattern WHOLE = java.util.regex.Pattern.compile("[+-]?\\d+");

      @Override
      public Integer convert(String value) throws UsageFailure {
        String v = value.strip();
        if (!WHOLE.matcher(v).matches()) {
          throw refused((v.isEmpty() ? "-n is empty" : "-n " + value + " is not a whole number") + "; it must be 1.."
              + MAX_TAIL);
        }
        java.math.BigInteger n = new java.math.BigInteger(v);
        if (n.signum() < 1 || n.compareTo(java.math.BigInteger.valueOf(MAX_TAIL)) > 0) {
          throw refused("-n " + v + " is outside 1.." + MAX_TAIL);
        }
        return n.intValueExact();
      }
    }

    private static UsageFailure refused(String message) {
      return new UsageFailure("BAD_COUNT", message, "for a full copy use `sealdrop admin audit export -o FILE`");
    }

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      if (count < 1 || count > MAX_TAIL) {
        throw refused("-n " + count + " is outside 1.." + MAX_TAIL);
      }
      List<AuditEntry> entries = admin.call(GrpcFailures.Op.GENERIC,
          () -> admin.stub().tailAudit(TailAuditRequest.newBuilder().setCount(count).build())).getEntriesList();
      output.emitReport(new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", true);
          g.writeArrayFieldStart("entries");
          for (AuditEntry e : entries) {
            AdminViews.entry(g, e);
          }
          g.writeEndArray();
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          if (entries.isEmpty()) {
            out.println("(no records)");
            return;
          }
          AdminViews.entryHeader(out);
          entries.forEach(e -> AdminViews.entryLine(out, e));
        }
      });
    }
  }
}
