package io.llamasupervisor.testkit;

import io.llamasupervisor.testkit.CompletionShapes.Job;
import io.llamasupervisor.testkit.CompletionShapes.Kind;
import io.llamasupervisor.testkit.CompletionShapes.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The completion endpoints: validate, take a slot (or queue), then generate text (a fixed little
 * vocabulary, never an end-of-text token, like the tiny fixture model) at the fault plan's pace
 * until {@code n_predict}/{@code max_tokens} or the slot context is used up (with {@code
 * --context-shift} only {@code n_predict} ends it; -1 generates for ever). Generation stops as soon
 * as the client leaves, the server drains (the request is abandoned) or hangs. The response shapes
 * are {@link CompletionShapes}.
 */
final class Inference {
  private static final String[] PIECES = {
    " in", "er", " the", " of", " and", " to", " a", " is", " on", " that", " with", " for"
  };
  private static final int[] PIECE_IDS = {
    297, 261, 278, 310, 322, 304, 263, 338, 373, 393, 411, 363
  };
  private static final long CLIENT_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final int PROMPT_SPEEDUP = 10;

  private final ServerOptions options;
  private final FaultPlan faults;
  private final Lifecycle lifecycle;
  private final SlotPool slots;
  private final Metrics metrics;
  private final ServerLog log;
  private final Clock clock;
  private final Random random = new Random();
  private final AtomicInteger tasks = new AtomicInteger();
  private final CompletionShapes shapes;

  Inference(
      ServerOptions options,
      FaultPlan faults,
      Lifecycle lifecycle,
      SlotPool slots,
      Metrics metrics,
      ServerLog log,
      Clock clock) {
    this.options = options;
    this.faults = faults;
    this.lifecycle = lifecycle;
    this.slots = slots;
    this.metrics = metrics;
    this.log = log;
    this.clock = clock;
    this.shapes = new CompletionShapes(options.modelName());
  }

  boolean handle(Kind kind, HttpRequest req, HttpConnection conn) throws IOException, Abandoned {
    Map<String, Object> body;
    try {
      body = ServerJson.parseObject(req.bodyText());
    } catch (ServerJson.ParseException e) {
      return conn.respondJson(req, 500, LlamaApi.error(500, e.getMessage(), "server_error"));
    }
    String prompt;
    int promptTokens;
    if (kind == Kind.MESSAGES) {
      // b10470 converts to a chat request first; its runtime_error answers 500
      if (!(body.get("messages") instanceof List<?> messages)) {
        return conn.respondJson(
            req, 500, LlamaApi.error(500, "'messages' is required", "server_error"));
      }
      prompt = renderChat(anthropicMessages(body.get("system"), messages));
      promptTokens = countTokens(prompt);
    } else if (kind == Kind.RESPONSES) {
      Object converted = ResponseShapes.messages(body);
      if (converted instanceof String error) {
        return conn.respondJson(req, 400, LlamaApi.error(400, error, "invalid_request_error"));
      }
      prompt = renderChat((List<?>) converted);
      promptTokens = countTokens(prompt);
    } else if (kind == Kind.CHAT) {
      if (!(body.get("messages") instanceof List<?> messages)) {
        return conn.respondJson(
            req, 400, LlamaApi.error(400, "'messages' is required", "invalid_request_error"));
      }
      prompt = renderChat(messages);
      promptTokens = countTokens(prompt);
    } else {
      Object p = body.get("prompt");
      if (p == null) {
        return conn.respondJson(
            req, 400, LlamaApi.error(400, "\"prompt\" must be provided", "invalid_request_error"));
      }
      if (p instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Number) {
        prompt = "";
        promptTokens = l.size() + 1;
      } else {
        prompt =
            p instanceof List<?> l
                ? String.valueOf(l.isEmpty() ? "" : l.get(0))
                : String.valueOf(p);
        promptTokens = countTokens(prompt);
      }
    }
    long ctx = slots.slotCtx();
    if (promptTokens >= ctx) {
      Map<String, Object> err =
          ServerJson.object(
              "code",
              400,
              "message",
              "request ("
                  + promptTokens
                  + " tokens) exceeds the available context size ("
                  + ctx
                  + " tokens), try increasing it",
              "type",
              "exceed_context_size_error",
              "n_prompt_tokens",
              promptTokens,
              "n_ctx",
              ctx);
      return conn.respondJson(req, 400, ServerJson.write(ServerJson.object("error", err)));
    }
    boolean stream = Boolean.TRUE.equals(body.get("stream"));
    boolean includeUsage =
        body.get("stream_options") instanceof Map<?, ?> so
            && Boolean.TRUE.equals(so.get("include_usage"));
    int nPredict =
        intOr(
            body,
            "n_predict",
            intOr(
                body,
                "max_tokens",
                intOr(
                    body,
                    "max_completion_tokens",
                    intOr(body, "max_output_tokens", options.nPredict()))));
    return run(
        new Job(kind, body, stream, includeUsage, nPredict, promptTokens, prompt), req, conn);
  }

  private boolean run(Job job, HttpRequest req, HttpConnection conn) throws IOException, Abandoned {
    SlotPool.Slot slot = slots.acquire();
    int task = tasks.getAndIncrement();
    long ctx = slots.slotCtx();
    long room = ctx - job.promptTokens();
    long cap = options.contextShift() ? Integer.MAX_VALUE : room;
    int limit = (int) (job.nPredict() < 0 ? cap : Math.min(job.nPredict(), cap));
    boolean truncated = job.nPredict() < 0 || job.nPredict() > room;
    Map<String, Object> params = Templates.slotParams();
    params.put("max_tokens", job.nPredict());
    params.put("n_predict", job.nPredict());
    params.put("stream", job.stream());
    String who = String.format("id %2d | task %d | ", slot.id, task);
    log.info(
        "slot",
        "get_available_slot",
        String.format("id %2d | task -1 | selected slot by LRU, t_last = -1", slot.id));
    log.info("slot", "launch_slot_with_task", who + "processing task, is_child = 0");
    slots.update(
        slot,
        () -> {
          slot.taskId = task;
          slot.promptTokens = job.promptTokens();
          slot.decoded = 0;
          slot.remain = limit;
          slot.params = params;
        });
    String id =
        job.kind() == Kind.RESPONSES
            ? "resp_" + randomId(random, 32)
            : "chatcmpl-" + randomId(random, 32);
    long created = clock.instant().getEpochSecond();
    long paceNanos = (long) (faults.tokenMs() * 1_000_000L);
    EventStream sse =
        new EventStream(conn, intOr(job.body(), "sse_ping_interval", options.ssePingInterval()));
    long t0 = System.nanoTime();
    long t1 = t0;
    double promptMs = 0.001;
    StringBuilder text = new StringBuilder();
    int produced = 0;
    boolean released = false;
    try {
      // prompt processing: a tenth of the generation pace per prompt token
      awaitTokenTime(t0 + paceNanos * job.promptTokens() / PROMPT_SPEEDUP, sse);
      t1 = System.nanoTime();
      promptMs = Math.max((t1 - t0) / 1e6, 0.001);
      if (job.stream()) {
        sse.start(req);
      }
      long nextClientCheck = t1 + CLIENT_CHECK_NANOS;
      for (int i = 0; i < limit; i++) {
        awaitTokenTime(t1 + paceNanos * (i + 1), sse);
        int k = Math.floorMod(task * 7 + i * 5, PIECES.length);
        String piece = PIECES[k];
        text.append(piece);
        produced = i + 1;
        int decodedNow = produced;
        slots.update(
            slot,
            () -> {
              slot.decoded = decodedNow;
              slot.remain = limit - decodedNow;
            });
        if (job.stream()) {
          sse.send(shapes.tokenEvents(job, i, piece, PIECE_IDS[k], id, created));
        } else if (System.nanoTime() >= nextClientCheck) {
          nextClientCheck = System.nanoTime() + CLIENT_CHECK_NANOS;
          if (conn.clientGone()) {
            throw new IOException("client disconnected");
          }
        }
      }
      if (job.stream() && limit == 0 && job.kind() == Kind.CHAT) {
        sse.send(shapes.roleEvent(id, created));
      }
      double genMs = Math.max((System.nanoTime() - t1) / 1e6, 0.001);
      Map<String, Object> timings =
          CompletionShapes.timings(job.promptTokens(), promptMs, produced, genMs);
      logTimings(who, job.promptTokens(), promptMs, produced, genMs);
      log.info(
          "slot",
          "release",
          who
              + "stop processing: n_tokens = "
              + (job.promptTokens() + produced - 1)
              + ", truncated = "
              + (truncated ? 1 : 0));
      metrics.record(job.promptTokens(), promptMs / 1000, produced, genMs / 1000, slots.busy());
      // like the real server, the slot is free before the client has its answer
      released = true;
      slots.release(slot);
      Result result =
          new Result(slot.id, id, created, text.toString(), produced, truncated, timings);
      if (!job.stream()) {
        return conn.respondJson(req, 200, ServerJson.write(shapes.body(job, result)));
      }
      for (String chunk : shapes.finalChunks(job, result)) {
        sse.send(chunk);
      }
      sse.end();
      return false;
    } catch (IOException e) {
      if (!lifecycle.isStuck()) {
        log.warn("srv", "stop", "cancel task, id_task = " + task);
      }
      throw e;
    } catch (Abandoned a) {
      if (sse.started() && !lifecycle.isHung()) {
        // the stream is cut at its next ping, then the connection closes
        sse.cutAtNextPing();
        log.warn("srv", "stop", "cancel task, id_task = " + task);
        return false;
      }
      log.warn("srv", "stop", "cancel task, id_task = " + task);
      throw a;
    } finally {
      if (!released) {
        double genMs = Math.max((System.nanoTime() - t1) / 1e6, 0.001);
        metrics.record(job.promptTokens(), promptMs / 1000, produced, genMs / 1000, slots.busy());
        slots.release(slot);
      }
    }
  }

  /**
   * Waits until a token is due, sending the stream's pings meanwhile. Gives up as soon as the
   * server drains or hangs; once the shutdown is stuck, never returns (a stream keeps getting pings
   * until its client leaves).
   */
  private void awaitTokenTime(long due, EventStream sse) throws Abandoned, IOException {
    while (true) {
      if (lifecycle.isDraining()) {
        throw new Abandoned();
      }
      lifecycle.parkWhileHung();
      if (lifecycle.isStuck()) {
        if (sse.started()) {
          sse.pingForever();
        }
        lifecycle.parkWhileStuck();
      }
      sse.pingIfDue();
      long now = System.nanoTime();
      long left = due - now;
      if (left <= 0) {
        return;
      }
      Long ping = sse.nextPing();
      long wait = ping == null ? left : Math.min(left, Math.max(ping - now, 0));
      LockSupport.parkNanos(Math.min(wait, WAIT_SLICE_NANOS));
    }
  }

  /** Anthropic's {@code system} (a string or text blocks) as a first chat message. */
  static List<?> anthropicMessages(Object system, List<?> messages) {
    if (system == null) {
      return messages;
    }
    List<Object> all = new ArrayList<>();
    all.add(
        ServerJson.object("role", "system", "content", system instanceof List<?> l ? l : system));
    all.addAll(messages);
    return all;
  }

  /**
   * {@code POST /v1/messages/count_tokens}: {@code {"input_tokens": N}}, the prompt as {@code
   * /v1/messages} would count it.
   */
  boolean countMessageTokens(HttpRequest req, HttpConnection conn) throws IOException {
    Map<String, Object> body;
    try {
      body = ServerJson.parseObject(req.bodyText());
    } catch (ServerJson.ParseException e) {
      return conn.respondJson(req, 500, LlamaApi.error(500, e.getMessage(), "server_error"));
    }
    if (!(body.get("messages") instanceof List<?> messages)) {
      return conn.respondJson(
          req, 500, LlamaApi.error(500, "'messages' is required", "server_error"));
    }
    int n = countTokens(renderChat(anthropicMessages(body.get("system"), messages)));
    return conn.respondJson(req, 200, ServerJson.write(ServerJson.object("input_tokens", n)));
  }

  /** {@code POST /tokenize}: token ids of the content (made up, but as many as counted). */
  boolean tokenize(HttpRequest req, HttpConnection conn) throws IOException {
    Map<String, Object> body;
    try {
      body = ServerJson.parseObject(req.bodyText());
    } catch (ServerJson.ParseException e) {
      return conn.respondJson(req, 500, LlamaApi.error(500, e.getMessage(), "server_error"));
    }
    String content = String.valueOf(body.getOrDefault("content", ""));
    int n = countTokens(content) - 1;
    List<Object> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(PIECE_IDS[i % PIECE_IDS.length]);
    }
    return conn.respondJson(req, 200, ServerJson.write(ServerJson.object("tokens", ids)));
  }

  private void logTimings(String who, int promptN, double promptMs, int predictedN, double genMs) {
    log.info(
        "slot",
        "print_timing",
        who
            + String.format(
                "prompt eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)",
                promptMs, promptN, promptMs / Math.max(promptN, 1), 1000.0 * promptN / promptMs));
    log.info(
        "slot",
        "print_timing",
        who
            + String.format(
                "       eval time = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)",
                genMs, predictedN, genMs / Math.max(predictedN, 1), 1000.0 * predictedN / genMs));
    log.info(
        "slot",
        "print_timing",
        who
            + String.format(
                "      total time = %10.2f ms / %5d tokens",
                promptMs + genMs, promptN + predictedN));
  }

  /** The ChatML text a chat request is turned into (only its length matters here). */
  static String renderChat(List<?> messages) {
    StringBuilder sb = new StringBuilder();
    for (Object o : messages) {
      if (!(o instanceof Map<?, ?> m)) {
        continue;
      }
      sb.append("<|im_start|>").append(m.get("role")).append('\n');
      Object content = m.get("content");
      if (content instanceof List<?> parts) {
        for (Object part : parts) {
          if (part instanceof Map<?, ?> pm && pm.get("text") != null) {
            sb.append(pm.get("text"));
          }
        }
      } else if (content != null) {
        sb.append(content);
      }
      sb.append("<|im_end|>\n");
    }
    return sb.append("<|im_start|>assistant\n").toString();
  }

  /** A stand-in tokenizer: the BOS token plus one token per four bytes of UTF-8. */
  static int countTokens(String text) {
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    return 1 + (bytes + 3) / 4;
  }

  private static int intOr(Map<String, Object> body, String key, int dflt) {
    return body.get(key) instanceof Number n ? n.intValue() : dflt;
  }

  static String randomId(Random random, int length) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }
}
