package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.PermissionFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.trust.KeyTrust;
import dev.sealdrop.keys.BundleException;
import dev.sealdrop.keys.KeyBundle;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves {@code --to} values offline: a bundle file (verified against the CA, then checked
 * against and added to the pins), your own identity (your own bundle, so that you can re-open
 * what you sealed), or an identity whose key is already pinned.
 */
public final class Recipients {
  private Recipients() {}

  /**
   * VALUE of OPTION ({@code --to}, or {@code keys show}'s IDENTITY), refused when empty or blank: a
   * script's {@code --to "$RECIPIENT"} with the variable unset names nobody, and was reported as an
   * identity without a key bundle (or, by {@code seal}, as "a folder"), or asked the server about ''.
   */
  public static String requireNamed(String option, String value, String example) throws UsageFailure {
    if (value != null && value.isBlank()) {
      throw new UsageFailure("EMPTY_IDENTITY", option + " is empty: it names no identity",
          "name one, e.g. " + example + " (in a script: check that the variable you pass is set)");
    }
    return value;
  }

  /**
   * A name holding a grant token's or claim id's prefix, as a whole or cut token pasted in the wrong place would: the
   * server admits no identity name that holds one, so none is refused that could exist.
   */
  private static final java.util.regex.Pattern SECRET_SHAPE = java.util.regex.Pattern.compile("(?i).*sd[gc]_.*");

  /**
   * Refuses, before the server is asked, an {@code option} value that is no identity name ({@code BAD_IDENTITY}), and
   * one shaped as a grant token or claim id, which would reach the server as a name (round BO: `keys show sdg_...`);
   * neither is repeated if it may be a secret. {@code then} says what to give instead. Returns the name without the
   * blanks around it (a pasted {@code "bob "}), which every caller must use from then on: round CY, {@code send --to
   * "bob "} passed this check and went to the server as "bob ", refused there as a malformed identity, while
   * {@code receive --from "alice "} was taken as alice.
   */
  public static String requireIdentityName(String option, String value, String then) throws UsageFailure {
    String v = value.strip();
    if (!SECRET_SHAPE.matcher(v).matches() && OpenCommand.IDENTITY.matcher(v).matches()) {
      return v;
    }
    String shown = Sealdrop.secretKind(value).map(k -> k + " (not repeated here)")
        .orElse(SECRET_SHAPE.matcher(v).matches() ? "a value holding part of a grant token or claim id (not repeated here)"
            : "'" + dev.sealdrop.client.cli.output.TerminalText.clean(value) + "'");
    throw new UsageFailure("BAD_IDENTITY", option + " " + shown + " is not an identity name: 1 to 64 letters, digits,"
        + " '.', '_', '@' or '-', starting with a letter or digit", then);
  }

  /**
   * A grant's recipient {@code to} that is the caller {@code me} is refused before anything (no key
   * is fetched or pinned, nothing is uploaded or granted): a grant lets another identity download.
   * {@code send} and {@code grant} alike; the server refuses it the same way.
   */
  static void refuseSelf(String verb, String me, String to, String keepHint) throws PermissionFailure {
    if (to.equals(me)) {
      throw new PermissionFailure("RECIPIENT_NOT_ACQUIRER", "you cannot " + verb + " a file to yourself (" + me + "): a grant"
          + " lets another identity download it", "name the acquirer who should receive it; " + keepHint);
    }
  }

  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names bundle files")
  static List<KeyBundle> resolve(Session session, List<String> to, boolean acceptNewKey) throws SealdropFailure {
    Map<String, KeyBundle> byIdentity = new LinkedHashMap<>();
    String me = session.config().identity();
    for (String t : to) {
      requireNamed("--to", t, "--to bob");
      KeyBundle b;
      Path asFile;
      try {
        asFile = Path.of(t);
      } catch (java.nio.file.InvalidPathException e) {
        // review DY: under LC_ALL=C a non-ASCII --to was "internal error"; no identity name is non-ASCII either, so
        // it can only be a path this locale cannot write
        asFile = EmptyArgument.encodable(t);
      }
      if (Files.exists(asFile) && !Files.isRegularFile(asFile) && !Files.isDirectory(asFile)) {
        // review DY: a pipe (`--to <(cat bob.skb)`) or device was "no such key bundle file"
        throw new UsageFailure("NOT_A_REGULAR_FILE", t + " is not a regular file (a pipe, device or socket); --to"
            + " takes a key bundle file or an identity", "write the bundle into a file first, e.g. `cat ... >"
            + " bob.skb`, and pass that file");
      }
      if (Files.isRegularFile(asFile)) {
        // your own export is your own bundle, never a pin (round CA: it was pinned "on first use", and after
        // `init --force` the stale pin sealed for keys the profile no longer had)
        byte[] encoded;
        try {
          encoded = readBundleFile(t); // once: what is checked as yours is what would be pinned (review CD)
        } catch (UsageFailure tooLargeOrUnreadable) {
          // review RM: a received file of that name, too large for a bundle, was "not a sealdrop key bundle" with the
          // hint to name an identity, which is what was typed
          refuseAmbiguous(session, t, null);
          throw tooLargeOrUnreadable;
        }
        refuseAmbiguous(session, t, encoded);
        // review BE: a bare --to of your own name that is also a file here (an older export of yours) was told to name
        // yourself, which is what was typed
        String ownHint = t.strip().equals(me) ? "a file named " + me + " in this folder is what --to " + me + " read;"
            + " to seal for your own current keys, run it from another folder or move that file away"
            : "use the bundles of those you send to (your own keys are used by naming yourself: --to " + me + ")";
        Optional<KeyBundle> own = ownBundleIn(session, asFile, encoded, "used", ownHint);
        b = own.isPresent() ? own.get() : accept(session, t, encoded, acceptNewKey).bundle();
      } else if (t.strip().equals(me)) {
        b = session.ownBundle();
      } else {
        // an identity is named without the blanks around it, as send's --to and receive's --from are (round CY)
        String name = t.strip();
        Optional<KeyBundle> pinned = session.trust().pinnedVerified(name);
        if (pinned.isEmpty() && Files.isDirectory(asFile)) {
          throw new UsageFailure("UNKNOWN_RECIPIENT", "no pinned key for \"" + t + "\", and " + t
              + " is a folder, not a key bundle file", "name the bundle file `sealdrop keys export` wrote (inside that"
              + " folder?), or fetch and pin the identity's key with `sealdrop keys show IDENTITY`");
        }
        if (pinned.isEmpty() && (t.contains("/") || t.contains(java.io.File.separator))) {
          // no identity name holds a path separator: a bundle file that is not there, not an identity to fetch
          throw new UsageFailure("UNKNOWN_RECIPIENT", "no such key bundle file: " + t, "check the path (`sealdrop keys"
              + " export` writes bundle files), or name an identity whose key you pinned");
        }
        if (pinned.isEmpty()) {
          throw new UsageFailure("UNKNOWN_RECIPIENT", "no pinned key for \"" + name + "\" and no such bundle file",
              "fetch and pin it with `" + session.nextCommand("keys show " + name) + "`, or pass the bundle file it exported");
        }
        b = pinned.get();
      }
      byIdentity.put(b.identity(), b);
    }
    return new ArrayList<>(byIdentity.values());
  }

  /**
   * Review RH: a bare {@code --to bob} that names both an identity and a file of that name in the working folder sealed
   * for whoever that file's bundle names: a file a sender chose the name of (a {@code receive} writes into the working
   * folder) could turn a seal for bob into one for its sender (pinned on first use), told only by the "for:" line.
   * Refused unless the file holds that identity's bundle; {@code ./bob} names the file. Also a name not pinned (review
   * RJ), unless it has a dot, as file names do (bob.skb, bob.pub), and is neither yourself nor pinned: the file.
   */
  /** {@code encoded}: the file's bytes, or null for one that cannot be read as a bundle (too large, unreadable). */
  private static void refuseAmbiguous(Session session, String t, byte[] encoded) throws SealdropFailure {
    String name = t.strip();
    if (t.contains("/") || t.contains(java.io.File.separator) || !OpenCommand.IDENTITY.matcher(name).matches()) {
      return;
    }
    boolean known = name.equals(session.config().identity()) || session.trust().hasPin(name);
    if (!known && name.contains(".")) {
      // a file's name (bob.skb, bob.pub) that names no identity you know: what it holds is the file's, said on "for:"
      // (review RL: `--to bob.pub` holding bob's bundle was refused, told of an identity nobody has)
      return;
    }
    String inside;
    try {
      inside = encoded == null ? null : KeyBundle.decode(encoded).identity();
    } catch (BundleException | RuntimeException notABundle) {
      inside = null;
    }
    if (!name.equals(inside)) {
      throw new UsageFailure("AMBIGUOUS_RECIPIENT", "--to " + name + " names " + (name.equals(session.config()
          .identity()) ? "yourself" : known ? "an identity whose key you pinned" : "an identity you may mean") + ", and"
          + " also a file"
          + " in this folder, " + name
          + ", which holds " + (inside == null ? "no key bundle" : "the key bundle of " + inside) + "; nothing was sealed",
          "to seal for the identity " + name + ", " + (known ? "" : "pin its key first (`sealdrop keys show " + name
          + "`), then ") + "run it from another folder or move that file away" + (inside == null ? "" : "; to use the"
          + " file, name it as a path: --to ./" + name));
    }
  }

  /** The bytes of the bundle file {@code t}, refused as no bundle when it cannot be read or is too large for one. */
  @SuppressFBWarnings(value = "PATH_TRAVERSAL_IN", justification = "the local user names bundle files")
  static byte[] readBundleFile(String t) throws UsageFailure {
    Path asFile = Path.of(t);
    try {
      if (Files.size(asFile) > KeyBundle.MAX_ENCODED) {
        throw new IOException("larger than " + KeyBundle.MAX_ENCODED + " bytes");
      }
      return Files.readAllBytes(asFile);
    } catch (IOException e) {
      throw notABundle(t, e.getMessage());
    }
  }

  private static UsageFailure notABundle(String t, String why) {
    return new UsageFailure("BAD_BUNDLE_FILE", t + " is not a sealdrop key bundle: " + why,
        "pass a file written by `sealdrop keys export` (`seal` and `send` also take the name of an identity whose"
            + " key you pinned)");
  }

  /**
   * Verifies ENCODED, read from the bundle file {@code t}, against the CA and pins it: how that went ({@code first_use},
   * {@code known}, {@code replaced} with the previous fingerprint), as {@code keys import} reports it and
   * {@code seal --to FILE} uses it.
   */
  static KeyTrust.Trusted accept(Session session, String t, byte[] encoded, boolean acceptNewKey)
      throws SealdropFailure {
    String identity;
    try {
      identity = KeyBundle.decode(encoded).identity();
    } catch (BundleException e) {
      throw notABundle(t, e.getMessage());
    }
    try {
      return session.reportPin(session.trust().accept(encoded, identity, acceptNewKey));
    } catch (IntegrityFailure e) {
      if (e.reason().equals("KEY_CHANGED")) {
        // the offer came from this file, not from the server (review BE: told as if the server offered it)
        throw e.retold("the bundle file " + t + " holds a key of " + identity + " other than the one you pinned ("
            + e.getMessage().replaceFirst("^.*'s key changed: ", "").replace("now offered", "the file holds") + ")",
            "an older export, or one you cannot trust? `" + session.nextCommand("keys show " + identity) + "` shows the key " + identity
            + " publishes now; confirm the file's fingerprint with " + identity + " by another channel (phone, in"
            + " person), and only then re-run with --accept-new-key");
      }
      if (!ALTERED_FILE.contains(e.reason())) {
        throw e;
      }
      // the bundle came from this file, not from the server: re-publishing mends nothing here (round BH: a bundle file
      // with one byte changed was told "ask alice to run keys publish")
      throw e.retold(e.getMessage(), "the bundle file " + t + " is not " + identity + "'s bundle as they exported it"
          + " (altered or damaged on its way): ask " + identity + " for a fresh copy (`sealdrop keys export`), or"
          + " fetch the key " + identity + " published with `" + session.nextCommand("keys show " + identity) + "`");
    }
  }

  /**
   * The profile's own bundle when {@code encoded}, read from {@code file}, is a key bundle in its own identity with the same keys (your own keys
   * are the profile's and are never pinned: round BK for `keys import`, round CA for `seal --to FILE`). A valid bundle
   * in your name with other keys is refused ({@code OWN_IDENTITY}). Empty for anyone else's bundle, and for a file
   * that is no bundle or does not verify: the caller's own checks refuse those as such (round BR).
   */
  static Optional<KeyBundle> ownBundleIn(Session session, Path file, byte[] encoded, String verb, String hint)
      throws SealdropFailure {
    KeyBundle given;
    try {
      given = KeyBundle.decode(encoded);
    } catch (RuntimeException | BundleException e) {
      return Optional.empty();
    }
    String me = session.config().identity();
    if (!given.identity().equals(me)) {
      return Optional.empty();
    }
    KeyBundle own = session.ownBundle();
    if (given.fingerprint().equals(own.fingerprint())) {
      return Optional.of(own);
    }
    try {
      session.trust().verify(encoded, me);
    } catch (IntegrityFailure notValid) {
      return Optional.empty();
    }
    throw new UsageFailure("OWN_IDENTITY", file + " is a key bundle in your own name (" + me + ") with other keys ("
        + given.fingerprint() + ") than this profile's (" + own.fingerprint() + "); your own keys are never pinned,"
        + " so it was not " + verb, hint + "; if you did not make it, someone may hold a copy of your certificate's key:"
        + " `sealdrop keys show` checks what the server publishes in your name");
  }

  /** Refusals of a bundle file that mean its bytes are not what its owner exported. */
  private static final java.util.Set<String> ALTERED_FILE = java.util.Set.of("BUNDLE_MALFORMED",
      "BUNDLE_BAD_SIGNATURE", "BUNDLE_IDENTITY_MISMATCH");
}
