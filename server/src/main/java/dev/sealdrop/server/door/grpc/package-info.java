/**
 * The gRPC front door: thin services that translate protobuf to core calls and core exceptions to
 * statuses ({@link dev.sealdrop.server.door.grpc.ErrorMapper}). {@link
 * dev.sealdrop.server.door.grpc.PeerIdentityInterceptor} is the only reader of the TLS session and
 * the only source of the caller's identity. Not here: policy (core) or storage (store).
 */
package dev.sealdrop.server.door.grpc;
