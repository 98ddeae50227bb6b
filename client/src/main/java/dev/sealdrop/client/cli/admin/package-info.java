/**
 * {@code sealdrop admin ...}: the administration commands (identities, grants, lockdown, files,
 * audit export and tail). They talk only to the profile's admin listener ({@code --admin-server}
 * recorded by {@code init}), never the transfer port, over the same mutual TLS as every other
 * command; the server decides who is an admin (PERMISSION_DENIED → exit 6).
 *
 * <p>Invariants: every RPC failure leaves through {@link dev.sealdrop.client.net.GrpcFailures};
 * with {@code --json} stdout holds exactly one JSON document; server-supplied text is cleaned
 * before it reaches a terminal. No admin command ever handles plaintext or content keys.
 */
package dev.sealdrop.client.cli.admin;
