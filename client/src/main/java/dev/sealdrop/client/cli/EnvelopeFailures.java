package dev.sealdrop.client.cli;

import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.KeyStoreFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.envelope.BadSignatureException;
import dev.sealdrop.envelope.MalformedEnvelopeException;
import dev.sealdrop.envelope.NoMatchingIdentityException;
import dev.sealdrop.envelope.TamperedPayloadException;
import dev.sealdrop.envelope.UnknownSuiteException;
import dev.sealdrop.envelope.UntrustedSenderException;
import dev.sealdrop.keys.WrongPassphraseException;

/** The envelope library's typed refusals, in the CLI's words: all exit 5 (integrity). */
final class EnvelopeFailures {
  private EnvelopeFailures() {}

  static SealdropFailure translate(Throwable e) {
    if (e instanceof NoMatchingIdentityException) {
      return notARecipient("", e);
    }
    if (e instanceof dev.sealdrop.envelope.TruncatedEnvelopeException) {
      // told apart from an altered file: for `open` an interrupted copy is far more common, and copying it again helps
      // (`receive` checks a download's length itself, and replaces this hint: there the server's copy is cut)
      return new IntegrityFailure("TRUNCATED", e.getMessage(), "nothing was written; the file is incomplete (an"
          + " interrupted download or copy?): fetch or copy it again, whole; if a whole copy fails the same way, it was"
          + " altered: tell the sender", e);
    }
    if (e instanceof TamperedPayloadException) {
      return new IntegrityFailure("TAMPERED", e.getMessage(),
          "nothing was written; fetch the file again, and tell the sender if it persists", e);
    }
    if (e instanceof BadSignatureException) {
      return new IntegrityFailure("BAD_SIGNATURE", e.getMessage(),
          "nothing was written; the file was not signed by its declared sender", e);
    }
    if (e instanceof UntrustedSenderException) {
      return new IntegrityFailure("UNTRUSTED_SENDER", e.getMessage(),
          "nothing was written; pin the sender's key first with `sealdrop keys show SENDER` (it prints their"
              + " signing key: compare it with the one named here)", e);
    }
    if (e instanceof UnknownSuiteException u) {
      return new IntegrityFailure("UNKNOWN_SUITE", e.getMessage(), u.sealdropSuite()
          ? "nothing was written; the file uses a format this sealdrop does not accept: upgrade sealdrop, or, if the"
              + " sender's is not newer, ask them to send the file again (it may be damaged)"
          : "nothing was written; ask the sender to send the file again", e);
    }
    if (e instanceof MalformedEnvelopeException) {
      return new IntegrityFailure("MALFORMED", e.getMessage(),
          "nothing was written; this is not an intact sealdrop file", e);
    }
    if (e instanceof WrongPassphraseException) {
      return new KeyStoreFailure("WRONG_PASSPHRASE", "wrong passphrase", "try again", e);
    }
    return null;
  }

  /** NOT_A_RECIPIENT: the file is sealed for other keys than ours; DETAIL (may be empty) says which. */
  static IntegrityFailure notARecipient(String detail, Throwable cause) {
    return new IntegrityFailure("NOT_A_RECIPIENT", "this file was not sealed for your keys" + detail,
        "nothing was written; ask the sender to seal it for you (`sealdrop keys show` prints your fingerprint)", cause);
  }
}
