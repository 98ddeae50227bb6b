package dev.sealdrop.client.net;

import dev.sealdrop.client.failure.UsageFailure;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server address, {@code HOST:PORT} or {@code [IPv6]:PORT}; validated at construction.
 *
 * @param host DNS name or IP literal (without brackets), as the server certificate names it
 * @param port 1..65535
 */
public record HostPort(String host, int port) {
  private static final Pattern FORM = Pattern.compile("^(?:\\[([0-9A-Fa-f:.]+)]|([A-Za-z0-9.-]+)):(\\d{1,5})$");

  /** A URL given for an address ({@code https://host:8443/}): its scheme, and the authority without a path. */
  private static final Pattern URL = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)[/?#]?.*$");

  public HostPort {
    if (host == null || host.isEmpty() || host.length() > 253) {
      throw new IllegalArgumentException("host must be 1..253 characters");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be 1..65535, not " + port);
    }
  }

  public static HostPort parse(String text) throws UsageFailure {
    Matcher m = FORM.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      Matcher url = URL.matcher(text == null ? "" : text.trim());
      if (url.matches()) {
        String bare = url.group(2);
        throw new UsageFailure("BAD_ADDRESS", "\"" + text + "\" is a URL; sealdrop takes a server address as HOST:PORT",
            FORM.matcher(bare).matches() ? "give it without the scheme: " + bare
                : "give the host and port the server prints (`listening on HOST:PORT`), for example localhost:8443");
      }
      boolean ipv6 = text != null && (text.trim().startsWith("[") || text.indexOf(':') != text.lastIndexOf(':'));
      throw new UsageFailure("BAD_ADDRESS", "\"" + text + "\" is not HOST:PORT", ipv6
          ? "an IPv6 address goes in brackets, followed by the port: for example [::1]:8443 (the server prints its"
              + " listener so)"
          : "for example: localhost:8443");
    }
    int port = Integer.parseInt(m.group(3));
    if (port < 1 || port > 65535) {
      throw new UsageFailure("BAD_ADDRESS", "port " + port + " is outside 1..65535", "for example: localhost:8443");
    }
    return new HostPort(m.group(1) != null ? m.group(1) : m.group(2), port);
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
