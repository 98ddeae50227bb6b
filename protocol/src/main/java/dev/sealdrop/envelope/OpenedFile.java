package dev.sealdrop.envelope;

import java.nio.file.Path;

/**
 * A verified, opened envelope.
 *
 * @param path where the plaintext now is
 * @param metadata the sender's (authenticated) metadata
 * @param senderIdentity the sender, verified by its signature and accepted by the SenderPolicy
 * @param fingerprint lowercase hex of the envelope's signed ciphertext digest
 */
public record OpenedFile(Path path, FileMetadata metadata, String senderIdentity, String fingerprint) {}
