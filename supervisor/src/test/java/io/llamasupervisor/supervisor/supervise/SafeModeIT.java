package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A server that crashes by signal while loading gets a second chance with conservative flags. */
class SafeModeIT extends FleetHarness.OneModel {
  private static String segvUnless(String value) {
    return "supervisor.models.\"**\".env.FAKE_LLAMA_SEGV_UNLESS=" + value;
  }

  private static boolean has(List<String> argv, String... args) {
    return Collections.indexOfSubList(argv, List.of(args)) >= 0;
  }

  @Test
  void aSegfaultWhileLoadingIsRetriedWithNoRepackAndServesWithAWarning() throws Exception {
    h.start(segvUnless("--no-repack"));
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    List<String> argv = ready.instances().get(0).argv();
    assertTrue(has(argv, "--no-repack"), argv.toString());
    assertTrue(has(argv, "--flash-attn", "auto"), "only the first level: " + argv);
    assertEquals("KILLED(SIGSEGV)", ready.lastExit());
    assertEquals(1, ready.warnings().size(), ready.toString());
    String warning = ready.warnings().get(0);
    assertTrue(warning.startsWith("started in safe mode: --no-repack"), warning);
    assertTrue(warning.contains("set `extra-args: [--no-repack]` to keep it"), warning);
    assertTrue(ready.instances().get(0).generation() > 1, "the first start crashed");
  }

  @Test
  void whenNoRepackIsNotEnoughTheNextTryAlsoUsesAnF16CacheWithoutFlashAttention() throws Exception {
    h.start(segvUnless("--no-repack,--flash-attn off"));
    ModelStatus ready = h.awaitState(ID, "ready", LONG);
    List<String> argv = ready.instances().get(0).argv();
    assertTrue(has(argv, "--no-repack"), argv.toString());
    assertTrue(has(argv, "--cache-type-k", "f16"), argv.toString());
    assertTrue(has(argv, "--cache-type-v", "f16"), argv.toString());
    assertTrue(has(argv, "--flash-attn", "off"), argv.toString());
    assertTrue(
        ready.warnings().get(0).contains("--no-repack, f16 KV cache, --flash-attn off"),
        ready.toString());
  }

  @Test
  void aCrashThatSafeFlagsDoNotFixEndsInACrashLoop() throws Exception {
    h.start(segvUnless("--no-mmap"));
    ModelStatus failed = h.awaitState(ID, "failed", LONG);
    assertEquals(ReasonCode.CRASH_LOOP, failed.lastDecision().code(), failed.toString());
    assertTrue(failed.lastDecision().message().contains("KILLED(SIGSEGV)"), failed.toString());
    assertFalse(failed.warnings().stream().anyMatch(w -> w.contains("safe mode")));
  }
}
