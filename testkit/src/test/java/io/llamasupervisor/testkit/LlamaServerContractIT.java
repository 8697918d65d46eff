package io.llamasupervisor.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same assertions against the fake and, when {@code LLAMA_SERVER_BIN} is set, the real
 * llama-server (b10470 behaviour as recorded in the reference). {@code FAKE_LLAMA_*} variables only
 * slow the fake down where a test needs time; the real server ignores them.
 */
class LlamaServerContractIT {
  static final Duration START = Duration.ofSeconds(20);
  static final String LOADING =
      "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}";

  @TempDir Path dir;

  private FakeServerProcess start(Target t, Map<String, String> env, String... args) {
    Fixtures.write(Fixtures.TINY, dir);
    return t.start(dir, List.of(args), env);
  }

  private static Map<String, Object> json(HttpResponse<String> r) {
    assertNotNull(r, "no response");
    return ServerJson.parseObject(r.body());
  }

  @SuppressWarnings("unchecked")
  private static <T> T at(Object json, Object... path) {
    Object v = json;
    for (Object p : path) {
      v = p instanceof Integer i ? ((List<Object>) v).get(i) : ((Map<String, Object>) v).get(p);
    }
    return (T) v;
  }

  /** A CPU-only build lists no device (common_print_available_devices) and exits 0. */
  @ParameterizedTest
  @EnumSource(Target.class)
  void listDevicesOnACpuOnlyBuildPrintsNone(Target t) {
    try (FakeServerProcess p = start(t, Map.of(), "--list-devices")) {
      assertEquals(0, p.awaitExit(START), p.stderr());
      assertEquals("Available devices:\n  (none)\n", p.stdout());
    }
  }

  static Stream<Arguments> bufferSizes() {
    List<Arguments> out = new ArrayList<>();
    for (Target t : Target.values()) {
      out.add(Arguments.of(t, "-c 1024 -ctk q8_0 -ctv q8_0", "0.01", "0.27", "3.01"));
      out.add(Arguments.of(t, "-c 1024 -np 4 -ctk q8_0 -ctv q4_0", "0.01", "0.20", "2.26"));
      out.add(Arguments.of(t, "-c 1024 -np 1 -fa off", "0.00", "0.50", "11.51"));
      out.add(Arguments.of(t, "-c 2048 -np 2 -fa on -ub 256", "0.00", "1.00", "1.51"));
    }
    return out.stream();
  }

  /** At -lv 4 the server logs what it allocated while loading, per buffer type. */
  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("bufferSizes")
  void verbosityFourLogsTheBufferSizes(
      Target t, String flags, String output, String kv, String compute) {
    List<String> args = new ArrayList<>(List.of("-m", Fixtures.TINY, "-lv", "4", "--no-repack"));
    args.addAll(List.of("-t", "2"));
    args.addAll(Arrays.asList(flags.split(" ")));
    try (FakeServerProcess p = start(t, Map.of(), args.toArray(String[]::new))) {
      p.awaitHealthy(START);
      String err = p.stderr();
      assertTrue(err.contains("load_tensors:   CPU_Mapped model buffer size =     0.81 MiB"), err);
      assertTrue(
          err.contains("llama_context:        CPU  output buffer size =     " + output + " MiB"),
          err);
      assertTrue(
          err.contains("llama_kv_cache:        CPU KV buffer size =     " + kv + " MiB"), err);
      assertTrue(
          err.contains(
              String.format("sched_reserve:        CPU compute buffer size = %8s MiB", compute)),
          err);
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void loadingAnswers503ThenHealthIsOk(Target t) throws IOException {
    List<Integer> seen = new ArrayList<>();
    try (FakeServerProcess p =
        start(t, Map.of("FAKE_LLAMA_LOAD_MS", "500"), "-m", Fixtures.TINY, "-c", "1024")) {
      await()
          .atMost(START)
          .pollInterval(Duration.ofMillis(5))
          .until(
              () -> {
                try {
                  RawHttp.Response r = RawHttp.exchange(p.port(), "GET", "/health", null);
                  seen.add(r.status());
                  if (r.status() == 503) {
                    assertEquals(LOADING, r.body());
                    assertEquals("close", r.header("connection"));
                    assertEquals("llama.cpp", r.header("server"));
                    assertEquals("application/json; charset=utf-8", r.header("content-type"));
                  }
                  return r.status() == 200;
                } catch (ConnectException e) {
                  seen.add(-1);
                  return false;
                }
              });
      assertTrue(seen.stream().allMatch(s -> s == -1 || s == 503 || s == 200), seen.toString());
      if (t == Target.FAKE) {
        assertTrue(seen.contains(503), "the fake must be seen loading: " + seen);
      }
      for (String path : List.of("/health", "/v1/health")) {
        RawHttp.Response ok = RawHttp.exchange(p.port(), "GET", path, null);
        assertEquals(200, ok.status());
        assertEquals("{\"status\":\"ok\"}", ok.body());
        assertEquals("timeout=5, max=100", ok.header("keep-alive"));
        assertEquals("15", ok.header("content-length"));
      }
      p.awaitStderr("listening on http://127.0.0.1:" + p.port(), Duration.ofSeconds(5));
      String err = p.stderr();
      assertTrue(err.indexOf("load_model: loading model '" + Fixtures.TINY + "'") >= 0, err);
      assertTrue(err.indexOf("llama_server: model loaded") < err.indexOf("listening on"), err);
      assertTrue(err.contains("load_model: initializing, n_slots = 4, n_ctx_slot = 1024"), err);
      assertEquals("", p.stdout());
    }
  }

  static Stream<Arguments> contexts() {
    List<Object[]> rows =
        List.of(
            new Object[] {"", 2048, 4},
            new Object[] {"-c 8192", 2048, 4},
            new Object[] {"-c 1000", 1024, 4},
            new Object[] {"-np 2 -c 1024", 512, 2},
            new Object[] {"-np 3 -c 1000", 512, 3});
    return Stream.of(Target.values())
        .flatMap(t -> rows.stream().map(r -> Arguments.of(t, r[0], r[1], r[2])));
  }

  @ParameterizedTest(name = "{0} {1} -> {3} slots of {2}")
  @MethodSource("contexts")
  void slotContextIsRoundedSplitAndCappedAtTheTrainingContext(
      Target t, String flags, int nCtx, int slots) {
    List<String> args = new ArrayList<>(List.of("-m", Fixtures.TINY));
    if (!flags.isEmpty()) {
      args.addAll(Arrays.asList(flags.split(" ")));
    }
    try (FakeServerProcess p = start(t, Map.of(), args.toArray(String[]::new))) {
      p.awaitHealthy(START);
      Map<String, Object> props = json(p.get("/props"));
      assertEquals(nCtx, ((Number) at(props, "default_generation_settings", "n_ctx")).intValue());
      assertEquals(slots, ((Number) props.get("total_slots")).intValue());
      assertEquals(Fixtures.TINY, props.get("model_path"));
      Map<String, Object> models = json(p.get("/v1/models"));
      assertEquals(nCtx, ((Number) at(models, "data", 0, "meta", "n_ctx")).intValue());
      assertEquals(2048, ((Number) at(models, "data", 0, "meta", "n_ctx_train")).intValue());
      assertEquals(Fixtures.TINY, at(models, "data", 0, "id"));
      List<Object> slotList = at(ServerJson.parse(p.get("/slots").body()));
      assertEquals(slots, slotList.size());
      assertEquals(nCtx, ((Number) at(slotList, 0, "n_ctx")).intValue());
      if (flags.equals("-c 8192")) {
        assertTrue(
            p.stderr()
                .contains(
                    "load_model: the slot context (8192) exceeds the training context of the"
                        + " model (2048) - capping"),
            p.stderr());
      }
    }
  }

  static Stream<Arguments> badModels() {
    List<String[]> rows =
        List.of(
            new String[] {
              "bad-magic.gguf",
              "gguf_init_from_reader: invalid magic characters: 'GGUX', expected 'GGUF'"
            },
            new String[] {
              "not-gguf-text.gguf",
              "gguf_init_from_reader: invalid magic characters: 'This', expected 'GGUF'"
            },
            new String[] {"empty.gguf", "gguf_init_from_reader: failed to read magic"},
            new String[] {"truncated-header.gguf", "gguf_init_from_reader: failed to read header"},
            new String[] {
              "truncated-metadata.gguf", "gguf_init_from_reader: failed to read key-value pairs"
            },
            new String[] {
              "truncated-tensor-data.gguf",
              "llama_model_load: error loading model: tensor 'blk.1.attn_norm.weight' data is not within the file bounds, model is corrupted or incomplete"
            },
            new String[] {
              "version1.gguf",
              "gguf_init_from_reader: GGUFv1 is no longer supported, please use a more up-to-date version"
            },
            new String[] {
              "version99.gguf",
              "gguf_init_from_reader: this GGUF file is version 99 but this software only supports up to version 3"
            },
            new String[] {
              "absurd-tensor-count.gguf",
              "gguf_init_from_reader: number of tensors is 4611686018427387904 but must be in [0, 53624256028225440]"
            },
            new String[] {
              "absurd-kv-count.gguf",
              "gguf_init_from_reader: number of key value pairs is 4611686018427387904 but must be in [0, 209622091746699450]"
            },
            new String[] {
              "string-length-exceeds-file.gguf",
              "read: string length 1099511627776 exceeds maximum 1073741824"
            },
            new String[] {
              "does-not-exist.gguf",
              "gguf_init_from_file: failed to open GGUF file 'does-not-exist.gguf' (No such file or directory)"
            });
    return Stream.of(Target.values())
        .flatMap(t -> rows.stream().map(r -> Arguments.of(t, r[0], r[1])));
  }

  /**
   * Runs a server that must exit with {@code code} by itself and returns its stderr once it holds
   * every line of {@code expected}. llama-server's logger is asynchronous: a process that exits
   * right after logging loses the last lines, under load all of them (exit code and stdout are
   * reliable). So against the real server a run that lost lines is repeated, up to three runs in
   * all; the fake must pass at once.
   */
  private String exitsWith(Target t, int code, List<String> args, List<String> expected) {
    String err = "";
    for (int run = 0; run < (t == Target.REAL ? 3 : 1); run++) {
      try (FakeServerProcess p = start(t, Map.of(), args.toArray(String[]::new))) {
        assertEquals(code, p.awaitExit(START), p.stderr());
        p.close();
        err = p.stderr();
        if (code != 134) {
          assertEquals("", p.stdout());
        }
      }
      String seen = err;
      if (expected.stream().allMatch(seen::contains)) {
        return err;
      }
    }
    throw new AssertionError("stderr lacks one of " + expected + ":\n" + err);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badModels")
  void badModelsExit1WithTheirStderrLine(Target t, String file, String line) {
    if (!file.equals("does-not-exist.gguf")) {
      Fixtures.write(file, dir);
    }
    exitsWith(
        t,
        1,
        List.of("-m", file),
        List.of(line, "load_model: failed to load model, '" + file + "'"));
  }

  static Stream<Arguments> badCommandLines() {
    List<String[]> rows =
        List.of(
            new String[] {
              "--definitely-not-a-flag", "error: invalid argument: --definitely-not-a-flag"
            },
            new String[] {
              "-ctk q3_k", "error while handling argument \"-ctk\": Unsupported cache type: q3_k"
            },
            new String[] {
              "-ctv q3_k", "error while handling argument \"-ctv\": Unsupported cache type: q3_k"
            },
            new String[] {
              "-fa maybe",
              "error while handling argument \"-fa\": error: unknown value for --flash-attn: 'maybe'"
            },
            new String[] {"-c abc", "error while handling argument \"-c\": stoi"},
            new String[] {
              "-ctv q8_0 -fa off",
              "llama_init_from_model: quantized V cache requires flash_attn to be enabled"
            });
    return Stream.of(Target.values())
        .flatMap(t -> rows.stream().map(r -> Arguments.of(t, r[0], r[1])));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badCommandLines")
  void badCommandLinesExit1(Target t, String flags, String line) {
    List<String> args = new ArrayList<>(List.of("-m", Fixtures.TINY));
    args.addAll(Arrays.asList(flags.split(" ")));
    if (flags.contains("-fa off")) {
      exitsWith(
          t,
          1,
          args,
          List.of(line, "load_model: failed to create_context with model '" + Fixtures.TINY + "'"));
      return;
    }
    // argument errors are printed directly, not through the logger
    String err = exitsWith(t, 1, args, List.of(line));
    if (flags.startsWith("--definitely")) {
      assertEquals(line + "\n", err);
    } else {
      assertTrue(err.startsWith(line + "\n"), err);
      assertTrue(err.endsWith("\nto show complete usage, run with -h\n"), err);
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void portInUseExits1BeforeLoading(Target t) throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String port = String.valueOf(taken.getLocalPort());
      String err =
          exitsWith(
              t,
              1,
              List.of("-m", Fixtures.TINY, "--port", port),
              List.of(
                  "start: couldn't bind HTTP server socket, hostname: 127.0.0.1, port: " + port));
      assertFalse(err.contains("loading model"), err);
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void portZeroIsOnlyVisibleInTheListeningLine(Target t) throws IOException {
    try (FakeServerProcess p = start(t, Map.of(), "-m", Fixtures.TINY, "--port", "0")) {
      p.awaitStderr("listening on http://127.0.0.1:", START);
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)")
              .matcher(p.stderr());
      assertTrue(m.find(), p.stderr());
      int port = Integer.parseInt(m.group(1));
      assertTrue(port > 0);
      assertEquals(200, RawHttp.exchange(port, "GET", "/health", null).status());
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void negativeContextAborts(Target t) {
    exitsWith(
        t,
        134,
        List.of("-m", Fixtures.TINY, "-c", "-5"),
        List.of("GGML_ASSERT(n_outputs >= 1) failed"));
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void metricsAndSlotsEndpoints(Target t) {
    try (FakeServerProcess p =
        start(t, Map.of(), "-m", Fixtures.TINY, "-np", "2", "-c", "1024", "--metrics")) {
      p.awaitHealthy(START);
      HttpResponse<String> m = p.get("/metrics");
      assertEquals(200, m.statusCode());
      assertEquals("text/plain; version=0.0.4", m.headers().firstValue("content-type").orElse(""));
      assertTrue(m.headers().firstValue("process-start-time-unix").isPresent());
      List<String> names =
          m.body().lines().filter(l -> !l.startsWith("#")).map(l -> l.split(" ")[0]).toList();
      List<String> real = MetricsTest.REAL.stream().map(f -> f.name()).toList();
      assertEquals(real, names);
      for (String n : real) {
        assertTrue(m.body().contains("# HELP " + n + " "), n);
        assertTrue(m.body().contains("# TYPE " + n + " "), n);
      }
      assertEquals(
          "[{\"id\":0,\"n_ctx\":512,\"speculative\":false,\"is_processing\":false},"
              + "{\"id\":1,\"n_ctx\":512,\"speculative\":false,\"is_processing\":false}]",
          p.get("/slots").body());
    }
    try (FakeServerProcess p = start(t, Map.of(), "-m", Fixtures.TINY, "--no-slots")) {
      p.awaitHealthy(START);
      HttpResponse<String> m = p.get("/metrics");
      assertEquals(501, m.statusCode());
      assertEquals(
          "{\"error\":{\"code\":501,\"message\":\"This server does not support metrics endpoint."
              + " Start it with `--metrics`\",\"type\":\"not_supported_error\"}}",
          m.body());
      HttpResponse<String> s = p.get("/slots");
      assertEquals(501, s.statusCode());
      assertEquals(
          "{\"error\":{\"code\":501,\"message\":\"This server does not support slots endpoint."
              + " Start it with `--slots`\",\"type\":\"not_supported_error\"}}",
          s.body());
    }
  }

  /** The SSE events of a chunked body; each chunk must hold whole {@code data: ...\n\n} events. */
  static List<String> events(List<String> chunks) {
    List<String> out = new ArrayList<>();
    for (String c : chunks) {
      if (c.isEmpty()) {
        continue;
      }
      assertTrue(c.startsWith("data: ") && c.endsWith("\n\n"), "chunk: " + c);
      for (String e : c.split("\n\n")) {
        assertTrue(e.startsWith("data: "), e);
        out.add(e.substring("data: ".length()));
      }
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void completionsAndEventStreamFraming(Target t) throws IOException {
    try (FakeServerProcess p =
        start(t, Map.of(), "-m", Fixtures.TINY, "-c", "1024", "--alias", "tiny-alias,tiny2")) {
      p.awaitHealthy(START);
      String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":4";

      RawHttp.Response s;
      try (RawHttp c = RawHttp.connect(p.port())) {
        s =
            c.send("POST", "/v1/chat/completions", chat + ",\"stream\":true}")
                .readResponse(Duration.ofSeconds(10));
        assertTrue(c.closedByServer(Duration.ofSeconds(5)), "the stream's end closes the socket");
      }
      assertEquals(200, s.status());
      assertEquals("text/event-stream", s.header("content-type"));
      assertEquals("chunked", s.header("transfer-encoding"));
      assertEquals("no", s.header("x-accel-buffering"));
      assertEquals("timeout=5, max=100", s.header("keep-alive"), "the head still says keep-alive");
      assertNull(s.header("connection"));
      assertEquals("", s.chunks().get(s.chunks().size() - 1), "terminating zero chunk");
      assertEquals("data: [DONE]\n\n", s.chunks().get(s.chunks().size() - 2));
      List<String> ev = events(s.chunks());
      assertEquals("[DONE]", ev.get(ev.size() - 1));
      Map<String, Object> first = ServerJson.parseObject(ev.get(0));
      assertEquals("assistant", at(first, "choices", 0, "delta", "role"));
      assertEquals("chat.completion.chunk", first.get("object"));
      assertEquals("tiny-alias", first.get("model"));
      Map<String, Object> fin = ServerJson.parseObject(ev.get(ev.size() - 2));
      assertEquals("length", at(fin, "choices", 0, "finish_reason"));
      assertNotNull(fin.get("timings"));
      assertFalse(fin.containsKey("usage"));
      long contentEvents =
          ev.stream()
              .filter(e -> !e.equals("[DONE]"))
              .map(ServerJson::parseObject)
              .filter(e -> at(e, "choices", 0, "delta", "content") instanceof String)
              .count();
      assertEquals(4, contentEvents);

      RawHttp.Response u =
          RawHttp.exchange(
              p.port(),
              "POST",
              "/v1/chat/completions",
              chat + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
      List<String> uev = events(u.chunks());
      Map<String, Object> usage = ServerJson.parseObject(uev.get(uev.size() - 2));
      assertEquals(List.of(), usage.get("choices"));
      assertEquals(4, ((Number) at(usage, "usage", "completion_tokens")).intValue());
      Map<String, Object> ufin = ServerJson.parseObject(uev.get(uev.size() - 3));
      assertEquals("length", at(ufin, "choices", 0, "finish_reason"));
      assertFalse(ufin.containsKey("timings"));

      RawHttp.Response v =
          RawHttp.exchange(
              p.port(),
              "POST",
              "/v1/completions",
              "{\"prompt\":\"Hello\",\"max_tokens\":3,\"stream\":true}");
      List<String> vev = events(v.chunks());
      assertEquals("[DONE]", vev.get(vev.size() - 1));
      Map<String, Object> vfin = ServerJson.parseObject(vev.get(vev.size() - 2));
      assertEquals("length", at(vfin, "choices", 0, "finish_reason"));
      assertEquals(3, ((Number) at(vfin, "usage", "completion_tokens")).intValue());
      assertEquals("text_completion", vfin.get("object"));

      RawHttp.Response n =
          RawHttp.exchange(
              p.port(),
              "POST",
              "/completion",
              "{\"prompt\":\"Hello\",\"n_predict\":4,\"stream\":true}");
      List<String> nev = events(n.chunks());
      assertFalse(nev.contains("[DONE]"), "the native endpoint sends no [DONE]");
      assertEquals(5, nev.size());
      assertEquals(false, ServerJson.parseObject(nev.get(0)).get("stop"));
      Map<String, Object> nfin = ServerJson.parseObject(nev.get(4));
      assertEquals(true, nfin.get("stop"));
      assertEquals(4, ((Number) nfin.get("tokens_predicted")).intValue());

      Map<String, Object> whole =
          json(p.post("/v1/chat/completions", chat + "}", Duration.ofSeconds(10)));
      assertEquals("chat.completion", whole.get("object"));
      assertEquals("tiny-alias", whole.get("model"));
      assertEquals("length", at(whole, "choices", 0, "finish_reason"));
      assertEquals("assistant", at(whole, "choices", 0, "message", "role"));
      assertEquals(4, ((Number) at(whole, "usage", "completion_tokens")).intValue());
      assertNotNull(whole.get("timings"));
      assertTrue(((String) whole.get("id")).startsWith("chatcmpl-"));

      Map<String, Object> nat =
          json(
              p.post(
                  "/completion", "{\"prompt\":\"Hello\",\"n_predict\":6}", Duration.ofSeconds(10)));
      assertEquals(6, ((Number) nat.get("tokens_predicted")).intValue());
      assertEquals("limit", nat.get("stop_type"));
      assertEquals(false, nat.get("truncated"));

      HttpResponse<String> bad =
          p.post("/v1/chat/completions", "{\"model\":\"x\"}", Duration.ofSeconds(10));
      assertEquals(400, bad.statusCode());
      assertEquals(
          "{\"error\":{\"code\":400,\"message\":\"'messages' is required\",\"type\":\"invalid_request_error\"}}",
          bad.body());
      HttpResponse<String> broken = p.post("/v1/chat/completions", "{no", Duration.ofSeconds(10));
      assertEquals(500, broken.statusCode());
      assertEquals("server_error", at(json(broken), "error", "type"));
      String big = "word ".repeat(20000);
      HttpResponse<String> tooLong =
          p.post(
              "/completion",
              "{\"prompt\":\"" + big + "\",\"n_predict\":1}",
              Duration.ofSeconds(30));
      assertEquals(400, tooLong.statusCode());
      assertEquals("exceed_context_size_error", at(json(tooLong), "error", "type"));
      assertEquals(1024, ((Number) at(json(tooLong), "error", "n_ctx")).intValue());
      RawHttp.Response missing = RawHttp.exchange(p.port(), "GET", "/does-not-exist", null);
      assertEquals(404, missing.status());
      assertEquals(
          "{\"error\":{\"message\":\"File Not Found\",\"type\":\"not_found_error\",\"code\":404}}",
          missing.body());
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void connectionsAreKeptOrClosedLikeCppHttplib(Target t) throws IOException {
    Duration wait = Duration.ofSeconds(5);
    try (FakeServerProcess p = start(t, Map.of(), "-m", Fixtures.TINY, "-c", "1024")) {
      p.awaitHealthy(START);
      try (RawHttp c = RawHttp.connect(p.port())) {
        RawHttp.Response ok = c.send("GET", "/health", null).readResponse(wait);
        assertEquals("timeout=5, max=100", ok.header("keep-alive"));
        assertNull(ok.header("connection"));
        RawHttp.Response missing = c.send("GET", "/does-not-exist", null).readResponse(wait);
        assertEquals(404, missing.status());
        assertEquals("close", missing.header("connection"));
        RawHttp.Response bad =
            c.send("POST", "/v1/chat/completions", "{\"model\":\"x\"}").readResponse(wait);
        assertEquals(400, bad.status());
        assertEquals("close", bad.header("connection"));
        assertEquals(
            200,
            c.send("GET", "/health", null).readResponse(wait).status(),
            "errors say Connection: close but leave the connection open");
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        RawHttp.Response r = c.send("POST", "/does-not-exist", "{}").readResponse(wait);
        assertEquals(404, r.status());
        assertTrue(c.closedByServer(wait), "no route: the unread body closes the connection");
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        RawHttp.Response r = c.send("GET", "/health", null, "Connection: close").readResponse(wait);
        assertEquals("close", r.header("connection"));
        assertTrue(c.closedByServer(wait));
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        RawHttp.Response r = c.sendHttp10("GET", "/health").readResponse(wait);
        assertEquals(200, r.status());
        assertEquals("timeout=5, max=100", r.header("keep-alive"));
        assertTrue(c.closedByServer(wait), "HTTP/1.0 without Connection: Keep-Alive is closed");
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        for (int i = 1; i < HttpConnection.KEEP_ALIVE_MAX; i++) {
          assertNull(c.send("GET", "/health", null).readResponse(wait).header("connection"));
        }
        RawHttp.Response last = c.send("GET", "/health", null).readResponse(wait);
        assertEquals("close", last.header("connection"), "the 100th request");
        assertTrue(c.closedByServer(wait));
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        RawHttp.Response r =
            c.send(
                    "POST",
                    "/completion",
                    "{\"prompt\":\"Hi\",\"n_predict\":2,\"stream\":true}",
                    "Connection: close")
                .readResponse(wait);
        assertEquals("close", r.header("connection"));
        assertNull(r.header("keep-alive"));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void apiKeyGuardsAllButHealthAndModels(Target t) throws IOException {
    try (FakeServerProcess p =
        start(t, Map.of(), "-m", Fixtures.TINY, "--api-key", "secret1,secret2")) {
      p.awaitHealthy(START);
      String invalid =
          "{\"error\":{\"message\":\"Invalid API Key\",\"type\":\"authentication_error\",\"code\":401}}";
      for (String path : List.of("/health", "/v1/health", "/models", "/v1/models")) {
        assertEquals(200, RawHttp.exchange(p.port(), "GET", path, null).status(), path);
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        RawHttp.Response none = c.send("GET", "/props", null).readResponse(Duration.ofSeconds(5));
        assertEquals(401, none.status());
        assertEquals(invalid, none.body());
        assertEquals("close", none.header("connection"));
        assertEquals(
            200,
            c.send("GET", "/health", null).readResponse(Duration.ofSeconds(5)).status(),
            "a 401 without a body leaves the connection open");
      }
      try (RawHttp c = RawHttp.connect(p.port())) {
        assertEquals(
            401,
            c.send("POST", "/completion", "{\"prompt\":\"a\"}")
                .readResponse(Duration.ofSeconds(5))
                .status());
        assertTrue(c.closedByServer(Duration.ofSeconds(5)), "an unread body closes it");
      }
      RawHttp.Response preflight =
          RawHttp.exchange(p.port(), "OPTIONS", "/props", null, "Origin: http://ui.example");
      assertEquals(200, preflight.status(), "CORS preflight needs no key");
      assertEquals("http://ui.example", preflight.header("access-control-allow-origin"));
      assertEquals("GET, POST, DELETE, OPTIONS", preflight.header("access-control-allow-methods"));
      assertEquals("true", preflight.header("access-control-allow-credentials"));
      assertEquals("*", preflight.header("access-control-allow-headers"));
      assertEquals("0", preflight.header("content-length"));
      assertEquals(
          200,
          RawHttp.exchange(p.port(), "GET", "/props", null, "Authorization: Bearer secret2")
              .status());
      assertEquals(
          200, RawHttp.exchange(p.port(), "GET", "/slots", null, "X-Api-Key: secret1").status());
      assertEquals(
          401,
          RawHttp.exchange(p.port(), "GET", "/props", null, "Authorization: Bearer nope").status());
      assertEquals(
          401, RawHttp.exchange(p.port(), "POST", "/completion", "{\"prompt\":\"a\"}").status());
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void sigtermWhenIdleExits0(Target t) {
    for (String signal : List.of("TERM", "INT")) {
      String err = "";
      // the line is the last one before exit: the real logger may lose it (see exitsWith)
      for (int run = 0; run < (t == Target.REAL ? 3 : 1); run++) {
        try (FakeServerProcess p = start(t, Map.of(), "-m", Fixtures.TINY)) {
          p.awaitHealthy(START);
          // the real handler is installed after /health turns 200, before this line is logged
          p.awaitStderr("listening on", START);
          p.signal(signal);
          assertEquals(0, p.awaitExit(Duration.ofSeconds(5)), signal);
          p.close();
          err = p.stderr();
        }
        if (err.contains("operator(): cleaning up before exit...")) {
          break;
        }
      }
      assertTrue(err.contains("operator(): cleaning up before exit..."), err);
    }
  }

  /**
   * Sends SIGTERM and tells whether the server shuts down as designed ({@code cleaning up before
   * exit...}). The real server's handler sometimes deadlocks when the signal lands mid-generation
   * (it takes the task queue's lock, which the interrupted thread may hold): then nothing is logged
   * and only a second signal ends the process. The fake always shuts down.
   */
  private static boolean sigtermShutsDown(Target t, FakeServerProcess p) {
    p.signal("TERM");
    try {
      p.awaitStderr("cleaning up before exit...", Duration.ofSeconds(5));
      return true;
    } catch (ConditionTimeoutException e) {
      if (t == Target.FAKE) {
        throw e;
      }
      assertTrue(p.isAlive(), "a stuck handler leaves the process running");
      return false;
    }
  }

  /** A second SIGTERM always ends the process at once with exit code 1. */
  private static void secondSigtermExits1(FakeServerProcess p) {
    p.signal("TERM");
    assertEquals(1, p.awaitExit(Duration.ofSeconds(5)));
    p.close();
    assertTrue(
        p.stderr().contains("Received second interrupt, terminating immediately."), p.stderr());
  }

  /**
   * A server whose only slot generates for ever ({@code --context-shift}, no {@code n_predict}).
   */
  private FakeServerProcess endlessGenerator(Target t) {
    return start(
        t,
        Map.of("FAKE_LLAMA_TOKEN_MS", "50"),
        "-m",
        Fixtures.TINY,
        "-np",
        "1",
        "-c",
        "2048",
        "--context-shift");
  }

  /** Sends a non-streaming completion that never ends by itself; returns once a slot runs it. */
  private static RawHttp generating(FakeServerProcess p) throws IOException {
    RawHttp c = RawHttp.connect(p.awaitHealthy(START).port());
    c.send("POST", "/completion", "{\"prompt\":\"Hello\",\"n_predict\":-1}");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> p.get("/slots").body().contains("\"is_processing\":true"));
    return c;
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void sigtermDuringAStreamCutsItAtTheNextPing(Target t) throws IOException {
    try (FakeServerProcess p = endlessGenerator(t);
        RawHttp c = RawHttp.connect(p.awaitHealthy(START).port())) {
      c.send(
          "POST",
          "/v1/chat/completions",
          "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"stream\":true,"
              + "\"sse_ping_interval\":1}");
      assertEquals(200, c.readHead(Duration.ofSeconds(10)).status());
      assertNotNull(c.nextChunk(Duration.ofSeconds(10)));
      p.signal("TERM");
      List<String> after = new ArrayList<>();
      boolean closed = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(6).toNanos();
      try {
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
          String chunk = c.nextChunk(Duration.ofNanos(Math.max(left, 1_000_000)));
          if (chunk == null) {
            closed = true;
            break;
          }
          after.add(chunk);
        }
      } catch (SocketTimeoutException stillOpen) {
        // neither data nor a close: judged below
      }
      String ping = ":\n\n";
      assertFalse(
          after.stream()
              .anyMatch(
                  x -> x.isEmpty() || x.contains("[DONE]") || x.contains("\"finish_reason\":\"")),
          "the stream is cut, never finished: " + after);
      int firstPing = after.indexOf(ping);
      assertTrue(
          firstPing < 0 || after.subList(firstPing, after.size()).stream().allMatch(ping::equals),
          "no tokens after the first ping: " + after);
      if (closed) {
        // cut at the first ping (or at once); with no client left waiting, the process exits
        assertEquals(0, p.awaitExit(Duration.ofSeconds(5)), p.stderr());
      } else {
        assertEquals(Target.REAL, t, "the fake cuts the stream at its first ping: " + after);
        assertTrue(firstPing >= 0, "a stuck server still pings the stream: " + after);
        assertFalse(p.stderr().contains("cleaning up before exit..."), p.stderr());
        secondSigtermExits1(p);
      }
      if (t == Target.FAKE) {
        assertEquals(List.of(ping), after.subList(Math.max(firstPing, 0), after.size()));
        p.close();
        assertTrue(p.stderr().contains("operator(): cleaning up before exit..."), p.stderr());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void sigtermDuringARequestAnswersNothingAndExits0WhenTheClientLeaves(Target t)
      throws IOException {
    try (FakeServerProcess p = endlessGenerator(t);
        RawHttp c = generating(p)) {
      boolean shutsDown = sigtermShutsDown(t, p);
      assertThrows(SocketTimeoutException.class, () -> c.readHead(Duration.ofMillis(700)));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(p::isAlive);
      if (!shutsDown) {
        secondSigtermExits1(p);
        return;
      }
      assertThrows(IOException.class, () -> RawHttp.connect(p.port()).close(), "listener closed");
      c.close();
      assertEquals(0, p.awaitExit(Duration.ofSeconds(5)));
    }
  }

  @ParameterizedTest
  @EnumSource(Target.class)
  void sigtermDuringARequestAnswersNothingAndASecondSigtermExits1(Target t) throws IOException {
    try (FakeServerProcess p = endlessGenerator(t);
        RawHttp c = generating(p)) {
      sigtermShutsDown(t, p);
      assertThrows(SocketTimeoutException.class, () -> c.readHead(Duration.ofMillis(700)));
      await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(p::isAlive);
      secondSigtermExits1(p);
    }
  }
}
