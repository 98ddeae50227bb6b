package dev.sealdrop.server.core;

import dev.sealdrop.server.core.identity.IdentityNames;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The one check of the ids, secrets and fingerprints a request names, before anything is looked
 * up: a value that is empty or not of its kind's shape is a malformed request ({@code
 * INVALID_REQUEST} naming the field and the shape it must have), never "not found" (which would
 * send the caller looking for something that cannot exist). Hexadecimal values (ids, SHA-256
 * fingerprints) are taken in either case and normalised to lower case, the form the server issues
 * and stores, so that {@code F_AB12...} finds {@code f_ab12...}. The value itself is never repeated
 * in the message: a grant token pasted into the wrong field is a secret.
 */
public final class RequestFields {
  private RequestFields() {}

  /**
   * A server-generated id ({@link Ids}): {@code prefix} and 32 hex digits, in lower case.
   *
   * @param field the request's field, as the protocol names it ({@code file_id})
   * @param where where the caller finds such ids ({@code ListFiles})
   */
  public static String id(String field, String prefix, String value, String where) {
    String normal = value == null ? "" : value.toLowerCase(Locale.ROOT);
    return check(field, normal, v -> Ids.isWellFormed(prefix, v),
        prefix + " followed by 32 hexadecimal digits, as " + where + " shows it");
  }

  /**
   * An identity name ({@link IdentityNames}, the rule {@code admin identities add} applies): an empty or
   * malformed one cannot name an identity, so it is a malformed request, not "no identity ''".
   */
  public static String identity(String field, String value) {
    String shape = "an identity name: " + IdentityNames.RULE;
    if (IdentityNames.looksLikeTokenSecret(value)) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST, field + " is refused: " + IdentityNames.SECRET_SHAPED);
    }
    if (value != null && !value.isEmpty() && !IdentityNames.isValid(value)) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST, field + " is malformed (" + IdentityNames.problem(value)
          + "); it must be " + shape);
    }
    return check(field, value, IdentityNames::isValid, shape);
  }

  /**
   * {@link #identity(String, String)} for a name that must be enrolled to be of use (an identity looked up, not one to
   * create): a name of a token secret's shape that {@code enrolled} knows is an identity enrolled before such names
   * were refused (round BY), and is taken (reviews ED, EI: such an identity kept logging in after the upgrade, and no
   * admin could disable or revoke it, nor a sender fetch its key).
   */
  public static String identity(String field, String value, java.util.function.Predicate<String> enrolled) {
    if (IdentityNames.looksLikeTokenSecret(value) && IdentityNames.isValid(value) && enrolled.test(value)) {
      return value;
    }
    return identity(field, value);
  }

  /**
   * What an audit record or a message may name of a request's id before (or although) the request is
   * refused: the id, normalised, if it is well formed; otherwise "" (a refused value is never quoted).
   */
  public static String idOrEmpty(String prefix, String value) {
    String normal = value == null ? "" : value.toLowerCase(Locale.ROOT);
    return Ids.isWellFormed(prefix, normal) ? normal : "";
  }

  /** {@link #idOrEmpty} for an identity name. */
  public static String identityOrEmpty(String value) {
    return IdentityNames.isValid(value) && !IdentityNames.looksLikeTokenSecret(value) ? value : "";
  }

  /**
   * {@link #identityOrEmpty(String)}, naming an identity enrolled under a token-secret-shaped name too (review EJ: its
   * revocation was recorded as {@code identity:}, naming nobody): {@link #identity(String, String, java.util.function.Predicate)}.
   */
  public static String identityOrEmpty(String value, java.util.function.Predicate<String> enrolled) {
    return IdentityNames.isValid(value) && (!IdentityNames.looksLikeTokenSecret(value) || enrolled.test(value)) ? value
        : "";
  }

  /** A SHA-256 fingerprint: 64 hex digits, in lower case (docs/protocol.md). */
  public static String sha256Hex(String field, String value) {
    String normal = value == null ? "" : value.toLowerCase(Locale.ROOT);
    return check(field, normal, RequestFields::isSha256Hex, "64 hexadecimal digits (a SHA-256 fingerprint)");
  }

  /**
   * {@code value} as it is, if {@code wellFormed}; otherwise the refusal naming {@code field} and
   * the {@code shape} it must have (for secrets, whose case matters, and other kinds).
   */
  public static String check(String field, String value, Predicate<String> wellFormed, String shape) {
    if (value == null || value.isEmpty()) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST, field + " is empty; it must be " + shape);
    }
    if (!wellFormed.test(value)) {
      throw new InvalidRequestException(Reason.INVALID_REQUEST, field + " is malformed; it must be " + shape);
    }
    return value;
  }

  private static boolean isSha256Hex(String v) {
    if (v.length() != 64) {
      return false;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}
