/**
 * Identities and roles: who a client certificate speaks for, and whether it may still speak.
 *
 * <p>Invariants: an identity is the subject CN of a certificate that chained to the one
 * deployment CA (checked by the TLS door) and passed {@link
 * dev.sealdrop.server.core.identity.CertificatePolicy}; its role and enabled flag come from the
 * database on every call. No identity is ever taken from a request message.
 */
package dev.sealdrop.server.core.identity;
