package dev.sealdrop.envelope.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A sender-chosen name never escapes the recipient's directory or hides what it is. */
class FileNamesTest {
  static final String FP = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "../../etc/passwd|passwd",
      "..\\..\\Windows\\system.ini|system.ini",
      "/absolute/path/clients.csv|clients.csv",
      "..|sealdrop-0123456789abcdef.bin",
      ".|sealdrop-0123456789abcdef.bin",
      "dir/|sealdrop-0123456789abcdef.bin",
      ".bashrc|bashrc",
      "-rf|rf",
      "~|sealdrop-0123456789abcdef.bin",
      "~root|root",
      "~-~.x|x",
      "a~b.csv|a~b.csv",
      "CON.txt|_CON.txt",
      "COM9.txt|_COM9.txt",
      "lpt5.log|_lpt5.log",
      "COM0|_COM0",
      "com¹.txt|_com¹.txt",
      "CON .txt|_CON .txt",
      "CONIN$|_CONIN$",
      "COM10.txt|COM10.txt",
      " . .x|x",
      "report.pdf.|report.pdf",
      "a:b*c?.csv|a_b_c_.csv",
      "invoice\u202Efdp.exe|invoice_fdp.exe",
      "tab\there.csv|tab_here.csv",
      "alm\u061Cmark.csv|alm_mark.csv",
      "word\u2060joiner.csv|word_joiner.csv",
      "soft\u00ADhyphen.csv|soft_hyphen.csv",
      "report.csv\uDB40\uDC69\uDB40\uDC67|report.csv__",
      "filler\u3164.csv|filler_.csv",
      "clients.csv|clients.csv",
      "Ümläut-名前.csv|Ümläut-名前.csv"})
  void namesAreReducedToOneSafeComponent(String proposed, String expected) {
    assertThat(FileNames.sanitize(proposed, FP)).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void longNamesAreTruncatedOnACharacterBoundary() {
    String s = FileNames.sanitize("é".repeat(300), FP);
    assertThat(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(200);
    assertThat(s).matches("é+");
  }

  @org.junit.jupiter.api.Test
  void aShortenedNameKeepsItsExtension() {
    // 255 bytes, the longest name most file systems allow: shortened to 200, still a .csv
    String s = FileNames.sanitize("k".repeat(251) + ".csv", FP);
    assertThat(s).isEqualTo("k".repeat(196) + ".csv");
    String wide = FileNames.sanitize("名".repeat(84) + ".xlsx", FP); // 252 + 5 bytes
    assertThat(wide.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(200);
    assertThat(wide).endsWith(".xlsx").matches("名+\\.xlsx");
    // what follows the last dot is no extension when it is itself most of the name: cut as before
    String tail = FileNames.sanitize("a." + "b".repeat(250), FP);
    assertThat(tail).isEqualTo("a." + "b".repeat(198));
  }
}
