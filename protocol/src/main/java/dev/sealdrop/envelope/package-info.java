/**
 * The sealed envelope: {@link dev.sealdrop.envelope.Envelope#seal} for senders,
 * {@link dev.sealdrop.envelope.Envelope#openToFile} for recipients, and the keyless
 * {@link dev.sealdrop.envelope.EnvelopeInspector} for the server. Format:
 * {@code docs/envelope-format.md}.
 *
 * <p>Not here: transport, storage, key distribution ({@code dev.sealdrop.keys}). Invariants:
 * no public method takes or returns a raw key, nonce or chunk index; plaintext reaches its final
 * path only after the sender's signature verified; every failure is an
 * {@link dev.sealdrop.envelope.EnvelopeException} subtype with a uniform message.
 */
package dev.sealdrop.envelope;
