package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON of llama-server's completion responses, field order included, and how streams are cut
 * into HTTP chunks: the chat stream's first chunk holds the role event and the first token, every
 * other token has its own chunk, the finish event (plus the usage event when asked for) comes in
 * one chunk, then {@code data: [DONE]} in its own. The native endpoint sends no {@code [DONE]}.
 */
final class CompletionShapes {
  /** Which API shape a request uses. */
  enum Kind {
    /** {@code /completion}: llama.cpp's own format. */
    NATIVE,
    /** {@code /v1/completions}: OpenAI text completion. */
    TEXT,
    /** {@code /v1/chat/completions}: OpenAI chat. */
    CHAT,
    /** {@code /v1/messages}: Anthropic Messages (named events, no {@code [DONE]}). */
    MESSAGES,
    /** {@code /v1/responses}: OpenAI Responses (converted to a chat by the real server). */
    RESPONSES
  }

  /** A validated request. */
  record Job(
      Kind kind,
      Map<String, Object> body,
      boolean stream,
      boolean includeUsage,
      int nPredict,
      int promptTokens,
      String prompt) {}

  /** What a finished generation produced. */
  record Result(
      int slotId,
      String id,
      long created,
      String text,
      int produced,
      boolean truncated,
      Map<String, Object> timings) {}

  static final String DONE = "data: [DONE]\n\n";

  private final String model;

  CompletionShapes(String model) {
    this.model = model;
  }

  /** The events of token {@code i} of a stream (the chat stream opens with the role event). */
  String tokenEvents(Job job, int i, String piece, int pieceId, String id, long created) {
    return switch (job.kind()) {
      case CHAT ->
          (i == 0 ? roleEvent(id, created) : "")
              + event(chatChunk(ServerJson.object("content", piece), null, id, created));
      case TEXT -> event(textChunk(piece, null, id, created));
      case MESSAGES ->
          (i == 0 ? messageStart(job, id) + blockStart() : "")
              + named(
                  "content_block_delta",
                  ServerJson.object(
                      "type",
                      "content_block_delta",
                      "index",
                      0,
                      "delta",
                      ServerJson.object("type", "text_delta", "text", piece)));
      case RESPONSES -> ResponseShapes.tokenEvents(i, piece, id);
      case NATIVE -> {
        Map<String, Object> m = ServerJson.object("index", 0, "content", piece);
        m.put("tokens", List.of(pieceId));
        m.put("stop", false);
        m.put("id_slot", -1);
        m.put("tokens_predicted", i + 1);
        m.put("tokens_evaluated", job.promptTokens());
        yield event(m);
      }
    };
  }

  /** The chat stream's opening event, {@code delta: {role: assistant, content: null}}. */
  String roleEvent(String id, long created) {
    return event(
        chatChunk(ServerJson.object("role", "assistant", "content", null), null, id, created));
  }

  /** The chunk payloads that end a stream, before the zero-length chunk. */
  List<String> finalChunks(Job job, Result r) {
    List<String> chunks = new ArrayList<>();
    switch (job.kind()) {
      case CHAT -> {
        Map<String, Object> fin = chatChunk(ServerJson.object(), "length", r.id(), r.created());
        if (job.includeUsage()) {
          Map<String, Object> u = chatBase(List.of(), r.id(), r.created());
          u.put("usage", usage(job, r));
          u.put("timings", r.timings());
          chunks.add(event(fin) + event(u));
        } else {
          fin.put("timings", r.timings());
          chunks.add(event(fin));
        }
        chunks.add(DONE);
      }
      case TEXT -> {
        chunks.add(event(textFinal(job, r, "")));
        chunks.add(DONE);
      }
      case NATIVE -> chunks.add(event(nativeFinal(job, r, "")));
      case MESSAGES -> {
        String open = r.produced() == 0 ? messageStart(job, r.id()) : "";
        String close =
            r.produced() == 0
                ? ""
                : named(
                    "content_block_stop",
                    ServerJson.object("type", "content_block_stop", "index", 0));
        Map<String, Object> delta =
            ServerJson.object(
                "type",
                "message_delta",
                "delta",
                ServerJson.object("stop_reason", "max_tokens", "stop_sequence", null),
                "usage",
                ServerJson.object("output_tokens", r.produced()));
        chunks.add(
            open
                + close
                + named("message_delta", delta)
                + named("message_stop", ServerJson.object("type", "message_stop")));
      }
      case RESPONSES -> chunks.add(ResponseShapes.finalEvents(model, job.promptTokens(), r));
    }
    return chunks;
  }

  /** Anthropic's {@code message_start} event (b10470: {@code to_json_anthropic} partial). */
  private String messageStart(Job job, String id) {
    Map<String, Object> message =
        ServerJson.object("id", id, "type", "message", "role", "assistant");
    message.put("content", List.of());
    message.put("model", model);
    message.put("stop_reason", null);
    message.put("stop_sequence", null);
    message.put(
        "usage",
        ServerJson.object(
            "cache_read_input_tokens", 0, "input_tokens", job.promptTokens(), "output_tokens", 0));
    return named("message_start", ServerJson.object("type", "message_start", "message", message));
  }

  private static String blockStart() {
    return named(
        "content_block_start",
        ServerJson.object(
            "type",
            "content_block_start",
            "index",
            0,
            "content_block",
            ServerJson.object("type", "text", "text", "")));
  }

  /** An SSE event with a name, as llama-server's {@code format_anthropic_sse} writes it. */
  static String named(String name, Map<String, Object> json) {
    return "event: " + name + "\ndata: " + ServerJson.write(json) + "\n\n";
  }

  /** The body of a non-streaming response. */
  Map<String, Object> body(Job job, Result r) {
    return switch (job.kind()) {
      case CHAT -> {
        Map<String, Object> message = ServerJson.object("role", "assistant", "content", r.text());
        Map<String, Object> choice =
            ServerJson.object("finish_reason", "length", "index", 0, "message", message);
        Map<String, Object> m =
            ServerJson.object("choices", List.of(choice), "created", r.created());
        m.put("model", model);
        m.put("system_fingerprint", LlamaApi.BUILD_INFO);
        m.put("object", "chat.completion");
        m.put("usage", usage(job, r));
        m.put("id", r.id());
        m.put("timings", r.timings());
        yield m;
      }
      case TEXT -> textFinal(job, r, r.text());
      case NATIVE -> nativeFinal(job, r, r.text());
      case MESSAGES -> {
        Map<String, Object> m =
            ServerJson.object("id", r.id(), "type", "message", "role", "assistant");
        m.put(
            "content",
            r.text().isEmpty()
                ? List.of()
                : List.of(ServerJson.object("type", "text", "text", r.text())));
        m.put("model", model);
        m.put("stop_reason", "max_tokens");
        m.put("stop_sequence", null);
        m.put(
            "usage",
            ServerJson.object(
                "cache_read_input_tokens",
                0,
                "input_tokens",
                job.promptTokens(),
                "output_tokens",
                r.produced()));
        yield m;
      }
      case RESPONSES -> ResponseShapes.body(model, job.promptTokens(), r);
    };
  }

  private Map<String, Object> textFinal(Job job, Result r, String text) {
    Map<String, Object> choice =
        ServerJson.object("text", text, "index", 0, "logprobs", null, "finish_reason", "length");
    Map<String, Object> m = ServerJson.object("choices", List.of(choice), "created", r.created());
    m.put("model", model);
    m.put("system_fingerprint", LlamaApi.BUILD_INFO);
    m.put("object", "text_completion");
    m.put("usage", usage(job, r));
    m.put("id", r.id());
    m.put("timings", r.timings());
    return m;
  }

  private Map<String, Object> nativeFinal(Job job, Result r, String content) {
    Map<String, Object> m = ServerJson.object("index", 0, "content", content, "tokens", List.of());
    m.put("id_slot", r.slotId());
    m.put("stop", true);
    m.put("model", model);
    m.put("tokens_predicted", r.produced());
    m.put("tokens_evaluated", job.promptTokens());
    m.put("generation_settings", generationSettings(job));
    m.put("prompt", "<s> " + job.prompt());
    m.put("has_new_line", r.text().contains("\n"));
    m.put("truncated", r.truncated());
    m.put("stop_type", "limit");
    m.put("stopping_word", "");
    m.put("tokens_cached", job.promptTokens() + r.produced() - 1);
    m.put("timings", r.timings());
    return m;
  }

  private static Map<String, Object> generationSettings(Job job) {
    Map<String, Object> settings = Templates.generationSettings();
    Object seed = job.body().get("seed");
    settings.put("seed", seed instanceof Number n ? n.longValue() : 4294967295L);
    Object temp = job.body().get("temperature");
    settings.put("temperature", temp instanceof Number n ? (double) n.floatValue() : (double) 0.8f);
    settings.put("max_tokens", job.nPredict());
    settings.put("n_predict", job.nPredict());
    settings.put("stream", job.stream());
    return settings;
  }

  private Map<String, Object> chatBase(List<Object> choices, String id, long created) {
    Map<String, Object> m = ServerJson.object("choices", choices, "created", created, "id", id);
    m.put("model", model);
    m.put("system_fingerprint", LlamaApi.BUILD_INFO);
    m.put("object", "chat.completion.chunk");
    return m;
  }

  private Map<String, Object> chatChunk(
      Map<String, Object> delta, String finishReason, String id, long created) {
    Map<String, Object> choice =
        ServerJson.object("finish_reason", finishReason, "index", 0, "delta", delta);
    return chatBase(List.of(choice), id, created);
  }

  private Map<String, Object> textChunk(
      String piece, String finishReason, String id, long created) {
    Map<String, Object> choice =
        ServerJson.object(
            "text", piece, "index", 0, "logprobs", null, "finish_reason", finishReason);
    Map<String, Object> m = ServerJson.object("choices", List.of(choice), "created", created);
    m.put("model", model);
    m.put("system_fingerprint", LlamaApi.BUILD_INFO);
    m.put("object", "text_completion");
    m.put("id", id);
    return m;
  }

  static String event(Map<String, Object> json) {
    return "data: " + ServerJson.write(json) + "\n\n";
  }

  private static Map<String, Object> usage(Job job, Result r) {
    Map<String, Object> m =
        ServerJson.object("completion_tokens", r.produced(), "prompt_tokens", job.promptTokens());
    m.put("total_tokens", job.promptTokens() + r.produced());
    m.put("prompt_tokens_details", ServerJson.object("cached_tokens", 0));
    return m;
  }

  /** The {@code timings} object; rates are per second, times in milliseconds. */
  static Map<String, Object> timings(
      int promptN, double promptMs, int predictedN, double predictedMs) {
    Map<String, Object> m =
        ServerJson.object("cache_n", 0, "prompt_n", promptN, "prompt_ms", promptMs);
    m.put("prompt_per_token_ms", promptN > 0 ? promptMs / promptN : 0.0);
    m.put("prompt_per_second", promptN > 0 ? 1000.0 * promptN / promptMs : 0.0);
    m.put("predicted_n", predictedN);
    m.put("predicted_ms", predictedMs);
    m.put("predicted_per_token_ms", predictedN > 0 ? predictedMs / predictedN : 0.0);
    m.put("predicted_per_second", predictedN > 0 ? 1000.0 * predictedN / predictedMs : 0.0);
    return m;
  }
}
