/**
 * Internals of the keys and envelope formats: bounded byte codecs, the {@code Labels}, HKDF,
 * X-Wing and Ed25519 wrappers, JDK-pinned primitives, fingerprints, atomic files.
 *
 * <p>Not an API: anything here may change without notice; use {@code dev.sealdrop.keys} and
 * {@code dev.sealdrop.envelope}. Invariants: every parser checks a length before allocating;
 * bulk crypto uses the JDK providers only (never Bouncy Castle).
 */
package dev.sealdrop.keys.internal;
