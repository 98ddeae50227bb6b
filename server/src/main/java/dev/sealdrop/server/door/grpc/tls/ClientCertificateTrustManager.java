package dev.sealdrop.server.door.grpc.tls;

import dev.sealdrop.server.core.UnauthenticatedException;
import dev.sealdrop.server.core.identity.IdentityService;
import dev.sealdrop.server.core.identity.Origin;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides at the TLS handshake which client certificates may connect: the chain must reach the
 * one configured CA (never the JDK's cacerts), and the leaf must pass the core's certificate
 * policy — not a CA certificate, explicit EKU clientAuth (no missing EKU, no anyExtendedKeyUsage), valid at the server
 * clock, serial not revoked. Each refusal is logged with its reason and sent as its own TLS alert
 * (unknown_ca, unsupported_certificate, certificate_expired, certificate_revoked). This class
 * only accepts clients; it refuses to judge servers.
 */
final class ClientCertificateTrustManager extends X509ExtendedTrustManager {
  private static final Logger LOG = LoggerFactory.getLogger("sealdrop.security");
  private static final int MAX_LOGGED = 512;

  private final X509Certificate ca;
  private final X509TrustManager chainValidator;
  private final IdentityService identities;
  private final boolean openSsl;
  private final dev.sealdrop.server.core.audit.RefusalThrottle audit;
  private final dev.sealdrop.server.logging.OncePerMinute fromTheCa = new dev.sealdrop.server.logging.OncePerMinute();

  ClientCertificateTrustManager(X509Certificate ca, IdentityService identities, boolean openSsl,
      dev.sealdrop.server.core.audit.RefusalThrottle audit) throws GeneralSecurityException, java.io.IOException {
    this.audit = Objects.requireNonNull(audit, "audit");
    this.ca = Objects.requireNonNull(ca, "ca");
    this.identities = Objects.requireNonNull(identities, "identities");
    this.openSsl = openSsl;
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("sealdrop-ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(anchors);
    X509TrustManager found = null;
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        found = x;
      }
    }
    this.chainValidator = Objects.requireNonNull(found, "no PKIX X509TrustManager");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    // the engine knows its peer because PeerAddressTls creates it with the connection's IP and port
    check(chain, authType, engine == null ? "" : Origin.peerOf(engine.getPeerHost(), engine.getPeerPort()),
        EngineListeners.detail(engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    check(chain, authType, socket == null ? "" : Origin.peerOf(socket.getRemoteSocketAddress()), java.util.Map.of());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain, authType, "", java.util.Map.of());
  }

  private void check(X509Certificate[] chain, String authType, String peer, java.util.Map<String, String> listener)
      throws CertificateException {
    Why why = new Why();
    try {
      checkChain(chain, authType, listener.containsKey("listener") ? " (" + listener.get("listener") + " listener)" : "",
          why);
    } catch (CertificateException e) {
      String subject = chain == null || chain.length == 0 ? "-" : chain[0].getSubjectX500Principal().getName();
      // during the handshake, on a network thread: a stream of bad handshakes must not stall it on fsyncs
      java.util.Map<String, String> details = new java.util.TreeMap<>(listener);
      details.put("why", e.getMessage() == null ? "" : e.getMessage());
      if (audit.refused(subject, "tls-handshake", auditResult(e, chain), peer, details)) {
        // only the refusals the audit log records one by one: anyone who reaches the port can make a handshake a
        // millisecond with a certificate of their own (the rest of the minute's are summed, with one warning)
        LOG.warn("{}", why.line);
      } else if (why.fromTheCa && fromTheCa.first(subject)) {
        // a certificate the CA issued (revoked, expired, of a disabled identity: a stolen laptop's), past the budget a
        // flood of others' refusals spent: still named, once a minute each, which the certificates issued bound (the
        // minute's sums name no subject; round BB)
        LOG.warn("{} (past the audit log's budget of refusals this minute: counted in its summary)", why.line);
      }
      throw e;
    }
  }

  /**
   * The {@code connection.refuse} result: the TLS refusal's reason ({@code no-trust-anchor}, ...), or, for a
   * certificate from the CA that the server's policy refused, what it found: {@code revoked}, {@code expired}, {@code
   * not-yet-valid}, {@code invalid-key-usage} (not a client certificate), {@code invalid-subject} (no single CN that
   * is an identity name).
   */
  private static String auditResult(CertificateException e, X509Certificate[] chain) {
    if (!(e.getCause() instanceof CertPathValidatorException v)) {
      return "refused";
    }
    if (v.getCause() instanceof UnauthenticatedException policy) {
      switch (policy.reason()) {
        case CERTIFICATE_EXPIRED:
          return chain[0].getNotBefore().toInstant().isAfter(java.time.Instant.now()) ? "not-yet-valid" : "expired";
        case CERTIFICATE_REVOKED:
          return "revoked";
        case CERTIFICATE_NOT_CLIENT_AUTH:
          return "invalid-key-usage";
        case CERTIFICATE_INVALID:
          return "invalid-subject";
        default:
          return policy.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      }
    }
    return String.valueOf(v.getReason()).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }

  /** {@code where}: the listener, as log lines name it ("" if unknown). */
  private void checkChain(X509Certificate[] chain, String authType, String where, Why why)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      why.is("TLS handshake refused{}: no client certificate", where);
      throw new CertificateException("no client certificate");
    }
    X509Certificate leaf = chain[0];
    // anyone can present a certificate with any subject: only printable text reaches the log
    String subject = printable(leaf.getSubjectX500Principal().getName());
    String unchained = chainProblem(chain);
    if (unchained != null) {
      // before the policy, which reads the store: a certificate someone made up for a name must not
      // learn whether that identity is revoked (certificate_revoked vs unknown_ca), nor cost a query
      why.is("TLS handshake refused{} for '{}' issued by '{}': {}", where, subject,
          printable(leaf.getIssuerX500Principal().getName()), unchained);
      throw notFromTheCa();
    }
    try {
      identities.checkCertificate(leaf);
    } catch (UnauthenticatedException e) {
      why.is("TLS handshake refused{} for '{}': {} ({})", where, subject, e.reason(), printable(e.getMessage()));
      why.fromTheCa = true;
      throw switch (e.reason()) {
        case CERTIFICATE_EXPIRED -> refusal(e, BasicReason.EXPIRED, CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED);
        case CERTIFICATE_REVOKED -> refusal(e, BasicReason.REVOKED, CertificateVerifier.X509_V_ERR_CERT_REVOKED);
        default -> refusal(e, PKIXReason.INVALID_KEY_USAGE, CertificateVerifier.X509_V_ERR_INVALID_PURPOSE);
      };
    }
    try {
      chainValidator.checkClientTrusted(chain, authType);
    } catch (CertificateException e) {
      BasicReason dated = datedOut(e);
      if (dated != null) {
        // the chain is the CA's (chainProblem held) and the leaf's dates are the policy's (checked): an intermediate's
        // are not (review EB: said as "not from the server's CA", to the client and in the audit)
        String when = dated == BasicReason.EXPIRED ? "past its end" : "not valid yet";
        why.is("TLS handshake refused{} for '{}': an intermediate CA certificate of its chain is {} ({})", where,
            subject, when, printable(e.getMessage()));
        why.fromTheCa = true;
        throw refusal("an intermediate CA certificate of the client's chain is " + when, dated,
            dated == BasicReason.EXPIRED ? CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED
                : CertificateVerifier.X509_V_ERR_CERT_NOT_YET_VALID);
      }
      why.is("TLS handshake refused{} for '{}' issued by '{}': does not chain to the configured CA ({})", where,
          subject, printable(leaf.getIssuerX500Principal().getName()), printable(e.getMessage()));
      throw notFromTheCa();
    }
  }

  /** EXPIRED or NOT_YET_VALID if the path validation failed for a certificate's dates, else null. */
  private static BasicReason datedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CertPathValidatorException v
          && (v.getReason() == BasicReason.EXPIRED || v.getReason() == BasicReason.NOT_YET_VALID)) {
        return (BasicReason) v.getReason();
      }
    }
    return null;
  }

  /** The server-log line of a refusal, written only if the refusal is recorded one by one. */
  private static final class Why {
    String line = "TLS handshake refused";
    /** The certificate chains to the CA: refused by the server's policy, not as one made up. */
    boolean fromTheCa;

    void is(String format, Object... args) {
      line = org.slf4j.helpers.MessageFormatter.arrayFormat(format, args).getMessage();
    }
  }

  /**
   * Text from a client certificate as the server log may show it: control characters (newlines,
   * escape sequences) become U+FFFD, so that a certificate's subject cannot forge log lines or rewrite
   * an operator's terminal, and it is cut at {@value #MAX_LOGGED} characters.
   */
  static String printable(String text) {
    if (text == null) {
      return "";
    }
    String cut = text.length() > MAX_LOGGED ? text.substring(0, MAX_LOGGED) + "\u2026" : text;
    StringBuilder clean = new StringBuilder(cut.length());
    cut.codePoints().forEach(cp -> clean.appendCodePoint(Character.getType(cp) == Character.CONTROL
        || Character.getType(cp) == Character.SURROGATE ? 0xFFFD : cp));
    return clean.toString();
  }

  private CertificateException notFromTheCa() {
    return refusal("the client certificate is not issued by this server's CA", PKIXReason.NO_TRUST_ANCHOR,
        CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  }

  /**
   * The most certificates a client's chain may hold: its own, intermediate CAs, and the CA's own certificate, which a
   * client may send too. Longer chains are refused before any signature is checked.
   */
  static final int MAX_CHAIN = 6;

  /** How a certificate's signature is checked against a key ({@link X509Certificate#verify}; a test's counts). */
  @FunctionalInterface
  interface SignatureCheck {
    void verify(X509Certificate certificate, java.security.PublicKey key) throws GeneralSecurityException;
  }

  private String chainProblem(X509Certificate[] chain) {
    return chainProblem(chain, ca, (c, key) -> c.verify(key));
  }

  /**
   * Why the chain does not lead to the configured CA, for the log, or null if it does: each certificate signed by the
   * next one's key, the last by the CA's (or the last being the CA), and each intermediate that signs another one a CA
   * certificate for client certificates within its path length (round AJ: a certificate signed with an enrolled user's
   * own client certificate passed, and learnt from the policy whether any name or serial was revoked, and had the
   * refusal recorded under the name it made up). No dates or other extensions: those are the policy's and the full
   * PKIX validation's, which still follow.
   *
   * <p>Checked from the CA down: the certificate the CA signed first, with the CA's key, then each one below with the
   * key of the one just proven, so that no signature is ever checked with a key the CA has not vouched for; and a chain
   * longer than {@value #MAX_CHAIN} is refused unchecked (review DN: checked from the client's certificate up, with the
   * keys the client sent, a chain of 75 made-up CA certificates with huge RSA exponents cost the server a CPU second
   * per handshake, from anyone who could reach the port).
   */
  static String chainProblem(X509Certificate[] chain, X509Certificate ca, SignatureCheck check) {
    final String notTheCa = "does not chain to the configured CA";
    if (chain.length > MAX_CHAIN) {
      return "its chain holds " + chain.length + " certificates, more than the " + MAX_CHAIN + " allowed";
    }
    // the certificate the CA signed: the one before the CA's own, or the last one sent
    int top = chain.length - 1;
    for (int i = 0; i < chain.length; i++) {
      if (chain[i].equals(ca)) {
        if (i == 0) {
          return notTheCa; // the trust anchor itself is no client certificate
        }
        top = i - 1;
        break;
      }
    }
    try {
      if (!chain[top].getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
        return notTheCa;
      }
      check.verify(chain[top], ca.getPublicKey());
      for (int i = top - 1; i >= 0; i--) {
        X509Certificate issuer = chain[i + 1];
        String named = "'" + printable(issuer.getSubjectX500Principal().getName()) + "'";
        // the trust anchor's own path length is not the path's (RFC 5280 §6.1, as the JDK checks): only intermediates'
        if (!mayIssue(issuer, i)) {
          return "its chain's " + named + " is not a CA certificate that may sign it (basicConstraints CA:true,"
              + " keyCertSign, path length)";
        }
        java.util.Optional<String> intermediate = dev.sealdrop.keys.ClientCertificates.intermediateProblem(issuer);
        if (intermediate.isPresent()) {
          return "its chain's intermediate CA " + named + " " + intermediate.get();
        }
        check.verify(chain[i], issuer.getPublicKey());
      }
      return null;
    } catch (GeneralSecurityException | RuntimeException e) {
      return notTheCa;
    }
  }

  /**
   * Whether {@code issuer} is a CA certificate (basicConstraints CA:true; keyCertSign if it has a key usage) that may
   * sign a certificate with {@code below} intermediate CA certificates under it (its pathLenConstraint).
   */
  private static boolean mayIssue(X509Certificate issuer, int below) {
    int pathLen = issuer.getBasicConstraints(); // -1: not a CA; Integer.MAX_VALUE: no limit
    boolean[] usage = issuer.getKeyUsage();
    return pathLen >= below && (usage == null || (usage.length > 5 && usage[5]));
  }

  /**
   * A refusal both TLS providers turn into the right alert: the JDK reads the cause's reason,
   * netty-tcnative reads the OpenSSL error code.
   */
  private CertificateException refusal(String message, CertPathValidatorException.Reason reason, int openSslCode) {
    return refusal(message, null, reason, openSslCode);
  }

  /** A refusal by the server's certificate policy: {@code policy} is kept as the cause, for the audit record. */
  private CertificateException refusal(UnauthenticatedException policy, CertPathValidatorException.Reason reason,
      int openSslCode) {
    return refusal(policy.getMessage(), policy, reason, openSslCode);
  }

  private CertificateException refusal(String message, Throwable policy, CertPathValidatorException.Reason reason,
      int openSslCode) {
    CertificateException e = openSsl ? new OpenSslCertificateException(message, openSslCode)
        : new CertificateException(message);
    e.initCause(new CertPathValidatorException(message, policy, null, -1, reason));
    return e;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("the sealdrop server trust manager only judges clients");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("the sealdrop server trust manager only judges clients");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the sealdrop server trust manager only judges clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[] {ca};
  }
}
