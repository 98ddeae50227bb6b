package dev.sealdrop.envelope;

/**
 * A well-formed envelope whose trailer signature verified against the expected sender.
 *
 * @param header the header's public information
 * @param size total envelope length in bytes (header, chunks and trailer)
 * @param fingerprint lowercase hex of the signed ciphertext digest
 */
public record InspectionResult(HeaderInfo header, long size, String fingerprint) {}
