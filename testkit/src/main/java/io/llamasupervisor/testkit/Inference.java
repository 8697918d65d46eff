package io.llamasupervisor.testkit;

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
 * The completion endpoints. Text is generated (a fixed little vocabulary, never an end-of-text
 * token, like the tiny fixture model) at the fault plan's pace until {@code n_predict}/{@code
 * max_tokens} or the slot context is used up. Responses and SSE framing copy the real server:
 * OpenAI endpoints end their streams with {@code data: [DONE]}, the native one does not.
 */
final class Inference {
  /** Which API shape a request uses. */
  enum Kind {
    /** {@code /completion}: llama.cpp's own format. */
    NATIVE,
    /** {@code /v1/completions}: OpenAI text completion. */
    TEXT,
    /** {@code /v1/chat/completions}: OpenAI chat. */
    CHAT
  }

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
  }

  /** A validated request, ready to run. */
  private record Job(
      Kind kind,
      Map<String, Object> body,
      boolean stream,
      boolean includeUsage,
      int nPredict,
      int promptTokens,
      String prompt) {}

  boolean handle(Kind kind, HttpRequest req, HttpConnection conn) throws IOException, Abandoned {
    Map<String, Object> body;
    try {
      body = Json.parseObject(req.bodyText());
    } catch (Json.ParseException e) {
      return conn.respondJson(req, 500, LlamaApi.error(500, e.getMessage(), "server_error"));
    }
    String prompt;
    int promptTokens;
    if (kind == Kind.CHAT) {
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
          Json.object(
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
      return conn.respondJson(req, 400, Json.write(Json.object("error", err)));
    }
    boolean stream = Boolean.TRUE.equals(body.get("stream"));
    boolean includeUsage =
        body.get("stream_options") instanceof Map<?, ?> so
            && Boolean.TRUE.equals(so.get("include_usage"));
    int nPredict =
        intOr(
            body,
            "n_predict",
            intOr(body, "max_tokens", intOr(body, "max_completion_tokens", options.nPredict())));
    return run(
        new Job(kind, body, stream, includeUsage, nPredict, promptTokens, prompt), req, conn);
  }

  private boolean run(Job job, HttpRequest req, HttpConnection conn) throws IOException, Abandoned {
    SlotPool.Slot slot = slots.acquire();
    int task = tasks.getAndIncrement();
    long ctx = slots.slotCtx();
    long room = ctx - job.promptTokens();
    int limit = (int) (job.nPredict() < 0 ? room : Math.min(job.nPredict(), room));
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
    String id = "chatcmpl-" + randomId(random, 32);
    long created = clock.instant().getEpochSecond();
    long paceNanos = (long) (faults.tokenMs() * 1_000_000L);
    long t0 = System.nanoTime();
    long t1 = t0;
    double promptMs = 0.001;
    StringBuilder text = new StringBuilder();
    int produced = 0;
    boolean finished = false;
    try {
      // prompt processing: a tenth of the generation pace per prompt token
      awaitTokenTime(t0 + paceNanos * job.promptTokens() / PROMPT_SPEEDUP);
      t1 = System.nanoTime();
      promptMs = Math.max((t1 - t0) / 1e6, 0.001);
      if (job.stream()) {
        conn.startEventStream(req);
      }
      long nextClientCheck = t1 + CLIENT_CHECK_NANOS;
      for (int i = 0; i < limit; i++) {
        awaitTokenTime(t1 + paceNanos * (i + 1));
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
          String events = tokenEvents(job, i, piece, PIECE_IDS[k], id, created);
          conn.chunk(events);
        } else if (System.nanoTime() >= nextClientCheck) {
          nextClientCheck = System.nanoTime() + CLIENT_CHECK_NANOS;
          if (conn.clientGone()) {
            throw new IOException("client disconnected");
          }
        }
      }
      if (job.stream() && limit == 0) {
        if (job.kind() == Kind.CHAT) {
          conn.chunk(
              event(
                  chatChunk(Json.object("role", "assistant", "content", null), null, id, created)));
        }
      }
      double genMs = Math.max((System.nanoTime() - t1) / 1e6, 0.001);
      Map<String, Object> timings = timings(job.promptTokens(), promptMs, produced, genMs);
      logTimings(who, job.promptTokens(), promptMs, produced, genMs);
      log.info(
          "slot",
          "release",
          who
              + "stop processing: n_tokens = "
              + (job.promptTokens() + produced - 1)
              + ", truncated = "
              + (truncated ? 1 : 0));
      finished = true;
      metrics.record(job.promptTokens(), promptMs / 1000, produced, genMs / 1000, slots.busy());
      Map<String, Object> usage = usage(job.promptTokens(), produced);
      return finish(
          job,
          new Result(slot.id, id, created, text.toString(), produced, truncated, timings, usage),
          req,
          conn);
    } catch (IOException e) {
      log.warn("srv", "stop", "cancel task, id_task = " + task);
      throw e;
    } catch (Abandoned a) {
      log.warn("srv", "stop", "cancel task, id_task = " + task);
      throw a;
    } finally {
      if (!finished) {
        double genMs = Math.max((System.nanoTime() - t1) / 1e6, 0.001);
        metrics.record(job.promptTokens(), promptMs / 1000, produced, genMs / 1000, slots.busy());
      }
      slots.release(slot);
    }
  }

  /** Waits until a token is due, giving up as soon as the server drains or hangs. */
  private void awaitTokenTime(long due) throws Abandoned {
    while (true) {
      if (lifecycle.isDraining()) {
        throw new Abandoned();
      }
      lifecycle.parkWhileHung();
      long left = due - System.nanoTime();
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(Math.min(left, WAIT_SLICE_NANOS));
    }
  }

  private String tokenEvents(Job job, int i, String piece, int pieceId, String id, long created) {
    return switch (job.kind()) {
      case CHAT -> {
        String first =
            i == 0
                ? event(
                    chatChunk(Json.object("role", "assistant", "content", null), null, id, created))
                : "";
        yield first + event(chatChunk(Json.object("content", piece), null, id, created));
      }
      case TEXT -> event(textChunk(piece, null, id, created));
      case NATIVE ->
          event(
              Json.object(
                  "index",
                  0,
                  "content",
                  piece,
                  "tokens",
                  List.of(pieceId),
                  "stop",
                  false,
                  "id_slot",
                  -1,
                  "tokens_predicted",
                  i + 1,
                  "tokens_evaluated",
                  job.promptTokens()));
    };
  }

  /** What a finished generation produced. */
  private record Result(
      int slotId,
      String id,
      long created,
      String text,
      int produced,
      boolean truncated,
      Map<String, Object> timings,
      Map<String, Object> usage) {}

  /** Sends the final answer: the last events of a stream, or the whole JSON body. */
  private boolean finish(Job job, Result r, HttpRequest req, HttpConnection conn)
      throws IOException {
    return switch (job.kind()) {
      case CHAT -> finishChat(job, r, req, conn);
      case TEXT -> finishText(job, r, req, conn);
      case NATIVE -> finishNative(job, r, req, conn);
    };
  }

  private boolean finishChat(Job job, Result r, HttpRequest req, HttpConnection conn)
      throws IOException {
    String id = r.id();
    long created = r.created();
    Map<String, Object> timings = r.timings();
    if (job.stream()) {
      Map<String, Object> fin = chatChunk(Json.object(), "length", id, created);
      String events;
      if (job.includeUsage()) {
        Map<String, Object> u = chatBase(List.of(), id, created);
        u.put("usage", r.usage());
        u.put("timings", timings);
        events = event(fin) + event(u);
      } else {
        fin.put("timings", timings);
        events = event(fin);
      }
      conn.chunk(events);
      conn.chunk("data: [DONE]\n\n");
      conn.endChunks();
      return false;
    }
    Map<String, Object> choice =
        Json.object(
            "finish_reason",
            "length",
            "index",
            0,
            "message",
            Json.object("role", "assistant", "content", r.text()));
    Map<String, Object> body =
        Json.object(
            "choices",
            List.of(choice),
            "created",
            created,
            "model",
            options.modelName(),
            "system_fingerprint",
            LlamaApi.BUILD_INFO,
            "object",
            "chat.completion",
            "usage",
            r.usage(),
            "id",
            id,
            "timings",
            timings);
    return conn.respondJson(req, 200, Json.write(body));
  }

  private boolean finishText(Job job, Result r, HttpRequest req, HttpConnection conn)
      throws IOException {
    Map<String, Object> choice =
        Json.object(
            "text",
            job.stream() ? "" : r.text(),
            "index",
            0,
            "logprobs",
            null,
            "finish_reason",
            "length");
    Map<String, Object> body =
        Json.object(
            "choices", List.of(choice),
            "created", r.created(),
            "model", options.modelName(),
            "system_fingerprint", LlamaApi.BUILD_INFO,
            "object", "text_completion",
            "usage", r.usage(),
            "id", r.id(),
            "timings", r.timings());
    if (job.stream()) {
      conn.chunk(event(body));
      conn.chunk("data: [DONE]\n\n");
      conn.endChunks();
      return false;
    }
    return conn.respondJson(req, 200, Json.write(body));
  }

  private boolean finishNative(Job job, Result r, HttpRequest req, HttpConnection conn)
      throws IOException {
    Map<String, Object> settings = Templates.generationSettings();
    Object seed = job.body().get("seed");
    settings.put("seed", seed instanceof Number n ? n.longValue() : 4294967295L);
    Object temp = job.body().get("temperature");
    settings.put("temperature", temp instanceof Number n ? (double) n.floatValue() : (double) 0.8f);
    settings.put("max_tokens", job.nPredict());
    settings.put("n_predict", job.nPredict());
    settings.put("stream", job.stream());
    Map<String, Object> body =
        Json.object(
            "index",
            0,
            "content",
            job.stream() ? "" : r.text(),
            "tokens",
            List.of(),
            "id_slot",
            r.slotId(),
            "stop",
            true,
            "model",
            options.modelName(),
            "tokens_predicted",
            r.produced(),
            "tokens_evaluated",
            job.promptTokens(),
            "generation_settings",
            settings,
            "prompt",
            "<s> " + job.prompt(),
            "has_new_line",
            r.text().contains("\n"),
            "truncated",
            r.truncated(),
            "stop_type",
            "limit",
            "stopping_word",
            "",
            "tokens_cached",
            job.promptTokens() + r.produced() - 1,
            "timings",
            r.timings());
    if (job.stream()) {
      conn.chunk(event(body));
      conn.endChunks();
      return false;
    }
    return conn.respondJson(req, 200, Json.write(body));
  }

  /** {@code POST /tokenize}: token ids of the content (made up, but as many as counted). */
  boolean tokenize(HttpRequest req, HttpConnection conn) throws IOException {
    Map<String, Object> body;
    try {
      body = Json.parseObject(req.bodyText());
    } catch (Json.ParseException e) {
      return conn.respondJson(req, 500, LlamaApi.error(500, e.getMessage(), "server_error"));
    }
    String content = String.valueOf(body.getOrDefault("content", ""));
    int n = countTokens(content) - 1;
    List<Object> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(PIECE_IDS[i % PIECE_IDS.length]);
    }
    return conn.respondJson(req, 200, Json.write(Json.object("tokens", ids)));
  }

  private Map<String, Object> chatBase(List<Object> choices, String id, long created) {
    return Json.object(
        "choices",
        choices,
        "created",
        created,
        "id",
        id,
        "model",
        options.modelName(),
        "system_fingerprint",
        LlamaApi.BUILD_INFO,
        "object",
        "chat.completion.chunk");
  }

  private Map<String, Object> chatChunk(
      Map<String, Object> delta, String finishReason, String id, long created) {
    Map<String, Object> choice =
        Json.object("finish_reason", finishReason, "index", 0, "delta", delta);
    return chatBase(List.of(choice), id, created);
  }

  private Map<String, Object> textChunk(
      String piece, String finishReason, String id, long created) {
    Map<String, Object> choice =
        Json.object("text", piece, "index", 0, "logprobs", null, "finish_reason", finishReason);
    return Json.object(
        "choices",
        List.of(choice),
        "created",
        created,
        "model",
        options.modelName(),
        "system_fingerprint",
        LlamaApi.BUILD_INFO,
        "object",
        "text_completion",
        "id",
        id);
  }

  private static String event(Map<String, Object> json) {
    return "data: " + Json.write(json) + "\n\n";
  }

  private static Map<String, Object> usage(int prompt, int completion) {
    return Json.object(
        "completion_tokens",
        completion,
        "prompt_tokens",
        prompt,
        "total_tokens",
        prompt + completion,
        "prompt_tokens_details",
        Json.object("cached_tokens", 0));
  }

  private static Map<String, Object> timings(
      int promptN, double promptMs, int predictedN, double predictedMs) {
    return Json.object(
        "cache_n",
        0,
        "prompt_n",
        promptN,
        "prompt_ms",
        promptMs,
        "prompt_per_token_ms",
        promptN > 0 ? promptMs / promptN : 0.0,
        "prompt_per_second",
        promptN > 0 ? 1000.0 * promptN / promptMs : 0.0,
        "predicted_n",
        predictedN,
        "predicted_ms",
        predictedMs,
        "predicted_per_token_ms",
        predictedN > 0 ? predictedMs / predictedN : 0.0,
        "predicted_per_second",
        predictedN > 0 ? 1000.0 * predictedN / predictedMs : 0.0);
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
