package io.llamasupervisor.gateway.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ConversationsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MemoryConversationStore store =
      new MemoryConversationStore(1 << 20, Duration.ofHours(1));
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Conversations conversations =
      new Conversations(
          store, new ConversationMetrics(meters, store), new Random(1), Runnable::run);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Runs a turn through its tap with a JSON answer; returns whether the end was released. */
  private static boolean answer(Conversations.Turn turn, String json, String backend) {
    ResponseTap tap = turn.tap();
    tap.start(200, "application/json");
    tap.chunk(ByteBuffer.wrap(bytes(json)));
    AtomicBoolean released = new AtomicBoolean();
    tap.complete(backend, () -> released.set(true));
    return released.get();
  }

  private static String response(String id, String text, int total) {
    return "{\"id\":\""
        + id
        + "\",\"object\":\"response\",\"output\":[{\"type\":\"message\","
        + "\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\""
        + text
        + "\"}]}],\"usage\":{\"input_tokens\":"
        + (total - 2)
        + ",\"output_tokens\":2,"
        + "\"total_tokens\":"
        + total
        + "}}";
  }

  @Test
  void aFirstTurnIsForwardedUnchangedAndItsAnswerStoredWithTheInput() throws Exception {
    byte[] body = bytes("{\"model\":\"m\",\"input\":\"Hi\"}");
    var turn = (Conversations.Turn) conversations.prepare(body, "k", "m", 0);
    assertEquals(body, turn.body());
    assertNull(turn.preferredBackend());
    assertTrue(answer(turn, response("resp_1", "Hello", 12), "http://b1"));
    StoredResponse s = store.get("resp_1").orElseThrow();
    assertEquals("k", s.owner());
    assertEquals(12, s.tokens());
    assertEquals("http://b1", s.backend());
    JsonNode items = JSON.readTree(s.items());
    assertEquals("Hi", items.get(0).path("content").asText());
    assertEquals("assistant", items.get(1).path("role").asText());
  }

  @Test
  void aLaterTurnGetsTheHistoryPrependedAndPrefersThePreviousBackend() throws Exception {
    answer(
        (Conversations.Turn)
            conversations.prepare(bytes("{\"model\":\"m\",\"input\":\"Hi\"}"), "", "m", 0),
        response("resp_1", "Hello", 12),
        "http://b1");
    var next =
        conversations.prepare(
            bytes("{\"model\":\"m\",\"input\":\"Again\",\"previous_response_id\":\"resp_1\"}"),
            "",
            "m",
            0);
    var turn = assertInstanceOf(Conversations.Turn.class, next);
    JsonNode sent = JSON.readTree(turn.body());
    assertFalse(sent.has("previous_response_id"));
    assertEquals(3, sent.path("input").size());
    assertEquals("Again", sent.path("input").get(2).path("content").asText());
    assertEquals("http://b1", turn.preferredBackend());
    assertEquals(
        1.0,
        meters.get("llama.gateway.conversation.lookups").tag("result", "hit").counter().count());
  }

  @Test
  void anotherOwnersIdIsNotFoundAndStoreFalseKeepsNothing() {
    answer(
        (Conversations.Turn)
            conversations.prepare(bytes("{\"input\":\"Hi\",\"store\":false}"), "a", "m", 0),
        response("resp_x", "Hello", 12),
        "http://b1");
    assertTrue(store.get("resp_x").isEmpty());
    answer(
        (Conversations.Turn) conversations.prepare(bytes("{\"input\":\"Hi\"}"), "a", "m", 0),
        response("resp_1", "Hello", 12),
        "http://b1");
    var other =
        conversations.prepare(
            bytes("{\"input\":\"x\",\"previous_response_id\":\"resp_1\"}"), "b", "m", 0);
    var refusal = assertInstanceOf(Conversations.Refusal.class, other);
    assertEquals(404, refusal.error().status());
    assertTrue(conversations.find("resp_1", "b").isEmpty());
    assertFalse(conversations.forget("resp_1", "b"));
    assertTrue(conversations.forget("resp_1", "a"));
  }

  @Test
  void theContextCheckCountsTheHistoryExactlyAndTheNewInputByEstimate() {
    answer(
        (Conversations.Turn) conversations.prepare(bytes("{\"input\":\"Hi\"}"), "", "m", 0),
        response("resp_1", "Hello", 90),
        "http://b1");
    // 90 in the history; {"role":"user","content":"xxxx…"} is 4 bytes a token
    String fits = "{\"input\":\"" + "x".repeat(4) + "\",\"previous_response_id\":\"resp_1\"}";
    assertInstanceOf(Conversations.Turn.class, conversations.prepare(bytes(fits), "", "m", 100));
    String over = "{\"input\":\"" + "x".repeat(40) + "\",\"previous_response_id\":\"resp_1\"}";
    var refusal =
        assertInstanceOf(
            Conversations.Refusal.class, conversations.prepare(bytes(over), "", "m", 100));
    assertEquals(400, refusal.error().status());
    assertTrue(refusal.error().message().contains("90 in its history"), refusal.error().message());
    assertTrue(
        refusal.error().message().contains("100 tokens per slot"), refusal.error().message());
  }

  @Test
  void aStreamIsStoredFromItsCompletedEventInAnyChunking() {
    var turn = (Conversations.Turn) conversations.prepare(bytes("{\"input\":\"Hi\"}"), "", "m", 0);
    ResponseTap tap = turn.tap();
    tap.start(200, "text/event-stream");
    String stream =
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
            + "\"delta\":\"He\"}\n\n: ping\n\nevent: response.completed\ndata: {\"type\":"
            + "\"response.completed\",\"response\":"
            + response("resp_s", "He", 7)
            + ",\"timings\":{}}\n\n";
    for (String piece :
        List.of(stream.substring(0, 50), stream.substring(50, 51), stream.substring(51))) {
      tap.chunk(ByteBuffer.wrap(bytes(piece)));
    }
    tap.complete("http://b2", () -> {});
    assertEquals("http://b2", store.get("resp_s").orElseThrow().backend());
  }
}
