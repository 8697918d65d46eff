package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RequestMixTest {
  @Test
  void streamOnlySendsStreamsLastingTheAskedTimeAtTheMeasuredPace() {
    RequestMix mix =
        new RequestMix("tiny", true, 16, Duration.ofSeconds(2), Duration.ofSeconds(10), 20);
    Random r = new Random(3);

    for (int i = 0; i < 50; i++) {
      BenchRequest req = mix.next(r);
      assertTrue(req.stream());
      assertTrue(req.maxTokens() >= 100 && req.maxTokens() <= 500, "tokens " + req.maxTokens());
    }
    assertEquals(100, mix.minStreamTokens());
    assertEquals(500, mix.maxStreamTokens());
  }

  @Test
  void aChatRequestAsksForExactlyItsTokens() throws Exception {
    JsonNode body = new ObjectMapper().readTree(BenchRequest.chat("tiny", true, 123).body());

    assertEquals("tiny", body.get("model").asText());
    assertEquals(123, body.get("max_tokens").asInt());
    assertTrue(body.get("ignore_eos").asBoolean());
    assertTrue(body.get("stream").asBoolean());
    assertEquals("user", body.at("/messages/0/role").asText());
    assertEquals("/v1/chat/completions", BenchRequest.chat("tiny", false, 1).path());
  }

  @Test
  void rejectsStreamBoundsTheWrongWayRound() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new RequestMix("m", false, 1, Duration.ofSeconds(5), Duration.ofSeconds(2), 20));
  }
}
