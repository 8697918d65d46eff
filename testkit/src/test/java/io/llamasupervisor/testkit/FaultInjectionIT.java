package io.llamasupervisor.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake's fault knobs ({@code FAKE_LLAMA_*} / {@code --fake-*}), and fake-only behaviour. */
class FaultInjectionIT {
  static final Duration START = Duration.ofSeconds(20);
  static final String CHAT =
      "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3}";

  @TempDir Path dir;
  private String model;

  @BeforeEach
  void model() {
    model = Fixtures.write(Fixtures.TINY, dir).toString();
  }

  private FakeServerProcess start(Map<String, String> env, String... extra) {
    List<String> args = new ArrayList<>(List.of("-m", model));
    args.addAll(List.of(extra));
    return FakeServerProcess.start(args, env);
  }

  @Test
  void devicesKnobIsWhatListDevicesPrints() {
    try (FakeServerProcess p =
        FakeServerProcess.start(
            List.of("--list-devices"),
            Map.of(
                "FAKE_LLAMA_DEVICES",
                "CUDA0:NVIDIA GeForce RTX 4090:24564:20000,Vulkan0:AMD Radeon (RADV):16368:16000"))) {
      assertEquals(0, p.awaitExit(START), p.stderr());
      assertEquals(
          "Available devices:\n"
              + "  CUDA0: NVIDIA GeForce RTX 4090 (24564 MiB, 20000 MiB free)\n"
              + "  Vulkan0: AMD Radeon (RADV) (16368 MiB, 16000 MiB free)\n",
          p.stdout());
    }
  }

  @Test
  void aMalformedDeviceListExits2WithTheReason() {
    try (FakeServerProcess p =
        FakeServerProcess.start(
            List.of("--list-devices"), Map.of("FAKE_LLAMA_DEVICES", "CUDA0:x"))) {
      assertEquals(2, p.awaitExit(START));
      assertTrue(
          p.stderr().contains("device 'CUDA0:x' is not NAME:DESCRIPTION:TOTAL_MIB:FREE_MIB"),
          p.stderr());
    }
  }

  /** The held bytes are resident in the process (VmRSS), not only reserved. */
  @Test
  void holdBytesMakesTheProcessResident() throws IOException {
    long hold = 128L << 20;
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_HOLD_BYTES", Long.toString(hold)))) {
      p.awaitHealthy(START);
      long rssKb = 0;
      for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          rssKb = Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
      assertTrue(rssKb * 1024 >= hold, "VmRSS " + rssKb + " kB < " + hold + " bytes held");
      assertTrue(p.stderr().contains("holding " + hold + " bytes"), p.stderr());
    }
  }

  @Test
  void loadTimeKeepsEveryEndpointAt503() throws IOException {
    long t0 = System.nanoTime();
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_LOAD_MS", "1500"), "--metrics")) {
      await().atMost(START).until(() -> p.healthStatus() == 503);
      for (String path :
          List.of(
              "/health", "/v1/health", "/v1/models", "/models", "/props", "/metrics", "/slots")) {
        RawHttp.Response r = RawHttp.exchange(p.port(), "GET", path, null);
        assertEquals(503, r.status(), path);
        assertEquals(LlamaServerContractIT.LOADING, r.body(), path);
      }
      for (String path : List.of("/completion", "/v1/chat/completions")) {
        assertEquals(503, RawHttp.exchange(p.port(), "POST", path, CHAT).status(), path);
      }
      assertEquals(404, RawHttp.exchange(p.port(), "GET", "/", null).status());
      p.awaitHealthy(START);
      assertTrue(System.nanoTime() - t0 >= 1_500_000_000L, "healthy only after the load time");
    }
  }

  @Test
  void signalsWhileLoadingKillTheProcess() {
    for (String[] s : new String[][] {{"TERM", "143"}, {"INT", "130"}}) {
      try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_LOAD_MS", "30000"))) {
        await().atMost(START).until(() -> p.healthStatus() == 503);
        p.signal(s[0]);
        assertEquals(Integer.parseInt(s[1]), p.awaitExit(Duration.ofSeconds(5)), s[0]);
      }
    }
  }

  @Test
  void exitAfterMilliseconds() {
    try (FakeServerProcess p =
        start(Map.of("FAKE_LLAMA_EXIT_AFTER_MS", "1500", "FAKE_LLAMA_EXIT_CODE", "3"))) {
      p.awaitHealthy(START);
      assertEquals(3, p.awaitExit(Duration.ofSeconds(10)));
      p.close();
      assertTrue(p.stderr().contains("FAKE_LLAMA_EXIT_AFTER_MS"), p.stderr());
    }
  }

  @Test
  void exitOnTheKthInferenceRequest() throws IOException {
    try (FakeServerProcess p =
        start(Map.of("FAKE_LLAMA_EXIT_AFTER_REQUESTS", "2", "FAKE_LLAMA_EXIT_CODE", "42"))) {
      p.awaitHealthy(START);
      assertEquals(200, p.get("/v1/models").statusCode(), "monitoring requests do not count");
      assertEquals(200, RawHttp.exchange(p.port(), "POST", "/v1/chat/completions", CHAT).status());
      IOException e =
          assertThrows(
              IOException.class,
              () -> RawHttp.exchange(p.port(), "POST", "/v1/chat/completions", CHAT));
      assertTrue(e.getMessage().contains("closed"), e.toString());
      assertEquals(42, p.awaitExit(Duration.ofSeconds(10)));
    }
  }

  @Test
  void hangAfterMillisecondsKeepsThePortOpenButAnswersNothing() throws IOException {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_HANG_AFTER_MS", "1500"))) {
      p.awaitHealthy(START);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> p.get("/health", Duration.ofMillis(300)) == null);
      assertTrue(p.isAlive());
      try (RawHttp c = RawHttp.connect(p.port())) {
        c.send("GET", "/health", null);
        assertThrows(SocketTimeoutException.class, () -> c.readHead(Duration.ofMillis(500)));
      }
    }
  }

  @Test
  void hangFromTheKthInferenceRequest() throws IOException {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_HANG_AFTER_REQUESTS", "2"))) {
      p.awaitHealthy(START);
      assertEquals(200, RawHttp.exchange(p.port(), "POST", "/v1/chat/completions", CHAT).status());
      try (RawHttp c = RawHttp.connect(p.port())) {
        c.send("POST", "/v1/chat/completions", CHAT);
        assertThrows(SocketTimeoutException.class, () -> c.readHead(Duration.ofMillis(500)));
      }
      assertNull(p.get("/health", Duration.ofMillis(500)));
      assertTrue(p.isAlive());
    }
  }

  @Test
  void completionsFailWhileHealthStaysOk() {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_COMPLETIONS_500", "true"))) {
      p.awaitHealthy(START);
      for (String path : List.of("/v1/chat/completions", "/completion", "/v1/completions")) {
        HttpResponse<String> r =
            p.post(path, CHAT.replace("messages", "prompt"), Duration.ofSeconds(5));
        assertEquals(500, r.statusCode(), path);
        assertTrue(r.body().contains("\"type\":\"server_error\""), r.body());
      }
      assertEquals(200, p.healthStatus());
    }
  }

  @Test
  void ignoringSigtermLeavesOnlySigkill() {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_IGNORE_SIGTERM", "1"))) {
      p.awaitHealthy(START);
      p.signal("TERM");
      p.signal("INT");
      await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2)).until(p::isAlive);
      assertEquals(200, p.healthStatus());
      assertEquals(137, p.stop(Duration.ofMillis(300)), "stop() escalates to SIGKILL");
    }
  }

  @Test
  void forkedGrandchildHoldsTheOutputPipesAfterTheServerDies() {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_FORK_GRANDCHILD", "60"))) {
      p.awaitHealthy(START);
      List<ProcessHandle> kids = p.descendants();
      assertEquals(1, kids.size(), kids.toString());
      ProcessHandle sleep = kids.get(0);
      assertTrue(sleep.info().command().orElse("").endsWith("sleep"), sleep.info().toString());
      p.signal("KILL");
      assertEquals(137, p.awaitExit(Duration.ofSeconds(5)));
      await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !p.stderrClosed());
      assertTrue(sleep.isAlive(), "the grandchild outlives its parent");
      sleep.destroyForcibly();
      await().atMost(Duration.ofSeconds(5)).until(p::stderrClosed);
    }
  }

  @Test
  void stderrFloodIsWrittenBeforeTheModelLoads() {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_FLOOD_STDERR_BYTES", "5000000"))) {
      p.awaitHealthy(START);
      p.awaitStderr("listening on", Duration.ofSeconds(5));
      assertTrue(p.stderrBytes() >= 5_000_000, "stderr bytes: " + p.stderrBytes());
      assertTrue(p.stderr().indexOf("flooding stderr") < p.stderr().indexOf("model loaded"));
    }
  }

  @Test
  void tokenPaceSetsTheGenerationSpeed() {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_TOKEN_MS", "100"))) {
      p.awaitHealthy(START);
      long t0 = System.nanoTime();
      HttpResponse<String> r =
          p.post("/completion", "{\"prompt\":\"a\",\"n_predict\":5}", Duration.ofSeconds(10));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(200, r.statusCode());
      assertTrue(ms >= 500, "5 tokens at 100 ms took " + ms + " ms");
      Map<String, Object> timings = ServerJson.parseObject(r.body());
      double predictedMs =
          ((Number) ((Map<?, ?>) timings.get("timings")).get("predicted_ms")).doubleValue();
      assertTrue(predictedMs >= 450, "predicted_ms " + predictedMs);
    }
  }

  @Test
  void failedLoadExits1AfterTheLoadTime() {
    try (FakeServerProcess p =
        start(
            Map.of(
                "FAKE_LLAMA_LOAD_MS", "800",
                "FAKE_LLAMA_FAIL_LOAD", "unknown model architecture: 'mystery'"))) {
      await().atMost(START).until(() -> p.healthStatus() == 503);
      assertEquals(1, p.awaitExit(Duration.ofSeconds(10)));
      p.close();
      assertTrue(
          p.stderr()
              .contains(
                  "llama_model_load: error loading model: unknown model architecture: 'mystery'"),
          p.stderr());
      assertTrue(p.stderr().endsWith("llama_server: exiting due to model loading error\n"));
    }
  }

  @Test
  void fakeFlagsWorkLikeTheVariables() {
    try (FakeServerProcess p =
        FakeServerProcess.start(
            List.of("-m", model, "--fake-completions-500", "true", "--fake-load-ms=1"))) {
      p.awaitHealthy(START);
      assertEquals(500, p.post("/v1/chat/completions", CHAT, Duration.ofSeconds(5)).statusCode());
    }
  }

  @Test
  void aTypoInAKnobFailsLoudly() {
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_LOAD_MILLIS", "5"))) {
      assertEquals(2, p.awaitExit(START));
      p.close();
      assertTrue(p.stderr().contains("unknown fault variable FAKE_LLAMA_LOAD_MILLIS"), p.stderr());
    }
  }

  private static String metrics(FakeServerProcess p) {
    return p.get("/metrics").body();
  }

  @Test
  void busySlotsQueueFurtherRequestsInOrder() throws IOException {
    Duration wait = Duration.ofSeconds(10);
    String endless = "{\"prompt\":\"a\",\"stream\":true}";
    String promptC = "a longer prompt, for c";
    try (FakeServerProcess p = start(Map.of("FAKE_LLAMA_TOKEN_MS", "20"), "-np", "1", "--metrics");
        RawHttp a = RawHttp.connect(p.awaitHealthy(START).port());
        RawHttp b = RawHttp.connect(p.port());
        RawHttp c = RawHttp.connect(p.port())) {
      // a fills the context (about 40 s at this pace) unless its client leaves
      a.send("POST", "/completion", endless);
      assertEquals(200, a.readHead(wait).status());
      assertTrue(metrics(p).contains("llamacpp:requests_processing 1\n"));
      assertEquals(503, p.get("/slots?fail_on_no_slot=1").statusCode());
      assertEquals(200, p.healthStatus(), "health does not report saturation");
      b.send("POST", "/completion", "{\"prompt\":\"b\",\"n_predict\":5}");
      await().atMost(wait).until(() -> metrics(p).contains("llamacpp:requests_deferred 1\n"));
      c.send("POST", "/completion", "{\"prompt\":\"" + promptC + "\",\"stream\":true}");
      await().atMost(wait).until(() -> metrics(p).contains("llamacpp:requests_deferred 2\n"));

      a.close(); // frees the slot; b came first, so b runs before the endless c
      RawHttp.Response rb = b.readResponse(wait);
      assertEquals(200, rb.status());
      assertEquals(
          5, ((Number) ServerJson.parseObject(rb.body()).get("tokens_predicted")).intValue());
      assertEquals(200, c.readHead(wait).status());
      String slots = p.get("/slots").body();
      assertTrue(
          slots.contains("\"is_processing\":true")
              && slots.contains("\"n_prompt_tokens\":" + Inference.countTokens(promptC) + ","),
          slots);
      assertTrue(metrics(p).contains("llamacpp:requests_deferred 0\n"));

      c.close();
      await()
          .atMost(wait)
          .until(
              () -> {
                String m = metrics(p);
                return m.contains("llamacpp:requests_processing 0\n")
                    && m.contains("llamacpp:requests_deferred 0\n");
              });
      assertTrue(p.get("/slots").body().contains("\"is_processing\":false"));
    }
  }

  @Test
  void theSlotIsFreeBeforeTheClientHasItsAnswer() throws IOException {
    try (FakeServerProcess p = start(Map.of(), "-np", "1", "--metrics")) {
      p.awaitHealthy(START);
      for (int i = 0; i < 20; i++) {
        assertEquals(
            200, p.post("/v1/chat/completions", CHAT, Duration.ofSeconds(10)).statusCode());
        String m = metrics(p);
        assertTrue(m.contains("llamacpp:requests_processing 0\n"), m);
        assertTrue(m.contains("llamacpp:tokens_predicted_total " + 3 * (i + 1) + "\n"), m);
      }
    }
  }

  @Test
  void silentStreamsGetPings() throws IOException {
    try (FakeServerProcess p =
            start(Map.of("FAKE_LLAMA_TOKEN_MS", "1300"), "--sse-ping-interval", "1");
        RawHttp c = RawHttp.connect(p.awaitHealthy(START).port())) {
      c.send("POST", "/completion", "{\"prompt\":\"a\",\"n_predict\":1,\"stream\":true}");
      List<String> chunks = c.readResponse(Duration.ofSeconds(10)).chunks();
      assertEquals(":\n\n", chunks.get(0), "a ping before the first token: " + chunks);
      assertTrue(chunks.get(1).startsWith("data: {"), chunks.toString());
      assertEquals("", chunks.get(chunks.size() - 1));
    }
  }

  @Test
  void aStuckShutdownKeepsHealthAndPingsUntilASecondSignal() throws IOException {
    try (FakeServerProcess p =
            start(
                Map.of("FAKE_LLAMA_SHUTDOWN_DEADLOCK", "true", "FAKE_LLAMA_TOKEN_MS", "50"),
                "--metrics",
                "--context-shift");
        RawHttp c = RawHttp.connect(p.awaitHealthy(START).port())) {
      c.send("POST", "/completion", "{\"prompt\":\"a\",\"stream\":true,\"sse_ping_interval\":1}");
      assertEquals(200, c.readHead(Duration.ofSeconds(10)).status());
      assertNotNull(c.nextChunk(Duration.ofSeconds(10)));
      p.signal("TERM");
      List<String> after = new ArrayList<>();
      while (after.stream().filter(":\n\n"::equals).count() < 2) {
        String chunk = c.nextChunk(Duration.ofSeconds(5));
        assertNotNull(chunk, "the stream stays open: " + after);
        after.add(chunk);
      }
      int firstPing = after.indexOf(":\n\n");
      assertTrue(
          after.subList(firstPing, after.size()).stream().allMatch(":\n\n"::equals),
          "generation has stopped: " + after);
      assertEquals(200, p.healthStatus());
      assertEquals(200, p.get("/v1/models").statusCode());
      assertNull(p.get("/slots", Duration.ofMillis(500)), "the task queue never answers");
      assertNull(p.get("/metrics", Duration.ofMillis(500)));
      assertFalse(p.stderr().contains("cleaning up before exit"), p.stderr());
      p.signal("TERM");
      assertEquals(1, p.awaitExit(Duration.ofSeconds(5)));
      p.close();
      assertTrue(
          p.stderr().contains("Received second interrupt, terminating immediately."), p.stderr());
    }
  }

  @Test
  void quantizedCacheNeedsAHeadSizeMultipleOf32() throws IOException {
    Path headDim16 = GgufWriter.llama(2048, 64, 4, 2, 2).write(dir.resolve("headdim16.gguf"));
    try (FakeServerProcess p =
        FakeServerProcess.start(List.of("-m", headDim16.toString(), "-ctk", "q8_0"))) {
      assertEquals(1, p.awaitExit(START));
      p.close();
      assertTrue(
          p.stderr()
              .contains(
                  "llama_init_from_model: K cache type q8_0 with block size 32 does not divide"
                      + " n_embd_head_k=16"),
          p.stderr());
    }
    try (FakeServerProcess p = FakeServerProcess.start(List.of("-m", headDim16.toString()))) {
      p.awaitHealthy(START);
    }
  }
}
