/**
 * The tamper-evident audit log: a hash-chained, append-only JSON Lines file with signed
 * checkpoints, written by the server and verified offline by anyone (docs/audit-log.md).
 *
 * <p>What it is: {@link dev.sealdrop.audit.AuditLogWriter} (append, fsync, checkpoint, resume,
 * export), {@link dev.sealdrop.audit.AuditVerifier} (offline verification that names the first
 * break), the value types they exchange, and the {@link dev.sealdrop.audit.AuditKey} that signs
 * checkpoints.
 *
 * <p>What it is not: it decides nothing about which events to audit (the server's core does),
 * and it is not a Merkle log: proving consistency needs the whole prefix, O(n).
 *
 * <p>Invariants: h_i = SHA-256(label || h_{i-1} || canonical encoding of record i), with h_0
 * bound to the origin; sequence numbers start at 1 and increase by 1; a checkpoint of size n
 * commits to h_n and is written right after record n; an append returns only after its line is
 * fsynced; nothing is deserialised but this package's own strict, bounded JSON lines.
 */
package dev.sealdrop.audit;
