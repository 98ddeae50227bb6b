/**
 * SSH public keys registered by identities, for the SFTP door's public-key authentication.
 *
 * <p>What it is: the parser and policy for OpenSSH public keys (only {@code ssh-ed25519} and RSA of at least 3072
 * bits; fingerprints {@code SHA256:...}),
 * the port {@link dev.sealdrop.server.core.sshkey.SshKeyRepository}, and
 * {@link dev.sealdrop.server.core.sshkey.SshKeyService}: add/list/remove over the mutually
 * authenticated gRPC door, and {@code authenticate} for the SFTP door.
 *
 * <p>What it is not: an SSH implementation. It imports no SSH library; doors hand it the presented
 * key as its SSH wire encoding.
 *
 * <p>Invariants: a key belongs to exactly one identity. A key is exactly as valid as the client
 * certificate through which it was registered: authentication re-runs the full certificate check of
 * {@code core.identity} (validity, EKU, revocation, identity registered and enabled) on every login
 * and on every re-check of a live session, so disabling an identity or revoking that certificate
 * shuts the SSH door too.
 */
package dev.sealdrop.server.core.sshkey;
