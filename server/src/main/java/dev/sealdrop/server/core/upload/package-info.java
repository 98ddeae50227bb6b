/**
 * Uploads: sealed envelopes stream in, are validated as they arrive and on completion, and become
 * files only once durable.
 *
 * <p>Invariants: bytes are written only after {@link dev.sealdrop.envelope.EnvelopeInspector}
 * accepted them; a client resumes only at the durable (fsynced and recorded) offset; a blob is
 * renamed into place after fsync, and its database row is committed after the rename; an upload
 * that fails validation, or is abandoned past its lifetime, is deleted and never listed. Not here:
 * who may download a file (see {@code core.grant}).
 */
package dev.sealdrop.server.core.upload;
