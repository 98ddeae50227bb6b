package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.TransferServiceGrpc;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.identity.LiveSessions;
import dev.sealdrop.server.core.identity.Origin;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Objects;
import java.util.Set;

/**
 * Registers every authenticated gRPC call with the core's {@link LiveSessions} while it runs (by
 * the caller's identity and certificate serial, and whether it is a transfer stream), so that the
 * core can close the calls of a disabled or revoked identity (or certificate) at once — a download
 * or upload stream ends with UNAUTHENTICATED immediately, whatever its flow-control state — and a
 * lockdown can cut every upload and download stream (UNAVAILABLE, reason LOCKED_DOWN). Which calls
 * to close is the core's decision; this class only closes one. Install inside
 * {@link PeerIdentityInterceptor}.
 */
public final class LiveCalls implements ServerInterceptor {
  /** The streams a lockdown cuts: uploads and downloads of the transfer port. */
  private static final Set<String> TRANSFERS = Set.of(
      TransferServiceGrpc.getUploadMethod().getFullMethodName(),
      TransferServiceGrpc.getDownloadMethod().getFullMethodName());
  private final LiveSessions sessions;
  /**
   * The most gRPC calls one identity may have running at once, over all its connections (each carries at most
   * max-concurrent-calls-per-connection, but the connections are not counted): an identity that opened thousands of
   * calls and sent nothing on them held the server's memory and threads (outside test: 12,800 calls, +150 MB). Each
   * call may hold an unfinished message of up to the largest one (an upload chunk, about 1 MiB) in direct memory, so
   * this bounds what one identity holds so to about 66 MiB (round T: at 256, one identity's half-sent messages filled
   * a 256 MiB server's direct memory, and honest uploads and downloads failed). A CLI command runs one or two at once.
   */
  public static final int MAX_CALLS_PER_IDENTITY = 64;
  private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.AtomicInteger> running =
      new java.util.concurrent.ConcurrentHashMap<>();
  /** When each identity's refusals were last logged (System.nanoTime()), so that a flood logs once a minute. */
  private final java.util.concurrent.ConcurrentHashMap<String, Long> warned = new java.util.concurrent.ConcurrentHashMap<>();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LiveCalls.class);

  public LiveCalls(LiveSessions sessions) {
    this.sessions = Objects.requireNonNull(sessions, "sessions");
  }

  /** What the call's service asked to run when the call is closed from outside ({@link #onForcedClose}). */
  private static final Context.Key<ForcedClose> FORCED = Context.key("sealdrop-forced-close");

  /**
   * Runs {@code hook} (once) as soon as an admin's act or a lockdown closes the current call: the call's status waits
   * behind whatever its client has not read, so a service that holds something for the call (a download's slot)
   * frees it here rather than when the client reads again. Call from the service's handler, in the call's context.
   */
  static void onForcedClose(Runnable hook) {
    ForcedClose f = FORCED.get();
    if (f != null) {
      f.set(hook);
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String identity = PeerIdentityInterceptor.caller().identity();
    java.util.concurrent.atomic.AtomicInteger mine = running.computeIfAbsent(identity,
        k -> new java.util.concurrent.atomic.AtomicInteger());
    if (mine.incrementAndGet() > MAX_CALLS_PER_IDENTITY) {
      mine.decrementAndGet();
      long now = System.nanoTime();
      Long last = warned.get(identity);
      if (last == null || now - last > 60_000_000_000L) {
        warned.put(identity, now);
        LOG.warn("'{}' has {} gRPC calls running, the most one identity may: further calls refused (TOO_MANY_CALLS;"
            + " logged at most once a minute)", identity, MAX_CALLS_PER_IDENTITY);
      }
      Metadata trailers = new Metadata();
      trailers.put(ErrorMapper.REASON, Reason.TOO_MANY_CALLS.name());
      call.close(Status.RESOURCE_EXHAUSTED.withDescription("you have " + MAX_CALLS_PER_IDENTITY + " calls running at"
          + " once, the most one identity may; let some end (a client that opens calls and sends nothing on them"
          + " holds them), then retry"), trailers);
      return new ServerCall.Listener<>() {};
    }
    ServerCall.Listener<Q> counted;
    try {
      counted = tracked(call, headers, next);
    } catch (RuntimeException e) {
      mine.decrementAndGet();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(counted) {
      private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

      @Override
      public void onComplete() {
        end();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        end();
        super.onCancel();
      }

      private void end() {
        if (ended.compareAndSet(false, true)) {
          mine.decrementAndGet();
        }
      }
    };
  }

  private <Q, R> ServerCall.Listener<Q> tracked(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    ForcedClose forced = new ForcedClose();
    Tracked<Q, R> tracked = new Tracked<>(call, forced);
    LiveSessions.Registration registration = sessions.register(PeerIdentityInterceptor.caller(),
        TRANSFERS.contains(call.getMethodDescriptor().getFullMethodName()), tracked::forceClose);
    ServerCall.Listener<Q> listener;
    try {
      listener = Contexts.interceptCall(Context.current().withValue(FORCED, forced), tracked, headers, next);
    } catch (RuntimeException e) {
      registration.end();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        registration.end();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        registration.end();
        super.onCancel();
      }
    };
  }

  /** How many gRPC calls are live (tests). */
  public int size() {
    return sessions.count(Origin.GRPC);
  }

  /** The hook a service registered for a forced close; runs it once whichever of the two comes first. */
  private static final class ForcedClose {
    private Runnable hook;
    private boolean fired;

    void set(Runnable h) {
      boolean now;
      synchronized (this) {
        hook = h;
        now = fired;
      }
      if (now) {
        h.run();
      }
    }

    void fire() {
      Runnable h;
      synchronized (this) {
        fired = true;
        h = hook;
      }
      if (h != null) {
        h.run();
      }
    }
  }

  /** A call whose outbound side is serialised, so an admin thread can close it while it streams. */
  private static final class Tracked<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final ForcedClose forced;
    private boolean closed;
    /** Closed by its service with OK: it ended whole. */
    private boolean completed;
    /** Being closed from outside: reports not ready, so that its service sends no message after the one under way. */
    private boolean closing;

    Tracked(ServerCall<Q, R> delegate, ForcedClose forced) {
      super(delegate);
      this.forced = forced;
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
        completed = status.isOk();
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized boolean isReady() {
      return !closed && !closing && super.isReady();
    }

    boolean forceClose(Reason reason, String why) {
      synchronized (this) {
        if (closed) {
          return false;
        }
        closing = true;
      }
      // the service's side first, outside this call's monitor (the hook takes its service's, and a download sends under
      // that one, then this one): a message it is sending when the act lands goes out before the call is closed, so
      // that bytes the core recorded as handed out reach the client (review RC: a download's last chunk, recorded as
      // served, was dropped by the call closed a moment before, and the claim counted when it lapsed)
      try {
        forced.fire();
      } catch (RuntimeException e) {
        // closed all the same, and the act goes on to the next (review RD: an audit record the hook could not write
        // left the call open for good)
        LOG.warn("ending a call closed by an admin's act or a lockdown failed: {}", e.toString());
      }
      synchronized (this) {
        if (closed) {
          // it ended by itself meanwhile: whole (a download that sent its last chunk), or refused by the act's effect
          // at its chunk's own check, which this act cut as surely as a close would have
          return !completed;
        }
        Metadata trailers = new Metadata();
        trailers.put(ErrorMapper.REASON, reason.name());
        closed = true;
        Status status = reason == Reason.LOCKED_DOWN ? Status.UNAVAILABLE : Status.UNAUTHENTICATED;
        super.close(status.withDescription("the call was closed: " + why), trailers);
      }
      return true;
    }
  }
}
