/**
 * Implementation of the envelope format: header codec, key schedule, chunked AES-256-GCM,
 * ciphertext digest, the keyless {@code Framer} shared by opener and inspector, and the sealer.
 *
 * <p>Not an API. Invariants: the header is hashed and MAC'd exactly as received, never
 * re-serialised; every length is checked against a limit in {@code Suite} before allocation;
 * bulk AES-GCM and SHA-256 come from the JDK providers. Section names in Javadoc refer to
 * {@code docs/envelope-format.md}.
 */
package dev.sealdrop.envelope.internal;
