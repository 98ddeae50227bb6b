package dev.sealdrop.client.cli.output;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * The JSON error document: {@code {"ok":false,"error":{"exit_code":4,"kind":"not_redeemable",
 * "reason":"GRANT_CONSUMED","message":"...","hint":"..."}}}, with {@code "path"} when the command had written a file
 * whole before it failed.
 */
public record ErrorResult(int exitCode, String kind, String reason, String message, Optional<String> hint,
    Optional<String> path) implements Result {
  /** An error that wrote no file. */
  public ErrorResult(int exitCode, String kind, String reason, String message, Optional<String> hint) {
    this(exitCode, kind, reason, message, hint, Optional.empty());
  }

  @Override
  public void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("ok", false);
    g.writeObjectFieldStart("error");
    g.writeNumberField("exit_code", exitCode);
    g.writeStringField("kind", kind);
    g.writeStringField("reason", reason);
    g.writeStringField("message", message);
    if (hint.isPresent()) {
      g.writeStringField("hint", hint.get());
    }
    if (path.isPresent()) {
      // the file written whole and verified before the failure (a receive whose confirmation failed)
      g.writeStringField("path", path.get());
    }
    g.writeEndObject();
    g.writeEndObject();
  }

  @Override
  public void writeHuman(PrintWriter out) {
    out.println("error: " + TerminalText.clean(message));
  }
}
