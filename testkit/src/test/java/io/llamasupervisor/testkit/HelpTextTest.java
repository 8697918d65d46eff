package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HelpTextTest {
  private final HelpText help = HelpText.bundled();

  @Test
  void everyEntryOfTheRealHelpIsAnOption() {
    assertTrue(help.options().size() > 200, "options: " + help.options().size());
    for (HelpText.Option o : help.options()) {
      assertTrue(
          o.names().stream().allMatch(n -> n.matches("--?[A-Za-z0-9][A-Za-z0-9_.-]*")),
          o.toString());
    }
  }

  @Test
  void aritiesFollowTheValuePlaceholders() {
    assertEquals(1, help.find("-c").orElseThrow().arity());
    assertEquals(List.of("-c", "--ctx-size"), help.find("--ctx-size").orElseThrow().names());
    assertEquals(1, help.find("-fa").orElseThrow().arity());
    assertEquals(0, help.find("--metrics").orElseThrow().arity());
    assertEquals(0, help.find("--no-slots").orElseThrow().arity());
    assertEquals(0, help.find("-nkvo").orElseThrow().arity());
    assertEquals(1, help.find("-ot").orElseThrow().arity());
    assertEquals(1, help.find("--spec-type").orElseThrow().arity());
    assertEquals(2, help.find("--control-vector-layer-range").orElseThrow().arity());
    assertEquals(1, help.find("--sleep-idle-seconds").orElseThrow().arity());
    assertTrue(help.find("--definitely-not-a-flag").isEmpty());
  }

  @Test
  void usageIsTheEntryAsPrinted() {
    assertEquals(
        List.of(
            "-ctk,  --cache-type-k TYPE              KV cache data type for K",
            "                                        allowed values: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1",
            "                                        (default: f16)",
            "                                        (env: LLAMA_ARG_CACHE_TYPE_K)"),
        help.find("-ctk").orElseThrow().usage());
  }
}
