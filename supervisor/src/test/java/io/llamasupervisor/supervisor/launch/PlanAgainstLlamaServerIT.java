package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.supervisor.testing.Fixtures;
import io.llamasupervisor.testkit.FakeServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs planned command lines: the slots a llama-server reports in {@code /props} must be what the
 * plan says, and a cache-type fallback must be what keeps it from exiting. Uses testkit's fake
 * llama-server; also the real one when {@code LLAMA_SERVER_BIN} names it.
 */
class PlanAgainstLlamaServerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration START = Duration.ofSeconds(20);

  @TempDir Path dir;

  private final LaunchPlanner planner = new LaunchPlanner(LaunchConfig.builtIn(), 2);

  private LaunchPlan plan(String id, Path model) throws Exception {
    return planner.plan(
        ModelSpec.of(id, GgufReader.read(model)), OptionalInt.of(FakeServerProcess.freePort()));
  }

  private static void assertServes(FakeServerProcess p, LaunchPlan plan) throws Exception {
    p.awaitHealthy(START);
    JsonNode props = JSON.readTree(p.get("/props").body());
    assertEquals(plan.ctxPerSlot(), props.get("default_generation_settings").get("n_ctx").asInt());
    assertEquals(plan.parallel(), props.get("total_slots").asInt());
  }

  private static List<String> llamaArgs(LaunchPlan plan) {
    return plan.argv().subList(1, plan.argv().size());
  }

  @Test
  void fakeServesTheSlotsThePlanPromises() throws Exception {
    Map<String, Path> models =
        Map.of(
            "tiny", Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny.gguf")),
            "ctx512", GgufWriter.llama(512, 128, 4, 2, 2).write(dir.resolve("ctx512.gguf")),
            "ctx128k", GgufWriter.llama(131072, 128, 4, 2, 2).write(dir.resolve("ctx128k.gguf")),
            "hd16", GgufWriter.llama(2048, 64, 4, 2, 2).write(dir.resolve("hd16.gguf")));
    for (Map.Entry<String, Path> m : models.entrySet()) {
      LaunchPlan plan = plan(m.getKey(), m.getValue());
      try (FakeServerProcess p = FakeServerProcess.start(llamaArgs(plan))) {
        assertServes(p, plan);
      }
    }
  }

  /** Without the f16 fallback, llama-server exits at load for a head dimension of 16. */
  @Test
  void theFallbackIsWhatKeepsAHeadDimSixteenModelRunning() throws Exception {
    LaunchPlan plan =
        plan("hd16", GgufWriter.llama(2048, 64, 4, 2, 2).write(dir.resolve("hd16.gguf")));
    assertEquals(KvCacheType.F16, plan.cacheTypeK());
    List<String> unchecked = new ArrayList<>(llamaArgs(plan));
    unchecked.set(unchecked.indexOf("--cache-type-k") + 1, "q8_0");
    try (FakeServerProcess p = FakeServerProcess.start(unchecked)) {
      assertEquals(1, p.awaitExit(START));
      assertTrue(p.stderr().contains("does not divide n_embd_head_k=16"), p.stderr());
    }
  }

  @Test
  void realLlamaServerServesTheSlotsThePlanPromises() throws Exception {
    String bin = System.getenv("LLAMA_SERVER_BIN");
    Assumptions.assumeTrue(bin != null && !bin.isBlank(), "LLAMA_SERVER_BIN not set");
    LaunchPlan plan = plan("tiny", Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny.gguf")));
    List<String> args = llamaArgs(plan);
    try (FakeServerProcess p =
        FakeServerProcess.start(
            a -> {
              List<String> cmd = new ArrayList<>(List.of(bin));
              cmd.addAll(a);
              return cmd;
            },
            args,
            Map.of(),
            null)) {
      assertServes(p, plan);
    }
  }
}
