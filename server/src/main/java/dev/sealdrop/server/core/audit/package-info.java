/**
 * The audit port of the core: every security-relevant event (connections, key publications,
 * uploads, grants, downloads, admin actions, lockdown, startup, shutdown) is reported here with
 * actor, action, object, result and peer address. Implemented by {@code store.audit} over the
 * hash-chained, signed log of {@code dev.sealdrop.audit}.
 *
 * <p>Not a debugging log: never pass tokens, claim ids, keys or plaintext. Fail closed: a record that
 * cannot be written makes the operation that reported it fail.
 */
package dev.sealdrop.server.core.audit;
