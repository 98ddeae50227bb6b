/**
 * The sealdrop core: policy for identities, keys, uploads and grants, and the ports it needs.
 *
 * <p>It is not a door and not a store: nothing here imports {@code io.grpc}, JDBC, SSH or
 * generated protobuf (checked by {@code ArchitectureTest}). Doors call in; stores implement the
 * ports (the {@code *Repository} and {@code BlobStore} interfaces of each sub-package). Every
 * refusal is a {@link dev.sealdrop.server.core.SealdropException} with a {@link
 * dev.sealdrop.server.core.Reason}. Time comes only from the injected {@link java.time.Clock}.
 */
package dev.sealdrop.server.core;
