package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.TransferGate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public-key authentication that tells a client why the core refused its key, once the client has
 * proven it holds the private key, and only then. Without it OpenSSH prints "Permission denied
 * (publickey)" alike for a wrong key and for a key whose identity was disabled or revoked, or whose
 * registering certificate was revoked or expired: an unattended job's operator could not tell them
 * apart without the server's audit log.
 *
 * <p>MINA asks the {@link KeyAuthenticator} <em>before</em> it verifies a signature (and OpenSSH
 * signs only a key the server said it would accept, SSH_MSG_USERAUTH_PK_OK). So for a refusal it may
 * tell ({@link #TOLD}) the authenticator answers "go on" while a request of this class is being
 * checked ({@link #awaitProof}): the probe gets PK_OK, MINA verifies the signed request, and a
 * verified one is turned into a failure here, preceded by an SSH_MSG_USERAUTH_BANNER (RFC 4252
 * §5.4) with the core's message and reason, which OpenSSH prints on stderr (unless its LogLevel is
 * QUIET or ERROR, e.g. {@code sftp -q}). A signature that does not verify fails as MINA fails it,
 * without a word. A key not registered to that user name, or an unknown user, is refused at the
 * probe as before: nothing is told to someone who merely knows a public key or a user name.
 *
 * <p>An accepted login is told, in the same kind of banner, when the core's {@link TransferGate}
 * refuses every transfer (a lockdown): the session opens (listing is no transfer), but OpenSSH
 * prints a refused upload or redeem only as "Failure", without the status message's reason.
 */
final class ProvenKeyRefusal extends UserAuthPublicKey {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");

  /**
   * The refusals told to the holder of the key. The core gives these only for a key registered to
   * the user name it was offered for (core.sshkey looks the key up first, and refuses any other with
   * IDENTITY_UNKNOWN or SSH_KEY_NOT_REGISTERED), so telling them says nothing to anyone but the key's holder.
   */
  static final Set<Reason> TOLD = EnumSet.of(Reason.IDENTITY_DISABLED, Reason.CERTIFICATE_REVOKED,
      Reason.CERTIFICATE_EXPIRED, Reason.CERTIFICATE_NOT_CLIENT_AUTH);

  /** Present while a request of this class is being checked: where the authenticator leaves a refusal. */
  private static final AttributeKey<Pending> PENDING = new AttributeKey<>();

  private static final class Pending {
    private SealdropException refusal;
  }

  /** Asked, once a login is accepted, whether the user is to be told that transfers are refused now. */
  private final TransferGate gate;

  private ProvenKeyRefusal(TransferGate gate) {
    this.gate = gate;
  }

  /**
   * Creates one {@link ProvenKeyRefusal} per authentication request, with the server's signature
   * algorithms; {@code gate} is the core's lockdown switch, whose {@link TransferGate#notice} an
   * accepted login is told.
   */
  static UserAuthPublicKeyFactory factory(TransferGate gate) {
    Objects.requireNonNull(gate, "gate");
    return new UserAuthPublicKeyFactory() {
      @Override
      public UserAuthPublicKey createUserAuth(ServerSession session) {
        return new ProvenKeyRefusal(gate);
      }
    };
  }

  /**
   * Called by {@link KeyAuthenticator} with the core's refusal of a key: returns whether MINA should
   * go on as for an accepted key (answer the probe, verify the signature) so that the refusal can be
   * told once the signature verifies. False, so refused outright, for a refusal not in {@link #TOLD},
   * and whenever no request of this class is being checked (fail closed).
   */
  static boolean awaitProof(ServerSession session, SealdropException refusal) {
    Pending pending = session.getAttribute(PENDING);
    if (pending == null || !TOLD.contains(refusal.reason())) {
      return false;
    }
    pending.refusal = refusal;
    return true;
  }

  @Override
  public Boolean doAuth(Buffer buffer, boolean init) throws Exception {
    ServerSession session = getServerSession();
    Pending pending = new Pending();
    session.setAttribute(PENDING, pending);
    Boolean result = null;
    try {
      result = super.doAuth(buffer, init);
    } catch (Exception | Error e) {
      // a signature that does not verify is thrown (SignatureException): that signed request ended too
      session.removeAttribute(KeyAuthenticator.AWAITING_PROOF);
      throw e;
    } finally {
      session.removeAttribute(PENDING);
      if (result != null) {
        // a signed request ended (not a probe): the next attempt with a key is checked afresh
        session.removeAttribute(KeyAuthenticator.AWAITING_PROOF);
      }
    }
    SealdropException refusal = pending.refusal;
    if (!Boolean.TRUE.equals(result)) {
      // refused outright, or a probe of a key (PK_OK sent: null)
      return result;
    }
    if (refusal == null) {
      // accepted (the signature verified): during a lockdown the user is told now, before
      // USERAUTH_SUCCESS, since OpenSSH shows a refused transfer only as "Failure"
      gate.notice().ifPresent(notice -> tell(session, lockdownNotice(notice), "the lockdown notice"));
      return result;
    }
    // the signature verified: the client holds the private key of a key the core refused
    forgetVerifiedKeys(session);
    LOG.info("SFTP login of '{}' refused after its key's signature verified; telling the client: {}",
        getUsername(), refusal.reason());
    tell(session, told(refusal), "the refusal");
    return Boolean.FALSE;
  }

  /** Sends {@code text} as an SSH_MSG_USERAUTH_BANNER (allowed until USERAUTH_SUCCESS is sent). */
  private static void tell(ServerSession session, String text, String what) {
    Buffer banner = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_BANNER, text.length() * 4 + 16);
    banner.putString(text, StandardCharsets.UTF_8);
    banner.putString(""); // language tag
    try {
      session.writePacket(banner);
    } catch (IOException e) {
      LOG.info("{} could not be told to the client: {}", what, e.toString());
    }
  }

  /**
   * MINA lists a key whose signature verified (for a later method of a multi-method login) and
   * refuses it at once if it is offered again. The only key ever listed here is one that did not log
   * in (an accepted one ends the authentication), so the list is dropped: offered again, e.g. after
   * an admin enabled the identity, the key is decided anew by the core.
   */
  private static void forgetVerifiedKeys(ServerSession session) {
    session.removeAttribute(AUTHENTICATED_KEYS);
  }

  /** What the client is shown: the core's message and reason, as a refused operation's status message. */
  static String told(SealdropException refusal) {
    return "sealdrop: login refused: " + refusal.getMessage() + " [" + refusal.reason().name() + "]\n";
  }

  /** What an accepted login is told during a lockdown: the core's notice, with the reason its refusals carry. */
  static String lockdownNotice(String notice) {
    return "sealdrop: " + notice + " [" + Reason.LOCKED_DOWN.name() + "]\n";
  }
}
