package io.llamasupervisor.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns upstream responses into {@link StoredEntry} values and stored entries back into what a
 * request expects: SSE for a streaming request, a JSON body for a non-streaming one, whichever way
 * the response was first produced.
 */
final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private Responses() {}

  /**
   * The SSE payloads of a complete stream ({@code data: [DONE]} last, no error event), without the
   * {@code [DONE]}; empty when the stream is incomplete or failed. Reads the first {@code length}
   * bytes of {@code body}.
   */
  static Optional<List<String>> completeStream(byte[] body, int length) {
    String text = new String(body, 0, length, StandardCharsets.UTF_8).replace("\r\n", "\n");
    List<String> events = new ArrayList<>();
    boolean done = false;
    for (String block : text.split("\n\n")) {
      StringBuilder data = new StringBuilder();
      boolean any = false;
      for (String line : block.split("\n")) {
        if (line.startsWith("data:")) {
          String d = line.substring(5);
          if (d.startsWith(" ")) {
            d = d.substring(1);
          }
          if (any) {
            data.append('\n');
          }
          data.append(d);
          any = true;
        }
      }
      if (!any) {
        continue; // comments (": ping"), empty blocks
      }
      if (done) {
        return Optional.empty(); // something after [DONE]
      }
      String d = data.toString();
      if (d.equals("[DONE]")) {
        done = true;
        continue;
      }
      JsonNode n = parse(d);
      if (n == null || !n.isObject() || n.has("error")) {
        return Optional.empty();
      }
      events.add(d);
    }
    return done && !events.isEmpty() ? Optional.of(events) : Optional.empty();
  }

  /**
   * The stored form ({@link StoredEntry#serializeJson}) of the first {@code length} bytes of {@code
   * body} without the whitespace around them, if they are a complete JSON completion ({@code
   * choices}, no {@code error}; see {@link JsonShape}); {@code null} if not.
   */
  static byte[] storedJson(Endpoint endpoint, byte[] body, int length, long storedAtMillis) {
    if (!JsonShape.isCompletion(body, length)) {
      return null;
    }
    int from = 0;
    int to = length;
    while (body[from] <= ' ') {
      from++; // the shape check saw an object, so there is a '{' to stop at
    }
    while (body[to - 1] <= ' ') {
      to--;
    }
    return StoredEntry.serializeJson(endpoint, body, from, to, storedAtMillis);
  }

  private static JsonNode parse(String s) {
    try {
      return JSON.readTree(s);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * {@code entry} rendered for a request with these {@code stream}/{@code includeUsage} flags, or
   * null when the entry cannot answer it as llama-server would.
   *
   * <p>A JSON answer always has {@code usage}, and so has a stream with {@code include_usage}; a
   * stream recorded without it has llama-server's {@code timings}, from which the usage is what
   * llama-server reports ({@code prompt_tokens} = {@code prompt_n} + {@code cache_n}, {@code
   * completion_tokens} = {@code predicted_n}). Without either, such a request is not answered.
   */
  static Replay render(StoredEntry entry, boolean stream, boolean includeUsage) {
    if (entry.streamed() && (!stream || includeUsage) && !hasUsage(entry.events())) {
      List<String> events = withUsageEvent(entry);
      if (events == null) {
        return null;
      }
      entry = new StoredEntry(entry.endpoint(), events, true, entry.storedAtMillis());
    }
    if (stream) {
      List<String> events =
          entry.streamed()
              ? filterUsage(entry.events(), includeUsage)
              : toEvents(entry.endpoint(), obj(entry.events().get(0)), includeUsage);
      List<byte[]> chunks = new ArrayList<>(events.size() + 1);
      for (String e : events) {
        chunks.add(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
      }
      chunks.add(DONE);
      return new Replay(200, Replay.SSE, true, chunks);
    }
    String body =
        entry.streamed() ? write(toBody(entry.endpoint(), entry.events())) : entry.events().get(0);
    return new Replay(200, Replay.JSON, false, List.of(body.getBytes(StandardCharsets.UTF_8)));
  }

  /** The entry's events and a usage event made from its last timings; null without timings. */
  private static List<String> withUsageEvent(StoredEntry entry) {
    List<String> events = entry.events();
    for (int i = events.size() - 1; i >= 0; i--) {
      JsonNode t = obj(events.get(i)).path("timings");
      if (t.path("prompt_n").canConvertToLong() && t.path("predicted_n").canConvertToLong()) {
        long cached = t.path("cache_n").asLong(0);
        long prompt = t.get("prompt_n").asLong() + cached;
        long completion = t.get("predicted_n").asLong();
        boolean chat = entry.endpoint() == Endpoint.CHAT_COMPLETIONS;
        ObjectNode u = head(obj(events.get(0)), chat ? "chat.completion.chunk" : "text_completion");
        ObjectNode usage = u.putObject("usage");
        usage.put("completion_tokens", completion);
        usage.put("prompt_tokens", prompt);
        usage.put("total_tokens", prompt + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
        u.set("timings", t);
        List<String> out = new ArrayList<>(events);
        out.add(write(u));
        return out;
      }
    }
    return null;
  }

  private static boolean hasUsage(List<String> events) {
    for (int i = events.size() - 1; i >= 0; i--) {
      String e = events.get(i);
      if (e.contains("\"usage\"") && obj(e).path("usage").isObject()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Recorded events for a request: a usage-only event ({@code choices: []}) is dropped unless the
   * request asked for usage.
   */
  private static List<String> filterUsage(List<String> events, boolean includeUsage) {
    if (includeUsage) {
      return events;
    }
    List<String> out = new ArrayList<>(events.size());
    for (String e : events) {
      ObjectNode n = obj(e);
      if (n.path("choices").isArray() && n.path("choices").isEmpty() && n.has("usage")) {
        continue;
      }
      out.add(e);
    }
    return out;
  }

  private static ObjectNode obj(String s) {
    JsonNode n = parse(s);
    if (n instanceof ObjectNode o) {
      return o;
    }
    throw new IllegalStateException("a stored response is not a JSON object");
  }

  private static String write(JsonNode n) {
    try {
      return JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static ObjectNode head(ObjectNode src, String object) {
    ObjectNode o = F.objectNode();
    o.set("choices", F.arrayNode());
    for (String f : List.of("created", "id", "model", "system_fingerprint")) {
      if (src.has(f)) {
        o.set(f, src.get(f));
      }
    }
    o.put("object", object);
    return o;
  }

  /** A complete JSON response as the events llama-server would have streamed. */
  static List<String> toEvents(Endpoint endpoint, ObjectNode body, boolean includeUsage) {
    List<String> out = new ArrayList<>();
    JsonNode usage = body.get("usage");
    JsonNode timings = body.get("timings");
    if (endpoint == Endpoint.COMPLETIONS) {
      for (JsonNode c : body.path("choices")) {
        ObjectNode e = head(body, "text_completion");
        ObjectNode ch = ((ArrayNode) e.get("choices")).addObject();
        ch.put("text", c.path("text").asText(""));
        ch.set("index", c.path("index").isMissingNode() ? F.numberNode(0) : c.get("index"));
        ch.putNull("logprobs");
        ch.putNull("finish_reason");
        out.add(write(e));
        ObjectNode fin = head(body, "text_completion");
        ObjectNode fc = ((ArrayNode) fin.get("choices")).addObject();
        fc.put("text", "");
        fc.set("index", ch.get("index"));
        fc.putNull("logprobs");
        fc.set(
            "finish_reason",
            c.path("finish_reason").isMissingNode() ? F.nullNode() : c.get("finish_reason"));
        if (usage != null) {
          fin.set("usage", usage);
        }
        if (timings != null) {
          fin.set("timings", timings);
        }
        out.add(write(fin));
      }
      return out;
    }
    for (JsonNode c : body.path("choices")) {
      JsonNode index = c.path("index").isMissingNode() ? F.numberNode(0) : c.get("index");
      JsonNode msg = c.path("message");
      ObjectNode role = head(body, "chat.completion.chunk");
      ObjectNode rc = ((ArrayNode) role.get("choices")).addObject();
      rc.putNull("finish_reason");
      rc.set("index", index);
      ObjectNode rd = rc.putObject("delta");
      rd.put("role", msg.path("role").asText("assistant"));
      rd.putNull("content");
      out.add(write(role));
      for (String field : List.of("reasoning_content", "content")) {
        if (msg.path(field).isTextual() && !msg.path(field).asText().isEmpty()) {
          ObjectNode e = head(body, "chat.completion.chunk");
          ObjectNode ec = ((ArrayNode) e.get("choices")).addObject();
          ec.putNull("finish_reason");
          ec.set("index", index);
          ec.putObject("delta").put(field, msg.get(field).asText());
          out.add(write(e));
        }
      }
      if (msg.path("tool_calls").isArray()) {
        ArrayNode calls = F.arrayNode();
        int i = 0;
        for (JsonNode call : msg.get("tool_calls")) {
          ObjectNode tc = ((ObjectNode) call).deepCopy();
          tc.put("index", i++);
          calls.add(tc);
        }
        ObjectNode e = head(body, "chat.completion.chunk");
        ObjectNode ec = ((ArrayNode) e.get("choices")).addObject();
        ec.putNull("finish_reason");
        ec.set("index", index);
        ec.putObject("delta").set("tool_calls", calls);
        out.add(write(e));
      }
      ObjectNode fin = head(body, "chat.completion.chunk");
      ObjectNode fc = ((ArrayNode) fin.get("choices")).addObject();
      fc.set(
          "finish_reason",
          c.path("finish_reason").isMissingNode() ? F.nullNode() : c.get("finish_reason"));
      fc.set("index", index);
      fc.putObject("delta");
      if (!includeUsage && timings != null) {
        fin.set("timings", timings);
      }
      out.add(write(fin));
    }
    if (includeUsage && usage != null) {
      ObjectNode u = head(body, "chat.completion.chunk");
      u.set("usage", usage);
      if (timings != null) {
        u.set("timings", timings);
      }
      out.add(write(u));
    }
    return out;
  }

  /** Streamed events assembled into the JSON body a non-streaming request gets. */
  static ObjectNode toBody(Endpoint endpoint, List<String> events) {
    ObjectNode first = obj(events.get(0));
    boolean chat = endpoint == Endpoint.CHAT_COMPLETIONS;
    ObjectNode body = head(first, chat ? "chat.completion" : "text_completion");
    Map<Integer, ChoiceBuilder> choices = new TreeMap<>();
    JsonNode usage = null;
    JsonNode timings = null;
    for (String s : events) {
      ObjectNode e = obj(s);
      if (e.has("usage")) {
        usage = e.get("usage");
      }
      if (e.has("timings")) {
        timings = e.get("timings");
      }
      for (JsonNode c : e.path("choices")) {
        ChoiceBuilder b = choices.computeIfAbsent(c.path("index").asInt(0), ChoiceBuilder::new);
        if (!c.path("finish_reason").isNull() && !c.path("finish_reason").isMissingNode()) {
          b.finishReason = c.get("finish_reason");
        }
        if (chat) {
          b.addDelta(c.path("delta"));
        } else {
          b.content.append(c.path("text").asText(""));
          b.hasContent = true;
        }
      }
    }
    ArrayNode out = (ArrayNode) body.get("choices");
    for (ChoiceBuilder b : choices.values()) {
      out.add(chat ? b.chatChoice() : b.textChoice());
    }
    if (usage != null) {
      body.set("usage", usage);
    }
    if (timings != null) {
      body.set("timings", timings);
    }
    return body;
  }

  private static final class ChoiceBuilder {
    final int index;
    String role = "assistant";
    final StringBuilder content = new StringBuilder();
    boolean hasContent;
    final StringBuilder reasoning = new StringBuilder();
    boolean hasReasoning;
    final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
    JsonNode finishReason = F.nullNode();

    ChoiceBuilder(int index) {
      this.index = index;
    }

    void addDelta(JsonNode d) {
      if (d.path("role").isTextual()) {
        role = d.get("role").asText();
      }
      if (d.path("content").isTextual()) {
        content.append(d.get("content").asText());
        hasContent = true;
      }
      if (d.path("reasoning_content").isTextual()) {
        reasoning.append(d.get("reasoning_content").asText());
        hasReasoning = true;
      }
      for (JsonNode tc : d.path("tool_calls")) {
        int i = tc.path("index").asInt(toolCalls.size());
        ObjectNode call = toolCalls.computeIfAbsent(i, x -> F.objectNode());
        if (tc.path("id").isTextual()) {
          call.put("id", tc.get("id").asText());
        }
        if (tc.path("type").isTextual()) {
          call.put("type", tc.get("type").asText());
        }
        JsonNode fn = tc.path("function");
        if (fn.isObject()) {
          ObjectNode f =
              call.has("function") ? (ObjectNode) call.get("function") : call.putObject("function");
          if (fn.path("name").isTextual()) {
            f.put("name", f.path("name").asText("") + fn.get("name").asText());
          }
          if (fn.path("arguments").isTextual()) {
            f.put("arguments", f.path("arguments").asText("") + fn.get("arguments").asText());
          }
        }
      }
    }

    ObjectNode chatChoice() {
      ObjectNode c = F.objectNode();
      c.set("finish_reason", finishReason);
      c.put("index", index);
      ObjectNode m = c.putObject("message");
      m.put("role", role);
      if (hasContent) {
        m.put("content", content.toString());
      } else {
        m.putNull("content");
      }
      if (hasReasoning) {
        m.put("reasoning_content", reasoning.toString());
      }
      if (!toolCalls.isEmpty()) {
        ArrayNode calls = m.putArray("tool_calls");
        toolCalls.values().forEach(calls::add);
      }
      return c;
    }

    ObjectNode textChoice() {
      ObjectNode c = F.objectNode();
      c.put("text", content.toString());
      c.put("index", index);
      c.putNull("logprobs");
      c.set("finish_reason", finishReason);
      return c;
    }
  }
}
