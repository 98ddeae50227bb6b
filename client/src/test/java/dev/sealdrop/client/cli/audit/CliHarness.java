package dev.sealdrop.client.cli.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.sealdrop.client.cli.CliEnvironment;
import dev.sealdrop.client.cli.Sealdrop;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code sealdrop} in-process (test environment, no terminal) and reads its one JSON document. */
public final class CliHarness {
  private CliHarness() {}

  /** The outcome of one run. */
  public record Run(int exit, String out, String err) {
    public Map<String, Object> json() {
      return parseOne(out);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> object(String field) {
      return (Map<String, Object>) json().get(field);
    }

    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> list(String field) {
      return (List<Map<String, Object>>) json().get(field);
    }

    public Run assertExit(int expected) {
      assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(expected);
      return this;
    }
  }

  public static Run run(Map<String, String> env, String... args) {
    CommandLine cl = Sealdrop.commandLine(CliEnvironment.forTest(env, Path.of(System.getProperty("java.io.tmpdir"))));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  /** stdout must be exactly one JSON object. */
  public static Map<String, Object> parseOne(String text) {
    try (JsonParser p = new JsonFactory().createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new AssertionError("stdout does not start with a JSON object:\n" + text);
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> doc = (Map<String, Object>) value(p);
      if (p.nextToken() != null) {
        throw new AssertionError("stdout holds more than one JSON document:\n" + text);
      }
      return doc;
    } catch (IOException e) {
      throw new UncheckedIOException("stdout is not JSON:\n" + text, e);
    }
  }

  private static Object value(JsonParser p) throws IOException {
    switch (p.currentToken()) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          m.put(name, value(p));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.add(value(p));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getLongValue();
      case VALUE_TRUE:
        return true;
      case VALUE_FALSE:
        return false;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected token " + p.currentToken());
    }
  }
}
