package dev.sealdrop.client.cli;

import dev.sealdrop.client.cli.output.TerminalText;
import dev.sealdrop.client.failure.IoReason;
import dev.sealdrop.client.failure.UsageFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * Reads an OpenSSH public key file ({@code id_ed25519.pub}) for {@code keys add-ssh}, refusing
 * before any network call what the server would refuse anyway, and above all a private key: its
 * content is never sent anywhere. The server checks key sizes and stays the authority.
 */
final class SshPublicKeyFile {
  /** The server's limit for one line. */
  static final int MAX_BYTES = 16 * 1024;
  static final List<String> ACCEPTED = List.of("ssh-ed25519", "ssh-rsa");
  private static final String ACCEPTED_TEXT = String.join(", ", ACCEPTED);

  private SshPublicKeyFile() {}

  /** The key's one line, "TYPE BASE64 [COMMENT]", or a usage failure naming what is wrong. */
  static String read(Path file) throws UsageFailure {
    InputFile.requireRegularFile(file, "`sealdrop keys add-ssh` registers one public key file (FILE.pub)", "name the"
        + " .pub file inside it, e.g. ~/.ssh/id_ed25519.pub", "check the path, e.g. ~/.ssh/id_ed25519.pub");
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw notAKey(file, "it is larger than " + MAX_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UsageFailure("FILE_UNREADABLE", "cannot read " + file + ": " + IoReason.of(e), "check the path", e);
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw notAKey(file, "it is not text");
    }
    if (text.contains("PRIVATE KEY")) {
      throw new UsageFailure("SSH_PRIVATE_KEY", file + " is a PRIVATE key; it was not sent anywhere",
          "pass the public half, the .pub file next to it (e.g. ~/.ssh/id_ed25519.pub)");
    }
    if (text.contains("BEGIN SSH2 PUBLIC KEY")) {
      throw notAKey(file, "it is in RFC 4716 (SSH2) format; convert it with `ssh-keygen -i -f " + file + "`");
    }
    List<String> lines = text.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    if (lines.size() != 1) {
      throw notAKey(file, lines.isEmpty() ? "it is empty" : "it holds " + lines.size() + " lines, not one key");
    }
    String line = lines.get(0);
    String[] parts = line.split("[ \\t]+", 3);
    if (parts.length >= 2 && !ACCEPTED.contains(parts[0]) && ACCEPTED.contains(parts[1])) {
      // an authorized_keys line: options (no-pty, from="...", ...) before the key type
      throw notAKey(file, "it starts with authorized_keys options (" + TerminalText.clean(parts[0]) + "), which are not"
          + " accepted: give the key line alone (TYPE BASE64 [COMMENT]), as the .pub file ssh-keygen wrote");
    }
    if (parts.length < 2 || !parts[0].matches("[a-z0-9@.-]{1,64}")) {
      throw notAKey(file, "its line is not \"TYPE BASE64 [COMMENT]\" (authorized_keys options are not accepted)");
    }
    byte[] blob;
    try {
      blob = Base64.getDecoder().decode(parts[1]);
    } catch (IllegalArgumentException e) {
      throw notAKey(file, "its key data is not base64");
    }
    if (!parts[0].equals(wireType(blob))) {
      throw notAKey(file, "its key data is not a " + parts[0] + " key");
    }
    if (!ACCEPTED.contains(parts[0])) {
      // an OpenSSH certificate (KEY-cert.pub) is signed over a plain key, which is what to register (round BJ)
      String hint = parts[0].contains("-cert-v01@openssh.com") ? "register the plain public key the certificate was"
          + " made for (the file without -cert, e.g. id_ed25519.pub), if its type is accepted; or generate an accepted"
          + " key with `ssh-keygen -t ed25519`" : "generate an accepted key with `ssh-keygen -t ed25519`";
      throw new UsageFailure("SSH_KEY_TYPE", "the SSH key type " + parts[0] + " is not accepted; accepted: "
          + ACCEPTED_TEXT, hint);
    }
    return line;
  }

  /** The key type named inside the SSH wire encoding (a uint32 length, then the name), or null. */
  private static String wireType(byte[] blob) {
    if (blob.length < 4) {
      return null;
    }
    int n = ByteBuffer.wrap(blob, 0, 4).getInt();
    if (n < 1 || n > 64 || n > blob.length - 4) {
      return null;
    }
    return new String(blob, 4, n, StandardCharsets.US_ASCII);
  }

  private static UsageFailure notAKey(Path file, String why) {
    return new UsageFailure("NOT_SSH_PUBLIC_KEY", file + " is not an OpenSSH public key: " + why,
        "pass a .pub file as `ssh-keygen` writes it (one line: TYPE BASE64 [COMMENT]; accepted types: "
            + ACCEPTED_TEXT + ")");
  }
}
