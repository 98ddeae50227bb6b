package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * A stored file removed with every grant on it: by its sender ({@code files delete}, "Deleted") or an admin ({@code
 * admin files purge}, "Purged"); the same JSON for both.
 */
public record FileRemovedView(String verb, String fileId, int grantsDeleted, int downloadsCut) implements Result {
  @Override
  public void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("ok", true);
    g.writeStringField("file_id", fileId);
    g.writeNumberField("grants_deleted", grantsDeleted);
    g.writeNumberField("downloads_cut", downloadsCut);
    g.writeEndObject();
  }

  @Override
  public void writeHuman(PrintWriter out) {
    out.println(verb + " file " + TerminalText.clean(fileId) + "; grants deleted: " + grantsDeleted
        + "; downloads cut: " + downloadsCut);
  }
}
