package dev.sealdrop.client.cli;

import java.util.Map;
import java.util.Properties;

/**
 * Netty settings for a process that lives for seconds, set before Netty loads unless the user set them ({@code -D} in
 * {@code SEALDROP_JAVA_OPTS}).
 */
final class NettyDefaults {
  /**
   * <ul>
   *   <li>{@code io.netty.jfr.enabled=false}: Netty's JFR events (buffer-pool telemetry) load about 100 JDK Flight
   *       Recorder classes at start, and a CLI never records them.
   *   <li>{@code io.netty.leakDetection.level=disabled}: the sampled leak detector keeps a stack trace for one buffer
   *       in 128 and for each of its uses, 30–55 ms of CPU per GiB sent or received (async-profiler, docs/benchmarks.md,
   *       session 26), to report a leak in a log at the end of a process that exits within seconds anyway.
   * </ul>
   */
  static final Map<String, String> DEFAULTS = Map.of(
      "io.netty.jfr.enabled", "false",
      "io.netty.leakDetection.level", "disabled");

  private NettyDefaults() {}

  /** Sets each of {@link #DEFAULTS} in {@code properties} that is not set there already. */
  static void apply(Properties properties) {
    DEFAULTS.forEach(properties::putIfAbsent);
  }
}
