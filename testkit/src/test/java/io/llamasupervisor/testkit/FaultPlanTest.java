package io.llamasupervisor.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultPlanTest {
  @Test
  void defaultsWithoutKnobs() {
    FaultPlan.Parsed p = FaultPlan.parse(List.of("-m", "x"), Map.of("HOME", "/"));
    assertEquals(FaultPlan.none(), p.plan());
    assertEquals(List.of("-m", "x"), p.llamaArgs());
    assertEquals(20, p.plan().loadMs());
  }

  @Test
  void environmentAndFlagsFlagsWin() {
    FaultPlan.Parsed p =
        FaultPlan.parse(
            List.of("-m", "x", "--fake-load-ms", "500", "--fake-exit-code=7", "-c", "1"),
            Map.of(
                "FAKE_LLAMA_LOAD_MS", "100",
                "FAKE_LLAMA_TOKEN_MS", "0.5",
                "FAKE_LLAMA_EXIT_AFTER_REQUESTS", "2",
                "FAKE_LLAMA_COMPLETIONS_500", "true",
                "FAKE_LLAMA_FAIL_LOAD", "unknown model architecture: 'x'"));
    assertEquals(List.of("-m", "x", "-c", "1"), p.llamaArgs());
    assertEquals(500, p.plan().loadMs());
    assertEquals(0.5, p.plan().tokenMs());
    assertEquals(2, p.plan().exitAfterRequests());
    assertEquals(7, p.plan().exitCode());
    assertTrue(p.plan().completions500());
    assertEquals("unknown model architecture: 'x'", p.plan().failLoad());
    assertNull(FaultPlan.parse(List.of(), Map.of("FAKE_LLAMA_FAIL_LOAD", "0")).plan().failLoad());
  }

  @Test
  void segvUnlessNamesTheFirstMissingItem() {
    Map<String, String> env = Map.of("FAKE_LLAMA_SEGV_UNLESS", "--no-repack, --flash-attn off");
    assertEquals("--no-repack", FaultPlan.parse(List.of("-m", "x"), env).plan().segvMissing());
    assertEquals(
        "--flash-attn off",
        FaultPlan.parse(List.of("-m", "x", "--no-repack", "--flash-attn", "auto"), env)
            .plan()
            .segvMissing());
    assertNull(
        FaultPlan.parse(List.of("--flash-attn", "off", "-m", "x", "--no-repack"), env)
            .plan()
            .segvMissing());
    assertNull(FaultPlan.parse(List.of("-m", "x"), Map.of()).plan().segvMissing());
  }

  @Test
  void typosAndBadValuesAreRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () -> FaultPlan.parse(List.of(), Map.of("FAKE_LLAMA_LOAD_MSX", "1")));
    assertThrows(
        IllegalArgumentException.class,
        () -> FaultPlan.parse(List.of("--fake-nope", "1"), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> FaultPlan.parse(List.of(), Map.of("FAKE_LLAMA_LOAD_MS", "soon")));
    assertThrows(
        IllegalArgumentException.class,
        () -> FaultPlan.parse(List.of(), Map.of("FAKE_LLAMA_EXIT_CODE", "300")));
    assertThrows(
        IllegalArgumentException.class, () -> FaultPlan.parse(List.of("--fake-load-ms"), Map.of()));
  }

  @Test
  void everyKnobHasMatchingNames() {
    for (Fault f : Fault.values()) {
      assertEquals("FAKE_LLAMA_" + f.name(), f.envName());
      assertTrue(f.flagName().startsWith("--fake-"), f.flagName());
    }
  }
}
