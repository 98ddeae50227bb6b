package dev.sealdrop.client.cli.admin;

import dev.sealdrop.client.cli.CliEnvironment;
import dev.sealdrop.client.cli.SealdropCommand;
import dev.sealdrop.client.failure.AuthFailure;
import dev.sealdrop.client.failure.NetworkFailure;
import dev.sealdrop.client.failure.PermissionFailure;
import dev.sealdrop.client.failure.SealdropFailure;
import dev.sealdrop.client.failure.UsageFailure;
import dev.sealdrop.client.keystore.Profile;
import dev.sealdrop.client.keystore.ProfileConfig;
import dev.sealdrop.client.keystore.ProfileLocator;
import dev.sealdrop.client.net.ChannelFactory;
import dev.sealdrop.client.net.ConnectionWait;
import dev.sealdrop.client.net.GrpcFailures;
import dev.sealdrop.client.net.HostPort;
import dev.sealdrop.client.net.ServerAddress;
import dev.sealdrop.protocol.v1.AdminServiceGrpc;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One mTLS channel to the profile's admin listener, with the profile's client certificate.
 * Every failure leaves as a {@link SealdropFailure} that says it concerns the admin listener.
 */
final class AdminConnection implements AutoCloseable {
  static final long UNARY_DEADLINE_SECONDS = 30;

  private final ManagedChannel channel;
  /** {@link #channel}, with each call naming the admin listener for the failures that cannot reach it. */
  private final Channel calls;
  private final HostPort server;
  private final String identity;
  private final ConnectionWait connected;
  /** Where a long wait for the connection is told: the user's stderr. */
  private final Consumer<String> notes;
  /**
   * Whether the last unary call went out on a ready connection: its request reached the listener, so a break then
   * is not a wrong address or a stopped server, and the act may have been done.
   */
  private volatile boolean sentOnReadyConnection;

  private AdminConnection(ManagedChannel channel, HostPort server, String identity, Consumer<String> notes) {
    this.channel = channel;
    this.calls = ServerAddress.naming(channel, "the sealdrop admin listener", server);
    this.server = server;
    this.identity = identity;
    this.connected = new ConnectionWait(channel, "the sealdrop admin listener at " + server);
    this.notes = notes;
  }

  /** Opens the channel named by the profile's {@code admin_server}; explains when there is none. */
  static AdminConnection open(SealdropCommand root) throws SealdropFailure {
    CliEnvironment env = root.environment();
    Profile profile = new Profile(ProfileLocator.locate(root.globals().home(), env.variables(), env.userHome()));
    ProfileConfig config = profile.loadConfig();
    dev.sealdrop.client.cli.OpenProfileWarning.warnIfOpen(profile, root.output());
    if (config.adminServer().isEmpty()) {
      throw new UsageFailure("NO_ADMIN_SERVER", "this profile (" + profile.dir() + ") has no admin server",
          "add a line admin_server=HOST:PORT to " + profile.configFile() + " (the server prints "
              + "`admin listening on HOST:PORT` at startup), or create the profile with "
              + "`sealdrop init ... --admin-server HOST:PORT`");
    }
    HostPort admin = config.adminServer().get();
    ManagedChannel ch = new ChannelFactory(profile.clientCertificate(), profile.clientKey(), profile.caCertificate())
        .open(admin);
    return new AdminConnection(ch, admin, config.identity(), root.output()::note);
  }

  /** For one unary call: a deadline, which starts once the connection is there ({@link ConnectionWait}). */
  AdminServiceGrpc.AdminServiceBlockingStub stub() {
    connected.await(notes);
    sentOnReadyConnection = channel.getState(false) == ConnectivityState.READY;
    return AdminServiceGrpc.newBlockingStub(calls).withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  /** For the export stream: no deadline (a large log takes as long as it takes). */
  AdminServiceGrpc.AdminServiceBlockingStub streamingStub() {
    return AdminServiceGrpc.newBlockingStub(calls);
  }

  HostPort server() {
    return server;
  }

  /** One RPC (or a whole stream read inside {@code rpc}). */
  @FunctionalInterface
  interface Rpc<T> {
    T run() throws SealdropFailure;
  }

  <T> T call(GrpcFailures.Op op, Rpc<T> rpc) throws SealdropFailure {
    try {
      return rpc.run();
    } catch (StatusRuntimeException e) {
      throw explain(translate(e, op), e, server, identity, sentOnReadyConnection);
    }
  }

  /**
   * The transfer-port table, plus the admin statuses it does not know (ALREADY_EXISTS, FAILED_PRECONDITION) and the
   * admin reasons about the identity acted on, not the caller (SELF_ACTION_REFUSED, REVOKED_IDENTITY,
   * CERTIFICATE_OF_ANOTHER_IDENTITY).
   */
  private static SealdropFailure translate(StatusRuntimeException e, GrpcFailures.Op op) {
    Status s = e.getStatus();
    String detail = s.getDescription() == null ? s.getCode().name().toLowerCase(Locale.ROOT).replace('_', ' ')
        : s.getDescription();
    String reason = GrpcFailures.reason(e).orElse(s.getCode().name());
    if (s.getCode() == Status.Code.ALREADY_EXISTS) {
      return new UsageFailure(reason, "the server refused: " + detail,
          "check with `sealdrop admin identities list`; names are unique ignoring case, and a revoked"
              + " identity's name cannot be reused", e);
    }
    if (reason.equals("SELF_ACTION_REFUSED")) {
      return new UsageFailure(reason, "the server refused: " + detail,
          detail.contains("is the one you are connected with")
              ? "revoke it from a profile of another certificate of yours (after `sealdrop keys renew`), or have"
                  + " another admin do it from their own profile"
              : "another admin must do this, from their own profile (`sealdrop --home THEIR_PROFILE admin ...`)", e);
    }
    if (reason.equals("CERTIFICATE_OF_ANOTHER_IDENTITY")) {
      // the server's message names whose certificate it is and the command that revokes it
      return new UsageFailure(reason, "the server refused: " + detail, "check the serial and the identity: revoke the"
          + " certificate under the identity it belongs to, as the message says", e);
    }
    if (reason.equals("REVOKED_IDENTITY")) {
      // about the identity named, not ours: the server's message names it and says nothing was changed
      return new UsageFailure(reason, "the server refused: " + detail, "a revocation cannot be undone; for its holder,"
          + " `sealdrop admin identities add NEW_NAME --role ROLE`, and a certificate from your CA with CN=NEW_NAME"
          + " (`sealdrop admin identities list` shows each identity's state)", e);
    }
    if (reason.equals("SERVER_BUSY")) {
      // another admin's act held this one past its wait (review DU: it was told as a busy download, "a receive resumes
      // where it stopped"); the server's own text says nothing was done
      String why = detail.startsWith("server busy: ") ? detail.substring(13) : detail;
      return new NetworkFailure(reason, "the server is busy: " + why, "nothing was done: run the same command again"
          + " in a moment (`sealdrop admin audit tail` shows the acts of other admins)", e);
    }
    if (s.getCode() == Status.Code.FAILED_PRECONDITION && op == GrpcFailures.Op.GENERIC) {
      return new UsageFailure(reason, "the server refused: " + detail,
          "check the object's current state with the matching `sealdrop admin ... list` command", e);
    }
    return GrpcFailures.translate(e, op);
  }

  /** The failure of a call to the admin listener {@code server}, made as {@code identity}, as the CLI reports it. */
  static SealdropFailure failure(StatusRuntimeException e, GrpcFailures.Op op, HostPort server, String identity) {
    return explain(translate(e, op), e, server, identity, false);
  }

  /** Adds what is specific to the admin listener to the generic translation. */
  private static SealdropFailure explain(SealdropFailure f, StatusRuntimeException e, HostPort server,
      String identity, boolean sentOnReadyConnection) {
    if (f instanceof PermissionFailure) {
      return new PermissionFailure(f.reason(), f.getMessage() + " (admin operations need the admin role)",
          "you are connected as \"" + identity + "\"; ask an admin, or use a profile whose certificate "
              + "belongs to an identity with the admin role", e);
    }
    if (f instanceof NetworkFailure) {
      // "cannot reach the sealdrop admin listener at HOST:PORT: ..." says it already
      String message = GrpcFailures.unreachable(e).isPresent() ? f.getMessage()
          : "the admin listener " + server + " is unavailable: " + f.getMessage();
      if (GrpcFailures.unreachable(e).isEmpty() && GrpcFailures.reason(e).isPresent() && f.hint().isPresent()) {
        // the listener answered with its own reason (STORAGE_FULL, SHUTTING_DOWN, ...): its hint, not the address's
        // (round BV: a full disk was told to check the admin port)
        return new NetworkFailure(f.reason(), message, f.hint().get(), e);
      }
      Status.Code code = e.getStatus().getCode();
      if (sentOnReadyConnection && GrpcFailures.unreachable(e).isEmpty() && GrpcFailures.reason(e).isEmpty()
          && (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED)) {
        // the listener had the request when the connection broke (its server stopped or died mid-act): not a wrong
        // address or a listener that is not there, which the hint below sends the admin to check (review BE)
        return new NetworkFailure(f.reason(), "the admin listener " + server + " had the request, but "
            + GrpcFailures.howItBroke(e), "the server may have stopped or restarted in the"
            + " middle of the act, which may or may not have been done: once the server is back, check with `sealdrop"
            + " admin audit tail` (or the matching `sealdrop admin ... list`), and run the command again if it was"
            + " not done", e);
      }
      return new NetworkFailure(f.reason(), message, "check that the server runs with an admin port and that admin_server in the profile matches its "
              + "`admin listening on HOST:PORT` line (it binds to 127.0.0.1 by default)", e);
    }
    if (f instanceof AuthFailure) {
      return new AuthFailure(f.reason(), "the admin listener " + server + " refused: " + f.getMessage(),
          f.hint().orElse("check the profile's certificate and CA"), e);
    }
    return f;
  }

  @Override
  public void close() {
    ChannelFactory.close(channel);
  }
}
