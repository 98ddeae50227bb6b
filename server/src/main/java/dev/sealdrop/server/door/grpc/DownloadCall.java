package dev.sealdrop.server.door.grpc;

import com.google.protobuf.UnsafeByteOperations;
import dev.sealdrop.protocol.v1.DownloadResponse;
import dev.sealdrop.server.core.grant.DownloadSession;
import io.grpc.stub.ServerCallStreamObserver;

/**
 * One Download stream with flow control: it sends only while the transport is ready, so a slow
 * client never makes the server buffer the file. Every chunk goes through {@link
 * DownloadSession#next}, which re-checks the grant (a revocation cuts the stream). The core's timer
 * may stop a stalled one ({@link DownloadSession#onStall}): that and the sending hold this object's
 * monitor, as gRPC wants one caller of the stream at a time.
 */
final class DownloadCall {
  /**
   * Bytes per message. 1 MiB keeps the per-message work (the grant re-check, a thread hand-off)
   * to about a thousand times per GiB; clients accept messages of up to 8 MiB.
   */
  static final int CHUNK = 1024 * 1024;
  /**
   * Bytes the transport may queue for this call before it reports not ready: about two messages,
   * so the event loop always has the next message while this thread reads the one after it.
   * Bounds memory per download to a few MiB.
   */
  static final int ON_READY_THRESHOLD = 2 * CHUNK;
  private final DownloadSession session;
  private final ServerCallStreamObserver<DownloadResponse> out;
  private final byte[] buffer;
  private boolean done;
  /** Its registration with the core as a download of its grant, ended with it. */
  private dev.sealdrop.server.core.identity.LiveSessions.Registration registration;

  private DownloadCall(DownloadSession session, ServerCallStreamObserver<DownloadResponse> out) {
    this.session = session;
    this.out = out;
    this.buffer = new byte[bufferFor(session.size() - session.position())];
  }

  /**
   * No larger than what is left to send: most files are far smaller than a chunk, and an array of
   * half a heap region or more is a humongous object that makes the garbage collector start a
   * concurrent cycle (measured: one per download of a 64 KiB file, server pauses of up to 36 ms
   * in the middle of other clients' redeems).
   */
  static int bufferFor(long remaining) {
    return (int) Math.max(1, Math.min(CHUNK, remaining));
  }

  static void start(DownloadSession session, ServerCallStreamObserver<DownloadResponse> out,
      dev.sealdrop.server.core.identity.LiveSessions sessions) {
    DownloadCall call = new DownloadCall(session, out);
    // its grant revoked, its file purged, its sender disabled or revoked: cut now, not at the next chunk, which a
    // client that stopped reading never asks for (its slot would stay taken until the stall timeout)
    dev.sealdrop.server.core.identity.LiveSessions.Registration r = session.register(sessions, call::cutWithGrant);
    synchronized (call) {
      call.registration = r;
      if (call.done) {
        r.end();
      }
    }
    out.setOnReadyThreshold(ON_READY_THRESHOLD);
    out.setOnCancelHandler(call::cancel);
    // closed by the server from outside the stream (a revocation or lockdown closes the call)
    out.setOnCloseHandler(call::cancel);
    out.setOnReadyHandler(call::drain);
    session.onStall(call::stalled);
    // a lockdown or an admin's disable or revocation: the slot is freed and the end audited now, with that cause,
    // not when a client that stopped reading takes the rest of the queued data and the status
    LiveCalls.onForcedClose(call::cancel);
  }

  /** The core stopped this download: its client took nothing for the stall timeout. */
  private synchronized void stalled(dev.sealdrop.server.core.SealdropException why) {
    if (!done) {
      finish();
      out.onError(ErrorMapper.toStatus(why));
    }
  }

  private synchronized void drain() {
    try {
      // once the bytes that count are sent, the rest (at most 80 bytes) and the end go at once, ready or not (the
      // status queues behind them): a call an act is closing reports not ready after them, and a download delivered
      // whole was then told it was cut, and counted so (reviews RD, RG)
      while (!done && (out.isReady() || session.handedOutAllThatCounts())) {
        long offset = session.position();
        int n = session.next(buffer);
        if (n < 0) {
          finish();
          out.onCompleted();
          return;
        }
        // no copy: gRPC serialises the message within onNext, and the buffer is refilled only after it returns
        out.onNext(DownloadResponse.newBuilder().setOffset(offset).setData(UnsafeByteOperations.unsafeWrap(buffer, 0, n))
            .setTotalSize(session.size()).build());
      }
    } catch (RuntimeException e) {
      if (!done) {
        finish();
        out.onError(ErrorMapper.toStatus(e));
      }
    } catch (OutOfMemoryError e) {
      // a buffer the JVM could not reserve (round T): refused as busy; the download resumes under its claim
      if (!done) {
        finish();
        try {
          out.onError(ErrorMapper.toStatus(dev.sealdrop.server.core.LimitExceededException.shortOfMemory(e)));
        } catch (IllegalStateException closed) {
          // grpc closed the call itself (CANCELLED) when a message could not be sent (round W)
        }
      }
    }
  }

  private synchronized void cancel() {
    finish();
  }

  /**
   * The core cut this download's grant (on an admin's thread), or its claim (released by its holder). Only those
   * causes count here: a lockdown and an admin's act on the caller close the whole call ({@link LiveCalls}), which
   * counts it, and reach this registration too (a transfer of that identity), so they are not counted twice.
   */
  private boolean cutWithGrant(dev.sealdrop.server.core.Reason reason, String why) {
    if (!java.util.EnumSet.of(dev.sealdrop.server.core.Reason.GRANT_REVOKED,
        dev.sealdrop.server.core.Reason.GRANT_SUSPENDED, dev.sealdrop.server.core.Reason.FILE_PURGED,
        dev.sealdrop.server.core.Reason.CLAIM_CLOSED).contains(reason)) {
      return false;
    }
    synchronized (this) {
      if (done) {
        return false;
      }
      dev.sealdrop.server.core.GrantUnavailableException cause =
          new dev.sealdrop.server.core.GrantUnavailableException(reason, why);
      // ended and audited with the act's cause, whatever the store says yet (a disable cuts the downloads of the
      // sender's grants before the sender is disabled: round CK), as the SFTP door's cut is
      session.cut(cause);
      finish();
      out.onError(ErrorMapper.toStatus(cause));
      return true;
    }
  }

  private void finish() {
    if (!done) {
      done = true;
      session.close();
      if (registration != null) {
        registration.end();
      }
    }
  }
}
