package io.llamasupervisor.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keep-alive connections to backends, one pool per event loop so a client and its upstream
 * connection share a thread (no locks, no hand-over). A connection goes back to the pool only after
 * a complete response that allows reuse (not after an event stream: llama-server closes those); one
 * idle longer than {@link #IDLE_NANOS} is dropped, before llama-server's own 5 s idle close.
 */
final class UpstreamPool {
  static final long IDLE_NANOS = 4_000_000_000L;
  static final AttributeKey<UpstreamHandler> HANDLER = AttributeKey.valueOf("gateway.upstream");
  private static final int MAX_IDLE_PER_BACKEND = 64;

  private final Transport transport;
  private final Map<EventLoop, Map<String, ArrayDeque<Idle>>> idle = new ConcurrentHashMap<>();
  private final Map<String, InetSocketAddress> addresses = new ConcurrentHashMap<>();

  private record Idle(Channel channel, long since) {}

  UpstreamPool(Transport transport) {
    this.transport = transport;
  }

  /** An idle pooled connection to {@code url} on {@code loop}, or null; call on {@code loop}. */
  Channel poll(EventLoop loop, String url) {
    ArrayDeque<Idle> q = idle.computeIfAbsent(loop, l -> new HashMap<>()).get(url);
    if (q == null) {
      return null;
    }
    long now = System.nanoTime();
    Idle i;
    while ((i = q.pollLast()) != null) {
      if (i.channel.isActive() && now - i.since < IDLE_NANOS) {
        return i.channel;
      }
      i.channel.close();
    }
    return null;
  }

  /** Puts {@code channel} back for reuse; call on its event loop. */
  void offer(String url, Channel channel) {
    ArrayDeque<Idle> q =
        idle.computeIfAbsent(channel.eventLoop(), l -> new HashMap<>())
            .computeIfAbsent(url, u -> new ArrayDeque<>());
    if (q.size() >= MAX_IDLE_PER_BACKEND || !channel.isActive()) {
      channel.close();
      return;
    }
    q.addLast(new Idle(channel, System.nanoTime()));
  }

  /** A new connection to {@code url} on {@code loop}. */
  ChannelFuture connect(EventLoop loop, String url) {
    InetSocketAddress address = addresses.computeIfAbsent(url, UpstreamPool::address);
    return new Bootstrap()
        .group(loop)
        .channel(transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                UpstreamHandler h = new UpstreamHandler();
                ch.attr(HANDLER).set(h);
                ch.pipeline().addLast(new HttpRequestEncoder(), h);
              }
            })
        .connect(address);
  }

  private static InetSocketAddress address(String url) {
    URI u = URI.create(url);
    String host = u.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, u.getPort() < 0 ? 80 : u.getPort());
  }

  static String hostHeader(String url) {
    return url.startsWith("http://") ? url.substring(7) : url;
  }

  void closeAll() {
    for (Map<String, ArrayDeque<Idle>> m : idle.values()) {
      for (ArrayDeque<Idle> q : m.values()) {
        for (Idle i : q) {
          i.channel.close();
        }
      }
    }
  }
}
