/**
 * Development PKI for sealdrop: a generator for a development CA, a {@code localhost} server
 * certificate, one client certificate per development user, and a "foreign" CA whose user
 * ({@code mallory}) the server must reject.
 *
 * <p>What it is: {@link dev.sealdrop.certsdev.DevPki} writes (and re-reads) ECDSA P-256 keys and
 * SHA256withECDSA certificates as PEM (keys as unencrypted PKCS#8, owner-only) and PKCS#12 into one
 * directory, {@code certs-dev/out/} by default; {@link dev.sealdrop.certsdev.DevPki#issue} mints
 * extra, deliberately bad certificates for negative tests; {@link dev.sealdrop.certsdev.DevPkiMain}
 * is its command line.
 *
 * <p>What it is not: a production CA. It has no revocation, no HSM, no audit, and its keys sit
 * unencrypted on disk. Nothing it writes may be committed or trusted outside development.
 *
 * <p>Invariants: the identity of a client certificate is its subject CN; every standard client
 * certificate carries exactly one EKU, {@code id-kp-clientAuth}, and the server certificate
 * exactly {@code id-kp-serverAuth}; an existing CA is never replaced unless the caller forces it;
 * key files are written atomically and are never readable by other users on POSIX systems.
 */
package dev.sealdrop.certsdev;
