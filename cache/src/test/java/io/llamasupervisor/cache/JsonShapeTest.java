package io.llamasupervisor.cache;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonShapeTest {
  private static final String COMPLETION =
      "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
          + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
          + "\"content\":\"a \\\"quoted\\\" {error} [x], \\\\ and \\u00e9\"},"
          + "\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7},"
          + "\"timings\":{\"prompt_ms\":0.051,\"predicted_per_second\":1.0e3}}";

  private static boolean completion(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return JsonShape.isCompletion(b, b.length);
  }

  @Test
  void aWholeCompletionPassesWithWhitespaceAroundIt() {
    assertTrue(completion(COMPLETION));
    assertTrue(completion("\n " + COMPLETION + "\r\n"));
    assertTrue(completion("{ \"choices\" : [ ] }"));
  }

  @Test
  void everyCutOfACompletionIsRejected() {
    byte[] b = COMPLETION.getBytes(StandardCharsets.UTF_8);
    for (int n = 0; n < b.length; n++) {
      assertFalse(JsonShape.isCompletion(b, n), "accepted the first " + n + " bytes");
    }
    assertTrue(JsonShape.isCompletion(b, b.length));
  }

  @Test
  void aTopLevelErrorOrNoChoicesArrayIsRejected() {
    assertFalse(completion("{\"choices\":[],\"error\":{}}"));
    assertFalse(completion("{\"error\":{\"code\":500,\"message\":\"x\"}}"));
    assertFalse(completion("{\"id\":\"x\"}"));
    assertFalse(completion("{\"choices\":{}}"));
    assertFalse(completion("{\"choices\":null}"));
    assertFalse(completion("{\"data\":{\"choices\":[]}}"));
  }

  @Test
  void anErrorFieldInsideTheChoicesIsContentNotAnError() {
    assertTrue(completion("{\"choices\":[{\"error\":1,\"text\":\"error\"}]}"));
  }

  @Test
  void somethingBeforeOrAfterTheObjectOrMismatchedBracketsAreRejected() {
    assertFalse(completion(COMPLETION + " {}"));
    assertFalse(completion(COMPLETION + "x"));
    assertFalse(completion("x" + COMPLETION));
    assertFalse(completion("[" + COMPLETION + "]"));
    assertFalse(completion("{\"choices\":[}]"));
    assertFalse(completion("{\"choices\":[]]"));
    assertFalse(completion("{\"choices\" []}"));
    assertFalse(completion(""));
    assertFalse(completion("   "));
  }

  @Test
  void deepNestingGrowsTheBracketStack() {
    String deep = "[".repeat(100) + "]".repeat(100);
    assertTrue(completion("{\"choices\":[" + deep + "]}"));
    assertFalse(completion("{\"choices\":[" + deep + "}"));
  }
}
