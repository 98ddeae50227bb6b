package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Timestamps;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.ServerConnection;
import dev.sealdrop.protocol.v1.DeleteFileRequest;
import dev.sealdrop.protocol.v1.DeleteFileResponse;
import dev.sealdrop.protocol.v1.FileInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sealdrop files}: the sealed files you uploaded, however they arrived (send, or SFTP's /outbox/); {@code files
 * delete FILE_ID} deletes one of them.
 */
@Command(name = UploadedFilesCommand.NAME, mixinStandardHelpOptions = true,
    description = {"List the sealed files you uploaded, by `sealdrop send` or by SFTP into /outbox/.",
        "Each with its file id, size, fingerprint, upload time, and the key fingerprints of the recipients it is"
            + " sealed for.",
        "Grant one to a recipient with `sealdrop grant FILE_ID --to IDENTITY`; delete one, with every grant on it,"
            + " with `sealdrop files delete FILE_ID`."},
    subcommands = {UploadedFilesCommand.Delete.class},
    footer = {"  sealdrop files", "  ID=$(sealdrop files --json | jq -r '.files[-1].file_id')",
        "  sealdrop files delete f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35"})
final class UploadedFilesCommand extends SealdropSubcommand implements Sealdrop.Listing {
  /** The command's name (also how {@code TopCommands} finds it without reading annotations). */
  static final String NAME = "files";

  @Override
  void run(Session session) throws Exception {
    List<FileInfo> files = OwnListings.files(session);
    session.output().emitReport(new Result() {
      @Override
      public void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", true);
        g.writeArrayFieldStart("files");
        for (FileInfo f : files) {
          writeFile(g, f);
        }
        g.writeEndArray();
        g.writeEndObject();
      }

      @Override
      public void writeHuman(PrintWriter out) {
        writeTable(out, files);
      }
    });
  }

  /** {@code files delete FILE_ID}: one of your files, its ciphertext and every grant on it. */
  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = {"Delete one of your uploaded files from the server: its ciphertext and every grant on it (their"
          + " recipients can no longer redeem them, and a download of it in progress is cut). Irreversible; a grant"
          + " whose download had already been served counts as delivered.",
          "To stop one recipient only, revoke that grant instead: `sealdrop grants revoke GRANT_ID`."},
      footer = {"  sealdrop files delete f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35"})
  static final class Delete extends SealdropSubcommand {
    @Parameters(index = "0", paramLabel = "FILE_ID", description = "The file (see `sealdrop files`).")
    String fileId;

    @Override
    void run(Session session) throws Exception {
      String id = GrantIds.requireFile(fileId, "`sealdrop files`", "a grant id is taken by `sealdrop grants revoke"
          + " GRANT_ID`, which revokes that grant only; `sealdrop grants --json` names each grant's file_id");
      DeleteFileResponse r = ServerConnection.call(GrpcFailures.Op.DELETE_FILE, () -> session.connect().transfer()
          .deleteFile(DeleteFileRequest.newBuilder().setFileId(id).build()));
      session.output().emit(new FileRemovedView("Deleted", r.getFileId(), r.getGrantsDeleted(), r.getDownloadsCut()));
    }
  }

  static void writeFile(JsonGenerator g, FileInfo f) throws IOException {
    g.writeStartObject();
    g.writeStringField("file_id", f.getFileId());
    g.writeNumberField("size", f.getSize());
    g.writeStringField("fingerprint", f.getFingerprint());
    g.writeStringField("created_at", Timestamps.ofMillis(f.getCreatedAtMillis()));
    g.writeArrayFieldStart("recipient_key_fingerprints");
    for (String r : f.getRecipientKeyFingerprintsList()) {
      g.writeString(r);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  static void writeTable(PrintWriter out, List<FileInfo> files) {
    if (files.isEmpty()) {
      out.println("(none)");
      return;
    }
    out.printf("%-36s  %12s  %-24s  %s%n", "FILE", "SIZE", "UPLOADED", "FINGERPRINT / SEALED FOR KEYS");
    for (FileInfo f : files) {
      out.printf("%-36s  %12d  %-24s  %s%n", TerminalText.clean(f.getFileId()), f.getSize(),
          Timestamps.ofMillis(f.getCreatedAtMillis()), TerminalText.clean(f.getFingerprint()));
      out.printf("%-36s  %12s  %-24s  for %s%n", "", "", "",
          f.getRecipientKeyFingerprintsCount() == 0 ? "(none)"
              : TerminalText.clean(String.join(", ", f.getRecipientKeyFingerprintsList())));
    }
  }
}
