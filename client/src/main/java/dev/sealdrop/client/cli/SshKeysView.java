package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.Timestamps;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sealdrop.client.cli.output.Result;
import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.protocol.v1.SshKey;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;

/**
 * SSH keys as {@code keys add-ssh/list-ssh/remove-ssh} show them: one JSON object shape, one line
 * for people, fingerprints as {@code ssh-keygen -l} prints them.
 *
 * @param status "added", "already-registered" (add-ssh of a key that was already the caller's), "rebound" (one of
 *     the caller's keys, registered through another of its certificates, now bound to this profile's) or "removed"
 *     for one key; null for a list
 * @param keys the keys
 */
record SshKeysView(String status, List<SshKey> keys) implements Result {
  static void writeJson(JsonGenerator g, SshKey k) throws IOException {
    g.writeStartObject();
    g.writeStringField("identity", k.getIdentity());
    g.writeStringField("fingerprint", k.getFingerprint());
    g.writeStringField("algorithm", k.getAlgorithm());
    g.writeNumberField("bits", k.getBits());
    g.writeStringField("comment", k.getComment());
    g.writeStringField("added_at", Timestamps.ofMillis(k.getAddedAtMillis()));
    g.writeStringField("certificate_serial", serial(k));
    g.writeBooleanField("certificate_revoked", k.getCertificateRevoked());
    g.writeEndObject();
  }

  /**
   * The serial of the client certificate {@code k} was registered through, as {@code openssl x509 -noout -serial}
   * prints it (upper-case hex, an even number of digits); empty if the server did not say.
   */
  static String serial(SshKey k) {
    return CertificateSerials.shown(k.getCertificateSerial());
  }

  @Override
  public void writeJson(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeBooleanField("ok", true);
    if (status == null) {
      g.writeArrayFieldStart("ssh_keys");
      for (SshKey k : keys) {
        writeJson(g, k);
      }
      g.writeEndArray();
    } else {
      g.writeStringField("status", status);
      g.writeFieldName("ssh_key");
      writeJson(g, keys.get(0));
    }
    g.writeEndObject();
  }

  @Override
  public void writeHuman(PrintWriter out) {
    if (status != null) {
      SshKey k = keys.get(0);
      if (status.equals("already-registered")) {
        out.println("SSH key " + TerminalText.clean(k.getFingerprint()) + " (" + TerminalText.clean(k.getAlgorithm())
            + ", " + k.getBits() + " bits) is already registered to you (" + TerminalText.clean(k.getIdentity())
            + "); nothing to do");
        out.println("  log in to the SFTP door as user '" + TerminalText.clean(k.getIdentity()) + "' with this key");
        return;
      }
      if (status.equals("rebound")) {
        out.println("SSH key " + TerminalText.clean(k.getFingerprint()) + " (" + TerminalText.clean(k.getAlgorithm())
            + ", " + k.getBits() + " bits) of " + TerminalText.clean(k.getIdentity()) + " was registered through"
            + " another client certificate; it is now bound to this profile's certificate (as after a renewal)");
        out.println("  log in to the SFTP door as user '" + TerminalText.clean(k.getIdentity()) + "' with this key");
        return;
      }
      out.println((status.equals("added") ? "Added" : "Removed") + " SSH key " + TerminalText.clean(k.getFingerprint())
          + " (" + TerminalText.clean(k.getAlgorithm()) + ", " + k.getBits() + " bits) "
          + (status.equals("added") ? "for " : "of ") + TerminalText.clean(k.getIdentity()));
      if (status.equals("added")) {
        out.println("  log in to the SFTP door as user '" + TerminalText.clean(k.getIdentity()) + "' with this key");
      }
      return;
    }
    if (keys.isEmpty()) {
      out.println("(none)");
      return;
    }
    out.printf("%-12s  %-51s  %-20s  %-24s  %-32s  %s%n", "IDENTITY", "FINGERPRINT", "TYPE", "ADDED",
        "VIA CERTIFICATE (SERIAL)", "COMMENT");
    for (SshKey k : keys) {
      out.printf("%-12s  %-51s  %-20s  %-24s  %-32s  %s%n", TerminalText.clean(k.getIdentity()),
          TerminalText.clean(k.getFingerprint()), TerminalText.clean(k.getAlgorithm()) + " " + k.getBits(),
          Timestamps.ofMillis(k.getAddedAtMillis()),
          TerminalText.clean(serial(k)) + (k.getCertificateRevoked() ? " REVOKED" : ""),
          TerminalText.clean(k.getComment()));
    }
  }
}
