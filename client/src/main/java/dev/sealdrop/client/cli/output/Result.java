package dev.sealdrop.client.cli.output;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * What a command produced, renderable both ways. {@link #writeJson} writes exactly one JSON
 * value (an object); {@link #writeHuman} writes lines for a person (pass every server- or
 * sender-controlled string through {@link TerminalText#clean}).
 */
public interface Result {
  void writeJson(JsonGenerator json) throws IOException;

  void writeHuman(PrintWriter out);
}
