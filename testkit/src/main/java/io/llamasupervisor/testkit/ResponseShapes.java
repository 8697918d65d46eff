package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/responses} as b10470 answers it ({@code server-task.cpp}, {@code
 * server-chat.cpp}): the request's {@code input} (a string, or items with string or part content)
 * and {@code instructions} become chat messages; {@code previous_response_id} is refused. The JSON
 * keys are in the order the real server writes them (captured from b10470). A stream is a sequence
 * of named events ({@code event: <type>} then {@code data: <json>}): the first token's chunk opens
 * with {@code response.created}, {@code response.in_progress}, {@code response.output_item.added}
 * and {@code response.content_part.added}; every token is a {@code response.output_text.delta}; the
 * last chunk holds {@code response.output_text.done}, {@code response.content_part.done}, {@code
 * response.output_item.done} and {@code response.completed} (the whole response plus {@code
 * timings}). There is no {@code data: [DONE]}. The message item's id is {@code msg_} plus the
 * response id's random part (the real server draws a second random string).
 */
final class ResponseShapes {
  private ResponseShapes() {}

  /** The chat messages of a Responses request, or an error message the real server gives (400). */
  static Object messages(Map<String, Object> body) {
    if (!body.containsKey("input")) {
      return "'input' is required";
    }
    Object previous = body.get("previous_response_id");
    if (previous instanceof String s && !s.isEmpty()) {
      return "llama.cpp does not support 'previous_response_id'.";
    }
    List<Object> messages = new ArrayList<>();
    if (body.get("instructions") instanceof String instructions) {
      messages.add(ServerJson.object("role", "system", "content", instructions));
    }
    Object input = body.get("input");
    if (input instanceof String text) {
      messages.add(ServerJson.object("role", "user", "content", text));
    } else if (input instanceof List<?> items) {
      for (Object o : items) {
        if (o instanceof Map<?, ?> item && item.get("role") instanceof String role) {
          messages.add(ServerJson.object("role", role, "content", text(item.get("content"))));
        }
      }
    } else {
      return "'input' must be a string or an array of items";
    }
    return messages;
  }

  private static String text(Object content) {
    if (content instanceof List<?> parts) {
      StringBuilder sb = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Map<?, ?> pm && pm.get("text") != null) {
          sb.append(pm.get("text"));
        }
      }
      return sb.toString();
    }
    return content == null ? "" : String.valueOf(content);
  }

  static String messageId(String responseId) {
    return "msg_" + responseId.substring("resp_".length());
  }

  /** The events of token {@code i}. */
  static String tokenEvents(int i, String piece, String id) {
    StringBuilder sb = new StringBuilder();
    String msg = messageId(id);
    if (i == 0) {
      sb.append(event("response.created", "response", opening(id)));
      sb.append(event("response.in_progress", "response", opening(id)));
      Map<String, Object> item = ServerJson.object("content", List.of(), "id", msg);
      item.put("role", "assistant");
      item.put("status", "in_progress");
      item.put("type", "message");
      sb.append(event("response.output_item.added", "item", item));
      sb.append(
          event(
              "response.content_part.added",
              "item_id",
              msg,
              "part",
              ServerJson.object("type", "output_text", "text", "")));
    }
    sb.append(event("response.output_text.delta", "item_id", msg, "delta", piece));
    return sb.toString();
  }

  private static Map<String, Object> opening(String id) {
    return ServerJson.object("id", id, "object", "response", "status", "in_progress");
  }

  /** The stream's last chunk. */
  static String finalEvents(String model, int promptTokens, CompletionShapes.Result r) {
    StringBuilder sb = new StringBuilder();
    String msg = messageId(r.id());
    List<Object> output = new ArrayList<>();
    if (!r.text().isEmpty()) {
      sb.append(event("response.output_text.done", "item_id", msg, "text", r.text()));
      Map<String, Object> part = part(r.text());
      sb.append(event("response.content_part.done", "item_id", msg, "part", part));
      Map<String, Object> item = ServerJson.object("type", "message", "status", "completed");
      item.put("id", msg);
      item.put("content", List.of(part));
      item.put("role", "assistant");
      sb.append(event("response.output_item.done", "item", item));
      output.add(item);
    }
    Map<String, Object> response = ServerJson.object("id", r.id(), "object", "response");
    response.put("created_at", r.created());
    response.put("status", "completed");
    response.put("model", model);
    response.put("output", output);
    response.put("usage", usage(promptTokens, r.produced()));
    sb.append(event("response.completed", "response", response, "timings", r.timings()));
    return sb.toString();
  }

  /** The non-streaming body (no {@code timings}, as in b10470). */
  static Map<String, Object> body(String model, int promptTokens, CompletionShapes.Result r) {
    List<Object> output = new ArrayList<>();
    if (!r.text().isEmpty()) {
      Map<String, Object> item =
          ServerJson.object("content", List.of(part(r.text())), "id", messageId(r.id()));
      item.put("role", "assistant");
      item.put("status", "completed");
      item.put("type", "message");
      output.add(item);
    }
    Map<String, Object> m =
        ServerJson.object("completed_at", r.created(), "created_at", r.created());
    m.put("id", r.id());
    m.put("model", model);
    m.put("object", "response");
    m.put("output", output);
    m.put("status", "completed");
    m.put("usage", usage(promptTokens, r.produced()));
    return m;
  }

  private static Map<String, Object> part(String text) {
    Map<String, Object> part = ServerJson.object("type", "output_text", "annotations", List.of());
    part.put("logprobs", List.of());
    part.put("text", text);
    return part;
  }

  private static Map<String, Object> usage(int prompt, int produced) {
    Map<String, Object> u = ServerJson.object("input_tokens", prompt, "output_tokens", produced);
    u.put("total_tokens", prompt + produced);
    u.put("input_tokens_details", ServerJson.object("cached_tokens", 0));
    return u;
  }

  /** One named event; its data opens with {@code type}, then the given keys and values. */
  private static String event(String type, Object... keysAndValues) {
    Map<String, Object> data = ServerJson.object("type", type);
    data.putAll(ServerJson.object(keysAndValues));
    return "event: " + type + "\ndata: " + ServerJson.write(data) + "\n\n";
  }
}
