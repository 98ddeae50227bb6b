package dev.sealdrop.server.core.identity;

import java.util.Objects;

/**
 * Where an authenticated caller came in: the front door ({@value #GRPC} or {@value #SFTP}) and the
 * remote address as the door saw it ({@code IP:port}, empty when unknown). Doors stamp it when they
 * authenticate a caller; the core copies it into every audit record the caller causes.
 */
public record Origin(String door, String peer) {
  /** The mutually authenticated gRPC listeners (transfer and admin). */
  public static final String GRPC = "grpc";
  /** The SFTP listener. */
  public static final String SFTP = "sftp";

  public Origin {
    Objects.requireNonNull(door, "door");
    peer = peer == null ? "" : peer;
  }

  public static Origin grpc(String peer) {
    return new Origin(GRPC, peer);
  }

  public static Origin sftp(String peer) {
    return new Origin(SFTP, peer);
  }

  /**
   * Whether an upload or a claim begun through this door can be taken up again by a later connection.
   * A gRPC client keeps the upload id or claim id and resumes with it; over SFTP an upload is one
   * handle written from offset 0 and a /redeem/ claim's secret lives only in its handle, so once the
   * handle is gone (the session ended, the server crashed) no client can go on with either.
   */
  public boolean resumesTransfers() {
    return !SFTP.equals(door);
  }

  /**
   * A remote address as audit records show it: {@code IP:port}, an IPv6 address in brackets and in its short form
   * ({@code [::1]:61000}, RFC 5952), without the host name that {@link java.net.InetSocketAddress#toString} puts before
   * the slash; empty when unknown.
   */
  public static String peerOf(java.net.SocketAddress address) {
    if (address == null) {
      return "";
    }
    if (address instanceof java.net.InetSocketAddress a && a.getAddress() != null) {
      return hostPort(a.getAddress(), a.getPort());
    }
    String s = address.toString();
    return s.substring(s.indexOf('/') + 1);
  }

  /**
   * The same as {@link #peerOf(java.net.SocketAddress)} for an address known as an IP literal and a
   * port (an SSLEngine's peer host and port); empty when the host is unknown.
   */
  public static String peerOf(String ip, int port) {
    if (ip == null || ip.isEmpty()) {
      return "";
    }
    if (ip.indexOf(':') < 0) {
      return ip + ":" + port;
    }
    try {
      return hostPort(java.net.InetAddress.getByName(ip), port); // an IPv6 literal: parsed, never looked up
    } catch (java.net.UnknownHostException e) {
      return "[" + ip + "]:" + port;
    }
  }

  /** {@code IP:port} as clients and audit records write it: {@code 127.0.0.1:8443}, {@code [::1]:8443}. */
  public static String hostPort(java.net.InetAddress address, int port) {
    return address instanceof java.net.Inet6Address v6 ? "[" + shortForm(v6) + "]:" + port
        : address.getHostAddress() + ":" + port;
  }

  /** An IPv6 address in the short form of RFC 5952: lower-case hex, the longest run of two or more zero groups as "::". */
  static String shortForm(java.net.Inet6Address address) {
    byte[] b = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; i++) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = Math.max(i, j);
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLength - 1;
        continue;
      }
      if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
        s.append(':');
      }
      s.append(Integer.toHexString(groups[i]));
    }
    String scope = address.getScopedInterface() != null ? address.getScopedInterface().getName()
        : address.getScopeId() != 0 ? Integer.toString(address.getScopeId()) : "";
    return scope.isEmpty() ? s.toString() : s + "%" + scope;
  }
}
