package dev.sealdrop.certsdev;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What {@link DevPki#issue} should mint: subject {@code CN=name}, one EKU choice, a validity
 * window, whether the issuer is the dev CA or the foreign (untrusted) CA, the key algorithm
 * ({@code EC} P-256 unless {@link #withKeyAlgorithm} says otherwise), whether the certificate
 * is itself a CA's (basicConstraints CA:true, only with {@link #asCa}; an end entity otherwise), and
 * whether its keyUsage allows digitalSignature (unless {@link #withoutDigitalSignature}).
 *
 * <p>The name doubles as the file name ({@code name.crt}, {@code name.key}, {@code name.p12}), so
 * it is restricted to lowercase letters, digits, '-' and '_' (no path separators, no dots), and
 * may not be {@code ca} or {@code foreign-ca}.
 */
public record CertSpec(String name, Eku eku, Instant notBefore, Instant notAfter, boolean foreignCa,
    String keyAlgorithm, boolean ca, boolean digitalSignature) {

  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

  /** The key algorithms {@link #withKeyAlgorithm} takes (JCA names; {@code EC} is P-256, the others name their curve). */
  public static final java.util.Set<String> KEY_ALGORITHMS =
      java.util.Set.of("EC", "EC-P384", "EC-P521", "Ed25519", "Ed448", "RSA");

  /** A spec with a P-256 key (the development PKI's own). */
  public CertSpec(String name, Eku eku, Instant notBefore, Instant notAfter, boolean foreignCa) {
    this(name, eku, notBefore, notAfter, foreignCa, "EC");
  }

  /** An end-entity certificate (basicConstraints CA:false). */
  public CertSpec(String name, Eku eku, Instant notBefore, Instant notAfter, boolean foreignCa, String keyAlgorithm) {
    this(name, eku, notBefore, notAfter, foreignCa, keyAlgorithm, false, true);
  }

  /** Validates every field once, here. */
  public CertSpec {
    checkName(name);
    Objects.requireNonNull(eku, "eku");
    Objects.requireNonNull(notBefore, "notBefore");
    Objects.requireNonNull(notAfter, "notAfter");
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException(
          "certificate validity: notAfter (" + notAfter + ") must be after notBefore (" + notBefore + ")");
    }
    if (!KEY_ALGORITHMS.contains(keyAlgorithm)) {
      throw new IllegalArgumentException("keyAlgorithm must be one of " + new java.util.TreeSet<>(KEY_ALGORITHMS)
          + ", not " + keyAlgorithm);
    }
  }

  /** A client certificate from the dev CA: EKU clientAuth, valid from one hour ago for 365 days. */
  public static CertSpec client(String name) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return new CertSpec(name, Eku.CLIENT_AUTH, now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(365)), false);
  }

  /** The same spec with another EKU choice. */
  public CertSpec withEku(Eku e) {
    return new CertSpec(name, e, notBefore, notAfter, foreignCa, keyAlgorithm, ca, digitalSignature);
  }

  /** The same spec with another validity window (e.g. entirely in the past, for an expired cert). */
  public CertSpec withValidity(Instant nb, Instant na) {
    return new CertSpec(name, eku, nb, na, foreignCa, keyAlgorithm, ca, digitalSignature);
  }

  /** The same spec, issued by the foreign CA that the sealdrop server does not trust. */
  public CertSpec fromForeignCa() {
    return new CertSpec(name, eku, notBefore, notAfter, true, keyAlgorithm, ca, digitalSignature);
  }

  /**
   * The same spec with a key of another algorithm: {@code Ed448} makes a certificate sealdrop must
   * refuse as unsupported (it is still signed by the CA's P-256 key).
   */
  public CertSpec withKeyAlgorithm(String algorithm) {
    return new CertSpec(name, eku, notBefore, notAfter, foreignCa, algorithm, ca, digitalSignature);
  }

  /**
   * The same spec as a CA certificate: basicConstraints CA:true (no path length limit) and keyUsage
   * digitalSignature + keyCertSign, with the spec's CN and EKU. A CA certificate issues
   * certificates; sealdrop must refuse one as a client's own certificate even with EKU clientAuth.
   */
  public CertSpec asCa() {
    return new CertSpec(name, eku, notBefore, notAfter, foreignCa, keyAlgorithm, true, digitalSignature);
  }

  /**
   * The same spec with keyUsage keyEncipherment only, without digitalSignature: a certificate whose
   * key may not sign (the TLS handshake, a key bundle), which sealdrop must refuse as a client's.
   */
  public CertSpec withoutDigitalSignature() {
    return new CertSpec(name, eku, notBefore, notAfter, foreignCa, keyAlgorithm, ca, false);
  }

  static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("certificate name '" + name
          + "' is not allowed: use 1-64 of a-z, 0-9, '-', '_' (it becomes a file name)");
    }
    if (name.equals(DevPki.CA_NAME) || name.equals(DevPki.FOREIGN_CA_NAME)) {
      throw new IllegalArgumentException("certificate name '" + name + "' is reserved for a CA");
    }
  }
}
