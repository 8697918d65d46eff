package io.llamasupervisor.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JsonMappersTest {
  record Stamp(Instant at, Duration took) {}

  private final ObjectMapper json = JsonMappers.mapper();

  @Test
  void instantsAndDurationsAreIsoStringsBothWays() throws Exception {
    Stamp s = new Stamp(Instant.parse("2026-03-01T12:00:00Z"), Duration.ofMillis(1500));
    String text = json.writeValueAsString(s);
    assertEquals("{\"at\":\"2026-03-01T12:00:00Z\",\"took\":\"PT1.5S\"}", text);
    assertEquals(s, json.readValue(text, Stamp.class));
  }

  @Test
  void unknownFieldsAreIgnoredSoAnOlderReaderAcceptsANewerWriter() throws Exception {
    Stamp s =
        json.readValue(
            "{\"at\":\"2026-03-01T12:00:00Z\",\"took\":\"PT1S\",\"new\":1}", Stamp.class);
    assertEquals(Duration.ofSeconds(1), s.took());
  }

  @Test
  void aSecondDocumentOrGarbageAfterTheFirstIsRefused() {
    assertThrows(JsonProcessingException.class, () -> json.readTree("{\"a\":1} {\"b\":2}"));
    assertThrows(JsonProcessingException.class, () -> json.readTree("[1] x"));
  }

  @Test
  void nestingDeeperThanTheLimitIsRefused() throws Exception {
    int ok = JsonMappers.MAX_DEPTH;
    json.readTree("[".repeat(ok) + "]".repeat(ok));
    int deep = JsonMappers.MAX_DEPTH + 1;
    assertThrows(
        JsonProcessingException.class, () -> json.readTree("[".repeat(deep) + "]".repeat(deep)));
  }
}
