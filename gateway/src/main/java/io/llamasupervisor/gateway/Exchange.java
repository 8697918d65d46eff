package io.llamasupervisor.gateway;

import io.llamasupervisor.cache.CacheLookup;
import io.llamasupervisor.cache.CacheRequest;
import io.llamasupervisor.cache.Endpoint;
import io.llamasupervisor.cache.Replay;
import io.llamasupervisor.cache.ResponseRecorder;
import io.llamasupervisor.gateway.conversation.ResponseRewrite;
import io.llamasupervisor.gateway.conversation.ResponseTap;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.RoutingTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied request, from its complete body to the last byte of its response, on the client's
 * event loop. Waits for a lease from the {@link Dispatcher}, sends the head and the unchanged body
 * on a pooled (or new) connection of the same event loop, relays the response as {@link
 * ResponseParser} hands it on (the head rewritten once, the body's bytes and chunk framing as
 * received) with a flush after each read, and retries once on another backend when the connection
 * fails before any response byte. When the client goes away the upstream connection is closed at
 * once, so llama-server cancels the task and frees its slot.
 *
 * <p>With a response cache, a request to a cacheable endpoint first asks the cache (an exact lookup
 * in memory on the event loop, a semantic or Redis one off it): a hit is answered at once without a
 * backend, a miss is forwarded and its response fed to the cache's recorder as it passes; either
 * way the response carries {@code X-Cache}. The cache key holds the plan digest of the model's
 * newest READY generation as the routing table publishes it, so a new file or new flags never serve
 * an older answer; a response from another generation than the key's is not recorded.
 */
final class Exchange implements Waiter {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  private final Shared g;
  private final ClientHandler owner;
  private final ChannelHandlerContext ctx;

  /** Writes bytes that are already HTTP (past the response encoder): a relayed response. */
  private final ChannelHandlerContext out;

  private final EventLoop loop;
  private final HttpRequest request;
  private final ByteBuf body;

  /** Whether the client's connection stays open after this answer (a 1.0 stream closes it). */
  private boolean keepAlive;

  private final boolean http10;
  private final long arrived;
  private final String model;
  private final long affinity;
  private final String caller;
  private final TailBuffer tail = new TailBuffer();
  private final GatewayMetrics.ModelMeters meters;

  /** The {@code X-Cache} value for a cacheable endpoint, null for the others. */
  private String xCache;

  /** The serving generation the cache key was made for; -1 when none. */
  private long cachedGeneration = -1;

  private ResponseRecorder recorder = ResponseRecorder.NONE;

  /** The backend a conversation's previous turn was served by; null: none. */
  private String preferred;

  /** Watches the answer of a conversation turn; null for other requests. */
  private ResponseTap tap;

  /** Reshapes a successful answer for the client (LM Studio's chat); null: relayed as is. */
  private ResponseRewrite rewrite;

  private Ticket ticket;
  private Lease lease;
  private Channel upstream;
  private UpstreamHandler handler;
  private boolean reused;
  private boolean reconnected;
  private boolean headReceived;
  private boolean upstreamReusable;

  /** The body goes to the client as the backend framed it (its length, or its chunks). */
  private boolean relayRaw;

  /** The gateway frames the body in chunks itself (a rewritten answer, or one ended by a close). */
  private boolean selfFramed;

  /** The body goes to an HTTP/1.0 client without framing, ended by closing the connection. */
  private boolean unframed;

  private boolean firstContent;
  private boolean finished;
  private long sent;
  private int status;

  Exchange(
      Shared g,
      ClientHandler owner,
      ChannelHandlerContext ctx,
      HttpRequest request,
      ByteBuf body,
      long arrived,
      String model,
      long affinity,
      String caller) {
    this.g = g;
    this.caller = caller;
    this.owner = owner;
    this.ctx = ctx;
    this.out = owner.rawOut(ctx);
    this.loop = ctx.channel().eventLoop();
    this.request = request;
    this.body = body;
    this.keepAlive = HttpUtil.isKeepAlive(request);
    this.http10 = request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    this.arrived = arrived;
    this.model = model;
    this.affinity = affinity;
    this.meters = g.metrics().forModel(model);
  }

  /** Makes this exchange a conversation turn; call before {@link #start()}. */
  void converse(String preferredBackend, ResponseTap responseTap, ResponseRewrite reshape) {
    this.preferred = preferredBackend;
    this.tap = responseTap;
    this.rewrite = reshape;
  }

  private void acquire() {
    ticket = g.dispatcher().acquire(model, affinity, preferred, this);
  }

  void start() {
    Optional<Endpoint> endpoint =
        g.cache() == null ? Optional.empty() : Endpoint.ofPath(Endpoints.path(request.uri()));
    if (endpoint.isEmpty()) {
      acquire();
      return;
    }
    if (!g.cache().caches(model)) {
      // nothing is cached for this model: counted as a bypass here, without a hand-off
      onLookup(
          g.cache()
              .lookup(
                  new CacheRequest(endpoint.get(), model, "", new byte[0], null, null, caller)));
      return;
    }
    Optional<BackendRoute> serving = servingBackend();
    if (serving.isEmpty()) {
      // nothing serves the model yet: no plan to key an answer with
      xCache = "bypass";
      g.cache().bypassed(model, CacheLookup.BypassReason.NOT_SERVING);
      acquire();
      return;
    }
    CacheRequest req =
        new CacheRequest(
            endpoint.get(),
            model,
            planKey(g.dispatcher().table(), serving.get()),
            ByteBufUtil.getBytes(body),
            request.headers().get(HttpHeaderNames.CACHE_CONTROL),
            request.headers().get("X-Cache-Scope"),
            caller);
    cachedGeneration = serving.get().generation();
    if (!g.cache().lookupMayWait(model)) {
      // an exact lookup in memory: cheaper here than two thread hand-offs
      onLookup(g.cache().lookup(req));
      return;
    }
    try {
      g.cacheLookups()
          .execute(
              () -> {
                CacheLookup l = g.cache().lookup(req);
                loop.execute(() -> onLookup(l));
              });
    } catch (RejectedExecutionException e) {
      xCache = "bypass"; // every lookup thread busy: counted as the cache's own failure
      g.cache().bypassed(model, CacheLookup.BypassReason.INTERNAL_ERROR);
      acquire();
    }
  }

  /** A READY backend of the model's newest READY generation, if there is one. */
  private Optional<BackendRoute> servingBackend() {
    RoutingTable t = g.dispatcher().table();
    if (t == null) {
      return Optional.empty();
    }
    return t.model(model)
        .flatMap(
            m ->
                m.readyBackends().stream()
                    .max(java.util.Comparator.comparingLong(BackendRoute::generation)));
  }

  /**
   * What the cache key holds of the serving plan: the plan digest the routing table publishes
   * (binary, file, flags; equal across restarts of an unchanged plan), or, from a registry that
   * publishes none, the table's epoch and the generation (a restart starts afresh).
   */
  static String planKey(RoutingTable t, BackendRoute serving) {
    return serving.plan() != null
        ? "plan:" + serving.plan()
        : "generation:" + t.epoch() + ":" + serving.generation();
  }

  private void onLookup(CacheLookup l) {
    if (finished) {
      return; // the client went away while the cache was asked
    }
    if (l instanceof CacheLookup.Hit h) {
      replay(h.replay(), l.header(), null);
    } else if (l instanceof CacheLookup.SemanticHit s) {
      replay(s.replay(), l.header(), s.similarityHeader());
    } else {
      xCache = l.header();
      recorder = l.recorder();
      acquire();
    }
  }

  /** Serves a cached answer: no backend, no queue. */
  private void replay(Replay r, String header, String similarity) {
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.CONTENT_TYPE, r.stream() ? Replay.SSE : Replay.JSON);
    if (r.stream()) {
      if (http10) {
        keepAlive = false; // HTTP/1.0 has no chunks: the stream ends with the connection
      } else {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
      headers.set("X-Accel-Buffering", "no");
      headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
    } else {
      headers.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    }
    headers.set("X-Cache", header);
    if (similarity != null) {
      headers.set("X-Cache-Similarity", similarity);
    }
    if (!keepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    ctx.write(
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, headers),
        ctx.voidPromise());
    if (r.stream()) {
      for (byte[] chunk : r.chunks()) {
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)), ctx.voidPromise());
      }
    } else {
      ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(r.body())), ctx.voidPromise());
    }
    ChannelFuture done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    finished = true;
    body.release();
    meters.request(200);
    meters.timeToFirstToken(System.nanoTime() - arrived);
    meters.requestDuration(System.nanoTime() - arrived);
    if (!keepAlive) {
      done.addListener(ChannelFutureListener.CLOSE);
    }
    owner.exchangeDone(this, keepAlive);
  }

  @Override
  public void granted(Lease l) {
    if (loop.inEventLoop()) {
      onGranted(l);
    } else {
      loop.execute(() -> onGranted(l));
    }
  }

  @Override
  public void rejected(GatewayError error) {
    if (loop.inEventLoop()) {
      onRejected(error);
    } else {
      loop.execute(() -> onRejected(error));
    }
  }

  private void onGranted(Lease l) {
    if (finished) {
      l.release(Lease.Outcome.ABANDONED);
      return;
    }
    ticket = null;
    lease = l;
    reconnected = false;
    connect(true);
  }

  private void onRejected(GatewayError error) {
    ticket = null;
    if (!finished) {
      fail(error);
    }
  }

  private void connect(boolean mayReuse) {
    String url = lease.url();
    Channel pooled = mayReuse ? g.pool().poll(loop, url) : null;
    if (pooled != null) {
      reused = true;
      send(pooled);
      return;
    }
    reused = false;
    ChannelFuture f = g.pool().connect(loop, url);
    upstream = f.channel();
    f.addListener(
        (ChannelFutureListener)
            fut -> {
              if (finished || upstream != fut.channel()) {
                fut.channel().close();
              } else if (fut.isSuccess()) {
                send(fut.channel());
              } else {
                upstream = null;
                transportFailed(fut.cause());
              }
            });
  }

  private void send(Channel ch) {
    upstream = ch;
    handler = ch.attr(UpstreamPool.HANDLER).get();
    handler.attach(this);
    // the client's head is forwarded itself, minus what belongs to the client's connection
    // (idempotent, so a retry sends it again as is)
    HttpHeaders h = request.headers();
    Hop.strip(h);
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    if (!g.keys().open()) {
      h.remove(HttpHeaderNames.AUTHORIZATION);
      h.remove("x-api-key");
    }
    h.set(HttpHeaderNames.HOST, UpstreamPool.hostHeader(lease.url()));
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    sent = System.nanoTime();
    ch.write(request, ch.voidPromise());
    ch.writeAndFlush(new DefaultLastHttpContent(body.retainedDuplicate()))
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() && upstream == f.channel()) {
                    upstreamLost(f.cause());
                  }
                });
  }

  void upstreamHead(ResponseParser.ResponseHead h) {
    if (finished) {
      return;
    }
    headReceived = true;
    long ttfb = System.nanoTime() - sent;
    status = h.status();
    String type = h.contentType();
    boolean sse = type.regionMatches(true, 0, "text/event-stream", 0, 17);
    upstreamReusable = h.keepAlive() && !sse;
    if (rewrite != null && status != 200) {
      rewrite = null; // errors pass through as the backend gave them
    }
    boolean body = h.framing() != ResponseParser.Framing.NONE;
    relayRaw =
        rewrite == null
            && (h.framing() == ResponseParser.Framing.LENGTH
                || (h.framing() == ResponseParser.Framing.CHUNKED && !http10));
    // HTTP/1.0 has no chunked coding (RFC 9112 6.1): a body of unknown length goes to a 1.0
    // client as it is, ended by closing the connection
    unframed = body && !relayRaw && http10;
    selfFramed = body && !relayRaw && !http10;
    if (unframed) {
      keepAlive = false;
    }
    if (rewrite != null) {
      rewrite.begin(lease.queued());
    }
    if (recorder != ResponseRecorder.NONE && lease.generation() != cachedGeneration) {
      recorder.abort(); // another generation answered than the one the key was made for
      recorder = ResponseRecorder.NONE;
    }
    recorder.start(status, type);
    if (tap != null) {
      tap.start(status, type);
    }
    ResponseHeadWriter w = new ResponseHeadWriter(ctx.alloc(), h.status(), h.reason());
    // a backend's Content-Length next to its chunked coding is never relayed with it
    boolean dropLength =
        rewrite != null || selfFramed || unframed || h.framing() == ResponseParser.Framing.CHUNKED;
    for (int i = 0; i < h.names().size(); i++) {
      String name = h.names().get(i);
      if (!ResponseHeadWriter.replaced(name, sse, dropLength, rewrite != null)
          && !h.namedByConnection(name)) {
        w.header(name, h.values().get(i));
      }
    }
    if (rewrite != null) {
      w.header("Content-Type", rewrite.contentType());
    }
    if (selfFramed || (relayRaw && h.framing() == ResponseParser.Framing.CHUNKED)) {
      w.header("Transfer-Encoding", "chunked");
    }
    if (sse) {
      w.header("X-Accel-Buffering", "no");
      w.header("Cache-Control", "no-cache");
    }
    w.header("X-Backend-Generation", Long.toString(lease.generation()));
    if (xCache != null) {
      w.header("X-Cache", xCache);
    }
    w.header(
        "Server-Timing",
        "queue;dur=" + millis(lease.queued().toNanos()) + ", upstream;dur=" + millis(ttfb));
    if (!keepAlive) {
      w.header("Connection", "close");
    } else if (http10) {
      w.header("Connection", "keep-alive");
    }
    out.write(w.finish(), ctx.voidPromise());
  }

  /** A piece of the response body as the backend meant it (no chunk framing). */
  void upstreamData(ByteBuf data) {
    if (finished || !headReceived || !data.isReadable()) {
      return;
    }
    if (!firstContent) {
      firstContent = true;
      meters.timeToFirstToken(System.nanoTime() - arrived);
    }
    tail.add(data);
    if (recorder != ResponseRecorder.NONE) {
      recorder.chunk(data.nioBuffer());
    }
    if (tap != null) {
      tap.chunk(data.nioBuffer());
    }
    if (rewrite != null) {
      byte[] reshaped = rewrite.chunk(data.nioBuffer());
      if (reshaped.length > 0) {
        out.write(
            unframed
                ? Unpooled.wrappedBuffer(reshaped)
                : ResponseHeadWriter.chunk(ctx.alloc(), reshaped),
            ctx.voidPromise());
      }
    } else if (selfFramed) {
      out.write(ResponseHeadWriter.chunk(ctx.alloc(), data), ctx.voidPromise());
    } else if (unframed) {
      out.write(data.retainedDuplicate(), ctx.voidPromise());
    }
    pauseUpstreamIfClientIsFull();
  }

  /** The same bytes as received, framing included: relayed as they are when the framing fits. */
  void upstreamRaw(ByteBuf raw) {
    if (finished || !relayRaw) {
      raw.release();
      return;
    }
    out.write(raw, ctx.voidPromise());
    pauseUpstreamIfClientIsFull();
  }

  private void pauseUpstreamIfClientIsFull() {
    if (!ctx.channel().isWritable() && upstream != null) {
      upstream.config().setAutoRead(false);
    }
  }

  /** The backend's response is complete. */
  void upstreamEnd() {
    if (finished || !headReceived) {
      return;
    }
    Channel ch = upstream;
    upstream = null;
    handler.detach();
    handler = null;
    if (upstreamReusable) {
      ch.config().setAutoRead(true);
      g.pool().offer(lease.url(), ch);
    } else {
      ch.close();
    }
    if (tap != null) {
      // the end of the answer waits until the conversation turn is stored
      ResponseTap t = tap;
      tap = null;
      t.complete(lease.url(), () -> loop.execute(this::lastContent));
      return;
    }
    lastContent();
  }

  private void lastContent() {
    if (finished) {
      return; // the client left meanwhile
    }
    if (rewrite != null) {
      byte[] end = rewrite.end();
      if (end.length > 0) {
        out.write(
            unframed ? Unpooled.wrappedBuffer(end) : ResponseHeadWriter.chunk(ctx.alloc(), end),
            ctx.voidPromise());
      }
    }
    ChannelFuture done =
        out.writeAndFlush(selfFramed ? ResponseHeadWriter.lastChunk() : Unpooled.EMPTY_BUFFER);
    recorder.complete();
    complete(done);
  }

  void upstreamReadComplete() {
    if (!finished) {
      out.flush();
    }
  }

  void clientWritable() {
    if (upstream != null && ctx.channel().isWritable()) {
      upstream.config().setAutoRead(true);
    }
  }

  /** The backend connection failed or closed before the exchange was done with it. */
  void upstreamLost(Throwable cause) {
    Channel ch = upstream;
    if (finished || ch == null) {
      return;
    }
    upstream = null;
    if (handler != null) {
      handler.detach();
      handler = null;
    }
    ch.close();
    if (!headReceived) {
      if (reused && !reconnected) {
        // a pooled connection the backend had closed: not the backend's failure
        reconnected = true;
        connect(false);
        return;
      }
      transportFailed(cause);
      return;
    }
    LOG.debug("Backend {} broke off a response of {}: {}", lease.url(), model, cause);
    recorder.abort();
    abortTap();
    finished = true;
    lease.release(Lease.Outcome.ABANDONED);
    tail.clear();
    body.release();
    meters.request(502);
    ctx.close();
    owner.exchangeDone(this, false);
  }

  private void transportFailed(Throwable cause) {
    Lease failed = lease;
    lease = null;
    failed.release(Lease.Outcome.FAILED);
    String detail = cause == null ? "connection closed before a response" : describe(cause);
    LOG.debug("Backend {} of {} failed: {}", failed.url(), model, detail);
    if (failed.attempt() == 1) {
      ticket = g.dispatcher().retry(failed, affinity, this, detail);
    } else {
      fail(GatewayError.backendUnavailable(model, detail));
    }
  }

  private void complete(ChannelFuture written) {
    finished = true;
    lease.release(Lease.Outcome.ANSWERED);
    body.release();
    meters.request(status);
    meters.requestDuration(System.nanoTime() - arrived);
    UsageScan.Usage u = tail.scanAndClear();
    meters.tokens(u.prompt(), u.completion(), u.perSecond());
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
    owner.exchangeDone(this, keepAlive);
  }

  private void fail(GatewayError error) {
    recorder.abort();
    abortTap();
    finished = true;
    body.release();
    tail.clear();
    meters.request(error.status());
    owner.exchangeDone(this, owner.answer(ctx, error, keepAlive));
  }

  /** The client went away: leave the queue, or close the upstream connection at once. */
  void abort() {
    if (finished) {
      return;
    }
    recorder.abort();
    abortTap();
    finished = true;
    if (ticket != null) {
      ticket.cancel();
      ticket = null;
    }
    Channel ch = upstream;
    upstream = null;
    if (handler != null) {
      handler.detach();
      handler = null;
    }
    if (ch != null) {
      ch.close();
    }
    if (lease != null) {
      lease.release(Lease.Outcome.ABANDONED);
    }
    body.release();
    tail.clear();
    meters.request(499);
  }

  private void abortTap() {
    if (tap != null) {
      tap.abort();
      tap = null;
    }
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }

  /** {@code nanos} as milliseconds with three decimals, without String.format's cost. */
  static String millis(long nanos) {
    long micros = Math.max(0, nanos / 1000);
    long frac = micros % 1000;
    return (micros / 1000) + (frac < 10 ? ".00" : frac < 100 ? ".0" : ".") + frac;
  }
}
