package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** KV cache usage read from llama-server's {@code /slots} bodies. */
class KvUsageTest {
  @Test
  void anIdleInstanceHoldsNothingEvenWithPromptCachesLeftInItsSlots() {
    // the shape b10470 answers after two finished requests
    String slots =
        """
        [{"id":0,"n_ctx":512,"is_processing":false,"id_task":51,"n_prompt_tokens":511,
          "next_token":[{"has_next_token":false,"n_remain":-1,"n_decoded":0}]},
         {"id":1,"n_ctx":512,"is_processing":false}]
        """;
    assertEquals(0.0, KvUsage.ratio(slots).orElseThrow());
  }

  @Test
  void runningTasksHoldTheirPromptAndDecodedTokensCappedAtTheSlotContext() {
    String slots =
        """
        [{"id":0,"n_ctx":512,"is_processing":true,"n_prompt_tokens":200,
          "next_token":[{"n_decoded":56}]},
         {"id":1,"n_ctx":512,"is_processing":true,"n_prompt_tokens":600,
          "next_token":[{"n_decoded":9}]},
         {"id":2,"n_ctx":512,"is_processing":false},
         {"id":3,"n_ctx":512,"is_processing":false}]
        """;
    assertEquals((256.0 + 512.0) / 2048.0, KvUsage.ratio(slots).orElseThrow(), 1e-9);
  }

  @Test
  void aBodyThatIsNotAListOfSlotsHasNoRatio() {
    for (String bad :
        new String[] {
          "", "{\"error\":{\"code\":501}}", "[]", "[{\"id\":0}]", "[{\"id\":0,\"n_ctx\":512",
        }) {
      assertTrue(KvUsage.ratio(bad).isEmpty(), bad);
    }
  }
}
