/**
 * The key directory: identities publish their signed key bundles and fetch each other's.
 *
 * <p>Not a source of trust: clients verify bundles against their own CA and pin them. Invariant:
 * a stored bundle verified against the deployment CA for its identity and was signed with the
 * certificate its publisher connected with. No private key ever reaches this package.
 */
package dev.sealdrop.server.core.keys;
