/**
 * Internals of the audit log: the canonical record encoding and chain hash, the labels, the
 * strict JSON line codec, text rules and owner-only key files. Not an API; only
 * {@code dev.sealdrop.audit} may use it. Every constant that enters a hash is in {@link
 * dev.sealdrop.audit.internal.Labels} and in docs/audit-log.md.
 */
package dev.sealdrop.audit.internal;
