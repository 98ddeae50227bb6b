/**
 * Admin operations of the core (issue 6): identities (list, add, disable, enable, revoke), grants of
 * every owner (list, revoke), the lockdown switch, stored files (list, purge), and retention.
 * Every operation requires the admin role, takes effect at once (live gRPC calls and SFTP sessions
 * are closed through {@link dev.sealdrop.server.core.identity.SessionRegistry}) and is audited with the calling admin
 * as actor.
 *
 * <p>Not a way to read content: nothing here returns ciphertext, tokens or keys. Doors only
 * translate; the admin door listens on its own port.
 */
package dev.sealdrop.server.core.admin;
