package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.GgufValueType;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.supervisor.testing.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * KV cache estimates against what llama-server b10470 logged for the tiny fixture ({@code
 * llama_kv_cache: size = ... MiB (1024 cells, 2 layers, 4/1 seqs)}, printed with {@code %.2f}).
 */
class KvCacheEstimateTest {
  private static final double MIB = 1 << 20;

  @TempDir Path dir;

  private GgufFile tiny() throws Exception {
    return GgufReader.read(Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny.gguf")));
  }

  /** The -lv 4 startup log: {@code -c 1024 -ctk q8_0 -ctv q8_0}: "size = 0.27 MiB". */
  @Test
  void planReproducesTheLoggedKvCacheSizeWithinTwoPercent() throws Exception {
    LaunchSettings s =
        LaunchSettings.defaults()
            .with(
                LaunchOverride.builder("*")
                    .ctxSize(256)
                    .cacheTypeV(KvCacheType.Q8_0)
                    .threads(2)
                    .build());
    LaunchPlanner planner = new LaunchPlanner(new LaunchConfig("llama-server", s, List.of()), 2);
    LaunchPlan plan = planner.plan(ModelSpec.of("tiny", tiny()), OptionalInt.empty());

    assertEquals(1024, plan.ctxSize(), "the logged run used -c 1024");
    double logged = 0.27;
    double estimated = plan.memory().kvBytes() / MIB;
    assertTrue(
        Math.abs(estimated - logged) / logged < 0.02,
        "estimate " + estimated + " MiB vs logged " + logged + " MiB");
    assertEquals(854528, plan.memory().weightsBytes(), "tensor bytes of the fixture");
  }

  /**
   * Section 7 of the reference: every cache type at 1024 cells, K = V, as llama-server printed it.
   */
  @ParameterizedTest
  @CsvSource({
    "f32, 1.00",
    "f16, 0.50",
    "bf16, 0.50",
    "q8_0, 0.27",
    "q4_0, 0.14",
    "q4_1, 0.16",
    "iq4_nl, 0.14",
    "q5_0, 0.17",
    "q5_1, 0.19"
  })
  void everyCacheTypeMatchesTheLoggedSize(String type, String loggedMiB) throws Exception {
    KvCacheType t = KvCacheType.parse(type).orElseThrow();
    long bytes = ModelGeometry.of(tiny()).kvBytes(1024, t, t);
    assertEquals(loggedMiB, String.format(Locale.ROOT, "%.2f", bytes / MIB));
  }

  /** {@code -c 8192} with the default f16 cache: "size = 4.00 MiB (8192 cells, 2 layers ...)". */
  @Test
  void eightThousandCellsOfF16() throws Exception {
    long bytes = ModelGeometry.of(tiny()).kvBytes(8192, KvCacheType.F16, KvCacheType.F16);
    assertEquals(4L << 20, bytes);
  }

  @Test
  void perLayerKvHeadsAreSummedLayerByLayer() throws Exception {
    Path p =
        GgufWriter.llama(4096, 256, 8, 8, 3)
            .kv(
                "llama.attention.head_count_kv",
                GgufValueType.ARRAY,
                new GgufWriter.Arr(GgufValueType.UINT32, List.of(8L, 2L, 0L)))
            .write(dir.resolve("per-layer.gguf"));
    ModelGeometry g = ModelGeometry.of(GgufReader.read(p));
    assertArrayEquals(new long[] {8, 2, 0}, g.headCountKv());
    assertEquals(32, g.headDimK());
    // n_embd_k_gqa per layer = 32 x {8, 2, 0} = {256, 64, 0}
    assertEquals(1024L * (256 + 64) * 2 * 2, g.kvBytes(1024, KvCacheType.F16, KvCacheType.F16));
    // q8_0: 34 bytes per 32 values; q4_0: 18 bytes per 32 values
    long k = 1024L * ((256 / 32) * 34 + (64 / 32) * 34);
    long v = 1024L * ((256 / 32) * 18 + (64 / 32) * 18);
    assertEquals(k + v, g.kvBytes(1024, KvCacheType.Q8_0, KvCacheType.Q4_0));
  }

  @Test
  void explicitKeyAndValueLengthsWinOverEmbeddingPerHead() throws Exception {
    Path p =
        GgufWriter.llama(4096, 128, 4, 1, 2)
            .kv("llama.attention.key_length", GgufValueType.UINT32, 64L)
            .kv("llama.attention.value_length", GgufValueType.UINT32, 96L)
            .write(dir.resolve("kv-lengths.gguf"));
    ModelGeometry g = ModelGeometry.of(GgufReader.read(p));
    assertEquals(64, g.headDimK());
    assertEquals(96, g.headDimV());
    assertEquals(2L * 100 * (64 + 96) * 4, g.kvBytes(100, KvCacheType.F32, KvCacheType.F32));
  }

  @Test
  void missingKvHeadCountMeansHeadCount() throws Exception {
    Path p =
        GgufWriter.llama(4096, 128, 4, 4, 2)
            .remove("llama.attention.head_count_kv")
            .write(dir.resolve("mha.gguf"));
    assertArrayEquals(new long[] {4, 4}, ModelGeometry.of(GgufReader.read(p)).headCountKv());
  }
}
