package dev.sealdrop.envelope.internal;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;
import java.util.Set;

/**
 * Turns a sender-chosen file name into one safe to create in the recipient's directory: only the
 * last path component, no control, bidi or invisible characters ({@link dev.sealdrop.text.UnsafeCharacters}), no leading dot, dash or tilde, no reserved
 * names, at most 200 UTF-8 bytes (a longer one keeps its extension). A name with nothing left becomes {@code sealdrop-<fp>.bin}.
 */
public final class FileNames {
  private FileNames() {}

  /** Windows' device names, each a file name nowhere on that system (round AF: COM5-9, LPT4-9 and others were missing). */
  private static final Set<String> RESERVED = reserved();

  private static Set<String> reserved() {
    Set<String> names = new java.util.HashSet<>(Set.of("con", "prn", "aux", "nul", "conin$", "conout$"));
    for (String port : new String[] {"com", "lpt"}) {
      for (char digit : "0123456789¹²³".toCharArray()) {
        names.add(port + digit);
      }
    }
    return Set.copyOf(names);
  }
  private static final int MAX_BYTES = 200;

  public static String sanitize(String proposed, String fingerprint) {
    String s = Normalizer.normalize(proposed, Normalizer.Form.NFC);
    int cut = Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\'));
    s = s.substring(cut + 1);
    StringBuilder sb = new StringBuilder();
    s.codePoints().forEach(c -> {
      // invisible and direction-changing characters too, as the CLI shows them: every format character, not only
      // some (a name "report.csv" followed by tag characters looked like report.csv)
      boolean bad = dev.sealdrop.text.UnsafeCharacters.unsafe(c) || c == ':' || c == '*' || c == '?' || c == '"'
          || c == '<' || c == '>' || c == '|';
      sb.appendCodePoint(bad ? '_' : c);
    });
    s = sb.toString().strip();
    // a leading tilde as a leading dash: a shell expands "~" and "~name" unquoted to a home folder (round CE: a file
    // named "~" was written so, one `rm -r ~` from the user's home)
    while (s.startsWith(".") || s.startsWith("-") || s.startsWith("~")) {
      s = s.substring(1).stripLeading(); // " . .x" kept its space (round AF)
    }
    while (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    String base = (s.contains(".") ? s.substring(0, s.indexOf('.')) : s).stripTrailing(); // Windows drops "CON "'s
    if (RESERVED.contains(base.toLowerCase(Locale.ROOT))) {
      s = "_" + s;
    }
    s = truncate(s);
    if (s.isBlank()) {
      return "sealdrop-" + fingerprint.substring(0, 16) + ".bin";
    }
    return s;
  }

  /**
   * {@code directory}'s entry for the {@link #sanitize sanitized} {@code proposed} name. Where the file system cannot
   * name a file so (a JVM under a non-UTF-8 locale, {@code LC_ALL=C}, encodes file names in ASCII), each character
   * outside ASCII becomes {@code _}: the file is written under a name that can be, rather than not at all (round AD: an
   * internal error after the grant was redeemed and every byte served).
   */
  public static java.nio.file.Path resolveIn(java.nio.file.Path directory, String proposed, String fingerprint) {
    String name = sanitize(proposed, fingerprint);
    try {
      return directory.resolve(name);
    } catch (java.nio.file.InvalidPathException e) {
      StringBuilder ascii = new StringBuilder();
      name.codePoints().forEach(c -> ascii.appendCodePoint(c < 0x80 ? c : '_'));
      return directory.resolve(sanitize(ascii.toString(), fingerprint));
    }
  }

  /** An extension longer than this (in UTF-8 bytes, dot included) is not kept whole when a name is shortened. */
  private static final int MAX_EXTENSION_BYTES = 32;

  /**
   * At most {@link #MAX_BYTES}, cut on a character boundary; a name's extension (from its last dot,
   * up to {@link #MAX_EXTENSION_BYTES}) is kept and the part before it shortened, so that
   * {@code clients-...-2026.csv} stays a {@code .csv}.
   */
  private static String truncate(String s) {
    if (bytes(s) <= MAX_BYTES) {
      return s;
    }
    int dot = s.lastIndexOf('.');
    String extension = dot > 0 && bytes(s.substring(dot)) <= MAX_EXTENSION_BYTES ? s.substring(dot) : "";
    String stem = s.substring(0, s.length() - extension.length());
    while (bytes(stem) + bytes(extension) > MAX_BYTES) {
      stem = stem.substring(0, stem.offsetByCodePoints(stem.length(), -1));
    }
    return stem + extension;
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
