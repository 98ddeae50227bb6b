package dev.sealdrop.client.net;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel that owns its Netty event loop (one daemon thread) and stops it once the channel has
 * terminated.
 *
 * <p>gRPC's default loop is shared and stopped only a second after its last channel closes, so a CLI
 * process exited with its selector threads still blocked in {@code epoll_wait}. HotSpot's exit waits
 * about 300 ms for threads in native code to stop, once per command: a sixth of a small send
 * (docs/benchmarks.md, session 21). A channel's own loop, shut down when
 * {@link #awaitTermination} sees the channel end, has exited before the JVM does.
 */
final class SingleLoopChannel extends ManagedChannel {
  private final ManagedChannel channel;
  private final EventLoopGroup loop;

  private SingleLoopChannel(ManagedChannel channel, EventLoopGroup loop) {
    this.channel = channel;
    this.loop = loop;
  }

  /** A new event loop for one channel: one daemon thread. */
  static EventLoopGroup newLoop() {
    return new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sealdrop-netty", true),
        NioIoHandler.newFactory());
  }

  /** {@code channel}, built on {@code loop}, which is stopped when the channel has terminated. */
  static ManagedChannel of(ManagedChannel channel, EventLoopGroup loop) {
    return new SingleLoopChannel(channel, loop);
  }

  @Override
  public ManagedChannel shutdown() {
    channel.shutdown();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return channel.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return channel.isTerminated() && loop.isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    channel.shutdownNow();
    return this;
  }

  /** Waits for the channel to terminate, then stops its loop and waits for that too (within the same timeout). */
  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    if (!channel.awaitTermination(timeout, unit)) {
      return false;
    }
    // no quiet period: the channel has ended, nothing more will be submitted to its loop
    loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
    return loop.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return channel.getState(requestConnection);
  }

  @Override
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    channel.notifyWhenStateChanged(source, callback);
  }

  @Override
  public void resetConnectBackoff() {
    channel.resetConnectBackoff();
  }

  @Override
  public void enterIdle() {
    channel.enterIdle();
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    return channel.newCall(method, options);
  }

  @Override
  public String authority() {
    return channel.authority();
  }

  @Override
  public String toString() {
    return channel.toString();
  }
}
