package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.supervisor.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchPlannerTest {
  private static final OptionalInt NO_PORT = OptionalInt.empty();

  @TempDir Path dir;

  private final LaunchPlanner defaults = new LaunchPlanner(LaunchConfig.builtIn(), 6);

  private GgufFile tiny() throws Exception {
    return GgufReader.read(Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny.gguf")));
  }

  private GgufFile generated(String name, GgufWriter w) throws Exception {
    return GgufReader.read(w.write(dir.resolve(name)));
  }

  private static LaunchOverride override(String glob) {
    return LaunchOverride.builder(glob).build();
  }

  @Test
  void defaultArgvForTheTinyFixture() throws Exception {
    GgufFile h = tiny();
    LaunchPlan p = defaults.plan(ModelSpec.of("pub/repo/tiny", h), NO_PORT);
    assertEquals(
        List.of(
            "llama-server",
            "--model",
            h.path().toString(),
            "--alias",
            "pub/repo/tiny",
            "--host",
            "127.0.0.1",
            "--port",
            "<port>",
            "--ctx-size",
            "8192",
            "--parallel",
            "4",
            "--cache-type-k",
            "q8_0",
            "--cache-type-v",
            "q4_0",
            "--flash-attn",
            "auto",
            "--threads",
            "6",
            "--metrics",
            "--no-webui",
            "-lv",
            "4"),
        p.argv());
    // training context 2048 < configured 4096: 2048 per slot, 4 slots
    assertEquals(2048, p.ctxPerSlot());
    assertEquals(8192, p.ctxSize());
    assertEquals(KvCacheType.Q8_0, p.cacheTypeK());
    assertEquals(KvCacheType.Q4_0, p.cacheTypeV());
    assertEquals(1, p.warnings().size(), p.warnings().toString());
    assertTrue(p.warnings().get(0).contains("training context 2048"), p.warnings().toString());
    // 8192 cells x 2 layers x (q8_0 row of 64 = 68 B + q4_0 row of 64 = 36 B)
    assertEquals(8192L * 2 * (68 + 36), p.memory().kvBytes());
    // 4 streams of 2048 cells, 512 tokens: F16 mask + 512 x 4 B x (3 n_ff + 2 n_embd + 6)
    assertEquals(2048L * 512 * 2 + 512L * 4 * (3 * 256 + 2 * 128 + 6), p.memory().computeBytes());
    assertEquals(512L * 4 * 4, p.memory().outputBytes(), "n_vocab x 4 slots of F32 logits");
    assertEquals(
        854528 + 8192L * 2 * (68 + 36) + p.memory().computeBytes() + p.memory().outputBytes(),
        p.memory().totalBytes());
  }

  @Test
  void headDimensionSixteenFallsBackToF16WithAWarning() throws Exception {
    // n_embd 64 / 4 heads = head dim 16: llama-server exits 1 with any quantized KV type
    GgufFile h = generated("hd16.gguf", GgufWriter.llama(2048, 64, 4, 2, 2));
    LaunchPlan p = defaults.plan(ModelSpec.of("hd16", h), NO_PORT);
    assertEquals(KvCacheType.F16, p.cacheTypeK());
    assertEquals(KvCacheType.F16, p.cacheTypeV());
    assertTrue(p.argv().containsAll(List.of("--cache-type-k", "f16", "--cache-type-v", "f16")));
    assertTrue(
        p.warnings().stream().anyMatch(w -> w.contains("cache-type-k q8_0") && w.contains("16")),
        p.warnings().toString());
    assertTrue(
        p.warnings().stream().anyMatch(w -> w.contains("cache-type-v q4_0")),
        p.warnings().toString());
    // KV estimate uses the fallback type: 8192 cells x 2 layers x (16 x 2 heads) x 2 bytes x K+V
    assertEquals(8192L * 2 * 32 * 2 * 2, p.memory().kvBytes());
  }

  @Test
  void trainingContext512GetsFiveHundredTwelvePerSlot() throws Exception {
    GgufFile h = generated("ctx512.gguf", GgufWriter.llama(512, 128, 4, 2, 2));
    LaunchPlan p = defaults.plan(ModelSpec.of("ctx512", h), NO_PORT);
    assertEquals(512, p.ctxPerSlot());
    assertEquals(2048, p.ctxSize());
    assertEquals("2048", p.argv().get(p.argv().indexOf("--ctx-size") + 1));
  }

  @Test
  void longTrainingContextGetsTheConfiguredContext() throws Exception {
    GgufFile h = generated("ctx128k.gguf", GgufWriter.llama(131072, 128, 4, 2, 2));
    LaunchPlan p = defaults.plan(ModelSpec.of("ctx128k", h), NO_PORT);
    assertEquals(4096, p.ctxPerSlot());
    assertEquals(16384, p.ctxSize());
    assertTrue(p.warnings().isEmpty(), p.warnings().toString());
  }

  @Test
  void quantizedVWithFlashAttentionOffFallsBackForVOnly() throws Exception {
    LaunchOverride off = LaunchOverride.builder("**").flashAttn(FlashAttn.OFF).build();
    LaunchConfig c = new LaunchConfig("llama-server", LaunchSettings.defaults(), List.of(off));
    LaunchPlan p = new LaunchPlanner(c, 2).plan(ModelSpec.of("m", tiny()), NO_PORT);
    assertEquals(KvCacheType.Q8_0, p.cacheTypeK(), "quantized K alone works without FA");
    assertEquals(KvCacheType.F16, p.cacheTypeV());
    assertTrue(p.warnings().stream().anyMatch(w -> w.contains("flash-attn is off")));
  }

  @Test
  void overridesApplyByGlobInOrder() throws Exception {
    LaunchOverride lmstudio =
        LaunchOverride.builder("lmstudio-community/**")
            .ctxSize(8192)
            .parallel(2)
            .nGpuLayers("all")
            .extraArgs(List.of("--mlock"))
            .env(Map.of("A", "1"))
            .build();
    LaunchOverride qwen =
        LaunchOverride.builder("**/Qwen2.5-*")
            .cacheTypeK(KvCacheType.F16)
            .parallel(1)
            .threads(3)
            .metrics(false)
            .webui(true)
            .env(Map.of("B", "2"))
            .build();
    LaunchConfig c =
        new LaunchConfig(
            "/opt/llama/llama-server", LaunchSettings.defaults(), List.of(lmstudio, qwen));
    GgufFile h = generated("long.gguf", GgufWriter.llama(131072, 128, 4, 2, 2));
    LaunchPlanner planner = new LaunchPlanner(c, 2);

    LaunchPlan both =
        planner.plan(ModelSpec.of("lmstudio-community/Qwen2.5-7B-GGUF/Qwen2.5-7B-q4", h), NO_PORT);
    assertEquals("/opt/llama/llama-server", both.argv().get(0));
    assertEquals(1, both.parallel(), "the later override wins");
    assertEquals(8192, both.ctxPerSlot());
    assertEquals(KvCacheType.F16, both.cacheTypeK());
    assertEquals(Map.of("A", "1", "B", "2"), both.env());
    List<String> a = both.argv();
    assertEquals("3", a.get(a.indexOf("--threads") + 1));
    assertEquals("all", a.get(a.indexOf("--n-gpu-layers") + 1));
    assertEquals("--mlock", a.get(a.size() - 1));
    assertTrue(!a.contains("--metrics") && !a.contains("--no-webui"), a.toString());

    LaunchPlan other = planner.plan(ModelSpec.of("bartowski/Llama/llama-q4", h), NO_PORT);
    assertEquals(4, other.parallel());
    assertTrue(!other.argv().contains("--n-gpu-layers"));
    assertEquals(Map.of(), other.env());
  }

  @Test
  void mmprojIsPassedAndCountedAndSplitWeightsAreSummed() throws Exception {
    GgufFile h = tiny();
    Path mmproj = dir.resolve("mmproj-tiny.gguf");
    ModelSpec spec = new ModelSpec("m", "alias", h.path(), mmproj, h, 3_000_000, 500_000);
    LaunchPlan p = defaults.plan(spec, NO_PORT);
    int i = p.argv().indexOf("--mmproj");
    assertEquals(mmproj.toString(), p.argv().get(i + 1));
    assertEquals(3_500_000, p.memory().weightsBytes());
    assertEquals("alias", p.alias());
  }

  @Test
  void planHashIgnoresThePortAndChangesWithTheCommandLine() throws Exception {
    GgufFile h = tiny();
    LaunchPlan p = defaults.plan(ModelSpec.of("m", h), NO_PORT);
    LaunchPlan again =
        new LaunchPlanner(LaunchConfig.builtIn(), 6).plan(ModelSpec.of("m", h), NO_PORT);
    assertEquals(p.planHash(), again.planHash());
    assertEquals(16, p.planHash().length());

    LaunchPlan onPort = p.withPort(40123);
    assertEquals("40123", onPort.port());
    assertEquals(p.planHash(), onPort.planHash());
    assertEquals(p.planHash(), defaults.plan(ModelSpec.of("m", h), OptionalInt.of(5)).planHash());

    LaunchOverride two = LaunchOverride.builder("m").parallel(2).build();
    LaunchConfig c2 = new LaunchConfig("llama-server", LaunchSettings.defaults(), List.of(two));
    assertNotEquals(
        p.planHash(), new LaunchPlanner(c2, 6).plan(ModelSpec.of("m", h), NO_PORT).planHash());

    LaunchOverride env = LaunchOverride.builder("m").env(Map.of("X", "1")).build();
    LaunchConfig c3 = new LaunchConfig("llama-server", LaunchSettings.defaults(), List.of(env));
    assertNotEquals(
        p.planHash(), new LaunchPlanner(c3, 6).plan(ModelSpec.of("m", h), NO_PORT).planHash());
    assertEquals(
        p.planHash(),
        new LaunchPlanner(
                new LaunchConfig(
                    "llama-server", LaunchSettings.defaults(), List.of(override("x/**"))),
                6)
            .plan(ModelSpec.of("m", h), NO_PORT)
            .planHash(),
        "a non-matching override changes nothing");
  }

  @Test
  void zeroContextUsesTheTrainingContextWithoutWarning() throws Exception {
    LaunchOverride zero = LaunchOverride.builder("**").ctxSize(0).parallel(1).build();
    LaunchConfig c = new LaunchConfig("llama-server", LaunchSettings.defaults(), List.of(zero));
    LaunchPlan p = new LaunchPlanner(c, 2).plan(ModelSpec.of("m", tiny()), NO_PORT);
    assertEquals(2048, p.ctxSize());
    assertEquals(2048, p.ctxPerSlot());
    assertTrue(p.warnings().isEmpty(), p.warnings().toString());
  }
}
