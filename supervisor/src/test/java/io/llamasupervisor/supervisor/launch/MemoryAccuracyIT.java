package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.supervisor.memory.MeasuredFootprint;
import io.llamasupervisor.supervisor.testing.Fixtures;
import io.llamasupervisor.testkit.FakeLlamaServer;
import io.llamasupervisor.testkit.FakeServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory estimate against what llama-server logs at {@code -lv 4}: for the fixture model the
 * real binary loads, with every KV cache type (K = V) under the default plan, and with flash
 * attention off where the cache type allows it, the estimated total must be within 10 % of the
 * measured total. Runs against the fake always and against the real binary when {@code
 * LLAMA_SERVER_BIN} names it; prints the table.
 */
class MemoryAccuracyIT {
  private static final Duration START = Duration.ofSeconds(30);
  private static final double MIB = 1024.0 * 1024.0;
  private static final double TOLERANCE = 0.10;

  @TempDir Path dir;

  @Test
  void fakeLogsWhatTheEstimateSays() throws Exception {
    check("fake", FakeLlamaServer::command);
  }

  @Test
  void realLlamaServerIsWithinTenPercentOfTheEstimate() throws Exception {
    String bin = System.getenv("LLAMA_SERVER_BIN");
    Assumptions.assumeTrue(bin != null && !bin.isBlank(), "LLAMA_SERVER_BIN not set");
    check(
        "real",
        a -> {
          List<String> cmd = new ArrayList<>(List.of(bin));
          cmd.addAll(a);
          return cmd;
        });
  }

  private void check(String target, Function<List<String>, List<String>> launcher)
      throws Exception {
    Path model = Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny-llama-f16.gguf"));
    ModelSpec spec = ModelSpec.of("tiny", GgufReader.read(model));
    List<String> failures = new ArrayList<>();
    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            Locale.ROOT,
            "%n%-6s %-14s %-9s %-26s %10s %10s %7s%n",
            "target",
            "model",
            "cache",
            "plan",
            "estimated",
            "measured",
            "error"));
    for (KvCacheType type : KvCacheType.values()) {
      for (FlashAttn fa : List.of(FlashAttn.AUTO, FlashAttn.OFF)) {
        if (fa == FlashAttn.OFF && type.isQuantized()) {
          continue; // a quantized V cache needs flash attention
        }
        LaunchSettings s =
            LaunchSettings.defaults()
                .with(
                    LaunchOverride.builder("*")
                        .cacheTypeK(type)
                        .cacheTypeV(type)
                        .flashAttn(fa)
                        .threads(2)
                        .extraArgs(List.of("--no-repack"))
                        .build());
        LaunchPlan plan =
            new LaunchPlanner(new LaunchConfig("llama-server", s, List.of()), 2)
                .plan(spec, OptionalInt.of(FakeServerProcess.freePort()));
        List<String> args = plan.argv().subList(1, plan.argv().size());
        MeasuredFootprint measured;
        try (FakeServerProcess p = FakeServerProcess.start(launcher, args, Map.of(), dir)) {
          p.awaitHealthy(START);
          measured =
              MeasuredFootprint.parse(p.stderr().lines().toList())
                  .orElseThrow(() -> new AssertionError("no buffer lines: " + p.stderr()));
        }
        long est = plan.memory().totalBytes();
        long got = measured.totalBytes();
        double error = (est - got) / (double) got;
        String planText =
            "c " + plan.ctxSize() + " np " + plan.parallel() + " fa " + plan.flashAttn().flag();
        table.append(
            String.format(
                Locale.ROOT,
                "%-6s %-14s %-9s %-26s %8.2f M %8.2f M %+6.1f%%%n",
                target,
                "tiny-llama-f16",
                type.flag(),
                planText,
                est / MIB,
                got / MIB,
                error * 100));
        if (Math.abs(error) > TOLERANCE) {
          failures.add(type + " " + planText + ": " + est + " vs " + got);
        }
      }
    }
    System.out.println(table);
    assertTrue(failures.isEmpty(), "estimate off by more than 10 %: " + failures + table);
  }
}
