package dev.sealdrop.client.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * JSON output writes no invisible or direction-changing character raw: those of the Basic Multilingual Plane and every
 * character beyond it (tag characters; emoji alike, since Jackson hands over their halves) are escaped, and the
 * document decodes to the exact text (outside test: tag characters were written raw).
 */
class OutputEscapingTest {
  @Test
  void invisibleCharactersAndEveryCharacterBeyondTheBmpAreEscapedAndTheTextDecodesExactly() throws Exception {
    String tag = new String(Character.toChars(0xe0067));
    String emoji = new String(Character.toChars(0x1f600));
    String name = "report\u202e" + tag + emoji + "Ü.csv";
    StringWriter out = new StringWriter();
    Output o = new Output(new PrintWriter(out), new PrintWriter(new StringWriter()), true, null, true);
    o.emit(new Result() {
      @Override
      public void writeJson(com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
        g.writeStartObject();
        g.writeStringField("file_name", name);
        g.writeEndObject();
      }

      @Override
      public void writeHuman(PrintWriter w) {
        w.println(name);
      }
    });
    String json = out.toString();
    assertThat(json).contains("\\u202E").contains("\\uDB40\\uDC67").contains("\\uD83D\\uDE00").contains("Ü");
    assertThat(json.codePoints().filter(c -> c > 0xffff || dev.sealdrop.text.UnsafeCharacters.unsafe(c) && c != '\n'))
        .isEmpty();
    assertThat(new ObjectMapper().readTree(json).get("file_name").asText()).isEqualTo(name);
  }

  /** Round BR: under an ASCII locale every non-ASCII character of a JSON value came out as '?'. */
  @Test
  void forAStandardOutputThatIsNotUnicodeEveryCharacterBeyondAsciiIsEscapedAndTheTextDecodesExactly() throws Exception {
    String name = "COM\u00b9 \u00fcbersicht \u4e2d.csv";
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    PrintWriter ascii = new PrintWriter(new java.io.OutputStreamWriter(bytes, java.nio.charset.StandardCharsets.US_ASCII));
    Output o = new Output(ascii, new PrintWriter(new StringWriter()), true, null, false);
    o.emit(new Result() {
      @Override
      public void writeJson(com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
        g.writeStartObject();
        g.writeStringField("file_name", name);
        g.writeEndObject();
      }

      @Override
      public void writeHuman(PrintWriter w) {
        w.println(name);
      }
    });
    String json = bytes.toString(java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(json).doesNotContain("?").contains("\\u00B9").contains("\\u4E2D");
    assertThat(new ObjectMapper().readTree(json).get("file_name").asText()).isEqualTo(name);
  }
}
