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
   * A remote address as audit records show it: {@code IP:port}, without the host name that
   * {@link java.net.InetSocketAddress#toString} puts before the slash; empty when unknown.
   * (Runs on every call: plain string work, no regular expression.)
   */
  public static String peerOf(java.net.SocketAddress address) {
    if (address == null) {
      return "";
    }
    String s = address.toString();
    return s.substring(s.indexOf('/') + 1);
  }

  /**
   * The same as {@link #peerOf(java.net.SocketAddress)} for an address known as an IP literal and a
   * port (an SSLEngine's peer host and port): {@code IP:port}, an IPv6 address in brackets; empty
   * when the host is unknown.
   */
  public static String peerOf(String ip, int port) {
    if (ip == null || ip.isEmpty()) {
      return "";
    }
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
  }
}
