package io.llamasupervisor.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.json.JsonMappers;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request the bench sends to a backend: an OpenAI chat completion, streamed or not.
 *
 * @param path the request path, {@code /v1/chat/completions}
 * @param body the JSON body
 * @param stream whether the response is an SSE stream that must end with {@code data: [DONE]}
 * @param maxTokens tokens asked for
 */
public record BenchRequest(String path, byte[] body, boolean stream, int maxTokens) {
  static final String CHAT_PATH = "/v1/chat/completions";
  private static final ObjectMapper JSON = JsonMappers.mapper();

  /**
   * A chat completion of exactly {@code maxTokens} tokens ({@code ignore_eos} keeps llama-server
   * generating to the limit) for {@code model}, the name clients use.
   */
  public static BenchRequest chat(String model, boolean stream, int maxTokens) {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("model", model);
    body.put(
        "messages",
        List.of(
            Map.of(
                "role",
                "user",
                "content",
                "Tell a long story about a lighthouse keeper and a swap of lamps.")));
    body.put("max_tokens", maxTokens);
    body.put("ignore_eos", true);
    body.put("temperature", 0);
    body.put("stream", stream);
    try {
      return new BenchRequest(CHAT_PATH, JSON.writeValueAsBytes(body), stream, maxTokens);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The body as text (for tests and messages). */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
