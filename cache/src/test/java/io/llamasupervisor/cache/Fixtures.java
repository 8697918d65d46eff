package io.llamasupervisor.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Request bodies and upstream responses shaped like llama-server b10470's. */
final class Fixtures {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String MODEL = "org/repo/model-q8_0";

  private Fixtures() {}

  /** A deterministic chat request: system prompt, earlier turns (user, assistant, …), last user. */
  static ObjectNode chat(String system, List<String> earlier, String user) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", MODEL);
    b.put("temperature", 0);
    ArrayNode msgs = b.putArray("messages");
    if (system != null) {
      msgs.addObject().put("role", "system").put("content", system);
    }
    for (int i = 0; i < earlier.size(); i++) {
      msgs.addObject()
          .put("role", i % 2 == 0 ? "user" : "assistant")
          .put("content", earlier.get(i));
    }
    msgs.addObject().put("role", "user").put("content", user);
    return b;
  }

  static ObjectNode chat(String user) {
    return chat(null, List.of(), user);
  }

  static ObjectNode streaming(ObjectNode body, boolean includeUsage) {
    ObjectNode b = body.deepCopy();
    b.put("stream", true);
    if (includeUsage) {
      b.putObject("stream_options").put("include_usage", true);
    }
    return b;
  }

  static byte[] bytes(ObjectNode body) {
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  static CacheRequest request(ObjectNode body) {
    return request(body, "plan-1", null, null, null);
  }

  static CacheRequest request(
      ObjectNode body, String plan, String cacheControl, String scope, String caller) {
    return new CacheRequest(
        Endpoint.CHAT_COMPLETIONS, MODEL, plan, bytes(body), cacheControl, scope, caller);
  }

  /** A non-streamed chat completion. */
  static String chatJson(String content) {
    return "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"role\":"
        + "\"assistant\",\"content\":"
        + JSON.valueToTree(content)
        + "}}],\"created\":1795304084,\"model\":\"tiny-alias\",\"system_fingerprint\":"
        + "\"b10470-34af94cd\",\"object\":\"chat.completion\",\"usage\":{\"completion_tokens\":3,"
        + "\"prompt_tokens\":37,\"total_tokens\":40},\"id\":\"chatcmpl-abc\",\"timings\":"
        + "{\"predicted_n\":3}}";
  }

  /** A streamed chat completion as llama-server frames it (several events per chunk allowed). */
  /** llama-server's timings of an answer of 3 tokens to a prompt of 37 (1 of them cached). */
  static final String TIMINGS =
      "{\"cache_n\":1,\"prompt_n\":36,\"prompt_ms\":4.3,\"prompt_per_token_ms\":0.12,"
          + "\"prompt_per_second\":8372.1,\"predicted_n\":3,\"predicted_ms\":0.6,"
          + "\"predicted_per_token_ms\":0.2,\"predicted_per_second\":5000.0}";

  static List<String> chatSse(boolean includeUsage, String... deltas) {
    String head =
        ",\"created\":1795304084,\"id\":\"chatcmpl-xyz\",\"model\":\"tiny-alias\","
            + "\"system_fingerprint\":\"b10470-34af94cd\",\"object\":\"chat.completion.chunk\"";
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    out.add(
        "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"role\":\"assistant\","
            + "\"content\":null}}]"
            + head
            + "}\n\n");
    for (String d : deltas) {
      out.add(
          "data: {\"choices\":[{\"finish_reason\":null,\"index\":0,\"delta\":{\"content\":"
              + JSON.valueToTree(d)
              + "}}]"
              + head
              + "}\n\n");
    }
    out.add(
        "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}]"
            + head
            + (includeUsage ? "" : ",\"timings\":" + TIMINGS)
            + "}\n\n");
    if (includeUsage) {
      out.add(
          "data: {\"choices\":[]"
              + head
              + ",\"usage\":{\"completion_tokens\":3,\"prompt_tokens\":37,\"total_tokens\":40},"
              + "\"timings\":"
              + TIMINGS
              + "}\n\n");
    }
    out.add("data: [DONE]\n\n");
    return out;
  }

  /** Feeds a whole JSON response to a miss's recorder. */
  static void answer(CacheLookup lookup, String json) {
    ResponseRecorder r = lookup.recorder();
    r.start(200, "application/json; charset=utf-8");
    r.chunk(json.getBytes(StandardCharsets.UTF_8));
    r.complete();
  }

  /** Feeds SSE chunks to a miss's recorder, then completes it. */
  static void stream(CacheLookup lookup, List<String> chunks) {
    ResponseRecorder r = lookup.recorder();
    r.start(200, "text/event-stream");
    for (String c : chunks) {
      r.chunk(c.getBytes(StandardCharsets.UTF_8));
    }
    r.complete();
  }

  static void flush(ResponseCache cache) throws InterruptedException {
    cache.flush(Duration.ofSeconds(10));
  }
}
