/**
 * The network side of the CLI: mutual-TLS gRPC channels (TLS 1.3 only, the profile's CA as the
 * only trust anchor, tcnative when available), status translation (gRPC code plus the
 * {@code sealdrop-reason} trailer to exit codes), and resumable uploads and downloads of sealed
 * envelopes through ciphertext spools in the profile's state folder.
 *
 * <p>Not the place for cryptography (the protocol module's {@code envelope}) or output.
 * Invariants: no plaintext ever touches a spool; a claim id lives only in a 0600 state file.
 */
package dev.sealdrop.client.net;
