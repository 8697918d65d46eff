package io.llamasupervisor.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/responses} as b10470 answers it ({@code server-task.cpp}, {@code
 * server-chat.cpp}): the request's {@code input} (a string, or items with string or part content)
 * and {@code instructions} become chat messages; {@code previous_response_id} is refused. The JSON
 * keys are in nlohmann's (sorted) order. A stream is a sequence of named events ({@code event:
 * <type>} then {@code data: <json>}): the first token's chunk opens with {@code response.created},
 * {@code response.in_progress}, {@code response.output_item.added} and {@code
 * response.content_part.added}; every token is a {@code response.output_text.delta}; the last chunk
 * holds {@code response.output_text.done}, {@code response.content_part.done}, {@code
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
      Map<String, Object> open = ServerJson.object("id", id, "object", "response");
      open.put("status", "in_progress");
      sb.append(event("response.created", ServerJson.object("response", open)));
      sb.append(event("response.in_progress", ServerJson.object("response", open)));
      Map<String, Object> item = ServerJson.object("content", List.of(), "id", msg);
      item.put("role", "assistant");
      item.put("status", "in_progress");
      item.put("type", "message");
      sb.append(event("response.output_item.added", ServerJson.object("item", item)));
      sb.append(
          event(
              "response.content_part.added",
              ServerJson.object(
                  "item_id", msg, "part", ServerJson.object("text", "", "type", "output_text"))));
    }
    sb.append(
        event("response.output_text.delta", ServerJson.object("delta", piece, "item_id", msg)));
    return sb.toString();
  }

  /** The stream's last chunk. */
  static String finalEvents(String model, int promptTokens, CompletionShapes.Result r) {
    StringBuilder sb = new StringBuilder();
    String msg = messageId(r.id());
    List<Object> output = new ArrayList<>();
    if (!r.text().isEmpty()) {
      sb.append(
          event("response.output_text.done", ServerJson.object("item_id", msg, "text", r.text())));
      Map<String, Object> part = part(r.text());
      sb.append(
          event("response.content_part.done", ServerJson.object("item_id", msg, "part", part)));
      Map<String, Object> item = ServerJson.object("content", List.of(part), "id", msg);
      item.put("role", "assistant");
      item.put("status", "completed");
      item.put("type", "message");
      sb.append(event("response.output_item.done", ServerJson.object("item", item)));
      output.add(item);
    }
    Map<String, Object> response = ServerJson.object("created_at", r.created(), "id", r.id());
    response.put("model", model);
    response.put("object", "response");
    response.put("output", output);
    response.put("status", "completed");
    response.put("usage", usage(promptTokens, r.produced()));
    Map<String, Object> data = ServerJson.object("response", response, "timings", r.timings());
    sb.append(event("response.completed", data));
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
    Map<String, Object> part = ServerJson.object("annotations", List.of(), "logprobs", List.of());
    part.put("text", text);
    part.put("type", "output_text");
    return part;
  }

  private static Map<String, Object> usage(int prompt, int produced) {
    Map<String, Object> u =
        ServerJson.object(
            "input_tokens", prompt, "input_tokens_details", ServerJson.object("cached_tokens", 0));
    u.put("output_tokens", produced);
    u.put("total_tokens", prompt + produced);
    return u;
  }

  /** One named event; {@code data} gets its {@code type} last (sorted keys put it there). */
  private static String event(String type, Map<String, Object> data) {
    data.put("type", type);
    return "event: " + type + "\ndata: " + ServerJson.write(data) + "\n\n";
  }
}
