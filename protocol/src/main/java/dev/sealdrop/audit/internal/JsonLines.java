package dev.sealdrop.audit.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.sealdrop.audit.AuditFormatException;
import dev.sealdrop.audit.AuditLogEntry;
import dev.sealdrop.audit.AuditPublicKey;
import dev.sealdrop.audit.AuditRecord;
import dev.sealdrop.audit.ChainHash;
import dev.sealdrop.audit.SignedCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes and strictly parses the three kinds of JSON line (docs/audit-log.md, "Export file").
 * Parsing is bounded (string length, nesting depth, number length) and rejects duplicate or
 * unknown members, missing members, wrong types and trailing content.
 */
public final class JsonLines {
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxStringLength(SignedCheckpoint.MAX_NOTE_CHARS * 2)
          .maxNestingDepth(3)
          .maxNumberLength(20)
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private static final Set<String> HEADER_FIELDS = Set.of("type", "format", "origin", "key");
  private static final Set<String> RECORD_FIELDS =
      Set.of("type", "seq", "time", "actor", "action", "object", "result", "peer", "details", "prev", "hash");
  private static final Set<String> CHECKPOINT_FIELDS = Set.of("type", "note");

  private JsonLines() {}

  public static byte[] header(String origin, AuditPublicKey key) {
    return line(g -> {
      g.writeStringField("type", "header");
      g.writeStringField("format", Labels.FILE_FORMAT);
      g.writeStringField("origin", origin);
      g.writeStringField("key", key.encoded());
    });
  }

  public static byte[] record(AuditRecord r, ChainHash hash) {
    return line(g -> {
      g.writeStringField("type", "record");
      g.writeNumberField("seq", r.sequence());
      g.writeNumberField("time", r.timeMillis());
      g.writeStringField("actor", r.actor());
      g.writeStringField("action", r.action());
      g.writeStringField("object", r.object());
      g.writeStringField("result", r.result());
      g.writeStringField("peer", r.peer());
      g.writeObjectFieldStart("details");
      for (Map.Entry<String, String> e : r.details().entrySet()) {
        g.writeStringField(e.getKey(), e.getValue());
      }
      g.writeEndObject();
      g.writeStringField("prev", r.previousHash().toString());
      g.writeStringField("hash", hash.toString());
    });
  }

  public static byte[] checkpoint(SignedCheckpoint cp) {
    return line(g -> {
      g.writeStringField("type", "checkpoint");
      g.writeStringField("note", cp.note());
    });
  }

  /** " (at character N)" for a parse error that knows its position; otherwise empty. */
  private static String where(Exception e) {
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
        && j.getLocation().getColumnNr() > 0) {
      return " (at character " + j.getLocation().getColumnNr() + ")";
    }
    return "";
  }

  /** Parses one line (without its newline). */
  public static AuditLogEntry parse(String line) throws AuditFormatException {
    if (line.startsWith("\uFEFF")) {
      // an editor's (or Windows tool's) byte-order mark: named, not "not valid JSON (at character 1)"
      throw new AuditFormatException("the line starts with a byte-order mark (U+FEFF, bytes EF BB BF), which the"
          + " format does not allow: a text editor or tool added it; the export as the server wrote it has none");
    }
    if (line.isBlank()) {
      // an editor's (or `echo >>`'s) extra line: named, not "expected a JSON object" (review BB)
      throw new AuditFormatException("the line is empty, which the format does not allow: a text editor or tool added"
          + " it (often at the end); the export as the server wrote it has none");
    }
    Map<String, Object> fields;
    try (JsonParser p = JSON.createParser(line)) {
      fields = readObject(p, true);
      if (p.nextToken() != null) {
        throw new AuditFormatException("content after the JSON object");
      }
    } catch (AuditFormatException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // the parser's own message quotes the text it choked on, which may be anything (a pasted token, a passphrase
      // file given by mistake): only where it broke is told, and, for a member given twice (which a reader taking the
      // first and one taking the last would read differently), that it was, without its name
      boolean twice = e instanceof com.fasterxml.jackson.core.JsonParseException && e.getMessage() != null
          && e.getMessage().startsWith("Duplicate field");
      throw new AuditFormatException("not valid JSON" + (twice ? ": a member appears twice in one object" : "")
          + where(e), e);
    }
    Object type = fields.get("type");
    if ("header".equals(type)) {
      requireExactly(fields, HEADER_FIELDS);
      if (!Labels.FILE_FORMAT.equals(fields.get("format"))) {
        throw new AuditFormatException("header: unsupported format (expected \"" + Labels.FILE_FORMAT + "\")");
      }
      String origin = string(fields, "origin");
      if (!Text.isNoteName(origin)) {
        throw new AuditFormatException("header: origin must be printable ASCII without space or '+'");
      }
      try {
        return new AuditLogEntry.HeaderLine(origin, AuditPublicKey.parse(string(fields, "key")));
      } catch (IllegalArgumentException e) {
        throw new AuditFormatException("header: " + e.getMessage(), e);
      }
    }
    if ("record".equals(type)) {
      requireExactly(fields, RECORD_FIELDS);
      try {
        @SuppressWarnings("unchecked")
        TreeMap<String, String> details = (TreeMap<String, String>) typed(fields, "details", TreeMap.class);
        AuditRecord r = new AuditRecord(number(fields, "seq"), number(fields, "time"), string(fields, "actor"),
            string(fields, "action"), string(fields, "object"), string(fields, "result"), string(fields, "peer"),
            details, ChainHash.fromBase64(string(fields, "prev")));
        return new AuditLogEntry.RecordLine(r, ChainHash.fromBase64(string(fields, "hash")));
      } catch (IllegalArgumentException e) {
        throw new AuditFormatException(e.getMessage(), e);
      }
    }
    if ("checkpoint".equals(type)) {
      requireExactly(fields, CHECKPOINT_FIELDS);
      return new AuditLogEntry.CheckpointLine(SignedCheckpoint.parse(string(fields, "note")));
    }
    throw new AuditFormatException("unknown line type (expected header, record or checkpoint)");
  }

  /** Reads an object: strings and integers at the top, one nested object of strings ("details"). */
  private static Map<String, Object> readObject(JsonParser p, boolean top) throws IOException {
    if ((top ? p.nextToken() : p.currentToken()) != JsonToken.START_OBJECT) {
      throw new AuditFormatException("expected a JSON object");
    }
    Map<String, Object> out = top ? new HashMap<>() : new TreeMap<>();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_STRING) {
        out.put(name, p.getText());
      } else if (top && v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
        out.put(name, (long) p.getIntValue());
      } else if (top && v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG) {
        out.put(name, p.getLongValue());
      } else if (top && v == JsonToken.VALUE_NUMBER_INT) {
        // a whole number past a signed 64-bit integer (round BG: it was told "the wrong type")
        throw new AuditFormatException("member \"" + name + "\" is a number out of range (" + p.getText().length()
            + " digits; at most " + Long.MAX_VALUE + ")");
      } else if (top && v == JsonToken.START_OBJECT) {
        out.put(name, readObject(p, false));
      } else {
        throw new AuditFormatException("member \"" + name + "\" has a value of the wrong type");
      }
      if (!top && out.size() > AuditRecord.MAX_DETAILS) {
        throw new AuditFormatException("details has more than " + AuditRecord.MAX_DETAILS + " entries");
      }
    }
    if (t != JsonToken.END_OBJECT) {
      throw new AuditFormatException("malformed JSON object");
    }
    return out;
  }

  private static void requireExactly(Map<String, Object> fields, Set<String> expected) throws AuditFormatException {
    if (!fields.keySet().equals(expected)) {
      throw new AuditFormatException("members must be exactly " + new java.util.TreeSet<>(expected)
          + ", got " + new TreeMap<>(fields).keySet());
    }
  }

  private static String string(Map<String, Object> f, String name) throws AuditFormatException {
    return typed(f, name, String.class);
  }

  private static long number(Map<String, Object> f, String name) throws AuditFormatException {
    return typed(f, name, Long.class);
  }

  private static <T> T typed(Map<String, Object> f, String name, Class<T> type) throws AuditFormatException {
    Object v = f.get(name);
    if (!type.isInstance(v)) {
      throw new AuditFormatException("member \"" + name + "\" has a value of the wrong type");
    }
    return type.cast(v);
  }

  private interface Body {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] line(Body body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      body.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("audit: internal error: writing JSON to memory failed", e);
    }
    out.write('\n');
    return out.toByteArray();
  }
}
