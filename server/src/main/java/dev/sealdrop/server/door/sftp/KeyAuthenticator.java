package dev.sealdrop.server.door.sftp;

import dev.sealdrop.server.core.SealdropException;
import dev.sealdrop.server.core.audit.Audit;
import dev.sealdrop.server.core.identity.Origin;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.sshkey.SshKeyService;
import dev.sealdrop.server.core.sshkey.SshPublicKey;
import java.security.PublicKey;
import java.util.Objects;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;

/**
 * Public-key authentication, delegated to {@code core.sshkey}: the key must be registered to the
 * identity named as the SSH user, and the certificate it was registered with must pass every
 * check of {@code core.identity}. Rejects whenever the core does not positively accept (like
 * MINA's {@code RejectAllPublickeyAuthenticator} by default). MINA calls this for the "would you
 * accept this key" probe and again for the signed request, <em>before</em> it verifies the
 * signature: an acceptance here proves nothing about the private key (anyone may hold the public
 * one), so it is neither logged nor audited as a login. {@link LoginAudit} does both once the
 * session has authenticated. A refusal the holder of the key may be told answers {@code true} too,
 * without a {@link Login}: {@link ProvenKeyRefusal} then fails the request once its signature has
 * verified, and tells the client why.
 */
final class KeyAuthenticator implements PublickeyAuthenticator {
  /**
   * A refusal answered "go on" at a key's probe ({@link ProvenKeyRefusal}), kept for the signed
   * request of the same key that follows, so that one attempt is checked, and logged, once; removed
   * when that signed request ends, so a later attempt with the same key is checked afresh.
   */
  static final AttributeKey<AwaitingProof> AWAITING_PROOF = new AttributeKey<>();

  /** A key refused at its probe whose holder is to be told, once it signs: the refusal and its audit record. */
  record AwaitingProof(String user, String fingerprint, SealdropException refusal, LoginAudit.Refusal record) {}

  private final SshKeyService keys;

  KeyAuthenticator(SshKeyService keys) {
    this.keys = Objects.requireNonNull(keys, "keys");
  }

  @Override
  public boolean authenticate(String username, PublicKey key, ServerSession session) {
    byte[] blob;
    try {
      ByteArrayBuffer buf = new ByteArrayBuffer();
      buf.putRawPublicKey(key);
      blob = buf.getCompactData();
    } catch (RuntimeException e) {
      return false;
    }
    String fingerprint = SshPublicKey.fingerprintOf(blob);
    AwaitingProof awaiting = session.getAttribute(AWAITING_PROOF);
    if (awaiting != null && awaiting.user().equals(username) && awaiting.fingerprint().equals(fingerprint)) {
      // the last key tried again: its refusal is what a record of this login names (review EE: a key accepted at its
      // probe in between had removed it)
      session.setAttribute(LoginAudit.REFUSAL, awaiting.record());
      return ProvenKeyRefusal.awaitProof(session, awaiting.refusal());
    }
    Origin origin = Origin.sftp(LoginAudit.peer(session.getClientAddress()));
    try {
      Principal principal = keys.authenticate(username, blob, origin);
      session.setAttribute(Login.KEY, new Login(keys, principal, blob, fingerprint, origin));
      // the last key tried is what a refused login's record names: an earlier key's refusal no longer stands for it
      // (review ED: a junk key offered first hid a registered one probed, or signed for badly, after it)
      session.removeAttribute(LoginAudit.REFUSAL);
      return true;
    } catch (SealdropException e) {
      // the core's audit result, not its reason's token: a revoked identity is told CERTIFICATE_REVOKED but recorded
      // identity-revoked, as its refused gRPC call and the SFTP re-check's connection.close are (round DC)
      LoginAudit.Refusal record = new LoginAudit.Refusal(username == null ? "" : username, Audit.resultOf(e),
          fingerprint, e.getMessage());
      session.setAttribute(LoginAudit.REFUSAL, record);
      // a refusal the key's holder may be told: go on to the signature, then fail (ProvenKeyRefusal)
      boolean goOn = ProvenKeyRefusal.awaitProof(session, e);
      if (goOn && username != null) {
        session.setAttribute(AWAITING_PROOF, new AwaitingProof(username, fingerprint, e, record));
      }
      return goOn;
    }
  }
}
