package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Timestamps;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Output;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.keys.KeyBundle;
import dev.sealdrop.protocol.v1.CreateGrantResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;

/**
 * A newly created grant and its one-time token, shown alike by {@code send} and {@code grant}:
 * a headline, the grant, then the token once, last, on a line of its own; in JSON {@code token},
 * {@code grant} and {@code recipient}.
 *
 * @param headline the first human line, e.g. "Sent to bob"
 * @param issued the server's answer
 * @param recipient the recipient's verified bundle
 */
record IssuedGrantView(String headline, CreateGrantResponse issued, KeyBundle recipient) implements Result {
  /** Emits the grant, after a note on stderr saying what to do with the token. */
  void emit(Output output) throws dev.sealdrop.client.failure.UsageFailure {
    output.note("give " + TerminalText.clean(recipient.identity())
        + " the token by another channel; they run: sealdrop receive TOKEN");
    output.emit(this);
  }

  @Override
  public void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("ok", true);
    g.writeStringField("token", issued.getToken());
    g.writeFieldName("grant");
    GrantView.writeJson(g, issued.getGrant());
    g.writeObjectFieldStart("recipient");
    g.writeStringField("identity", recipient.identity());
    g.writeStringField("fingerprint", recipient.fingerprint());
    g.writeEndObject();
    g.writeEndObject();
  }

  @Override
  public void writeHuman(PrintWriter out) {
    out.println(TerminalText.clean(headline) + " (key " + recipient.fingerprint() + ")");
    out.println("  grant:   " + TerminalText.clean(issued.getGrant().getGrantId()) + ", "
        + issued.getGrant().getMaxDownloads() + " download(s), expires "
        + Timestamps.ofMillis(issued.getGrant().getExpiresAtMillis()));
    out.println("  size:    " + issued.getGrant().getSize() + " bytes sealed");
    out.println("token (shown once):");
    out.println(TerminalText.clean(issued.getToken()));
  }
}
