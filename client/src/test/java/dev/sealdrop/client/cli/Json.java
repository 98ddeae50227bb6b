package dev.sealdrop.client.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-side JSON reading with jackson-core: asserts stdout is exactly one JSON document. The one
 * JSON reader of the client tests (through {@link CliRun}, in every test package).
 */
final class Json {
  private Json() {}

  static Map<String, Object> parseOne(String text) {
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
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
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
