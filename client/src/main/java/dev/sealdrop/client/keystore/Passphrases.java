package dev.sealdrop.client.keystore;

import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.UsageFailure;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a passphrase comes from, in order: {@code --passphrase-file FILE}, the
 * {@code SEALDROP_PASSPHRASE} variable, a prompt on the terminal. Never a command-line value (it
 * would land in shell history and {@code ps}). Callers own the returned {@code char[]} and wipe
 * it in {@code finally}.
 */
public final class Passphrases {
  public static final String VARIABLE = "SEALDROP_PASSPHRASE";
  /** U+FEFF, which Windows Notepad writes at the start of a UTF-8 file: never part of a passphrase. */
  static final char BYTE_ORDER_MARK = '\uFEFF';

  /**
   * Below this many characters a new passphrase is taken with a warning: anyone who copies the key file can try
   * passphrases offline, each at the cost of one key derivation, and a short one falls to that.
   */
  public static final int RECOMMENDED_CHARACTERS = 12;

  private final Map<String, String> environment;
  private final Path passphraseFile;
  private final PassphrasePrompt prompt;
  private boolean byteOrderMarkDropped;

  public Passphrases(Map<String, String> environment, Path passphraseFile, PassphrasePrompt prompt) {
    this.environment = Objects.requireNonNull(environment, "environment");
    this.passphraseFile = passphraseFile;
    this.prompt = Objects.requireNonNull(prompt, "prompt");
  }

  /** The passphrase that unlocks existing keys. */
  public char[] forUnlock(Path keyFile) throws KeyStoreFailure, UsageFailure {
    return obtain("Passphrase for " + keyFile + ": ", false);
  }

  /** A new passphrase (asked twice on a terminal). */
  public char[] forNewKeys() throws KeyStoreFailure, UsageFailure {
    return obtain("New passphrase for your sealdrop keys: ", true);
  }

  private char[] obtain(String question, boolean confirm) throws KeyStoreFailure, UsageFailure {
    char[] p;
    if (passphraseFile != null) {
      p = readFile(passphraseFile);
      byteOrderMarkDropped = p.length > 0 && p[0] == BYTE_ORDER_MARK;
      if (byteOrderMarkDropped) {
        char[] withMark = p;
        p = Arrays.copyOfRange(withMark, 1, withMark.length);
        Arrays.fill(withMark, '\0');
      }
    } else if (environment.get(VARIABLE) != null) {
      p = fromVariable();
    } else {
      p = ask(question, confirm);
    }
    if (p.length == 0) {
      throw new KeyStoreFailure("EMPTY_PASSPHRASE", "the passphrase is empty" + (confirm ? "" : emptyFrom()),
          confirm ? "use a passphrase of at least a few words; sealdrop refuses empty ones"
              : "give the passphrase you chose at `sealdrop init` (its keys never have an empty one)");
    }
    return p;
  }

  /**
   * Whether the passphrase just obtained came from a file that began with a byte-order mark, which
   * was dropped. Before the mark was dropped it became part of the passphrase, so key files created
   * from such a file are locked with it: {@link KeyStore} tries that once if the passphrase without
   * it is wrong.
   */
  boolean byteOrderMarkDropped() {
    return byteOrderMarkDropped;
  }

  /** {@code passphrase} with the byte-order mark put back in front (a new array the caller wipes). */
  static char[] withByteOrderMark(char[] passphrase) {
    char[] out = new char[passphrase.length + 1];
    out[0] = BYTE_ORDER_MARK;
    System.arraycopy(passphrase, 0, out, 1, passphrase.length);
    return out;
  }

  /**
   * The passphrase in {@link #VARIABLE}. The JVM decodes the environment in the locale's character set: under a
   * non-UTF-8 locale (LANG unset, {@code LC_ALL=C}: cron, {@code env -i}, many containers) each non-ASCII byte became
   * U+FFFD, so that keys were locked with a passphrase any other of the same byte length matched (round AD). Such a
   * value is refused: it is not the passphrase that was set.
   */
  private char[] fromVariable() throws KeyStoreFailure {
    return decoded(environment.get(VARIABLE).toCharArray(), VARIABLE + " holds characters that this process's locale ("
        + System.getProperty("sun.jnu.encoding", "unknown") + ") cannot decode");
  }

  /** {@code p}, unless it holds U+FFFD: what a decoder put for bytes it could not read, not what was typed or set. */
  private static char[] decoded(char[] p, String what) throws KeyStoreFailure {
    for (char c : p) {
      if (c == '\uFFFD') {
        Arrays.fill(p, '\0');
        throw new KeyStoreFailure("PASSPHRASE_UNDECODABLE", what + ", so the passphrase cannot be read as it was"
            + " given", "run sealdrop under a UTF-8 locale (for example LC_ALL=C.UTF-8) in a terminal that sends UTF-8,"
            + " or give the passphrase with --passphrase-file FILE, which is read as UTF-8");
      }
    }
    return p;
  }

  /** Where the empty passphrase came from, for the message. */
  private String emptyFrom() {
    if (passphraseFile != null) {
      return " (the first line of " + passphraseFile + ")";
    }
    return environment.get(VARIABLE) != null ? " (" + VARIABLE + " is set but empty)" : "";
  }

  private char[] ask(String question, boolean confirm) throws KeyStoreFailure {
    Optional<char[]> first = prompt.read(question);
    if (first.isEmpty()) {
      throw new KeyStoreFailure("NO_PASSPHRASE", "no passphrase given and no terminal to ask for one",
          "set " + VARIABLE + " or pass --passphrase-file FILE (never the passphrase itself on the command line)");
    }
    decoded(first.get(), "the terminal sent characters that could not be decoded"); // (round AH)
    if (!confirm) {
      return first.get();
    }
    char[] second = prompt.read("Repeat the passphrase: ").orElse(new char[0]);
    try {
      if (!Arrays.equals(first.get(), second)) {
        Arrays.fill(first.get(), '\0');
        throw new KeyStoreFailure("PASSPHRASE_MISMATCH", "the two passphrases differ", "run the command again");
      }
      return first.get();
    } finally {
      Arrays.fill(second, '\0');
    }
  }

  /**
   * A name given to {@code --passphrase-file} that is no file may be the passphrase itself, typed in its place
   * ({@code --passphrase-file=SECRET}): it is not repeated on the terminal, in {@code --json} or in logs.
   */
  private static UsageFailure notFound() {
    return new UsageFailure("FILE_NOT_FOUND", "the file named by --passphrase-file does not exist or cannot be reached"
        + " (the name is not repeated, in case it was the passphrase itself)", "give the path of a file whose first line is the"
        + " passphrase; the option never takes the passphrase itself (or set " + VARIABLE + ", or leave both out to be"
        + " asked)");
  }

  /**
   * The refusal of a {@code --passphrase-file} that is there but could not be read ({@code e}): why, in words, and, as
   * {@link #notFound} does, not its name. Round CY: it was "cannot read passphrase file noread.txt: noread.txt", the
   * name twice (an {@link java.nio.file.AccessDeniedException}'s message is the name alone) and no reason.
   */
  static UsageFailure unreadable(Path file, IOException e) {
    String why;
    if (e instanceof java.nio.file.AccessDeniedException) {
      why = "permission denied: this account may not read it";
    } else if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      why = f.getReason(); // the system's words ("Too many levels of symbolic links"), which name no file
    } else {
      String said = e.getMessage() == null ? "" : e.getMessage().replace(file.toString(), "the file");
      why = said.isBlank() ? e.getClass().getSimpleName() : said;
    }
    return new UsageFailure("FILE_UNREADABLE", "the file named by --passphrase-file cannot be read: " + why + " (the"
        + " name is not repeated, in case it was the passphrase itself)", "make it readable by this account and by no"
        + " other (`chmod 600 FILE`, as its owner), or give the path of another file whose first line is the"
        + " passphrase (or set " + VARIABLE + ", or leave both out to be asked)");
  }

  /**
   * Reads the first line of a file as UTF-8, without keeping a String of it. A leading byte-order
   * mark is returned as is; {@link #obtain} drops it.
   */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names their own passphrase file")
  static char[] readFile(Path file) throws UsageFailure {
    if (Files.isDirectory(file)) {
      // as every other option naming a file says it (round AL: FILE_UNREADABLE, "Is a directory")
      throw new UsageFailure("IS_A_FOLDER", "--passphrase-file " + file + " is a folder, not a file",
          "name the file whose first line is the passphrase");
    }
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw notFound();
    } catch (IOException e) {
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw notFound(); // ENOTDIR, ENAMETOOLONG: what was typed is no path to a file either
      }
      throw unreadable(file, e);
    }
    CharBuffer chars = null;
    try {
      chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
      int end = 0;
      while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
        end++;
      }
      char[] out = new char[end];
      chars.get(out, 0, end);
      return out;
    } catch (CharacterCodingException e) {
      throw new UsageFailure("BAD_PASSPHRASE_FILE", "passphrase file " + file + " is not UTF-8 text",
          "write the passphrase as one line of UTF-8 text");
    } finally {
      Arrays.fill(raw, (byte) 0);
      if (chars != null && chars.hasArray()) {
        Arrays.fill(chars.array(), '\0');
      }
    }
  }
}
