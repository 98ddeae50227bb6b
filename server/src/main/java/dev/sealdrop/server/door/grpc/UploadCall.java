package dev.sealdrop.server.door.grpc;

import dev.sealdrop.protocol.v1.UploadRequest;
import dev.sealdrop.protocol.v1.UploadResponse;
import dev.sealdrop.server.core.InvalidRequestException;
import dev.sealdrop.server.core.PreconditionFailedException;
import dev.sealdrop.server.core.Reason;
import dev.sealdrop.server.core.identity.Principal;
import dev.sealdrop.server.core.upload.StoredFile;
import dev.sealdrop.server.core.upload.UploadService;
import dev.sealdrop.server.core.upload.UploadSession;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Upload stream. gRPC delivers its callbacks one at a time on the server's executor (never on
 * the Netty event loop), so the blocking disk writes and fsyncs of {@link UploadSession} are safe
 * here. A broken or cancelled stream makes what was received durable: the client resumes there.
 *
 * <p>The message with {@code finish} commits the upload at once, but the answer waits for the
 * client to end (half-close) its stream, or for {@link #FINISH_GRACE_MILLIS} after the commit if it
 * does not (a client that waits for the answer before it half-closes is answered, not left hanging):
 * a message after {@code finish} within that time is refused ({@code INVALID_ARGUMENT /
 * DATA_AFTER_FINISH}) instead of being dropped unseen, and the commit stands (its data is not stored).
 * The timer is the server's own thread (not a shared pool, where other work could hold the answer
 * back), so every callback here holds this object's lock.
 */
final class UploadCall implements StreamObserver<UploadRequest> {
  /**
   * Messages the transport may deliver ahead of the one being stored: while this thread hashes and
   * writes one message, the next ones are already read off the socket and the client's flow-control
   * window is replenished. Bounds memory per upload to about this many messages.
   */
  static final int MESSAGES_AHEAD = 2;
  /** How long after {@code finish} the answer waits for the client's half-close. */
  static final long FINISH_GRACE_MILLIS = 1000;
  private final UploadService uploads;
  private final Principal caller;
  private final ServerCallStreamObserver<UploadResponse> out;
  private final int maxChunk;
  private final ScheduledExecutorService timer;
  private UploadSession session;
  /** The file the finish message committed; the answer waits for the client's half-close. */
  private StoredFile committed;
  private boolean done;

  UploadCall(UploadService uploads, Principal caller, ServerCallStreamObserver<UploadResponse> out, int maxChunk,
      ScheduledExecutorService timer) {
    this.uploads = uploads;
    this.caller = caller;
    this.out = out;
    this.maxChunk = maxChunk;
    this.timer = timer;
    // The call can end without onError/onCompleted reaching us: closed by the server (a revocation,
    // a lockdown) or cancelled. Both handlers run serialised with onNext; the session ends once.
    out.setOnCancelHandler(this::ended);
    out.setOnCloseHandler(this::ended);
  }

  private synchronized void ended() {
    boolean answered = done;
    done = true;
    if (session != null) {
      session.interrupted();
    } else if (!answered) {
      // cancelled (or closed by the server) before any message: audited as other aborted streams are
      uploads.interruptedBeforeStart(caller);
    }
  }

  @Override
  public synchronized void onNext(UploadRequest request) {
    if (done) {
      return;
    }
    try {
      if (committed != null) {
        // the session ended with the commit (audited as upload.commit), which stands: fail() below leaves
        // the session as it is, and the refused message is audited here as upload.abort
        throw uploads.refusedAfterCommit(caller, session.uploadId(), committed.id(), new InvalidRequestException(
            Reason.DATA_AFTER_FINISH, "a message came after the one with finish;"
            + " the upload was already committed as file " + committed.id() + " (" + committed.size() + " bytes)"
            + "; this message changes nothing of it, and nothing sent after finish was stored; end the stream right"
            + " after finish (GetUpload names the file, `sealdrop files` lists it)"));
      }
      if (session == null) {
        if (!request.hasStart()) {
          throw uploads.refused(caller, null, new InvalidRequestException(Reason.INVALID_REQUEST,
              "the first UploadRequest must carry start (upload_id and offset)"));
        }
        session = uploads.begin(caller, request.getStart().getUploadId(), request.getStart().getOffset());
        session.onStall(this::stalled);
      } else if (request.hasStart()) {
        throw new InvalidRequestException(Reason.INVALID_REQUEST, "only the first UploadRequest may carry start");
      }
      if (request.getData().size() > maxChunk) {
        throw new InvalidRequestException(Reason.INVALID_REQUEST, "an UploadRequest carries at most " + maxChunk
            + " bytes of data (CreateUpload's max_message_bytes)");
      }
      if (!request.getData().isEmpty()) {
        UploadBytes.appendTo(session, request.getData());
      }
      if (request.getFinish()) {
        committed = session.finish();
        answerAfterGrace();
      }
      out.request(1);
    } catch (RuntimeException e) {
      fail(e);
    } catch (OutOfMemoryError e) {
      // a buffer the JVM could not reserve (round T): refused as busy, the upload kept for a resume
      fail(dev.sealdrop.server.core.LimitExceededException.shortOfMemory(e));
    }
  }

  /**
   * The core stopped this stream (on its timer's thread): its client sent nothing for the stall timeout while its
   * connection stayed up. What was received is kept for a resume, as for a broken stream.
   */
  private synchronized void stalled(dev.sealdrop.server.core.SealdropException why) {
    if (!done && committed == null) {
      fail(why);
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    ended();
  }

  @Override
  public synchronized void onCompleted() {
    if (!done && committed != null) {
      answer();
    } else if (!done && session == null) {
      // no upload was named, so none has bytes stored to resume from
      fail(uploads.refused(caller, null, new InvalidRequestException(Reason.INVALID_REQUEST, "the stream ended"
          + " without any UploadRequest; the first must carry start (upload_id and offset)")));
    } else if (!done) {
      fail(new PreconditionFailedException(Reason.UPLOAD_OFFSET_MISMATCH, "the stream ended without finish; "
          + session.received() + " bytes are stored; resume at that offset and end with finish"));
    }
  }

  /** Answers {@link #FINISH_GRACE_MILLIS} from now unless the client half-closes first. */
  private void answerAfterGrace() {
    try {
      timer.schedule(this::answer, FINISH_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      answer(); // the server is stopping: the commit stands, and the client hears of it now
    }
  }

  /** The committed file's answer, once: at the client's half-close, or when the grace after finish ends. */
  private synchronized void answer() {
    if (done || out.isCancelled()) {
      return;
    }
    done = true;
    out.onNext(UploadResponse.newBuilder().setUploadId(session.uploadId()).setFileId(committed.id())
        .setSize(committed.size()).setFingerprint(committed.fingerprint()).build());
    out.onCompleted();
  }

  private void fail(RuntimeException e) {
    done = true;
    if (session != null) {
      session.abort(e);
    }
    out.onError(ErrorMapper.toStatus(e));
  }
}
