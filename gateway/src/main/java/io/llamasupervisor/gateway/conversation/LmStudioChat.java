package io.llamasupervisor.gateway.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * LM Studio 0.4's stateful {@code POST /api/v1/chat} on top of {@code /v1/responses}.
 *
 * <p>{@link #toResponses} turns the request ({@code model}, {@code input} as a string or {@code
 * [{type: "message", content}]} items, {@code system_prompt}, {@code previous_response_id}, {@code
 * store}, {@code stream}, {@code max_output_tokens}, {@code temperature}, {@code top_p}, {@code
 * top_k}) into a Responses request that always streams upstream (llama-server's {@code
 * response.completed} event carries {@code timings}; its non-streaming answer does not). {@link
 * #rewrite} turns that stream back into LM Studio's answer: one JSON object, or with {@code stream:
 * true} the events {@code chat.start}, {@code message.start}, {@code message.delta}, {@code
 * message.end}, {@code chat.end} (whose {@code result} is the JSON answer). The answer is {@code
 * {model_instance_id, output: [{type: "message", content}], stats, response_id}}, {@code stats}
 * being {@code input_tokens}, {@code total_output_tokens}, {@code reasoning_output_tokens} (0),
 * {@code tokens_per_second} (llama-server's {@code timings.predicted_per_second}), {@code
 * time_to_first_token_seconds} (the gateway's clock, from the request's arrival to the first
 * token), {@code queue_wait_seconds} and {@code cached_input_tokens}.
 */
public final class LmStudioChat {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> PASSED =
      List.of(
          "model",
          "previous_response_id",
          "store",
          "max_output_tokens",
          "temperature",
          "top_p",
          "top_k",
          "seed");

  private LmStudioChat() {}

  /** The request as LM Studio sent it, translated; {@code stream} is what the client asked for. */
  public record Translated(byte[] body, boolean stream, String error) {}

  /** Translates an {@code /api/v1/chat} body; {@code error} is set (400) when it is not one. */
  public static Translated toResponses(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return new Translated(null, false, "Request body is not valid JSON: " + e.getMessage());
    }
    if (!(root instanceof ObjectNode in)) {
      return new Translated(null, false, "Request body must be a JSON object");
    }
    JsonNode input = in.get("input");
    ArrayNode items = JSON.createArrayNode();
    if (input != null && input.isTextual()) {
      items.addObject().put("role", "user").put("content", input.asText());
    } else if (input != null && input.isArray()) {
      for (JsonNode i : input) {
        String type = i.path("type").asText("message");
        if (type.equals("message") || type.equals("text")) {
          items.addObject().put("role", "user").put("content", i.path("content").asText(""));
        } else if (type.equals("image")) {
          ObjectNode msg = items.addObject().put("role", "user");
          msg.putArray("content")
              .addObject()
              .put("type", "input_image")
              .put("image_url", i.path("data_url").asText(""));
        } else {
          return new Translated(null, false, "'input' items must be of type message or image");
        }
      }
    } else {
      return new Translated(null, false, "'input' is required: a string or an array of items");
    }
    ObjectNode out = JSON.createObjectNode();
    for (String k : PASSED) {
      if (in.has(k)) {
        out.set(k, in.get(k));
      }
    }
    if (in.hasNonNull("system_prompt")) {
      out.put("instructions", in.get("system_prompt").asText());
    }
    out.set("input", items);
    out.put("stream", true);
    try {
      return new Translated(JSON.writeValueAsBytes(out), in.path("stream").asBoolean(false), null);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  /**
   * The rewrite of the upstream stream for a client that asked for {@code stream}; {@code arrived}
   * is when the request arrived on {@code nanoTime}'s scale.
   */
  public static ResponseRewrite rewrite(
      String model, boolean stream, long arrived, LongSupplier nanoTime) {
    return new Rewrite(model, stream, arrived, nanoTime);
  }

  private static final class Rewrite implements ResponseRewrite {
    private final String model;
    private final boolean stream;
    private final long arrived;
    private final LongSupplier nanoTime;
    private final StringBuilder text = new StringBuilder();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final SseEvents events;
    private Duration queued = Duration.ZERO;
    private long firstToken = -1;
    private boolean messageOpen;
    private ObjectNode result;
    private ObjectNode error;

    Rewrite(String model, boolean stream, long arrived, LongSupplier nanoTime) {
      this.model = model;
      this.stream = stream;
      this.arrived = arrived;
      this.nanoTime = nanoTime;
      this.events = new SseEvents(16 * 1024 * 1024, this::event);
    }

    @Override
    public String contentType() {
      return stream ? "text/event-stream" : "application/json";
    }

    @Override
    public void begin(Duration queuedFor) {
      queued = queuedFor;
      if (stream) {
        emit("chat.start", JSON.createObjectNode().put("model_instance_id", model));
      }
    }

    @Override
    public byte[] chunk(ByteBuffer upstream) {
      events.feed(upstream);
      return drain();
    }

    @Override
    public byte[] end() {
      ObjectNode answer = result != null ? result : failed();
      if (!stream) {
        return answer.toString().getBytes(StandardCharsets.UTF_8);
      }
      if (messageOpen) {
        emit("message.end", JSON.createObjectNode());
      }
      if (error != null) {
        emit("error", JSON.createObjectNode().set("error", error));
      } else {
        emit("chat.end", (ObjectNode) JSON.createObjectNode().set("result", answer));
      }
      return drain();
    }

    private ObjectNode failed() {
      ObjectNode e = error != null ? error : JSON.createObjectNode();
      if (!e.has("message")) {
        e.put("message", "the model's stream ended without a result");
      }
      error = e;
      return (ObjectNode) JSON.createObjectNode().set("error", e);
    }

    private void event(String name, String data) {
      JsonNode d;
      try {
        d = JSON.readTree(data);
      } catch (IOException e) {
        return;
      }
      switch (name) {
        case "response.output_text.delta" -> {
          if (firstToken < 0) {
            firstToken = nanoTime.getAsLong();
          }
          String delta = d.path("delta").asText("");
          text.append(delta);
          if (stream) {
            if (!messageOpen) {
              messageOpen = true;
              emit("message.start", JSON.createObjectNode());
            }
            emit("message.delta", JSON.createObjectNode().put("content", delta));
          }
        }
        case "response.completed" -> result = answer(d);
        case "error" -> error = d.path("error").isObject() ? (ObjectNode) d.get("error") : null;
        default -> {}
      }
    }

    private ObjectNode answer(JsonNode completed) {
      JsonNode response = completed.path("response");
      JsonNode usage = response.path("usage");
      JsonNode timings = completed.path("timings");
      ObjectNode a = JSON.createObjectNode().put("model_instance_id", model);
      ArrayNode output = a.putArray("output");
      output.addObject().put("type", "message").put("content", text.toString());
      ObjectNode stats = a.putObject("stats");
      stats.put("input_tokens", usage.path("input_tokens").asLong());
      stats.put("total_output_tokens", usage.path("output_tokens").asLong());
      stats.put("reasoning_output_tokens", 0);
      stats.put("tokens_per_second", timings.path("predicted_per_second").asDouble(0));
      long ttft = (firstToken < 0 ? nanoTime.getAsLong() : firstToken) - arrived;
      stats.put("time_to_first_token_seconds", Math.max(0, ttft) / 1e9);
      stats.put("queue_wait_seconds", queued.toNanos() / 1e9);
      stats.put(
          "cached_input_tokens", usage.path("input_tokens_details").path("cached_tokens").asLong());
      a.put("response_id", response.path("id").asText());
      return a;
    }

    private void emit(String type, ObjectNode data) {
      ObjectNode d = JSON.createObjectNode().put("type", type);
      d.setAll(data);
      byte[] b = ("event: " + type + "\ndata: " + d + "\n\n").getBytes(StandardCharsets.UTF_8);
      pending.write(b, 0, b.length);
    }

    private byte[] drain() {
      byte[] b = pending.toByteArray();
      pending.reset();
      return b;
    }
  }
}
