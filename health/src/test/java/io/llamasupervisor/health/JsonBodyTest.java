package io.llamasupervisor.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonBodyTest {
  @Test
  void readsNestedStringsOfObjectsOnly() {
    var json = JsonBody.parse("{\"error\":{\"code\":503,\"message\":\"Loading model\"}}");
    assertEquals(Optional.of("Loading model"), JsonBody.text(json, "error", "message"));
    assertEquals(Optional.empty(), JsonBody.text(json, "error", "code"));
    assertEquals(Optional.empty(), JsonBody.text(json, "error", "message", "deeper"));
    assertEquals(Optional.empty(), JsonBody.at(JsonBody.parse("{\"a\":null}"), "a"));
  }

  @Test
  void anythingButOneDocumentIsNotJson() {
    for (String bad : new String[] {"", "  ", "{\"a\":1} {}", "{\"a\":", "Loading model", null}) {
      assertTrue(JsonBody.parse(bad).isEmpty(), String.valueOf(bad));
    }
  }

  @Test
  void nestingIsBounded() {
    String deep = "[".repeat(JsonBody.MAX_DEPTH + 1) + "]".repeat(JsonBody.MAX_DEPTH + 1);
    String ok = "[".repeat(JsonBody.MAX_DEPTH) + "]".repeat(JsonBody.MAX_DEPTH);
    assertTrue(JsonBody.parse(deep).isEmpty());
    assertTrue(JsonBody.parse(ok).isPresent());
  }
}
