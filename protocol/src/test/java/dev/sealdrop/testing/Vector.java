package dev.sealdrop.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One known-answer vector file: {@code key: value} lines (CCTV/age testkit style), a value may
 * continue on following lines that start with a space. {@code expect:} comes first.
 */
public record Vector(String name, Map<String, String> fields) {
  public static Vector read(Path file) throws IOException {
    Map<String, String> f = new LinkedHashMap<>();
    String last = null;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith(" ") && last != null) {
        f.put(last, f.get(last) + line.strip());
        continue;
      }
      int colon = line.indexOf(':');
      last = line.substring(0, colon).strip();
      f.put(last, line.substring(colon + 1).strip());
    }
    if (!f.keySet().iterator().next().equals("expect")) {
      throw new IOException(file + ": the first field must be expect:");
    }
    return new Vector(file.getFileName().toString(), f);
  }

  public String get(String key) {
    String v = fields.get(key);
    if (v == null) {
      throw new IllegalArgumentException(name + " has no " + key + ":");
    }
    return v;
  }

  public boolean has(String key) {
    return fields.containsKey(key);
  }

  public byte[] hex(String key) {
    return HexFormat.of().parseHex(get(key));
  }

  /** Renders fields back into the file format, wrapping long hex at 96 characters. */
  public static String render(Map<String, String> fields) {
    StringBuilder sb = new StringBuilder();
    fields.forEach((k, v) -> {
      sb.append(k).append(": ");
      if (v.length() <= 96) {
        sb.append(v).append('\n');
      } else {
        sb.append('\n');
        for (int i = 0; i < v.length(); i += 96) {
          sb.append(' ').append(v, i, Math.min(v.length(), i + 96)).append('\n');
        }
      }
    });
    return sb.toString();
  }
}
