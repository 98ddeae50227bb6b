package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.identity.CertificatePolicy;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.identity.SessionRegistry;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The gRPC door's {@link SessionRegistry}: every authenticated call is tracked by identity and
 * certificate serial while it runs, so that the core can close the calls of a disabled or revoked
 * identity (or certificate) at once — a download or upload stream ends with UNAUTHENTICATED
 * immediately, whatever its flow-control state — and a lockdown can cut every upload and
 * download stream (UNAVAILABLE, reason LOCKED_DOWN). Install inside {@link PeerIdentityInterceptor}.
 */
public final class LiveCalls implements ServerInterceptor, SessionRegistry {
  /** The streams a lockdown cuts: uploads and downloads of the transfer port. */
  private static final Set<String> TRANSFERS = Set.of(
      TransferServiceGrpc.getUploadMethod().getFullMethodName(),
      TransferServiceGrpc.getDownloadMethod().getFullMethodName());
  private final Set<Tracked<?, ?>> calls = ConcurrentHashMap.newKeySet();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Principal p = PeerIdentityInterceptor.caller();
    Tracked<Q, R> tracked = new Tracked<>(call, p.identity(), CertificatePolicy.serialOf(p.certificate()),
        TRANSFERS.contains(call.getMethodDescriptor().getFullMethodName()));
    calls.add(tracked);
    ServerCall.Listener<Q> listener;
    try {
      listener = next.startCall(tracked, headers);
    } catch (RuntimeException e) {
      calls.remove(tracked);
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        calls.remove(tracked);
        super.onComplete();
      }

      @Override
      public void onCancel() {
        calls.remove(tracked);
        super.onCancel();
      }
    };
  }

  @Override
  public int closeIdentity(String identity, Reason reason, String why) {
    return closeWhere(t -> t.identity.equals(identity), reason, why);
  }

  @Override
  public int closeCertificate(String identity, String serialHex, Reason reason, String why) {
    return closeWhere(t -> t.identity.equals(identity) && t.serial.equals(serialHex), reason, why);
  }

  @Override
  public int closeTransfers(Reason reason, String why) {
    return closeWhere(t -> t.transfer, reason, why);
  }

  /** How many calls are live (tests). */
  public int size() {
    return calls.size();
  }

  private int closeWhere(Predicate<Tracked<?, ?>> match, Reason reason, String why) {
    int n = 0;
    for (Tracked<?, ?> t : calls) {
      if (match.test(t) && t.forceClose(reason, why)) {
        calls.remove(t);
        n++;
      }
    }
    return n;
  }

  /** A call whose outbound side is serialised, so an admin thread can close it while it streams. */
  private static final class Tracked<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    final String identity;
    final String serial;
    final boolean transfer;
    private boolean closed;

    Tracked(ServerCall<Q, R> delegate, String identity, String serial, boolean transfer) {
      super(delegate);
      this.identity = identity;
      this.serial = serial;
      this.transfer = transfer;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized boolean isReady() {
      return !closed && super.isReady();
    }

    synchronized boolean forceClose(Reason reason, String why) {
      if (closed) {
        return false;
      }
      Metadata trailers = new Metadata();
      trailers.put(ErrorMapper.REASON, reason.name());
      closed = true;
      Status status = reason == Reason.LOCKED_DOWN ? Status.UNAVAILABLE : Status.UNAUTHENTICATED;
      super.close(status.withDescription("the call was closed: " + why), trailers);
      return true;
    }
  }
}
