/**
 * TLS for the gRPC door: TLS 1.3 only, mutual authentication required, one trust anchor (the
 * deployment CA), and sealdrop's own client-certificate checks at the handshake. Not here: who an
 * identity is or what it may do (that is {@code core.identity}, re-checked on every call by
 * {@code door.grpc.PeerIdentityInterceptor}).
 */
package dev.sealdrop.server.door.grpc.tls;
