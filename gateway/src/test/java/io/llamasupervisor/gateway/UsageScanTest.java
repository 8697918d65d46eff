package io.llamasupervisor.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageScanTest {
  private static UsageScan.Usage scan(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return UsageScan.scan(b, b.length);
  }

  @Test
  void readsUsageOfANonStreamedAnswer() {
    UsageScan.Usage u =
        scan(
            "{\"choices\":[],\"usage\":{\"completion_tokens\":6,\"prompt_tokens\":37,"
                + "\"total_tokens\":43,\"prompt_tokens_details\":{\"cached_tokens\":0}},"
                + "\"timings\":{\"prompt_n\":37,\"predicted_n\":6,\"predicted_per_second\":8090.5}}");
    assertEquals(37, u.prompt());
    assertEquals(6, u.completion());
    assertEquals(8090.5, u.perSecond());
  }

  @Test
  void readsTheLastEventOfAStreamAndFallsBackToTimings() {
    UsageScan.Usage u =
        scan(
            "data: {\"choices\":[{\"delta\":{\"content\":\" in\"}}]}\n\n"
                + "data: {\"choices\":[{\"finish_reason\":\"length\",\"delta\":{}}],"
                + "\"timings\":{\"prompt_n\":4,\"predicted_n\":9,\"predicted_per_second\":100.0}}\n\n"
                + "data: [DONE]\n\n");
    assertEquals(4, u.prompt());
    assertEquals(9, u.completion());
    assertEquals(100.0, u.perSecond());
  }

  @Test
  void aCutOrMissingTailGivesUnknown() {
    assertEquals(-1, scan("{\"content\":\"x\"}").prompt());
    assertEquals(-1, scan("\"usage\":{\"prompt_tok").prompt());
  }

  @Test
  void nestedObjectsAndStringsDoNotConfuseTheScan() {
    UsageScan.Usage u =
        scan(
            "{\"usage\":{\"prompt_tokens_details\":{\"prompt_tokens\":99},\"note\":\"a \\\"}\\\" b\","
                + "\"completion_tokens\":7,\"prompt_tokens\":12}}");
    assertEquals(12, u.prompt());
    assertEquals(7, u.completion());
    assertEquals(-1, u.perSecond());
  }

  @Test
  void ratesWithSeventeenDigitsOrAnExponentReadAsDoubleWould() {
    for (String rate :
        new String[] {"27.384615384615387", "8090.501234567890123", "1.5e3", "2.25E-1", "0.1"}) {
      UsageScan.Usage u =
          scan(
              "{\"timings\":{\"prompt_n\":1,\"predicted_n\":2,\"predicted_per_second\":"
                  + rate
                  + "}}");
      assertEquals(
          Double.parseDouble(rate), u.perSecond(), Math.ulp(Double.parseDouble(rate)) * 4, rate);
    }
  }

  @Test
  void aRateCutAfterItsPointIsUnknown() {
    assertEquals(-1, scan("{\"timings\":{\"predicted_per_second\":12.").perSecond());
    assertEquals(-1, scan("{\"timings\":{\"predicted_per_second\":12.34").perSecond());
  }
}
