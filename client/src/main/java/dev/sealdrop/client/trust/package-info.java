/**
 * Which public keys speak for which identity: key bundles verified against the profile's CA and
 * pinned on first use (TOFU); a silently changed key is refused with both fingerprints shown,
 * unless the user passes {@code --accept-new-key}.
 *
 * <p>Not the place for our own private keys ({@code keystore}) or fetching from a server
 * ({@code net}). Invariant: nothing is pinned that did not verify, and the server is never
 * trusted for key authenticity.
 */
package dev.sealdrop.client.trust;
