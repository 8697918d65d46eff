package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.gguf.testing.GgufWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench swap} against a real routing table and real (fake llama-server) backends, swapped by
 * {@link SwapTestServer}: a drained blue-green swap loses nothing, a swap that kills the old
 * generation at the switch is caught.
 */
class SwapBenchIT {
  private static final String MODEL = "org/tiny-llama";
  private static final String KEY = "bench-secret";
  private static final Map<String, String> PACE = Map.of("FAKE_LLAMA_TOKEN_MS", "20");

  @TempDir Path dir;

  @Test
  void sixteenClientsAcrossFiveDrainedSwapsLoseNothingAndSendNothingLate() throws Exception {
    try (SwapTestServer server =
        SwapTestServer.start(MODEL, "tiny", model(), PACE, Duration.ofSeconds(2), true, KEY)) {
      SwapBenchOptions options =
          SwapBenchOptions.builder(server.uri(), MODEL)
              .clients(16)
              .swaps(5)
              .apiKey(KEY)
              .interval(Duration.ofSeconds(1))
              .streams(Duration.ofSeconds(1), Duration.ofSeconds(3))
              .build();

      SwapBenchReport r = SwapBench.run(options, Clock.systemUTC(), l -> log("bench: " + l));
      log(r.toText());
      log(r.toJson());

      assertEquals(List.of(), server.errors);
      assertEquals(5, server.swapsDone.get());
      assertEquals(5, r.swaps().size());
      for (SwapResult s : r.swaps()) {
        assertTrue(s.completed(), s.error());
        assertEquals(List.of((long) s.number()), s.fromGenerations());
        assertEquals(s.number() + 1, s.toGeneration());
        assertTrue(s.toOldGone().compareTo(Duration.ofSeconds(2)) >= 0, "linger " + s);
      }
      assertEquals(0, r.failures(), String.join("\n", r.failureSamples()));
      assertEquals(0, r.failures(FailureKind.TRUNCATED_STREAM));
      assertEquals(0, r.lateClientSawSwitch());
      assertEquals(0, r.lateAfterLinger());
      assertEquals(0, server.abandoned.get(), "no old generation was stopped mid-request");
      assertEquals(0, r.exitCode());
      assertTrue(
          r.inFlightAtSwitch() >= 5, "streams overlapped the swaps: " + r.inFlightAtSwitch());
      assertTrue(r.streamsComplete() >= 20, "streams: " + r.streamsComplete());
      assertTrue(r.keepAliveRequests() > 0 && r.keepAliveRequests() < r.requests());
      for (long g = 1; g <= 6; g++) {
        assertTrue(r.requestsByGeneration().getOrDefault(g, 0L) > 0, "generation " + g);
      }
    }
  }

  @Test
  void aSwapThatKillsTheOldGenerationAtTheSwitchFailsTheRun() throws Exception {
    try (SwapTestServer server =
        SwapTestServer.start(MODEL, "tiny", model(), PACE, Duration.ZERO, false, KEY)) {
      SwapBenchOptions options =
          SwapBenchOptions.builder(server.uri(), MODEL)
              .apiKey(KEY)
              .clients(8)
              .swaps(1)
              .streamOnly(true)
              .interval(Duration.ofSeconds(1))
              .streams(Duration.ofSeconds(2), Duration.ofSeconds(3))
              .requestTimeout(Duration.ofSeconds(5))
              .build();

      SwapBenchReport r = SwapBench.run(options, Clock.systemUTC(), l -> log("bench: " + l));
      log(r.toText());
      int code = r.exitCode();

      assertEquals(1, code);
      JsonNode j = new ObjectMapper().readTree(r.toJson());
      assertTrue(j.at("/swaps/0/completed").asBoolean(), j.toString());
      assertTrue(j.at("/failures/byKind/truncated_stream").asLong() > 0, j.toString());
      assertTrue(!j.get("passed").asBoolean());
    }
  }

  private Path model() throws Exception {
    return GgufWriter.llama(2048, 128, 4, 2, 2).write(dir.resolve("tiny-llama.gguf"));
  }

  private static void log(String text) {
    System.out.println(text);
  }
}
