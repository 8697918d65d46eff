package io.llamasupervisor.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llamasupervisor.app.Main;
import io.llamasupervisor.gguf.GgmlType;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.process.LogSettings;
import io.llamasupervisor.supervisor.memory.DeviceInventory;
import io.llamasupervisor.supervisor.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path models;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** This host's devices must not matter: a CPU-only inventory unless a test sets another. */
  @BeforeEach
  void cpuOnlyHost() {
    devices("Available devices:\n  (none)\n");
  }

  @AfterEach
  void realHost() {
    PlanCommand.inventory = DeviceInventory::forHost;
  }

  private static void devices(String listDevicesOutput) {
    PlanCommand.inventory =
        bin ->
            new DeviceInventory(
                bin,
                Duration.ofSeconds(1),
                (command, timeout) -> listDevicesOutput,
                () -> "MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n");
  }

  private int run(String... args) {
    List<String> all = new ArrayList<>(List.of("plan"));
    all.addAll(List.of(args));
    return Main.run(
        all,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String errText() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private Map<String, JsonNode> jsonLines() throws Exception {
    Map<String, JsonNode> byId = new TreeMap<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        JsonNode n = JSON.readTree(line);
        byId.put(n.get("id").asText(), n);
      }
    }
    return byId;
  }

  private void tree() throws Exception {
    Fixtures.copy(
        Fixtures.TINY_LLAMA, models.resolve("lmstudio-community/Tiny-GGUF/tiny-llama-f16.gguf"));
    GgufWriter.model("clip")
        .tensor("v.patch_embd.weight", GgmlType.F16, 32, 32)
        .write(models.resolve("lmstudio-community/Tiny-GGUF/mmproj-tiny-f16.gguf"));
    GgufWriter.llama(512, 64, 4, 2, 2).write(models.resolve("small/hd16-ctx512.gguf"));
    Files.writeString(models.resolve("broken.gguf"), "not a model");
  }

  @Test
  void jsonListsEveryModelWithItsPlan() throws Exception {
    tree();
    int code =
        run(
            "--models-dir",
            models.toString(),
            "--json",
            "--supervisor.models.\"lmstudio-community/**\".parallel=2",
            "--llama-server=/opt/llama/bin/llama-server");

    assertEquals(2, code, "a rejected file makes the exit code 2; stderr: " + err);
    Map<String, JsonNode> m = jsonLines();
    assertEquals(
        List.of("broken", "lmstudio-community/Tiny-GGUF/tiny-llama-f16", "small/hd16-ctx512"),
        new ArrayList<>(m.keySet()));

    JsonNode tiny = m.get("lmstudio-community/Tiny-GGUF/tiny-llama-f16");
    assertEquals("accepted", tiny.get("verdict").asText());
    assertEquals("tiny-llama-f16", tiny.get("alias").asText());
    assertEquals("/opt/llama/bin/llama-server", tiny.get("argv").get(0).asText());
    assertEquals(2, tiny.get("parallel").asInt());
    assertEquals(2048, tiny.get("ctxPerSlot").asInt());
    assertEquals(4096, tiny.get("ctxSize").asInt());
    assertEquals("q8_0", tiny.get("cacheTypeK").asText());
    assertEquals("q4_0", tiny.get("cacheTypeV").asText());
    List<String> argv = new ArrayList<>();
    tiny.get("argv").forEach(a -> argv.add(a.asText()));
    assertEquals("<port>", argv.get(argv.indexOf("--port") + 1));
    assertEquals("4096", argv.get(argv.indexOf("--ctx-size") + 1));
    Path mmproj = models.resolve("lmstudio-community/Tiny-GGUF/mmproj-tiny-f16.gguf");
    assertEquals(mmproj.toString(), argv.get(argv.indexOf("--mmproj") + 1));
    assertEquals(mmproj.toString(), tiny.get("mmproj").asText());
    JsonNode mem = tiny.get("memory");
    assertEquals(854528 + 32 * 32 * 2, mem.get("weightsBytes").asLong(), "model + projector");
    assertEquals(4096L * 2 * (68 + 36), mem.get("kvBytes").asLong());
    assertTrue(mem.get("computeBytes").asLong() > 0, mem.toString());
    assertEquals(512L * 2 * 4, mem.get("outputBytes").asLong(), "n_vocab x 2 slots x F32");
    assertEquals(
        mem.get("weightsBytes").asLong()
            + mem.get("kvBytes").asLong()
            + mem.get("computeBytes").asLong()
            + mem.get("outputBytes").asLong(),
        mem.get("totalBytes").asLong());
    assertEquals(
        mem.get("totalBytes").asLong(),
        mem.at("/devices/cpu/totalBytes").asLong(),
        "no GPU: everything on cpu");

    JsonNode small = m.get("small/hd16-ctx512");
    assertEquals(512, small.get("ctxPerSlot").asInt());
    assertEquals("f16", small.get("cacheTypeK").asText());
    assertEquals("f16", small.get("cacheTypeV").asText());
    assertTrue(small.get("warnings").toString().contains("head dimension"), small.toString());

    JsonNode broken = m.get("broken");
    assertEquals("rejected", broken.get("verdict").asText());
    assertEquals("BAD_MAGIC", broken.get("reason").asText());
    assertTrue(broken.get("argv").isNull());
    assertTrue(broken.get("memory").isNull());
  }

  @Test
  void humanOutputShowsArgvContextCacheAndMemory() throws Exception {
    Fixtures.copy(Fixtures.TINY_LLAMA, models.resolve("tiny.gguf"));
    assertEquals(0, run("--models-dir=" + models));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("verdict:   accepted"), text);
    assertTrue(
        text.contains("argv:      llama-server --model " + models.resolve("tiny.gguf")), text);
    assertTrue(text.contains("--port <port>"), text);
    assertTrue(text.contains("context:   2048 per slot x 4 slots (--ctx-size 8192)"), text);
    assertTrue(text.contains("kv cache:  K q8_0, V q4_0, flash-attn auto"), text);
    assertTrue(
        text.contains(
            "memory:    weights 0.81 MiB + KV 1.63 MiB + compute 4.01 MiB + output 0.01 MiB"
                + " = 6.46 MiB"),
        text);
    assertTrue(text.contains("devices:   cpu 6.46 MiB"), text);
    assertTrue(text.contains("warning:   ctx-size 4096 exceeds the training context 2048"), text);
  }

  /** With a GPU that llama-server lists, the offloaded layers and their KV cache go to it. */
  @Test
  void theEstimateIsPerDeviceOnAGpuHost() throws Exception {
    devices("Available devices:\n  CUDA0: NVIDIA GeForce RTX 4090 (24564 MiB, 20000 MiB free)\n");
    Fixtures.copy(Fixtures.TINY_LLAMA, models.resolve("tiny.gguf"));
    assertEquals(0, run("--models-dir=" + models, "--json"));
    JsonNode mem = jsonLines().get("tiny").get("memory");
    assertEquals(mem.get("kvBytes").asLong(), mem.at("/devices/cuda0/kvBytes").asLong());
    assertEquals(128L * 512 * 2, mem.at("/devices/cpu/modelBytes").asLong(), "token_embd");
    assertEquals(
        mem.get("totalBytes").asLong(),
        mem.at("/devices/cpu/totalBytes").asLong() + mem.at("/devices/cuda0/totalBytes").asLong());
  }

  /** What the last instance of a model logged at -lv 4 (in serve's state directory) is shown. */
  @Test
  void theMeasuredFootprintOfTheLastLoadIsShownWhereKnown() throws Exception {
    Fixtures.copy(Fixtures.TINY_LLAMA, models.resolve("tiny.gguf"));
    LogSettings logs = LogSettings.defaults(models.resolve(".llama-supervisor").resolve("logs"));
    Files.createDirectories(logs.directory());
    Files.writeString(
        logs.logFileFor("tiny#3"),
        "0.00.006.935 I load_tensors:   CPU_Mapped model buffer size =     0.81 MiB\n"
            + "0.00.007.131 I llama_context:        CPU  output buffer size =     0.01 MiB\n"
            + "0.00.007.153 I llama_kv_cache:        CPU KV buffer size =     1.63 MiB\n"
            + "0.00.008.543 I sched_reserve:        CPU compute buffer size =     4.01 MiB\n");
    assertEquals(0, run("--models-dir=" + models, "--json"));
    JsonNode measured = jsonLines().get("tiny").get("measured");
    long mib = 1L << 20;
    assertEquals(
        Math.round(0.81 * mib)
            + Math.round(0.01 * mib)
            + Math.round(1.63 * mib)
            + Math.round(4.01 * mib),
        measured.get("totalBytes").asLong(),
        measured.toString());
    out.reset();
    assertEquals(0, run("--models-dir=" + models));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("measured:  6.46 MiB at the last load (cpu 6.46 MiB)"), text);
  }

  @Test
  void configFileIsLayeredUnderArguments() throws Exception {
    Fixtures.copy(Fixtures.TINY_LLAMA, models.resolve("tiny.gguf"));
    Path config =
        Files.writeString(
            models.resolve("cfg.yml.txt"),
            "supervisor:\n  models-dir: "
                + models
                + "\n  defaults:\n    parallel: 1\n    ctx-size: 1024\n");
    assertEquals(
        0, run("--json", "--config", config.toString(), "--supervisor.defaults.ctx-size=512"));
    JsonNode n = jsonLines().get("tiny");
    assertEquals(1, n.get("parallel").asInt());
    assertEquals(512, n.get("ctxPerSlot").asInt());
  }

  @Test
  void configErrorsNameTheKeyAndExitOne() {
    int code = run("--models-dir", models.toString(), "--supervisor.defaults.cache-type-k=q3_k");
    assertEquals(1, code);
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains("supervisor.defaults.cache-type-k: 'q3_k' is invalid; allowed: f32, f16"),
        err.toString());
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void usageErrors() {
    assertEquals(1, run());
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("supervisor.models-dir: not set"),
        err.toString());
    err.reset();
    assertEquals(1, run("--models-dir"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8)
            .contains("Missing required parameter for option '--models-dir'"),
        err.toString());
    err.reset();
    assertEquals(1, run("--frobnicate"));
    assertTrue(
        err.toString(StandardCharsets.UTF_8).contains("Unknown option or argument: '--frobnicate'"),
        err.toString());
    err.reset();
    assertEquals(1, run("--models-dir", models.resolve("missing").toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("is not a directory"));
    assertEquals(0, run("--help"));
  }

  /**
   * Regression: a memory budget naming a device the host does not have ({@code gpu9} on a CPU-only
   * host) was accepted silently; serve now refuses it, and so does its dry run.
   */
  @Test
  void aBudgetNamingADeviceTheHostDoesNotHaveIsRefused() throws Exception {
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("m.gguf"));

    assertEquals(
        1,
        run("--models-dir", models.toString(), "--supervisor.memory.budget.gpu9=2GiB"),
        errText());
    assertTrue(
        errText()
            .contains(
                "plan: supervisor.memory.budget.gpu9: device gpu9 does not exist on this host (its"
                    + " devices: cpu;"),
        errText());

    devices("Available devices:\n  CUDA0: NVIDIA GeForce RTX 4090 (24564 MiB, 20000 MiB free)\n");
    assertEquals(
        0,
        run("--models-dir", models.toString(), "--supervisor.memory.budget.cuda0=2GiB"),
        errText());
  }

  /**
   * Regression: plan accepted (exit 0) configurations serve refuses: a top-level {@code supervisor:
   * hello}, a bad cache value, an API key with an unknown role.
   */
  @Test
  void planRefusesWhatServeRefuses() throws Exception {
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("m.gguf"));
    Path config =
        Files.writeString(models.getParent().resolve("plan-refuses.yml"), "supervisor: hello\n");

    assertEquals(1, run("--models-dir", models.toString(), "--config", config.toString()));
    assertTrue(
        errText().contains("plan: supervisor: 'hello' is invalid; expected a mapping"), errText());

    assertEquals(1, run("--models-dir", models.toString(), "--supervisor.cache.ttl=soon"));
    assertTrue(errText().contains("supervisor.cache.ttl"), errText());

    Files.writeString(
        config,
        "supervisor:\n  api:\n    keys:\n      - {name: x, role: god, key: a-long-random-secret}\n");
    assertEquals(1, run("--models-dir", models.toString(), "--config", config.toString()));
    assertTrue(errText().contains("role"), errText());
    assertTrue(errText().contains("god"), errText());
  }
}
