package io.llamasupervisor.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * llama-server's HTTP surface: the CORS preflight ({@code OPTIONS}, answered even while loading),
 * the loading gate (503 for everything but {@code GET /}), the API key check ({@code /health} and
 * {@code /models} exempt), and the monitoring endpoints; inference endpoints are delegated to
 * {@link Inference}. Bodies and status codes are the real ones. When the shutdown is stuck (fault),
 * what the real server answers from its task queue ({@code /props}, {@code /slots}, {@code
 * /metrics}, inference) is never answered, while {@code /health} and {@code /models} still are.
 */
final class LlamaApi {
  static final String BUILD_INFO = "b10470-34af94cd";
  static final String LOADING =
      "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}";
  static final String NOT_FOUND =
      "{\"error\":{\"message\":\"File Not Found\",\"type\":\"not_found_error\",\"code\":404}}";
  static final String INVALID_KEY =
      "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}";
  private static final Set<String> PUBLIC =
      Set.of("/health", "/v1/health", "/models", "/v1/models");

  private final ServerOptions options;
  private final FaultPlan faults;
  private final Lifecycle lifecycle;
  private final ServerLog log;
  private final Clock clock;
  private final long processStartMonotonicUs;
  private final String mediaMarker;
  private final AtomicInteger inferenceRequests = new AtomicInteger();
  private volatile Ready ready;

  /** What exists once the model is loaded. */
  record Ready(
      ModelInfo model, ContextPlan plan, SlotPool slots, Metrics metrics, Inference inference) {}

  LlamaApi(
      ServerOptions options,
      FaultPlan faults,
      Lifecycle lifecycle,
      ServerLog log,
      Clock clock,
      long processStartMonotonicUs) {
    this.options = options;
    this.faults = faults;
    this.lifecycle = lifecycle;
    this.log = log;
    this.clock = clock;
    this.processStartMonotonicUs = processStartMonotonicUs;
    this.mediaMarker = "<__media_" + Inference.randomId(new Random(), 32) + "__>";
  }

  /** Switches from the loading gate to serving. */
  void ready(Ready r) {
    this.ready = r;
  }

  /**
   * Answers one request.
   *
   * @return whether the connection stays open
   * @throws Abandoned when the request must stay unanswered (hung or draining)
   */
  boolean handle(HttpRequest req, HttpConnection conn) throws IOException, Abandoned {
    lifecycle.parkWhileHung();
    Ready r = ready;
    String path = req.path();
    boolean get = req.method().equals("GET");
    boolean post = req.method().equals("POST");
    if (req.method().equals("OPTIONS")) {
      return conn.respondPreflight(req);
    }
    if (r == null) {
      return get && path.equals("/")
          ? conn.respondUnrouted(req, 404, NOT_FOUND)
          : conn.respondUnrouted(req, 503, LOADING);
    }
    if (!options.apiKeys().isEmpty() && !PUBLIC.contains(path) && !authorized(req)) {
      return conn.respondUnrouted(req, 401, INVALID_KEY);
    }
    if (get) {
      switch (path) {
        case "/health", "/v1/health":
          return conn.respondJson(req, 200, "{\"status\":\"ok\"}");
        case "/models", "/v1/models":
          return conn.respondJson(req, 200, ServerJson.write(models(r)));
        case "/props":
          lifecycle.parkWhileStuck();
          return conn.respondJson(req, 200, ServerJson.write(props(r)));
        case "/slots":
          return slots(req, conn, r);
        case "/metrics":
          return metrics(req, conn, r);
        default:
          return conn.respondUnrouted(req, 404, NOT_FOUND);
      }
    }
    if (post) {
      CompletionShapes.Kind kind =
          switch (path) {
            case "/completion", "/completions" -> CompletionShapes.Kind.NATIVE;
            case "/v1/completions" -> CompletionShapes.Kind.TEXT;
            case "/chat/completions", "/v1/chat/completions" -> CompletionShapes.Kind.CHAT;
            case "/v1/messages" -> CompletionShapes.Kind.MESSAGES;
            case "/responses", "/v1/responses" -> CompletionShapes.Kind.RESPONSES;
            default -> null;
          };
      if (kind != null) {
        lifecycle.parkWhileStuck();
        inferenceFaults();
        if (faults.completions500()) {
          return conn.respondJson(
              req,
              500,
              error(
                  500,
                  "llama_decode failed (injected by " + Fault.COMPLETIONS_500.envName() + ")",
                  "server_error"));
        }
        return r.inference().handle(kind, req, conn);
      }
      switch (path) {
        case "/embeddings", "/v1/embeddings":
          if (options.embeddings()
              && options.pooling() != null
              && !options.pooling().equals("none")
              && r != null) {
            return embeddings(req, conn, r);
          }
          return options.embeddings()
              ? conn.respondJson(
                  req,
                  400,
                  error(
                      400,
                      "Pooling type 'none' is not OAI compatible. Please use a different pooling"
                          + " type",
                      "invalid_request_error"))
              : conn.respondJson(
                  req,
                  501,
                  error(
                      501,
                      "This server does not support embeddings. Start it with `--embeddings`",
                      "not_supported_error"));
        case "/tokenize":
          lifecycle.parkWhileStuck();
          return r.inference().tokenize(req, conn);
        case "/v1/messages/count_tokens":
          lifecycle.parkWhileStuck();
          return r.inference().countMessageTokens(req, conn);
        default:
          return conn.respondUnrouted(req, 404, NOT_FOUND);
      }
    }
    return conn.respondUnrouted(req, 404, NOT_FOUND);
  }

  /**
   * {@code /v1/embeddings} of a pooled server in the OpenAI shape, L2-normalised like the real
   * server's default: a bag of words hashed into {@code n_embd} signed buckets, so texts with the
   * same words (in any order or case) get the same vector and the cosine of two texts grows with
   * the words they share.
   */
  private boolean embeddings(HttpRequest req, HttpConnection conn, Ready r) throws IOException {
    Object input;
    try {
      input = ServerJson.parseObject(req.bodyText()).get("input");
    } catch (RuntimeException e) {
      return conn.respondJson(req, 500, error(500, e.getMessage(), "server_error"));
    }
    List<?> texts = input instanceof List<?> l ? l : input == null ? List.of() : List.of(input);
    if (texts.isEmpty()) {
      return conn.respondJson(
          req, 400, error(400, "\"input\" must be provided", "invalid_request_error"));
    }
    int dim = (int) Math.max(8, Math.min(4096, r.model().nEmbd()));
    List<Object> data = new java.util.ArrayList<>();
    int tokens = 0;
    for (int i = 0; i < texts.size(); i++) {
      double[] v = new double[dim];
      String[] words =
          String.valueOf(texts.get(i)).toLowerCase(java.util.Locale.ROOT).split("[^a-z0-9]+");
      for (String w : words) {
        if (!w.isEmpty()) {
          int h = w.hashCode();
          v[Math.floorMod(h, dim)] += (h & 0x100) == 0 ? 1 : -1;
          tokens++;
        }
      }
      double norm = 0;
      for (double x : v) {
        norm += x * x;
      }
      List<Double> vector = new java.util.ArrayList<>(dim);
      for (double x : v) {
        vector.add(norm == 0 ? 0 : x / Math.sqrt(norm));
      }
      data.add(ServerJson.object("embedding", vector, "index", i, "object", "embedding"));
    }
    return conn.respondJson(
        req,
        200,
        ServerJson.write(
            ServerJson.object(
                "model",
                options.modelName(),
                "object",
                "list",
                "usage",
                ServerJson.object("prompt_tokens", tokens, "total_tokens", tokens),
                "data",
                data)));
  }

  /** The request-count faults; an inference request has just arrived. */
  private void inferenceFaults() throws Abandoned {
    int n = inferenceRequests.incrementAndGet();
    if (n == faults.exitAfterRequests()) {
      log.error(
          "fake",
          "fault",
          "exiting with code "
              + faults.exitCode()
              + " on inference request "
              + n
              + " ("
              + Fault.EXIT_AFTER_REQUESTS.envName()
              + ")");
      lifecycle.exit(faults.exitCode());
    }
    if (n == faults.hangAfterRequests()) {
      lifecycle.hang();
    }
    lifecycle.parkWhileHung();
  }

  private boolean authorized(HttpRequest req) {
    String auth = req.header("authorization");
    if (auth != null && auth.startsWith("Bearer ")) {
      if (options.apiKeys().contains(auth.substring("Bearer ".length()).trim())) {
        return true;
      }
    }
    String key = req.header("x-api-key");
    return key != null && options.apiKeys().contains(key.trim());
  }

  private boolean slots(HttpRequest req, HttpConnection conn, Ready r) throws IOException {
    if (!options.slots()) {
      return conn.respondJson(
          req,
          501,
          error(
              501,
              "This server does not support slots endpoint. Start it with `--slots`",
              "not_supported_error"));
    }
    lifecycle.parkWhileStuck();
    String fail = req.query().get("fail_on_no_slot");
    if (fail != null
        && !fail.isEmpty()
        && !fail.equals("0")
        && r.slots().busy() == r.slots().size()) {
      return conn.respondJson(req, 503, error(503, "no slot available", "unavailable_error"));
    }
    return conn.respondJson(req, 200, ServerJson.write(r.slots().describe()));
  }

  private boolean metrics(HttpRequest req, HttpConnection conn, Ready r) throws IOException {
    if (!options.metrics()) {
      return conn.respondJson(
          req,
          501,
          error(
              501,
              "This server does not support metrics endpoint. Start it with `--metrics`",
              "not_supported_error"));
    }
    lifecycle.parkWhileStuck();
    String body = r.metrics().render(r.slots().busy(), r.slots().deferred());
    return conn.respond(
        req,
        200,
        "text/plain; version=0.0.4",
        body.getBytes(StandardCharsets.UTF_8),
        List.of("Process-Start-Time-Unix: " + processStartMonotonicUs));
  }

  private Map<String, Object> models(Ready r) {
    String name = options.modelName();
    ModelInfo m = r.model();
    List<String> capabilities =
        options.mmproj() == null ? List.of("completion") : List.of("completion", "multimodal");
    Map<String, Object> details =
        ServerJson.object(
            "parent_model", "",
            "format", "gguf",
            "family", "",
            "families", List.of(""),
            "parameter_size", "",
            "quantization_level", "");
    Map<String, Object> ollama =
        ServerJson.object(
            "name", name,
            "model", name,
            "modified_at", "",
            "size", "",
            "digest", "",
            "type", "model",
            "description", "",
            "tags", List.of(""),
            "capabilities", capabilities,
            "parameters", "",
            "details", details);
    Map<String, Object> meta =
        ServerJson.object(
            "vocab_type", m.vocabType(),
            "n_vocab", m.nVocab(),
            "n_ctx", r.plan().slotCtx(),
            "n_ctx_train", m.ctxTrain(),
            "n_embd", m.nEmbd(),
            "n_params", m.nParams(),
            "size", m.size(),
            "ftype", m.ftype());
    Map<String, Object> openai =
        ServerJson.object(
            "id",
            name,
            "aliases",
            options.aliases(),
            "tags",
            List.of(),
            "object",
            "model",
            "created",
            clock.instant().getEpochSecond(),
            "owned_by",
            "llamacpp",
            "meta",
            meta);
    return ServerJson.object("models", List.of(ollama), "object", "list", "data", List.of(openai));
  }

  private Map<String, Object> props(Ready r) {
    Map<String, Object> props =
        ServerJson.object(
            "default_generation_settings",
            ServerJson.object("params", Templates.slotParams(), "n_ctx", r.plan().slotCtx()));
    props.put("total_slots", r.slots().size());
    props.put("model_alias", options.modelName());
    props.put("model_ftype", r.model().ftype());
    props.put("model_path", options.model());
    props.put(
        "modalities",
        ServerJson.object("vision", options.mmproj() != null, "video", false, "audio", false));
    props.put("media_marker", mediaMarker);
    props.put("endpoint_slots", options.slots());
    props.put("endpoint_props", options.propsEndpoint());
    props.put("endpoint_metrics", options.metrics());
    props.put("ui", options.ui());
    props.put("ui_settings", ServerJson.object());
    props.put("chat_template", r.model().chatTemplate());
    props.put("chat_template_caps", Templates.chatTemplateCaps());
    props.put("bos_token", "<s>");
    props.put("eos_token", "</s>");
    props.put("build_info", BUILD_INFO);
    props.put("is_sleeping", false);
    props.put("cors_proxy_enabled", false);
    return props;
  }

  /** The handler-level error body ({@code code} first, unlike the 503/404/401 bodies). */
  static String error(int code, String message, String type) {
    return ServerJson.write(
        ServerJson.object(
            "error", ServerJson.object("code", code, "message", message, "type", type)));
  }
}
