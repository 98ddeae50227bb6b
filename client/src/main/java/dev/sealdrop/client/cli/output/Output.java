package dev.sealdrop.client.cli.output;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * The only writer of stdout. Human mode prints lines; {@code --json} mode guarantees stdout is
 * exactly one JSON document: one result, or one error object, never both, never two.
 * Notes for people (what is happening, warnings) go to stderr in both modes.
 */
public final class Output {
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean json;
  private boolean emitted;

  public Output(PrintWriter out, PrintWriter err, boolean json) {
    this.out = Objects.requireNonNull(out, "out");
    this.err = Objects.requireNonNull(err, "err");
    this.json = json;
  }

  public boolean json() {
    return json;
  }

  /** Prints the command's one result. */
  public void emit(Result result) {
    if (emitted) {
      throw new IllegalStateException("cli: internal error: a command emitted two results");
    }
    emitted = true;
    if (json) {
      writeJson(result);
    } else {
      result.writeHuman(out);
      out.flush();
    }
  }

  /** Prints the error document in JSON mode (unless a result was already printed). */
  public void emitError(Result error) {
    if (json && !emitted) {
      emitted = true;
      writeJson(error);
    }
  }

  /** A line for a person on stderr, {@code sealdrop: MESSAGE}, in both modes (stdout stays clean). */
  public void note(String message) {
    err.println("sealdrop: " + TerminalText.clean(message));
    err.flush();
  }

  public void warn(String message) {
    err.println("sealdrop: warning: " + TerminalText.clean(message));
    err.flush();
  }

  private void writeJson(Result result) {
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      result.writeJson(g);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to stdout", e);
    }
    out.println();
    out.flush();
  }
}
