package dev.sealdrop.server.door.grpc.tls;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;

/**
 * Which listener (transfer, admin) each TLS engine serves. Both gRPC listeners share one TLS context, and so one trust
 * manager, which refuses certificates with no other way to tell which port the handshake came to: a refused
 * handshake's audit record named no listener, and an admin port probed by a revoked certificate read the same as the
 * transfer port (outside tests). Engines are forgotten with their connections (weak keys, compared by identity).
 */
final class EngineListeners {
  private static final Map<SSLEngine, String> BY_ENGINE = Collections.synchronizedMap(new WeakHashMap<>());

  private EngineListeners() {}

  static SSLEngine mark(SSLEngine engine, String listener) {
    BY_ENGINE.put(engine, listener);
    return engine;
  }

  /** The audit detail naming {@code engine}'s listener ({@code listener} = {@code transfer}, {@code admin}), if known. */
  static Map<String, String> detail(SSLEngine engine) {
    String listener = engine == null ? null : BY_ENGINE.get(engine);
    return listener == null ? Map.of() : Map.of("listener", listener);
  }
}
