package io.llamasupervisor.gateway.conversation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llamasupervisor.gateway.GatewayError;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions about {@code POST /v1/responses} turns, without sockets.
 *
 * <p>{@link #prepare} reads a request body: with {@code previous_response_id} it looks the response
 * up (it must belong to the same owner, else 404), prepends the stored conversation to {@code
 * input}, drops the field (llama-server refuses it) and checks that the conversation still fits the
 * model's context per slot; without it the body is forwarded unchanged. The {@link Turn} it returns
 * watches the answer ({@link Turn#tap()}) and, when {@code store} is not false, keeps the request's
 * input and the response's output items under the response id.
 *
 * <p>Context check: the history counts as many tokens as llama-server reported for the previous
 * response ({@code usage.total_tokens}, exact); the new input is estimated at one token per four
 * bytes of its JSON (which also covers the chat template's few tokens per message); {@code
 * max_output_tokens}, when given, is added. More than the context per slot → 400 naming both sizes.
 * Store operations run on {@code work} (they may block on Redis). Thread-safe.
 */
public final class Conversations {
  private static final Logger LOG = LoggerFactory.getLogger(Conversations.class);
  private static final int CAPTURE_LIMIT = 16 * 1024 * 1024;

  private final ConversationStore store;
  private final ConversationMetrics metrics;
  private final RandomGenerator random;
  private final Executor work;
  private final ObjectMapper json = new ObjectMapper();

  public Conversations(
      ConversationStore store, ConversationMetrics metrics, RandomGenerator random, Executor work) {
    this.store = store;
    this.metrics = metrics;
    this.random = random;
    this.work = work;
  }

  /** Where store operations (and {@link #prepare}) run. */
  public Executor work() {
    return work;
  }

  /** What became of a request: a turn to forward, or an answer to give at once. */
  public sealed interface Prepared permits Turn, Refusal {}

  /** The request is refused with {@code error}. */
  public record Refusal(GatewayError error) implements Prepared {}

  /**
   * Reads a {@code /v1/responses} body. Blocks on the store: call it on {@link #work()}.
   *
   * @param owner the caller's key name ({@code ""} without keys)
   * @param model the model id the request was routed to
   * @param ctxPerSlot the model's context per slot, 0 when unknown (no check then)
   */
  public Prepared prepare(byte[] body, String owner, String model, int ctxPerSlot) {
    String who = owner == null ? "" : owner;
    ObjectNode o;
    try {
      JsonNode root = json.readTree(body);
      if (!(root instanceof ObjectNode obj)) {
        return new Turn(body, false, who, model, 0, null, null);
      }
      o = obj;
    } catch (IOException e) {
      // llama-server gives the client the parse error
      return new Turn(body, false, who, model, 0, null, null);
    }
    boolean keep = !o.hasNonNull("store") || o.get("store").asBoolean(true);
    ArrayNode input = items(o.get("input"));
    JsonNode prevNode = o.get("previous_response_id");
    String prevId = prevNode != null && prevNode.isTextual() ? prevNode.asText() : "";
    if (prevId.isEmpty()) {
      long conversation = random.nextLong() | 1L;
      return new Turn(body, keep && input != null, who, model, conversation, input, null);
    }
    Optional<StoredResponse> found;
    try {
      found = store.get(prevId).filter(r -> r.owner().equals(who));
    } catch (RuntimeException e) {
      LOG.warn("Reading conversation {} failed: {}", prevId, e.toString());
      return new Refusal(unavailable(e));
    }
    metrics.lookup(found.isPresent());
    if (found.isEmpty()) {
      return new Refusal(ConversationErrors.notFound(prevId));
    }
    StoredResponse previous = found.get();
    ArrayNode history;
    try {
      history = (ArrayNode) json.readTree(previous.items());
    } catch (IOException | ClassCastException e) {
      LOG.warn("Stored conversation {} is unreadable: {}", prevId, e.toString());
      return new Refusal(ConversationErrors.notFound(prevId));
    }
    ArrayNode fresh = input == null ? json.createArrayNode() : input;
    if (ctxPerSlot > 0) {
      long past = previous.tokens() >= 0 ? previous.tokens() : estimate(previous.items());
      long added = estimate(fresh.toString()) + estimate(o.path("instructions").asText(""));
      long output =
          o.path("max_output_tokens").canConvertToLong() ? o.get("max_output_tokens").asLong() : 0;
      long need = past + added + Math.max(0, output);
      if (need > ctxPerSlot) {
        return new Refusal(
            ConversationErrors.contextExceeded(model, past, added, output, need, ctxPerSlot));
      }
    }
    history.addAll(fresh);
    o.remove("previous_response_id");
    o.set("input", history);
    byte[] out;
    try {
      out = json.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
    String preferred =
        previous.model().equals(model) && !previous.backend().isEmpty() ? previous.backend() : null;
    return new Turn(out, keep, who, model, previous.conversation(), history, preferred);
  }

  /** A stored response of {@code owner}; another owner's is not found. Blocks on the store. */
  public Optional<StoredResponse> find(String id, String owner) {
    String who = owner == null ? "" : owner;
    return store.get(id).filter(r -> r.owner().equals(who));
  }

  /** Forgets {@code owner}'s response {@code id}; false when there is none. Blocks on the store. */
  public boolean forget(String id, String owner) {
    if (find(id, owner).isEmpty()) {
      return false;
    }
    return store.remove(id);
  }

  /** The 404 for an id that {@link #find} does not know. */
  public static GatewayError notFound(String id) {
    return ConversationErrors.notFound(id);
  }

  /** 500: the turn could not be prepared (a bug; logged). */
  public static GatewayError failed(RuntimeException e) {
    return new GatewayError(
        500, "server_error", "conversation_failed", "The conversation failed: " + e, null);
  }

  /** 503: the store (Redis) cannot be read or written now. */
  public static GatewayError unavailable(RuntimeException e) {
    return new GatewayError(
        503,
        "unavailable_error",
        "conversation_store_unavailable",
        "The conversation store is unavailable: " + e.getMessage(),
        java.time.Duration.ofSeconds(1));
  }

  /** 503: too many conversation requests wait for the store. */
  public static GatewayError busy() {
    return new GatewayError(
        503,
        "unavailable_error",
        "conversations_busy",
        "Too many conversation requests are waiting for the store",
        java.time.Duration.ofSeconds(1));
  }

  /** One token per four bytes of UTF-8, rounded up. */
  static long estimate(String text) {
    return (text.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
  }

  /** {@code input} as items: a string is one user message; null when neither. */
  private ArrayNode items(JsonNode input) {
    if (input == null) {
      return null;
    }
    if (input.isTextual()) {
      ArrayNode a = json.createArrayNode();
      a.addObject().put("role", "user").put("content", input.asText());
      return a;
    }
    return input.isArray() ? ((ArrayNode) input).deepCopy() : null;
  }

  /**
   * One turn on its way to a backend: {@link #body()} is what to forward, {@link
   * #preferredBackend()} the backend that served the previous turn (null: any).
   */
  public final class Turn implements Prepared {
    private final byte[] body;
    private final boolean keep;
    private final String owner;
    private final String model;
    private final long conversation;
    private final ArrayNode history;
    private final String preferred;

    private Turn(
        byte[] body,
        boolean keep,
        String owner,
        String model,
        long conversation,
        ArrayNode history,
        String preferred) {
      this.body = body;
      this.keep = keep;
      this.owner = owner;
      this.model = model;
      this.conversation = conversation;
      this.history = history;
      this.preferred = preferred;
    }

    public byte[] body() {
      return body;
    }

    public String preferredBackend() {
      return preferred;
    }

    /** Whether the answer will be stored. */
    public boolean stores() {
      return keep;
    }

    /** A tap for the answer of this turn (one per attempt). */
    public ResponseTap tap() {
      ResponseCapture capture = keep ? new ResponseCapture(CAPTURE_LIMIT) : null;
      return new ResponseTap() {
        @Override
        public void start(int status, String contentType) {
          if (capture != null) {
            capture.start(status, contentType);
          }
        }

        @Override
        public void chunk(ByteBuffer bytes) {
          if (capture != null) {
            capture.chunk(bytes);
          }
        }

        @Override
        public void complete(String backend, Runnable then) {
          if (preferred != null && preferred.equals(backend)) {
            metrics.affinityHit();
          }
          String response = capture == null ? null : capture.result();
          if (response == null) {
            then.run();
            return;
          }
          try {
            work.execute(
                () -> {
                  try {
                    keep(response, backend);
                  } finally {
                    then.run();
                  }
                });
          } catch (RuntimeException e) {
            LOG.warn("Storing a response of {} was refused: {}", model, e.toString());
            then.run();
          }
        }

        @Override
        public void abort() {}
      };
    }

    private void keep(String responseJson, String backend) {
      try {
        JsonNode r = json.readTree(responseJson);
        if (!r.has("id") && r.path("response").isObject()) {
          r = r.get("response"); // the data of a response.completed event
        }
        String id = r.path("id").asText("");
        if (id.isEmpty()) {
          return;
        }
        ArrayNode items = history == null ? json.createArrayNode() : history.deepCopy();
        for (JsonNode item : r.path("output")) {
          items.add(item);
        }
        JsonNode usage = r.path("usage");
        long tokens =
            usage.has("total_tokens")
                ? usage.get("total_tokens").asLong()
                : usage.has("input_tokens")
                    ? usage.get("input_tokens").asLong() + usage.path("output_tokens").asLong()
                    : -1;
        store.put(
            new StoredResponse(
                id, owner, model, conversation, items.toString(), r.toString(), tokens, backend));
      } catch (IOException | RuntimeException e) {
        LOG.warn("Storing a response of {} failed: {}", model, e.toString());
      }
    }
  }
}
