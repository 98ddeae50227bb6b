package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.AuthFailure;
import dev.sealdrop.client.failure.GrantFailure;
import dev.sealdrop.client.failure.IntegrityFailure;
import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.PermissionFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Translates gRPC statuses, and the server's {@code sealdrop-reason} trailer, into the CLI's
 * failures (and so exit codes). The reason trailer wins where present; otherwise the status
 * code and the operation decide (a NOT_FOUND from Redeem is a grant that cannot be redeemed).
 */
public final class GrpcFailures {
  /** The trailer in which the server names a refusal precisely, e.g. {@code GRANT_EXPIRED}. */
  public static final Metadata.Key<String> REASON = Metadata.Key.of("sealdrop-reason", Metadata.ASCII_STRING_MARSHALLER);

  /** What we were doing, for the failures whose meaning depends on it. */
  public enum Op {
    GENERIC, WHOAMI, PUBLISH_BUNDLE, FETCH_BUNDLE, UPLOAD, CREATE_GRANT, LIST, REVOKE_GRANT, REDEEM, DOWNLOAD, CONFIRM,
    /** Giving up a claim before its file was downloaded (receive, when the file is not sealed for our keys). */
    RELEASE_CLAIM,
    /** An admin revoking any grant ({@code sealdrop admin grants revoke}): the hints name the admin commands. */
    ADMIN_REVOKE_GRANT,
    /** Adding, listing or removing SSH keys (the SFTP door's logins). */
    SSH_KEY,
    /** An admin adding, disabling, enabling or revoking an identity ({@code sealdrop admin identities ...}). */
    ADMIN_IDENTITY,
    /** Deleting one of your own files ({@code sealdrop files delete}). */
    DELETE_FILE
  }

  /** Reasons that mean "wrong role / not yours", whatever status code carries them. */
  private static final java.util.Set<String> PERMISSION_REASONS = java.util.Set.of("ROLE_FORBIDDEN", "NOT_RECIPIENT",
      "NOT_OWNER", "RECIPIENT_NOT_ACQUIRER", "BUNDLE_NOT_YOURS");

  /**
   * What the message of a {@code CERTIFICATE_REVOKED} refusal says when the server named the identity, not only the
   * certificate, as revoked: then no new certificate helps.
   */
  public static final String IDENTITY_REVOKED = "your identity was revoked by an admin";

  /** An identity the server's message names, as {@code identity 'NAME'} (an identity name's alphabet only). */
  private static final java.util.regex.Pattern NAMED_IDENTITY =
      java.util.regex.Pattern.compile("identity '([A-Za-z0-9][A-Za-z0-9._@-]{0,63})'");

  private GrpcFailures() {}

  /** The server's ROLE_FORBIDDEN text: {@code only a transferor may ACTION; 'NAME' is an admin}. */
  private static final java.util.regex.Pattern ROLE_REFUSAL =
      java.util.regex.Pattern.compile("only an? \\w+ may (.+); '[^']*' is an? (\\w+)$");

  /**
   * The hint of a ROLE_FORBIDDEN refusal whose server text is {@code detail}, of ACTION ({@code null}: the action the
   * text names). An admin is pointed at the admin command that does what she asked for, if there is one (round CY:
   * `sealdrop grants` as carol, an admin, was told to use the profile of an identity that has that role, or to ask an
   * admin); anyone else at the profile of an identity of the role needed.
   */
  public static String roleForbiddenHint(String action, String detail) {
    java.util.regex.Matcher m = ROLE_REFUSAL.matcher(detail == null ? "" : detail);
    if (!m.find() || !m.group(2).equals("admin")) {
      return "an identity's role is set by an admin when it is enrolled: use the profile of an identity that has that"
          + " role (--home or SEALDROP_HOME), or ask an admin";
    }
    String instead = switch (action != null ? action : m.group(1)) {
      case "list created grants" -> "`sealdrop admin grants list` lists the grants of every identity (`--owner NAME`:"
          + " those NAME created)";
      case "list an inbox" -> "`sealdrop admin grants list --recipient NAME` lists the grants addressed to NAME"
          + " (without --recipient, every grant)";
      case "list uploaded files" -> "`sealdrop admin files list` lists the stored files of every identity (`--owner"
          + " NAME`: NAME's)";
      case "revoke grants" -> "`sealdrop admin grants revoke GRANT_ID` revokes any grant";
      default -> "`sealdrop admin --help` lists what an admin can do";
    };
    return "as an admin, " + instead + "; to send or receive files yourself, use the profile of a transferor or an"
        + " acquirer (--home or SEALDROP_HOME)";
  }

  /** The time in the server's "the grant expired at INSTANT; ..." */
  private static final java.util.regex.Pattern EXPIRED_AT =
      java.util.regex.Pattern.compile("expired at (\\d{4}-\\d{2}-\\d{2}T[0-9:.]+Z)");

  public static SealdropFailure translate(StatusRuntimeException e, Op op) {
    Status status = e.getStatus();
    String reason = reason(e).orElse(null);
    String detail = detailOf(e);
    if (reason != null && reason.startsWith("GRANT_")) {
      return grant(op, reason, detail, e);
    }
    if (reason != null && (reason.startsWith("CERTIFICATE_") || reason.startsWith("IDENTITY_"))) {
      return certificateRefused(reason, detail, e);
    }
    if ("ENVELOPE_SENDER_MISMATCH".equals(reason) || "BUNDLE_REQUIRED".equals(reason)) {
      return new UsageFailure(reason, "the server does not know your current keys: " + detail,
          "publish your key bundle with `sealdrop keys publish`, then re-run the command", e);
    }
    if ("NOT_SEALED_FOR_RECIPIENT".equals(reason)) {
      // the server's twin of `grant`'s own check: the recipient has published other keys than the file is sealed for
      return new UsageFailure(reason, "the server refused the grant: " + detail,
          "the recipient could not open this file; seal it again for their current keys and grant that upload:"
              + " `sealdrop send FILE --to RECIPIENT` fetches them (nothing was granted)", e);
    }
    if ("RECIPIENT_NOT_ACQUIRER".equals(reason)) {
      return new PermissionFailure(reason, "the recipient cannot receive grants: " + detail, op == Op.UPLOAD
          ? "nothing was uploaded; send to an acquirer (an admin can tell which identities are acquirers)"
          : "grants go to acquirers only; check the recipient's identity", e);
    }
    if ("FILE_DAMAGED".equals(reason)) {
      // the stored ciphertext is missing or cut short on the server: no retry can fetch it
      return new IntegrityFailure(reason, "the file the server holds is damaged: " + detail,
          "nothing was written; fetching it again cannot help until the server's operator restores it", e);
    }
    if ("SERVER_BUSY".equals(reason)) {
      // not a quota or a size limit: the server serves as many downloads, or receives as many uploads, as it may at once
      // the server's own text begins "server busy: " (round BE: "the server is busy: server busy: it is ...")
      String why = detail == null ? "" : detail.startsWith("server busy: ") ? detail.substring(13) : detail;
      return new NetworkFailure(reason, "the server is busy: " + why, op == Op.UPLOAD
          ? "retry in a moment: run the same command again (a send whose sealed file is kept, encrypted, in your profile"
              + " resumes where it stopped; nothing was lost)"
          : "retry in a moment: run the same command again (a receive resumes where it stopped; nothing was used up)", e);
    }
    if ("TOO_MANY_UPLOAD_STREAMS".equals(reason)) {
      // the caller's own share of the server's upload slots: waiting for other callers would not help
      return new PermissionFailure(reason, "the server refused another upload: " + detail,
          "let one of your other uploads finish, or stop it (another `sealdrop send` of yours still running, an SFTP"
              + " client with an /outbox/ file open), then run the same command again: the sealed file is kept,"
              + " encrypted, in your profile and the upload resumes", e);
    }
    if ("TOO_MANY_DOWNLOADS".equals(reason)) {
      // the caller's own share of the server's download slots: waiting for other callers would not help
      return new PermissionFailure(reason, "the server refused another download: " + detail,
          "let one of your other downloads finish, or stop it (another `sealdrop receive` of yours still running, an"
              + " SFTP client with a /redeem/ file open), then run the same command again: nothing was used up and"
              + " the receive resumes", e);
    }
    if ("ROLE_FORBIDDEN".equals(reason)) {
      // the message names the role needed and the caller's; a role belongs to the identity, not to the command
      return new PermissionFailure(reason, "permission denied: " + detail, roleForbiddenHint(null, detail), e);
    }
    if (reason != null && PERMISSION_REASONS.contains(reason)) {
      return new PermissionFailure(reason, "permission denied: " + detail,
          "your role may not do this, or the object is not yours (`sealdrop keys show` tells who you are)", e);
    }
    switch (status.getCode()) {
      case UNAUTHENTICATED:
        return new AuthFailure(or(reason, "UNAUTHENTICATED"), "the server refused our certificate: " + detail,
            "check that your certificate is valid, issued by the server's CA, and not revoked; ask an admin", e);
      case PERMISSION_DENIED:
        return new PermissionFailure(or(reason, "PERMISSION_DENIED"), "permission denied: " + detail,
            "your role may not do this, or the object is not yours (`sealdrop keys show` tells who you are)", e);
      case NOT_FOUND:
        return notFound(op, reason, detail, e);
      case FAILED_PRECONDITION:
        if (op == Op.REDEEM || op == Op.DOWNLOAD || op == Op.CONFIRM || op == Op.REVOKE_GRANT
            || op == Op.ADMIN_REVOKE_GRANT) {
          return grant(op, or(reason, "GRANT_NOT_REDEEMABLE"), detail, e);
        }
        if (op == Op.SSH_KEY) {
          return new UsageFailure("SSH_KEY_REGISTERED", "the server refused the SSH key: " + detail,
              "each SSH key may be registered once; generate a new key pair with `ssh-keygen -t ed25519`", e);
        }
        return new UsageFailure(or(reason, "FAILED_PRECONDITION"), "the server refused: " + detail,
            "re-run the command; if it persists, start over", e);
      case INVALID_ARGUMENT:
      case OUT_OF_RANGE:
        if (op == Op.ADMIN_IDENTITY) {
          // the server's message names the field, what is wrong with it and the rule (an identity name's alphabet)
          return new UsageFailure(or(reason, "INVALID_ARGUMENT"), "the server refused the request: " + detail,
              "nothing was changed; correct it as the message says (`sealdrop admin identities list` lists the"
                  + " identities)", e);
        }
        if (op == Op.PUBLISH_BUNDLE) {
          // the server's message says what is wrong with the bundle (round CM: a server whose clock is behind refused
          // a fresh one, and the hint sent the user to the arguments of `keys publish`, which takes none that matter)
          return new UsageFailure(or(reason, "INVALID_ARGUMENT"), "the server refused the request: " + detail,
              "nothing was published; do as the message says, then `sealdrop keys publish` again", e);
        }
        if (op == Op.CREATE_GRANT) {
          // the server's message names its limit (`a grant allows 1 to 10 downloads on this server; asked for 20`):
          // "check the arguments; see sealdrop help" sent the user to a help page that cannot know it (round CP)
          return new UsageFailure(or(reason, "INVALID_ARGUMENT"), "the server refused the request: " + detail,
              "nothing was granted; run it again within the limits the message names (--expires, --downloads)", e);
        }
        if (op == Op.SSH_KEY) {
          // the server's message says what is wrong (an RSA key under 3072 bits, a malformed fingerprint) and what
          // it takes: the generic "check the arguments; see sealdrop help" would only send the user elsewhere
          return new UsageFailure(or(reason, "INVALID_ARGUMENT"), "the server refused the request: " + detail,
              "nothing was changed; correct it as the message says" + (detail.contains("comment") ? ""
                  : " (an Ed25519 key, `ssh-keygen -t ed25519`, is always taken)"), e);
        }
        return new UsageFailure(or(reason, "INVALID_ARGUMENT"), "the server refused the request: " + detail,
            "check the arguments; see `sealdrop help`", e);
      case RESOURCE_EXHAUSTED:
        if (reason == null && GO_AWAY.matcher(e.getStatus().getDescription() == null ? ""
            : e.getStatus().getDescription()).matches()) {
          // HTTP/2's ENHANCE_YOUR_CALM closed the connection (gRPC reads it as RESOURCE_EXHAUSTED): the server's
          // connection policy, e.g. fewer keepalive pings than this client sends, not a limit on this request (round
          // CE: "a size limit or quota applies", exit 6)
          return new NetworkFailure("CONNECTION_CLOSED", detail + (detail.endsWith("too_many_pings")
              ? " (it allows fewer keepalive pings than this client sends: one a minute while a call runs)" : ""),
              "nothing was refused: run the same command again (a transfer resumes); if it happens again, tell the"
                  + " server's operator", e);
        }
        // this client's limit, by its value: the server's own limit on a request reads the same otherwise (round W)
        if (reason == null && detail != null
            && detail.startsWith("gRPC message exceeds maximum size " + ChannelFactory.MAX_INBOUND_BYTES + ":")) {
          // this client's own limit on an answer, not a refusal of the server's (round T: "ask the operator", exit 6)
          return new NetworkFailure("ANSWER_TOO_LARGE", "the server's answer is larger than this client accepts ("
              + detail + ")", "a list this long (more than about 350,000 grants) does not fit in one answer: an"
              + " admin can revoke or purge what is no longer needed (`sealdrop admin grants list`)", e);
        }
        if (reason == null && detail != null
            && detail.startsWith("gRPC message exceeds maximum size " + Downloader.MAX_MESSAGE_BYTES + ":")) {
          // this client's limit on a download message (review DS: told as the server's quota, exit 6)
          return new NetworkFailure("DOWNLOAD_MESSAGE_TOO_LARGE", "the server sent a download message larger than this"
              + " client takes (" + detail + "); a sealdrop server sends 1 MiB at a time", "the claim is kept: run the"
              + " same command again; if it happens again, tell the server's operator (the server is not behaving as"
              + " a sealdrop server)", e);
        }
        if ("TOO_MANY_SSH_KEYS".equals(reason)) {
          // a count of keys, not storage: nothing to do with files or uploads
          return new UsageFailure(reason, "the server refused the SSH key: " + detail, "remove a key you no longer"
              + " use first: `sealdrop keys list-ssh` lists yours, `sealdrop keys remove-ssh FINGERPRINT` removes one", e);
        }
        if ("TOO_MANY_GRANTS".equals(reason)) {
          // a count of live grants, not storage: the sender's own grants free places when revoked, used or expired
          int limit = detail.indexOf("(max-live-grants-per-identity)");
          String said = limit < 0 ? detail : detail.substring(0, limit + "(max-live-grants-per-identity)".length());
          return new PermissionFailure(reason, "the server refused the grant: " + said, "revoke your"
              + " grants that are no longer needed (`sealdrop grants` lists them, `sealdrop grants revoke GRANT_ID`"
              + " revokes one), or wait until some are used or expire; then grant again (`sealdrop grant FILE_ID --to"
              + " NAME`: the file stays uploaded)", e);
        }
        if ("TOO_MANY_CALLS".equals(reason)) {
          // another sealdrop of this identity (or a runaway script) holds the calls: nothing to do with quotas
          return new PermissionFailure(reason, "the server refused: " + detail, "other sealdrop commands or scripts"
              + " of this identity hold too many calls open; let them finish or stop them, then run this again", e);
        }
        if ("QUOTA_EXCEEDED".equals(reason)) {
          // unfinished uploads hold quota too, and are listed nowhere: name the way to give one's own up
          return new PermissionFailure(reason, "the server refused: " + detail, "your files and your unfinished"
              + " uploads count: if a send of yours broke or was refused and you will not finish it, give it up with"
              + " `sealdrop send FILE --to NAME --abandon` (its quota is free at once); `sealdrop files` lists your"
              + " files: delete those you no longer need with `sealdrop files delete FILE_ID`", e);
        }
        return new PermissionFailure(or(reason, "RESOURCE_EXHAUSTED"), "the server refused: " + detail,
            "a size limit or quota applies; ask the operator", e);
      case UNAVAILABLE:
        return unavailable(e, reason, detail);
      case UNIMPLEMENTED:
        // e.g. the admin port given as the transfer port, or the other way round; or a server older than this client
        // (round DB: `files delete` against a server of before DeleteFile was sent to check the addresses only)
        return new NetworkFailure(or(reason, "UNIMPLEMENTED"), "the server at this address does not offer this call ("
            + detail + ")", "check the addresses in profile.properties: `server` is the port the server printed as "
            + "`listening on`, `admin_server` the one it printed as `admin listening on`; if they are right, the server"
            + " runs an older sealdrop version that does not have this call: ask its operator to upgrade it", e);
      case CANCELLED:
        // the server cancelled the call (gRPC: "RST_STREAM closed stream. HTTP/2 error code: CANCEL"), as it
        // does to every open call when its operator stops it; the CLI's own cancellations never get here
        return new NetworkFailure(or(reason, "SERVER_UNAVAILABLE"), "the server ended the call before it finished "
            + "(it was stopped or restarted, or something between cut the connection)",
            "run the same command again once the server is back; transfers resume where they stopped", e);
      case DEADLINE_EXCEEDED:
        return new NetworkFailure(or(reason, "TIMEOUT"), "the server did not answer in time",
            "check the network and re-run; transfers resume where they stopped", e);
      default:
        return new NetworkFailure(or(reason, "SERVER_ERROR"), "the server failed: " + detail,
            "re-run later; transfers resume where they stopped", e);
    }
  }

  /**
   * What the status says, for a person: its description without the Netty pipeline that gRPC appends
   * to transport errors ("io exception" + "Channel Pipeline: [...]"), and for such an error the
   * transport's own message (e.g. "handshake timed out after 10000ms") instead.
   */
  public static String detailOf(StatusRuntimeException e) {
    Status status = e.getStatus();
    String d = status.getDescription();
    if (d == null) {
      return status.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
    int pipeline = d.indexOf("\nChannel Pipeline:");
    if (pipeline >= 0) {
      d = d.substring(0, pipeline);
    }
    Throwable innermost = e.getCause();
    while (innermost != null && innermost.getCause() != null && innermost.getCause() != innermost) {
      innermost = innermost.getCause();
    }
    if (d.equals("io exception") && innermost != null && innermost.getMessage() != null) {
      return d + ": " + innermost.getMessage();
    }
    java.util.regex.Matcher goAway = GO_AWAY.matcher(d);
    if (goAway.matches()) {
      // HTTP/2's words around what the server said: its reason, when it gave one, is what the user can act on
      String said = goAway.group(2) == null ? "" : goAway.group(2).strip();
      return "the server closed the connection" + (said.isEmpty() ? " (" + goAway.group(1) + ")" : ": " + said);
    }
    return d;
  }

  /** gRPC's description of a connection the server closed with a GOAWAY frame, and the text the server put in it. */
  private static final java.util.regex.Pattern GO_AWAY = java.util.regex.Pattern.compile(
      "Connection closed after GOAWAY\\. HTTP/2 error code: ([A-Z_]+)(?: \\([^)]*\\))?(?:, debug data: (.*))?",
      java.util.regex.Pattern.DOTALL);

  /**
   * How a transfer call that broke off ended, for a person: "the connection to the server broke (Connection reset)"
   * rather than gRPC's "UNAVAILABLE: io exception (Connection reset)".
   */
  public static String howItBroke(StatusRuntimeException e) {
    String detail = detailOf(e);
    switch (e.getStatus().getCode()) {
      case UNAVAILABLE: {
        String why = detail.startsWith("io exception") ? detail.substring("io exception".length()).replaceFirst("^: ",
            "") : detail;
        return "the connection to the server broke" + (why.isEmpty() ? "" : " (" + withoutClassNames(why) + ")");
      }
      case CANCELLED:
        return "the server ended the call before it finished (it was stopped or restarted, or something between cut"
            + " the connection)";
      case DEADLINE_EXCEEDED:
        return "the server did not answer in time";
      default:
        return "the call failed (" + e.getStatus().getCode() + ": " + withoutClassNames(detail) + ")";
    }
  }

  /** Java class names that exceptions put in their messages ("sun.security.…Exception: "), which tell a user nothing. */
  private static final java.util.regex.Pattern CLASS_NAME =
      java.util.regex.Pattern.compile("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error): ");

  /**
   * An exception's message for a person: without the class names of the exceptions it wraps, e.g. the
   * JDK's "PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable
   * to find valid certification path to requested target".
   */
  static String withoutClassNames(String message) {
    return message == null ? "" : CLASS_NAME.matcher(message).replaceAll("");
  }

  public static Optional<String> reason(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    if (trailers == null) {
      return Optional.empty();
    }
    String r = trailers.get(REASON);
    if (r == null || !r.matches("[A-Z][A-Z0-9_]{0,63}")) {
      return Optional.empty();
    }
    return Optional.of(r);
  }

  private static SealdropFailure grant(Op op, String reason, String detail, Throwable e) {
    if (op == Op.REVOKE_GRANT) {
      return revokeRefused(reason, detail, e, "among yours", "`sealdrop grants`", "lists the grants you created");
    }
    if (op == Op.ADMIN_REVOKE_GRANT) {
      return revokeRefused(reason, detail, e, "on this server", "`sealdrop admin grants list`", "lists every grant");
    }
    if ("GRANT_NOT_FOUND".equals(reason) && op != Op.REDEEM) {
      // the token was good a moment ago (a redeem made the claim downloaded or confirmed): "check the token" misled
      // (round CE)
      return new GrantFailure(reason, "the server no longer knows this download's claim: " + detail, "run the same"
          + " command again: it redeems the grant again if it still exists; if the grant is gone, ask the sender to"
          + " send the file again", e);
    }
    String message;
    String hint;
    switch (reason) {
      case "GRANT_EXPIRED": {
        // when, as the server says it (review BD: other refusals gave their times, this one none)
        java.util.regex.Matcher at = EXPIRED_AT.matcher(detail);
        message = at.find() ? "this grant expired at " + at.group(1) : "this grant has expired";
        hint = "ask the sender for a new grant";
        break;
      }
      case "GRANT_CONSUMED":
        // the server says when downloads cut short used it up: "already used" alone misled a recipient who never got
        // the whole file (outside test)
        message = detail.contains("unfinished after bytes were handed out")
            ? "this grant was used up: " + withoutAdvice(detail).replaceFirst("; it cannot be redeemed$", "")
            : "this grant was already used (all its downloads are consumed)";
        hint = "ask the sender for a new grant if you need the file again";
        break;
      case "GRANT_REVOKED":
        if (detail.contains("has been revoked by an admin")) {
          // the server says its sender's identity is revoked (review BE): no new grant can come from that sender
          message = "this grant was revoked, and its sender " + detail.replaceFirst("(?s)^.*its sender ", "")
              .replaceFirst("(?s) \\(an identity's revocation.*$", "");
          hint = "no new grant can come from that identity; ask whoever acts for the sender now, or an admin";
          break;
        }
        message = "this grant was revoked";
        // review BD: also when an admin revoked the sender's identity, whose grants go with it: that sender can no
        // longer send anything
        hint = "the sender or an admin revoked it (revoking a sender's identity revokes its grants too); ask the"
            + " sender for a new grant, or, if the sender can no longer act, an admin";
        break;
      case "GRANT_CLAIMED":
        message = "this grant is claimed by a download in progress";
        // (a receive of this profile that broke before the server's answer to its redeem arrived takes its own claim
        // over on its re-run, with its redeem key: round BT found this hint still sent it to wait)
        hint = "if that was you on another machine or profile, finish there; otherwise (also after a receive of yours"
            + " was refused before downloading, or with a server that predates redeem keys) wait until the claim"
            + " lapses" + claimEnds(detail) + " and retry (if that download was sent the whole file, it then counts as"
            + " one of the grant's downloads)";
        break;
      case "GRANT_SUSPENDED":
        message = "this grant's sender is disabled by an admin, so the grant cannot be used now";
        hint = "it works again once an admin enables the sender (nothing was used up; a receive cut by it resumes when"
            + " run again then); ask the sender or an admin";
        break;
      case "FILE_PURGED":
        // at a redeem, the server says when and in what state the grant was; nothing was being downloaded
        // a download cut ("the file was ..."), or a resume, confirm or release of a claim whose grant went with its file
        // ("the grant's file was ..."): the server says whether its sender deleted it or an admin purged it (review CT:
        // a resume after the sender's delete was retold as an admin's purge)
        message = op == Op.REDEEM || detail.startsWith("the file was") || detail.startsWith("the grant's file was")
            ? withoutAdvice(detail) : "this file was deleted from the server; the download was stopped";
        hint = "the file and every grant on it are deleted, so it cannot be downloaded or resumed; ask the sender"
            + " to send it again";
        break;
      case "GRANT_PURGED":
        message = withoutAdvice(detail); // how the grant ended, and when retention deleted it
        hint = "the grant and its file are deleted for good, so the token cannot be used; ask the sender to send"
            + " the file again";
        break;
      case "DOWNLOAD_BUSY":
        message = "this grant's file is being downloaded by another stream of the same claim";
        hint = "another `sealdrop receive` of this token is still running (here or on another machine); let it"
            + " finish, or stop it and re-run this command: the download resumes";
        break;
      case "CLAIM_CLOSED":
        // the claim this download ran under ended (its window passed without the download being served, or it
        // was given back): nothing counted, and the grant can be redeemed again if it is still active
        message = "the download's claim has ended: " + detail;
        hint = "nothing was used up: run the same command again, it redeems the grant again if it is still active";
        break;
      default:
        message = "the grant cannot be redeemed: " + detail;
        hint = "check the token (copy it exactly); ask the sender for a new grant";
    }
    return new GrantFailure(reason, message, hint, e);
  }

  /** " at INSTANT" when the server's message says when the grant's claim ends (servers since 2026-12), else "". */
  static String claimEnds(String detail) {
    java.util.regex.Matcher m = CLAIM_ENDS.matcher(detail == null ? "" : detail);
    return m.find() ? " at " + m.group(1) : "";
  }

  private static final java.util.regex.Pattern CLAIM_ENDS =
      java.util.regex.Pattern.compile("window ends at (\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)");

  /** The server's account without its closing advice, which the hint gives instead. */
  private static String withoutAdvice(String detail) {
    int advice = detail.lastIndexOf("; ask the sender");
    return advice > 0 ? detail.substring(0, advice) : detail;
  }

  /**
   * The same reasons, told to the grant's owner or to an admin who tried to revoke it; {@code lister}
   * is the command that shows them their grants ({@code sealdrop grants} or {@code sealdrop admin grants list}).
   */
  private static SealdropFailure revokeRefused(String reason, String detail, Throwable e, String whose, String lister,
      String lists) {
    String message;
    String hint;
    switch (reason) {
      case "GRANT_CONSUMED":
        message = "this grant can no longer be revoked: its downloads are used up (the server handed the recipient the file's"
            + " last bytes, which counts a download, or the recipient confirmed it)";
        hint = "nothing is left to revoke; " + lister + " shows its state";
        break;
      case "GRANT_EXPIRED":
        message = "this grant can no longer be revoked: it has expired, so it cannot be redeemed anyway";
        hint = "nothing is left to revoke; " + lister + " shows its state";
        break;
      case "FILE_PURGED":
      case "GRANT_PURGED":
        // the server says when and by whom; the grant is listed nowhere any more
        message = detail;
        hint = "nothing is left to revoke: the grant is deleted, and no one can redeem it";
        break;
      case "GRANT_NOT_FOUND":
        // not the server's text: it repeats this and names its RPCs (ListGrants, ListAllGrants)
        message = "no grant with that id " + whose;
        hint = "check the grant id; " + lister + " " + lists;
        break;
      default:
        message = "the grant cannot be revoked: " + detail;
        hint = lister + " shows its state";
    }
    return new GrantFailure(reason, message, hint, e);
  }

  private static SealdropFailure notFound(Op op, String reason, String detail, Throwable e) {
    switch (op) {
      case REDEEM:
      case DOWNLOAD:
      case CONFIRM:
      case REVOKE_GRANT:
      case ADMIN_REVOKE_GRANT:
        return grant(op, reason == null || reason.equals("NOT_FOUND") ? "GRANT_NOT_FOUND" : reason, detail, e);
      case FETCH_BUNDLE:
        // an identity that does not exist has no key bundle either: one reason for both, as docs/cli.md lists it
        return new UsageFailure(reason == null || reason.equals("NOT_FOUND") ? "NO_BUNDLE" : reason,
            detail.contains("key bundle") ? detail : "no published key bundle: " + detail,
            "check the identity (names are matched exactly, case included), and ask its owner to run `sealdrop keys"
                + " publish` (after `sealdrop keys renew` if their certificate was revoked; `sealdrop admin identities"
                + " list` shows an admin whether the identity is disabled or revoked, which no publishing undoes)", e);
      case CREATE_GRANT:
        return new UsageFailure(or(reason, "NOT_FOUND"), "not found: " + detail,
            "check the file id (`sealdrop files` lists yours) and the recipient's identity", e);
      case SSH_KEY:
        return new UsageFailure(or(reason, "NOT_FOUND"), "not found: " + detail,
            "check the fingerprint with `sealdrop keys list-ssh`", e);
      case DELETE_FILE:
        return new UsageFailure(or(reason, "NOT_FOUND"), "not found: " + detail,
            "check the file id: `sealdrop files` lists yours; nothing was deleted", e);
      default:
        return new UsageFailure(or(reason, "NOT_FOUND"), "not found: " + detail, "check the identifier", e);
    }
  }

  private static SealdropFailure unavailable(StatusRuntimeException e, String reason, String detail) {
    if ("LOCKED_DOWN".equals(reason)) {
      // An admin switched transfers off on purpose: retrying now is pointless, and nothing was lost.
      return new NetworkFailure(reason, "the server is locked down by an admin: " + detail,
          "nothing was transferred or consumed; ask the operator when the lockdown will be lifted, then re-run", e);
    }
    if ("STORAGE_FULL".equals(reason)) {
      // the server's disk, not ours: the operator must free space; what was sent is kept
      return new NetworkFailure(reason, "the server could not store this: " + detail, "nothing was lost; ask the"
          + " server's operator to free space, then run the same command again (an upload resumes where it stopped)",
          e);
    }
    if ("DOWNLOAD_STALLED".equals(reason)) {
      // the server's stall timeout: this process (or the machine) stopped taking bytes for minutes
      return new NetworkFailure(reason, detail, "was this receive paused or the"
          + " machine busy? Nothing was used up and what arrived is kept: run the same command again, it resumes", e);
    }
    if ("UPLOAD_STALLED".equals(reason)) {
      // the server's stall timeout: this process (or the machine) stopped sending for minutes
      return new NetworkFailure(reason, detail, "was this send paused or the machine busy? What was sent is kept"
          + " on the server: run the same command again, it resumes", e);
    }
    if ("SHUTTING_DOWN".equals(reason)) {
      // a graceful shutdown refuses new uploads and redeems while running transfers finish: the address is right
      return new NetworkFailure(reason, "the server is shutting down: " + detail, "nothing was transferred or used up;"
          + " run the same command again once the server is back", e);
    }
    Optional<SslHandshakeTimeoutException> timedOut = handshakeTimeout(e);
    if (timedOut.isPresent()) {
      String target = ServerAddress.of(e.getTrailers()).orElse("the server");
      return new NetworkFailure(or(reason, "TLS_HANDSHAKE_TIMEOUT"), target + " did not answer the TLS handshake within "
          + handshakeSeconds(timedOut.get()), "is the address right (`server` in profile.properties)? A port of"
          + " another service that waits for its client to speak first behaves like this; if it is the sealdrop"
          + " server, it or this machine is overloaded: re-run the command in a moment", e);
    }
    if (handshakeCutShort(e)) {
      String target = ServerAddress.of(e.getTrailers()).orElse("the server");
      return new NetworkFailure(or(reason, "TLS_HANDSHAKE_INCOMPLETE"), "the TLS handshake with " + target
          + " did not finish: " + detail, "the server or this machine may be overloaded, or what listens at that "
          + "address is not a sealdrop server that answers; check the address (`server` in profile.properties) and "
          + "re-run the command", e);
    }
    if (tlsRecordsUnwritable(e)) {
      return new NetworkFailure(or(reason, "SERVER_UNAVAILABLE"), "the connection to the server closed while TLS "
          + "was writing to it", "the server or this machine may be overloaded; re-run the command; transfers resume "
          + "where they stopped", e);
    }
    Optional<String> damaged = tlsRecordDamaged(e);
    if (damaged.isPresent()) {
      // not a refusal (round AX: a bit flipped in a download said "TLS handshake failed", exit 3, and sent the user
      // to check certificates): TLS found bytes changed on their way, and used none of them
      return new NetworkFailure(or(reason, "CONNECTION_DAMAGED"), "the connection to the server was damaged: a TLS"
          + " record failed its integrity check (" + damaged.get() + "), so something between this machine and the"
          + " server changed bytes in transit; TLS used none of them", "re-run the command (transfers resume where"
          + " they stopped, nothing damaged was kept); if it happens again, suspect a faulty network device, proxy or"
          + " VPN on the way", e);
    }
    Optional<SealdropFailure> unreachable = unreachable(e);
    if (unreachable.isPresent()) {
      return unreachable.get();
    }
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof SSLException || c instanceof CertificateException) {
        Optional<CertificateException> serverCertificate = certificateProblem(c);
        if (serverCertificate.isPresent() && outsideValidity(c)) {
          // its dates, by this machine's clock: the clock is as likely as the certificate (round CK: a clock 3 h
          // behind was sent to check the address and the CA)
          return new AuthFailure(or(reason, "TLS_REFUSED"), "TLS handshake failed: the server's certificate was not "
              + "accepted: " + withoutClassNames(serverCertificate.get().getMessage()) + " (it is not valid at this"
              + " machine's time, " + java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ")",
              "check this machine's clock and time zone (`date -u`); if it is right, the server's certificate has"
              + " expired or is not valid yet: ask the server's operator to renew it", e);
        }
        if (serverCertificate.isPresent()) {
          // our own check of the server's certificate failed (OpenSSL wraps it as "General OpenSslEngine problem")
          return new AuthFailure(or(reason, "TLS_REFUSED"), "TLS handshake failed: the server's certificate was not "
              + "accepted: " + withoutClassNames(serverCertificate.get().getMessage()), "check the address (`server` in "
              + "profile.properties, or `admin_server` for `sealdrop admin` commands): the server's certificate must name"
              + " it in its subjectAltName (ask its operator, or use a name it has), and the profile's CA (tls/ca.crt,"
              + " from `init --ca`) must be the one that issued that certificate", e);
        }
        Optional<CertificateAlert.Alert> alert = CertificateAlert.of(c.getMessage());
        if (alert.isPresent()) {
          return certificateRefused(alert.get().reason(), "TLS alert " + alert.get().name() + " in the handshake",
              e);
        }
        return new AuthFailure(or(reason, "TLS_REFUSED"), "TLS handshake failed: " + withoutClassNames(c.getMessage()),
            "check --server, that the server's certificate comes from your profile's CA, and that your "
                + "certificate is valid and not revoked", e);
      }
    }
    return new NetworkFailure(or(reason, "SERVER_UNAVAILABLE"), "the server is unavailable: " + detail,
        "check the address and that the server is running, then re-run; transfers resume where they stopped", e);
  }

  /**
   * The server refused our certificate or identity, in the TLS handshake (an alert, see
   * {@link CertificateAlert}) or at a call (its reason): what it means and what the user can do.
   */
  /** How {@code IDENTITY_DISABLED}'s message begins; the server's words and a closing parenthesis follow. */
  public static final String DISABLED_IDENTITY =
      "the server refused your identity: it is disabled by an admin (your certificate is fine; ";

  private static AuthFailure certificateRefused(String reason, String detail, Throwable e) {
    String renew = "`sealdrop keys renew --cert NEW.crt --key NEW.key` with it (keeps your keys)";
    switch (reason) {
      case "CERTIFICATE_REVOKED":
        if (detail.contains("identity revoked by an admin") || detail.contains("has been revoked on this server")) {
          // the server said which (a call it closed, or one it refused past TLS): no "ask an admin which it was"
          // (round CP: the hint contradicted the message)
          return new AuthFailure(reason, "the server refused our certificate: " + IDENTITY_REVOKED + " ("
              + detail + ")", "revocation is permanent, and a revoked identity is refused whatever its certificate"
              + " (its grants are revoked with it): ask an admin to enrol you under a new identity name", e);
        }
        // round CG: a user whose identity was revoked renewed the certificate as the hint said, in vain
        return new AuthFailure(reason, "the server refused our certificate: it, or your identity, was revoked by an "
            + "admin (" + detail + ")", "revocation is permanent; ask an admin which it was (the TLS refusal does"
            + " not say; `sealdrop admin identities list` shows a revoked identity): a revoked identity is refused"
            + " whatever its certificate; if only this certificate was"
            + " revoked, a new certificate for the same identity works: " + renew + ", or, if your keys may be "
            + "compromised too (a lost device), `sealdrop init --force` with it for new keys", e);
      case "CERTIFICATE_EXPIRED":
        return new AuthFailure(reason, "the server refused our certificate: it has expired or is not yet valid ("
            + detail + ")", "get a renewed certificate from your CA and run " + renew + "; if its dates look right"
            + " (`openssl x509 -noout -dates -in` the profile's tls/client.crt), a clock is wrong: check this"
            + " machine's (`date -u`), and if it is right, ask the server's operator to check the server's (a server"
            + " whose clock is behind refuses a certificate issued minutes ago)", e);
      case "IDENTITY_DISABLED": {
        // the server names the identity (`identity 'frank' is disabled ...`): the command to give the admin names it
        // too (round CP: `enable NAME`)
        java.util.regex.Matcher named = NAMED_IDENTITY.matcher(detail);
        // the identity's standing, not the certificate (review BB: "refused our certificate" blamed the certificate)
        return new AuthFailure(reason, DISABLED_IDENTITY + detail + ")", "ask an admin to enable it again (`sealdrop admin identities enable "
            + (named.find() ? named.group(1) : "NAME") + "`); your files and grants are kept meanwhile"
            // (a send or receive says what it kept of its transfer, and that the re-run resumes it: review BD)
            , e);
      }
      case "IDENTITY_UNKNOWN":
        return new AuthFailure(reason, "the server does not know your identity (" + detail + ")",
            "ask an admin to enrol it (`sealdrop admin identities add`), then re-run", e);
      case "CERTIFICATE_UNTRUSTED":
        return new AuthFailure(reason, "the server does not trust our certificate: it was not issued by the CA the "
            + "server trusts, or its key is of a type the server's TLS library does not accept (" + detail + ")",
            "check the certificate in the profile (tls/client.crt, from `init --cert`): it must come from this "
                + "deployment's CA, with an ECDSA P-256/P-384 or RSA key (a server on BoringSSL, the default, never "
                + "accepts Ed25519 or P-521 client certificates; `openssl x509 -noout -text -in FILE` shows the key)",
            e);
      default: // CERTIFICATE_UNSUPPORTED, CERTIFICATE_NOT_CLIENT_AUTH, CERTIFICATE_INVALID
        // every point of the server's rule: this profile's own check passed, so the server's differs (another version)
        return new AuthFailure(reason, "the server refused our certificate as not usable for a client of it ("
            + detail + ")", "a sealdrop certificate is a client certificate (not a CA certificate) with the clientAuth"
            + " extended key usage (only), a key usage with digitalSignature, exactly one CN (the identity name), an"
            + " ECDSA P-256/P-384 or RSA key of 2048 bits or more, a signature over SHA-256 or stronger, and no"
            + " critical extension the server does not know; the server's log says which point failed; ask your CA"
            + " for such a certificate, then run `sealdrop keys renew --cert NEW.crt --key NEW.key`", e);
    }
  }

  /**
   * A connection that never reached a sealdrop server: nothing listens at the address (connection
   * refused), its host name does not resolve, or what answers there does not speak TLS (e.g. the
   * SFTP door's port, a web server). The message names the address (which gRPC's "io exception"
   * does not) and asks whether the server runs and the profile's address is right.
   */
  public static Optional<SealdropFailure> unreachable(StatusRuntimeException e) {
    String reason = reason(e).orElse(null);
    String target = ServerAddress.of(e.getTrailers()).orElse("the sealdrop server");
    String hint = "check the address (`server` in profile.properties: the HOST:PORT the server printed as `listening "
        + "on`) and that the server is running, then re-run; transfers resume where they stopped";
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException) {
        return Optional.of(new NetworkFailure(or(reason, "SERVER_UNAVAILABLE"), "cannot reach " + target
            + ": connection refused; is it running, and is the address in the profile right?", hint, e));
      }
      if (c instanceof java.net.UnknownHostException) {
        return Optional.of(new NetworkFailure(or(reason, "UNKNOWN_HOST"), "cannot reach " + target + ": its host name"
            + " does not resolve; is the address in the profile right?", hint, e));
      }
      if (c instanceof io.netty.handler.ssl.NotSslRecordException) {
        return Optional.of(new NetworkFailure(or(reason, "NOT_A_TLS_SERVER"), "cannot reach " + target + ": what "
            + "answers at that address does not speak TLS, so it is not a sealdrop server (an SFTP or web port?); is"
            + " the address in the profile right?", hint, e));
      }
    }
    return Optional.empty();
  }

  /** Whether a certificate in the chain was refused for its dates (expired, or not valid yet), by this machine's clock. */
  private static boolean outsideValidity(Throwable tlsFailure) {
    for (Throwable c = tlsFailure; c != null; c = c.getCause()) {
      if (c instanceof java.security.cert.CertificateExpiredException
          || c instanceof java.security.cert.CertificateNotYetValidException
          || c instanceof java.security.cert.CertPathValidatorException v
              && v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED
          || c instanceof java.security.cert.CertPathValidatorException w
              && w.getReason() == java.security.cert.CertPathValidatorException.BasicReason.NOT_YET_VALID) {
        return true;
      }
    }
    return false;
  }

  /** The certificate check that failed in this TLS failure, if one did: the innermost such cause. */
  private static Optional<CertificateException> certificateProblem(Throwable tlsFailure) {
    CertificateException found = null;
    for (Throwable c = tlsFailure; c != null; c = c.getCause()) {
      if (c instanceof CertificateException ce) {
        found = ce;
      }
    }
    return Optional.ofNullable(found);
  }

  /** gRPC's description of a connection that closed with no GOAWAY, no TLS alert and no error. */
  static final String CLOSED_WITHOUT_REASON = "Network closed for unknown reason";

  /**
   * True if the connection ended without a verdict: the server closed it during the TLS handshake
   * without an alert ({@link #handshakeCutShort}), the connection closed with no reason given (no
   * GOAWAY, no TLS alert, no error), or Netty found it closed when writing TLS records of its own.
   * Whether the request had left by then is for {@link Delivery} to tell: these can also happen after
   * a request was sent, and then nothing is retried. Our own handshake timer running out
   * ({@link #handshakeTimeout}) is one too: an overloaded server that accepted the connection late
   * answers the next one (a silent listener of another service does not, and the last attempt says so).
   */
  public static boolean endedWithoutVerdict(StatusRuntimeException e) {
    if (handshakeTimeout(e).isPresent() || handshakeCutShort(e)) {
      return true;
    }
    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    if (e.getCause() == null && CLOSED_WITHOUT_REASON.equals(e.getStatus().getDescription())) {
      return true;
    }
    return tlsRecordsUnwritable(e);
  }

  /** TLS errors that say a record's authentication failed: BoringSSL's, the JDK's, and the peer's alert for it. */
  private static final List<String> RECORD_DAMAGED = List.of("BAD_DECRYPT", "DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
      "BAD_RECORD_MAC", "bad_record_mac", "Tag mismatch");

  /**
   * Which of {@link #RECORD_DAMAGED} a TLS error of {@code e} names, if one does: a record that failed its integrity
   * check, in either direction (the server's alert {@code bad_record_mac} when it found one of ours damaged). Keys agreed
   * in a completed handshake cannot fail so; bytes changed on the way can.
   */
  static Optional<String> tlsRecordDamaged(StatusRuntimeException e) {
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof SSLException && c.getMessage() != null) {
        for (String sign : RECORD_DAMAGED) {
          if (c.getMessage().contains(sign)) {
            return Optional.of(sign);
          }
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Netty could not write TLS records of its own (handshake flights, alerts): the connection was
   * already closed under it, typically by a server whose handshake timer ran out. Not a refusal:
   * a refused certificate comes as an alert.
   */
  private static boolean tlsRecordsUnwritable(StatusRuntimeException e) {
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof SSLException && c.getMessage() != null
          && c.getMessage().startsWith("failure when writing TLS control frames")) {
        return true;
      }
    }
    return false;
  }

  /**
   * True if the server closed the connection before the TLS handshake finished, with no TLS alert
   * (a refused certificate comes with one): what a server too busy to finish in time does when its
   * own handshake timer runs out. No request has left the client then, so it may be tried again.
   * (Netty's "failure when writing TLS control frames" is not among these: it can also happen after
   * the handshake, once a request was sent. Our own handshake timeout is {@link #handshakeTimeout}.)
   */
  public static boolean handshakeCutShort(StatusRuntimeException e) {
    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    String d = e.getStatus().getDescription();
    return d != null && d.startsWith("Connection closed while performing TLS negotiation");
  }

  /**
   * Our side's TLS handshake timer ran out: the peer accepted the connection but did not answer the
   * handshake in time. An overloaded sealdrop server that accepted it late does that once (tried again:
   * {@link #endedWithoutVerdict}); a port of a service that waits for its client to speak first does it
   * every time, so when the last attempt ends so, the failure names the address and the time limit.
   */
  static Optional<SslHandshakeTimeoutException> handshakeTimeout(StatusRuntimeException e) {
    if (e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
      return Optional.empty();
    }
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof SslHandshakeTimeoutException t) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  private static final java.util.regex.Pattern TIMEOUT_MILLIS = java.util.regex.Pattern.compile("after (\\d{1,9})ms");

  /** The timeout Netty reports ("handshake timed out after 10000ms") in seconds, e.g. {@code "10 s"}. */
  static String handshakeSeconds(SslHandshakeTimeoutException e) {
    java.util.regex.Matcher m = TIMEOUT_MILLIS.matcher(String.valueOf(e.getMessage()));
    if (!m.find()) {
      return "its time limit";
    }
    long millis = Long.parseLong(m.group(1));
    return millis % 1000 == 0 ? millis / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  private static String or(String reason, String fallback) {
    return reason != null ? reason : fallback;
  }
}
