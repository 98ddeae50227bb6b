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

/**
 * A newly created grant and its one-time token, shown alike by {@code send} and {@code grant}:
 * a headline, the grant, then the token once, last, on a line of its own; in JSON {@code token},
 * {@code grant} and {@code recipient}.
 *
 * @param headline the first human line, e.g. "Sent to bob"
 * @param issued the server's answer
 * @param recipient the recipient's verified bundle
 * @param sealedHere the fingerprint of the envelope this run sealed, if it did
 * @param asked the terms asked for, which the answer must have
 */
record IssuedGrantView(String headline, CreateGrantResponse issued, KeyBundle recipient,
    java.util.Optional<String> sealedHere, GrantTerms asked) implements Result {
  /**
   * Emits the grant, then a note on stderr saying what to do with the token. A grant whose result could not be
   * written (stdout on a full disk, a closed pipe) is revoked, since nobody saw its token, and the failure says so
   * (round AL: exit 0 and an active grant nobody could redeem; round AN: {@code grant} too); {@code rerun} is the hint's
   * way to make it again.
   */
  void emit(Session session, String rerun) throws dev.sealdrop.client.failure.SealdropFailure {
    Output output = session.output();
    String token = issued.getToken();
    String to = issued.getGrant().getRecipient();
    String me = session.config().identity(); // read before the token is written (review CF)
    String fp = issued.getGrant().getFingerprint();
    // the server's answer is shown to people who paste it into a shell, and names the file they are told to expect
    // (round CE: a "token" holding `$(...)`, a grant for someone else; review CF: another file than the one sealed)
    if (sealedHere.isPresent() && !sealedHere.get().equals(fp)) {
      throw badAnswer(session, "it is for the file " + TerminalText.clean(fp) + ", not for " + sealedHere.get()
          + ", the one this send sealed");
    }
    if (!to.equals(recipient.identity())) {
      throw badAnswer(session, "it names " + TerminalText.clean(to) + " as its recipient, not "
          + TerminalText.clean(recipient.identity()));
    }
    if (!ReceiveCommand.GRANT_TOKEN.matcher(token).matches()) {
      throw badAnswer(session, "its token has not the shape of one");
    }
    java.util.Optional<String> otherTerms = asked.notMetBy(issued.getGrant());
    if (otherTerms.isPresent()) {
      throw badAnswer(session, otherTerms.get());
    }
    try {
      output.emit(this);
      // only once the token was written (round AR: said before a token that went nowhere, then "that grant is revoked");
      // with the sender and the file the recipient must expect (round CE): the fingerprint this send computed, else (a
      // grant of an uploaded file, a resumed send) the server's, marked so, to check against `seal`'s
      String expected = " --from " + TerminalText.clean(me) + (sealedHere.isPresent() ? " --fingerprint "
          + sealedHere.get() : ExpectedFile.FINGERPRINT.matcher(fp).matches() ? " --fingerprint " + fp : "");
      // and over SFTP, where the door serves what is stored: open checks the same (review BI)
      output.note("give " + TerminalText.clean(recipient.identity()) + " the token by another channel; they run:"
          + " sealdrop receive TOKEN" + expected + (sealedHere.isEmpty() && ExpectedFile.FINGERPRINT.matcher(fp)
              .matches() ? " (the fingerprint the server names for the file: check it against the one printed when"
              + " it was sealed, by `seal` or `send`)" : "") + "; over SFTP, after `get /redeem/TOKEN FILE`: sealdrop"
          + " open FILE -o PATH" + expected);
    } catch (dev.sealdrop.client.failure.UsageFailure notWritten) {
      String id = issued.getGrant().getGrantId();
      boolean revoked = revokeQuietly(session, id);
      // "not written whole", not "shown to nobody": a reader that closed the pipe early may have read part of it, or
      // all of it (round AX: `| head -c 150` showed the token)
      throw (dev.sealdrop.client.failure.UsageFailure) notWritten.retold(notWritten.getMessage() + ", so the token of"
          + " grant " + id + " was not written whole; " + (revoked ? "that grant is revoked" : "that grant could not be"
          + " revoked: revoke it yourself (`sealdrop grants revoke " + id + "`)"),
          (dev.sealdrop.client.cli.output.Output.OUTPUT_CLOSED.equals(notWritten.reason())
              ? "let standard output go to the terminal, a file, or a program that reads all of it"
              : "send standard output to a file on a disk with room, or to the terminal") + ", and " + rerun);
    }
  }

  /** The server answered a grant that is not the one asked for (WHY): not shown, and revoked if the server lets it. */
  private dev.sealdrop.client.failure.IntegrityFailure badAnswer(Session session, String why) {
    boolean revoked = revokeQuietly(session, issued.getGrant().getGrantId());
    return new dev.sealdrop.client.failure.IntegrityFailure("BAD_GRANT_ANSWER", "the server answered a grant that is"
        + " not the one asked for (" + why + "); it is not shown" + (revoked ? ", and was revoked" : ""), "tell the"
        + " server's operator: a server that answers so is not working as it should");
  }

  /**
   * Revokes grant {@code grantId} if the server can be told; a failure leaves it to expire (best effort). Whether it
   * was revoked.
   */
  static boolean revokeQuietly(Session session, String grantId) {
    try {
      dev.sealdrop.client.net.ServerConnection.call(dev.sealdrop.client.net.GrpcFailures.Op.REVOKE_GRANT,
          () -> session.connect().transfer().revokeGrant(
              dev.sealdrop.protocol.v1.RevokeGrantRequest.newBuilder().setGrantId(grantId).build()));
      return true;
    } catch (dev.sealdrop.client.failure.SealdropFailure | RuntimeException e) {
      return false; // (when the JVM is going down: nothing more can be done or said)
    }
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
