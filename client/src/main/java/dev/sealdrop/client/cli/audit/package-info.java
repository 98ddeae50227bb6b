/**
 * {@code sealdrop audit verify}: offline verification of an audit export or log with
 * {@link dev.sealdrop.audit.AuditVerifier} (docs/audit-log.md). Needs no profile and no network.
 *
 * <p>Invariants: a key given by the user always wins over the key the file names; verification
 * with only the embedded key is reported as a warning; the first break is named by sequence
 * number and reason and exits with the integrity code (5).
 */
package dev.sealdrop.client.cli.audit;
