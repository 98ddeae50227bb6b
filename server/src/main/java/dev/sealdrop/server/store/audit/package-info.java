/**
 * The audit port implemented with {@code dev.sealdrop.audit.AuditLogWriter}: the key and the live
 * log in the data folder ({@code audit/audit.key}, {@code audit/audit.jsonl}), checkpoints every N
 * records / T seconds and at shutdown. Not a place for policy: it only writes what the core reports.
 */
package dev.sealdrop.server.store.audit;
