package dev.sealdrop.client.cli.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.GrantIds;
import dev.sealdrop.client.cli.SealdropCommand;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.Pages;
import dev.sealdrop.protocol.v1.AdminFile;
import dev.sealdrop.protocol.v1.ListAllFilesRequest;
import dev.sealdrop.protocol.v1.PurgeFileRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sealdrop admin files list|purge}: stored ciphertext (names and contents stay sealed). */
@Command(name = "files", mixinStandardHelpOptions = true,
    description = {"List or purge stored files. The server holds ciphertext only: names and contents are inside "
        + "the envelope and unknown to it."},
    subcommands = {FilesCommand.ListFiles.class, FilesCommand.Purge.class},
    footer = {"  sealdrop admin files list --owner alice",
        "  sealdrop admin files purge f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35 \\",
        "      --reason 'wrong file'"})
final class FilesCommand extends CommandGroup {

  /** {@code files list [--owner O]}. */
  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Every stored file, newest first: owner, size, grants, age.",
      footer = {"  sealdrop admin files list", "  sealdrop admin files list --owner alice --json"})
  static final class ListFiles extends AdminSubcommand {
    @Option(names = "--owner", paramLabel = "IDENTITY", description = "Only files of this owner.")
    String owner;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      // an empty --owner ("$UNSET") names nobody: the server took it as no filter and listed every file (round CP)
      String owner = identity("--owner", this.owner, "`--owner alice`, or leave --owner out to list every owner's files");
      ListAllFilesRequest.Builder req = ListAllFilesRequest.newBuilder();
      if (owner != null) {
        req.setOwner(owner);
      }
      List<AdminFile> files = Pages.all(token -> admin.call(GrpcFailures.Op.LIST, () -> {
        var page = admin.stub().listAllFiles(req.setPageToken(token).build());
        return new Pages.Page<>(page.getFilesList(), page.getNextPageToken());
      }));
      Instant now = ((SealdropCommand) spec.root().userObject()).environment().clock().instant();
      output.emitReport(new Result() {
        @Override
        public void writeJson(JsonGenerator g) throws IOException {
          g.writeStartObject();
          g.writeBooleanField("ok", true);
          g.writeArrayFieldStart("files");
          for (AdminFile f : files) {
            AdminViews.file(g, f);
          }
          g.writeEndArray();
          g.writeEndObject();
        }

        @Override
        public void writeHuman(PrintWriter out) {
          if (files.isEmpty()) {
            out.println("(none)");
            return;
          }
          AdminViews.fileHeader(out);
          files.forEach(f -> AdminViews.fileLine(out, f, now));
        }
      });
    }
  }

  /** {@code files purge FILE_ID}. */
  @Command(name = "purge", mixinStandardHelpOptions = true,
      description = {"Delete a file's ciphertext and every grant that points to it; a download of it that is "
          + "streaming is cut. Irreversible."},
      footer = {"  sealdrop admin files purge f_3f2a9c1e5b7d40a8c6e2f19b0d4a7c35 \\",
        "      --reason 'sent to the wrong party'"})
  static final class Purge extends AdminSubcommand {
    @Parameters(index = "0", paramLabel = "FILE_ID", description = "The file (see `sealdrop admin files list`).")
    String fileId;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (audited; at most 256 characters).")
    String reason;

    @Override
    void run(AdminConnection admin, Output output) throws Exception {
      String id = GrantIds.requireFile(fileId, "`sealdrop admin files list`",
          "a grant id is taken by `sealdrop admin grants revoke GRANT_ID`, which revokes that grant only;"
              + " `sealdrop admin grants list --json` names each grant's file_id");
      String why = IdentitiesCommand.reason(reason);
      dev.sealdrop.protocol.v1.PurgeFileResponse resp;
      try {
        resp = admin.call(GrpcFailures.Op.GENERIC, () -> admin.stub()
            .purgeFile(PurgeFileRequest.newBuilder().setFileId(id).setReason(why).build()));
      } catch (dev.sealdrop.client.failure.UsageFailure e) {
        if (!e.reason().equals("NOT_FOUND")) {
          throw e;
        }
        // review BF: a file already purged or deleted was told "check the identifier", which was right; the server's
        // message says when it went
        throw e.retold(e.getMessage(), e.getMessage().contains("any more")
            ? "nothing was purged, and nothing is left to: `sealdrop admin files list` lists the files that remain"
            : "check the file id: `sealdrop admin files list` lists every file; nothing was purged");
      }
      output.emit(new dev.sealdrop.client.cli.FileRemovedView("Purged", resp.getFileId(), resp.getGrantsDeleted(),
          resp.getDownloadsCut()));
    }
  }
}
