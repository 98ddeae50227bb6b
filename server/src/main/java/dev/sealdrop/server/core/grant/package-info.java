/**
 * Grants: one-time (or n-time), expiring download capabilities bound to a recipient identity and a
 * file.
 *
 * <p>Invariants: the token and claim secrets exist only as SHA-256 hashes at rest and are compared
 * in constant time; a grant is claimed only by a single conditional UPDATE (exactly one of N
 * concurrent redemptions wins, on one node or many); a foreign identity presenting a token changes
 * nothing; a download counts on confirmation, or when its window passes after every byte was
 * served; an undelivered claim returns the grant; time comes from the injected clock only.
 */
package dev.sealdrop.server.core.grant;
