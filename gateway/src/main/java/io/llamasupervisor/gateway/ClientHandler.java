package io.llamasupervisor.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.llamasupervisor.gateway.conversation.Conversations;
import io.llamasupervisor.gateway.conversation.LmStudioChat;
import io.llamasupervisor.gateway.conversation.ResponseRewrite;
import io.llamasupervisor.gateway.conversation.StoredResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads a request (head, then the body up to {@code max-body} kept as the
 * received buffers, not copied), checks the key, reads the {@code model} field, and hands the
 * request to an {@link Exchange}; answers {@code /health} and {@code /v1/models} itself. Requests
 * pipelined behind a running one wait until it is done; past {@value #PENDING_LIMIT} bytes of them
 * the connection is not read further until they are served (TCP pushes back on the client). A
 * client silent for {@code client-timeout} while it sends a request gets 408 and the connection
 * closes; a kept-alive connection idle for as long between requests is closed; a client waiting for
 * its answer is never timed out.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = LoggerFactory.getLogger(ClientHandler.class);
  private static final String MODELS_PREFIX = "/v1/models/";
  private static final String METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String RESPONSES_PREFIX = "/v1/responses/";
  private static final String LM_STUDIO_CHAT = "/api/v1/chat";

  private enum Mode {
    PROXY,
    HEALTH,
    MODELS,
    MODEL,
    METRICS,
    STORED,
    ERROR
  }

  /** Bytes of pipelined body kept while a request runs; past them reading pauses. */
  static final int PENDING_LIMIT = 64 * 1024;

  private final Shared g;
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private long pendingBytes;
  private Exchange active;
  private boolean closing;

  /** A conversation request is with the store (off the event loop): later requests wait. */
  private boolean preparing;

  private HttpRequest head;

  /** The request is a HEAD: answers carry their headers but no body. */
  private boolean headOnly;

  private Mode mode;
  private GatewayError error;
  private GatewayKey key;

  /** The body so far: null before its first bytes, one retained buffer, or a composite of them. */
  private ByteBuf body;

  private boolean proxying;
  private long arrived;

  /** When bytes last arrived, or the last answer ended (System.nanoTime). */
  private long lastActivity = System.nanoTime();

  private io.netty.util.concurrent.ScheduledFuture<?> silenceCheck;

  ClientHandler(Shared g) {
    this.g = g;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (active != null || closing || preparing) {
      if (closing) {
        ReferenceCountUtil.release(msg);
      } else {
        pending.add(msg);
        pendingBytes += msg instanceof HttpContent c ? c.content().readableBytes() : 0;
        if (pendingBytes > PENDING_LIMIT) {
          ctx.channel().config().setAutoRead(false);
        }
      }
      return;
    }
    handle(ctx, msg);
  }

  private void handle(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest r) {
      onHead(ctx, r);
      if (mode == Mode.ERROR && head != null && HttpUtil.is100ContinueExpected(r)) {
        // refused before its body: answered now, not after a body the client waits to send
        g.metrics().request("", error.status());
        answerAndClose(ctx, error);
      }
    }
    if (msg instanceof HttpContent c && c.decoderResult().isFailure()) {
      // a broken chunk: the body so far is not the body the client meant
      c.release();
      releaseBody();
      if (!closing) {
        g.metrics().request("", 400);
        answerAndClose(
            ctx,
            GatewayError.badRequest(
                "Malformed HTTP request body: " + c.decoderResult().cause().getMessage()));
      }
      return;
    }
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpContent c) {
      try {
        onContent(ctx, c);
      } finally {
        c.release();
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onHead(ChannelHandlerContext ctx, HttpRequest r) {
    head = r;
    headOnly = r.method().equals(HttpMethod.HEAD);
    arrived = System.nanoTime();
    error = null;
    key = null;
    if (r.decoderResult().isFailure()) {
      GatewayError refused = GatewayError.malformedHead(r.decoderResult().cause());
      g.metrics().request("", refused.status());
      answerAndClose(ctx, refused);
      return;
    }
    String path = Endpoints.path(r.uri());
    boolean get = r.method().equals(HttpMethod.GET) || r.method().equals(HttpMethod.HEAD);
    if (path.equals("/health") || path.equals("/v1/health")) {
      mode = get ? Mode.HEALTH : Mode.ERROR;
      error = get ? null : GatewayError.methodNotAllowed(r.method().name(), path);
      return;
    }
    if (!g.keys().open()) {
      key =
          g.keys()
              .authenticate(
                  r.headers().get(HttpHeaderNames.AUTHORIZATION), r.headers().get("x-api-key"))
              .orElse(null);
    }
    boolean metrics = path.equals("/metrics") && g.metricsPage().get() != null;
    if (metrics
        || path.equals("/v1/models")
        || path.equals("/models")
        || path.startsWith(MODELS_PREFIX)) {
      mode = metrics ? Mode.METRICS : path.startsWith(MODELS_PREFIX) ? Mode.MODEL : Mode.MODELS;
      if (!get) {
        mode = Mode.ERROR;
        error = GatewayError.methodNotAllowed(r.method().name(), path);
      } else if (!g.keys().open() && key == null) {
        mode = Mode.ERROR;
        error = GatewayError.unauthorized();
      }
      return;
    }
    if (path.startsWith(RESPONSES_PREFIX) && g.conversations() != null) {
      boolean delete = r.method().equals(HttpMethod.DELETE);
      mode = get || delete ? Mode.STORED : Mode.ERROR;
      if (mode == Mode.ERROR) {
        error = GatewayError.methodNotAllowed(r.method().name(), path);
      } else if (!g.keys().open() && key == null) {
        mode = Mode.ERROR;
        error = GatewayError.unauthorized();
      }
      return;
    }
    boolean lmStudio = path.equals(LM_STUDIO_CHAT) && g.conversations() != null;
    if (!Endpoints.PROXIED.contains(path) && !lmStudio) {
      mode = Mode.ERROR;
      error = GatewayError.unknownUrl(r.method().name(), path);
      return;
    }
    if (!r.method().equals(HttpMethod.POST)) {
      mode = Mode.ERROR;
      error = GatewayError.methodNotAllowed(r.method().name(), path);
      return;
    }
    if (!g.keys().open() && key == null) {
      mode = Mode.ERROR;
      error = GatewayError.unauthorized();
      return;
    }
    long length = HttpUtil.getContentLength(r, -1L);
    if (length > g.options().maxBody()) {
      g.metrics().request("", 413);
      answerAndClose(ctx, GatewayError.bodyTooLarge(g.options().maxBody()));
      return;
    }
    if (HttpUtil.is100ContinueExpected(r)) {
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    mode = Mode.PROXY;
    proxying = true;
  }

  private void onContent(ChannelHandlerContext ctx, HttpContent c) {
    if (head == null) {
      return;
    }
    if (mode == Mode.PROXY && proxying) {
      int had = body == null ? 0 : body.readableBytes();
      if (had + (long) c.content().readableBytes() > g.options().maxBody()) {
        releaseBody();
        g.metrics().request("", 413);
        answerAndClose(ctx, GatewayError.bodyTooLarge(g.options().maxBody()));
        return;
      }
      append(ctx, c.content());
    }
    if (c instanceof LastHttpContent) {
      HttpRequest r = head;
      head = null;
      complete(ctx, r);
    }
  }

  private void complete(ChannelHandlerContext ctx, HttpRequest r) {
    boolean keepAlive = HttpUtil.isKeepAlive(r);
    switch (mode) {
      case HEALTH -> answerJson(ctx, 200, "{\"status\":\"ok\"}", keepAlive);
      case MODELS -> answerJson(ctx, 200, modelsJson(), keepAlive);
      case MODEL -> model(ctx, r, keepAlive);
      case METRICS -> answer(ctx, 200, METRICS_TYPE, g.metricsPage().get().get(), keepAlive);
      case STORED -> stored(ctx, r, keepAlive);
      case ERROR -> {
        g.metrics().request("", error.status()); // 401, 404 unknown_url, 405: no model named yet
        answer(ctx, error, keepAlive);
      }
      case PROXY -> proxy(ctx, r);
    }
  }

  /** Keeps {@code content} (retained) as the body or its next part; one part is not copied. */
  private void append(ChannelHandlerContext ctx, ByteBuf content) {
    if (!content.isReadable()) {
      return;
    }
    if (body == null) {
      body = content.retain();
    } else if (body instanceof CompositeByteBuf composite) {
      composite.addComponent(true, content.retain());
    } else {
      CompositeByteBuf composite = ctx.alloc().compositeBuffer(64);
      composite.addComponent(true, body);
      composite.addComponent(true, content.retain());
      body = composite;
    }
  }

  private void releaseBody() {
    proxying = false;
    if (body != null) {
      body.release();
      body = null;
    }
  }

  private void proxy(ChannelHandlerContext ctx, HttpRequest r) {
    ByteBuf b = body == null ? Unpooled.EMPTY_BUFFER : body;
    body = null;
    proxying = false;
    ModelField.Result field =
        ModelField.read(new ByteBufInputStream(b.duplicate()), g.options().affinity());
    Dispatcher.Resolution res = g.dispatcher().resolve(field.model());
    GatewayError e = res.error();
    if (field.error() != null) {
      // not a JSON object, or broken before the parser was done: refused here, whatever it
      // names (with one model served, llama-server would answer its parse error as a 500)
      e = GatewayError.invalidBody(field.error());
    }
    if (e == null) {
      e = g.keys().check(key, res.model().id(), res.model().alias());
    }
    boolean keepAlive = HttpUtil.isKeepAlive(r);
    if (e != null) {
      b.release();
      // under the model's id, never a name the client made up (one series per name)
      g.metrics().request(res.model() != null ? res.model().id() : "", e.status());
      answer(ctx, e, keepAlive);
      return;
    }
    String path = Endpoints.path(r.uri());
    if (g.conversations() != null && (path.equals("/v1/responses") || path.equals("/responses"))) {
      byte[] bytes = ByteBufUtil.getBytes(b);
      b.release();
      converse(ctx, r, bytes, res.model().id(), field.prefixHash(), null);
      return;
    }
    if (g.conversations() != null && path.equals(LM_STUDIO_CHAT)) {
      byte[] bytes = ByteBufUtil.getBytes(b);
      b.release();
      LmStudioChat.Translated t = LmStudioChat.toResponses(bytes);
      if (t.error() != null) {
        g.metrics().request(res.model().id(), 400);
        answer(ctx, GatewayError.invalidBody(t.error()), keepAlive);
        return;
      }
      r.setUri("/v1/responses");
      converse(
          ctx,
          r,
          t.body(),
          res.model().id(),
          field.prefixHash(),
          LmStudioChat.rewrite(res.model().id(), t.stream(), arrived, System::nanoTime));
      return;
    }
    active =
        new Exchange(
            g,
            this,
            ctx,
            r,
            b,
            arrived,
            res.model().id(),
            field.prefixHash(),
            key == null ? null : key.name());
    active.start();
  }

  /**
   * A {@code /v1/responses} turn: the store is asked off the event loop (it may be Redis), then the
   * prepared body is forwarded, or the refusal answered.
   */
  private void converse(
      ChannelHandlerContext ctx,
      HttpRequest r,
      byte[] bytes,
      String model,
      long prefix,
      ResponseRewrite rewrite) {
    String owner = key == null ? "" : key.name();
    long at = arrived;
    Conversations c = g.conversations();
    preparing = true;
    try {
      c.work()
          .execute(
              () -> {
                Conversations.Prepared p;
                try {
                  int ctxPerSlot =
                      g.dispatcher().directory.find(model).map(ModelInfo::ctxPerSlot).orElse(0);
                  p = c.prepare(bytes, owner, model, ctxPerSlot);
                } catch (RuntimeException e) {
                  LOG.warn("Preparing a conversation turn of {} failed", model, e);
                  p = new Conversations.Refusal(Conversations.failed(e));
                }
                Conversations.Prepared prepared = p;
                ctx.executor()
                    .execute(() -> prepared(ctx, r, prepared, model, prefix, at, rewrite));
              });
    } catch (RejectedExecutionException e) {
      preparing = false;
      exchangeDone(null, answer(ctx, Conversations.busy(), HttpUtil.isKeepAlive(r)));
    }
  }

  private void prepared(
      ChannelHandlerContext ctx,
      HttpRequest r,
      Conversations.Prepared p,
      String model,
      long prefix,
      long at,
      ResponseRewrite rewrite) {
    preparing = false;
    if (!ctx.channel().isActive()) {
      return;
    }
    if (p instanceof Conversations.Refusal refusal) {
      g.metrics().request(model, refusal.error().status());
      exchangeDone(null, answer(ctx, refusal.error(), HttpUtil.isKeepAlive(r)));
      return;
    }
    Conversations.Turn turn = (Conversations.Turn) p;
    ByteBuf forwarded = Unpooled.wrappedBuffer(turn.body());
    active =
        new Exchange(
            g, this, ctx, r, forwarded, at, model, prefix, key == null ? null : key.name());
    active.converse(turn.preferredBackend(), turn.tap(), rewrite);
    active.start();
  }

  /** {@code GET} or {@code DELETE /v1/responses/{id}}: the caller's own stored responses only. */
  private void stored(ChannelHandlerContext ctx, HttpRequest r, boolean keepAlive) {
    String id =
        URLDecoder.decode(
            Endpoints.path(r.uri()).substring(RESPONSES_PREFIX.length()), StandardCharsets.UTF_8);
    boolean delete = r.method().equals(HttpMethod.DELETE);
    String owner = key == null ? "" : key.name();
    Conversations c = g.conversations();
    preparing = true;
    try {
      c.work()
          .execute(
              () -> {
                String answer;
                GatewayError failure = null;
                try {
                  if (delete) {
                    answer =
                        c.forget(id, owner)
                            ? write(Map.of("id", id, "object", "response", "deleted", true))
                            : null;
                  } else {
                    answer = c.find(id, owner).map(StoredResponse::response).orElse(null);
                  }
                } catch (RuntimeException e) {
                  LOG.warn("Reading stored response {} failed: {}", id, e.toString());
                  answer = null;
                  failure = Conversations.unavailable(e);
                }
                String json = answer;
                GatewayError failed = failure;
                ctx.executor().execute(() -> storedAnswer(ctx, id, json, failed, keepAlive));
              });
    } catch (RejectedExecutionException e) {
      preparing = false;
      exchangeDone(null, answer(ctx, Conversations.busy(), keepAlive));
    }
  }

  private void storedAnswer(
      ChannelHandlerContext ctx, String id, String json, GatewayError failed, boolean keepAlive) {
    preparing = false;
    if (!ctx.channel().isActive()) {
      return;
    }
    if (failed != null) {
      exchangeDone(null, answer(ctx, failed, keepAlive));
    } else if (json == null) {
      exchangeDone(null, answer(ctx, Conversations.notFound(id), keepAlive));
    } else {
      answerJson(ctx, 200, json, keepAlive);
      exchangeDone(null, keepAlive);
    }
  }

  private void model(ChannelHandlerContext ctx, HttpRequest r, boolean keepAlive) {
    String raw = Endpoints.path(r.uri()).substring(MODELS_PREFIX.length());
    String name = URLDecoder.decode(raw, StandardCharsets.UTF_8);
    Dispatcher.Resolution res = g.dispatcher().resolve(name.isEmpty() ? "/" : name);
    if (res.error() != null) {
      answer(ctx, res.error(), keepAlive);
      return;
    }
    ModelInfo m = res.model();
    GatewayError denied = g.keys().check(key, m.id(), m.alias());
    if (denied != null) {
      answer(ctx, denied, keepAlive);
      return;
    }
    ModelInfo full =
        g.dispatcher().models().stream().filter(x -> x.id().equals(m.id())).findFirst().orElse(m);
    answerJson(ctx, 200, write(entry(full)), keepAlive);
  }

  private String modelsJson() {
    List<Object> data = new ArrayList<>();
    for (ModelInfo m : g.dispatcher().accepted()) {
      if (key == null || key.allows(m.id(), m.alias())) {
        data.add(entry(m));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("object", "list");
    out.put("data", data);
    return write(out);
  }

  private static Map<String, Object> entry(ModelInfo m) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("alias", m.alias());
    meta.put("state", m.state());
    meta.put("reason", m.reason());
    meta.put("message", m.message());
    meta.put("ctx_per_slot", m.ctxPerSlot());
    meta.put("slots", m.slots());
    meta.put("start", m.startMode().text());
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("id", m.id());
    e.put("object", "model");
    e.put("created", 0);
    e.put("owned_by", "llama-supervisor");
    e.put("aliases", m.alias().equals(m.id()) ? List.of() : List.of(m.alias()));
    e.put("llama_supervisor", meta);
    return e;
  }

  private String write(Object o) {
    try {
      return g.json().writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /** The exchange is over; serve the next pipelined request unless the connection closes. */
  void exchangeDone(Exchange e, boolean keepOpen) {
    if (active == e) {
      active = null;
    }
    lastActivity = System.nanoTime(); // an idle connection's time starts when its answer ended
    if (!keepOpen) {
      closing = true;
      releasePending();
      return;
    }
    ChannelHandlerContext ctx = contextOrNull;
    while (active == null && !preparing && !closing && !pending.isEmpty()) {
      Object next = pending.poll();
      pendingBytes -= next instanceof HttpContent c ? c.content().readableBytes() : 0;
      handle(ctx, next);
    }
    if (!closing && pendingBytes <= PENDING_LIMIT && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private ChannelHandlerContext contextOrNull;
  private ChannelHandlerContext raw;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    contextOrNull = ctx;
    checkSilenceIn(ctx, g.options().clientTimeout().toNanos());
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    lastActivity = System.nanoTime();
    ctx.fireChannelReadComplete();
  }

  private void checkSilenceIn(ChannelHandlerContext ctx, long nanos) {
    silenceCheck =
        ctx.executor()
            .schedule(() -> checkSilence(ctx), nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /**
   * Ends a connection whose client is silent for {@code client-timeout}: a request cut short gets
   * 408, an idle kept-alive connection just closes. A client waiting for its answer is not silent.
   */
  private void checkSilence(ChannelHandlerContext ctx) {
    long timeout = g.options().clientTimeout().toNanos();
    if (closing) {
      return;
    }
    if (active != null || preparing) {
      checkSilenceIn(ctx, timeout);
      return;
    }
    long silent = System.nanoTime() - lastActivity;
    if (silent < timeout) {
      checkSilenceIn(ctx, timeout - silent);
      return;
    }
    if (head != null) {
      releaseBody();
      g.metrics().request("", 408);
      answerAndClose(ctx, GatewayError.requestTimeout(g.options().clientTimeout()));
    } else {
      closing = true;
      ctx.close();
    }
  }

  /**
   * Where bytes that already are an HTTP response go: the response encoder's context, so a write
   * from it skips the encoder (which is idle between the responses it encodes itself).
   */
  ChannelHandlerContext rawOut(ChannelHandlerContext ctx) {
    if (raw == null) {
      raw = ctx.pipeline().context(HttpResponseEncoder.class);
    }
    return raw;
  }

  /** Writes {@code error}; returns whether the connection stays open. */
  boolean answer(ChannelHandlerContext ctx, GatewayError error, boolean keepAlive) {
    FullHttpResponse res =
        full(error.status(), HttpHeaderValues.APPLICATION_JSON, error.toJson(), keepAlive);
    String retry = error.retryAfterSeconds();
    if (retry != null) {
      res.headers().set(HttpHeaderNames.RETRY_AFTER, retry);
    }
    if (error.status() == 401) {
      res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
    }
    var f = ctx.writeAndFlush(res);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
    return keepAlive;
  }

  private void answerAndClose(ChannelHandlerContext ctx, GatewayError error) {
    head = null;
    closing = true;
    answer(ctx, error, false);
    releasePending();
  }

  private void answerJson(ChannelHandlerContext ctx, int status, String json, boolean keepAlive) {
    answer(ctx, status, HttpHeaderValues.APPLICATION_JSON, json, keepAlive);
  }

  private void answer(
      ChannelHandlerContext ctx, int status, CharSequence type, String text, boolean keepAlive) {
    var f = ctx.writeAndFlush(full(status, type, text, keepAlive));
    if (!keepAlive) {
      closing = true;
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private FullHttpResponse full(int status, CharSequence type, String text, boolean keepAlive) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, type)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (!keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return res;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (active != null) {
      active.clientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    if (silenceCheck != null) {
      silenceCheck.cancel(false);
    }
    if (active != null) {
      Exchange e = active;
      active = null;
      e.abort();
    }
    releaseBody();
    releasePending();
    ctx.fireChannelInactive();
  }

  private void releasePending() {
    Object m;
    while ((m = pending.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
    pendingBytes = 0;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("Client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
