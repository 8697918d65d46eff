package io.llamasupervisor.supervisor.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.GgufFile;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.GgufValueType;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.supervisor.memory.BufferBytes;
import io.llamasupervisor.supervisor.memory.Device;
import io.llamasupervisor.supervisor.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compute and output buffer estimates against what llama-server b10470 logged on a CPU ({@code
 * sched_reserve: CPU compute buffer size = X MiB}, {@code %.2f}, with {@code --no-repack -lv 4}),
 * for the tiny fixture and for llama models of other dimensions (real files of these dimensions
 * were loaded; here only their headers are needed).
 */
class MemoryEstimatorTest {
  private static final double MIB = 1024.0 * 1024.0;
  private static final long GIB = 1L << 30;

  @TempDir Path dir;

  private static LaunchSettings settings(
      int ctxPerSlot, int parallel, String fa, String k, String v, List<String> extra) {
    return settings(ctxPerSlot, parallel, fa, k, v, extra, null);
  }

  private static LaunchSettings settings(
      int ctxPerSlot,
      int parallel,
      String fa,
      String k,
      String v,
      List<String> extra,
      String nGpuLayers) {
    return LaunchSettings.defaults()
        .with(
            LaunchOverride.builder("*")
                .ctxSize(ctxPerSlot)
                .cacheTypeK(KvCacheType.parse(k).orElseThrow())
                .cacheTypeV(KvCacheType.parse(v).orElseThrow())
                .flashAttn(FlashAttn.parse(fa).orElseThrow())
                .parallel(parallel)
                .threads(2)
                .nGpuLayers(nGpuLayers)
                .extraArgs(extra)
                .build());
  }

  private static LaunchPlan plan(GgufFile h, LaunchSettings s, List<Device> gpus) {
    return new LaunchPlanner(new LaunchConfig("llama-server", s, List.of()), 2, gpus)
        .plan(ModelSpec.of("m", h), OptionalInt.empty());
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.2f", bytes / MIB);
  }

  private GgufFile tiny() throws Exception {
    return GgufReader.read(Fixtures.copy(Fixtures.TINY_LLAMA, dir.resolve("tiny.gguf")));
  }

  /** The tiny fixture: per-slot context, slots, flash attention, cache types, extra args. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "1024 | 1 | on  | f16  | f16  |                  | 3.01",
        "1024 | 1 | off | f16  | f16  |                  | 11.51",
        "2048 | 1 | on  | f16  | f16  |                  | 4.01",
        "2048 | 1 | off | f16  | f16  |                  | 21.51",
        "512  | 1 | on  | f16  | f16  |                  | 2.51",
        "512  | 1 | off | f16  | f16  |                  | 6.51",
        "256  | 1 | on  | f16  | f16  |                  | 1.13",
        "256  | 1 | off | f16  | f16  |                  | 2.00",
        "1024 | 1 | on  | f16  | f16  | -ub 256          | 1.51",
        "1024 | 1 | off | f16  | f16  | -ub 256          | 5.75",
        "1024 | 1 | on  | f16  | f16  | -ub 128          | 0.75",
        "1024 | 1 | off | f16  | f16  | -ub 128          | 2.88",
        "1024 | 1 | on  | f16  | f16  | -ub 1024 -b 1024 | 6.02",
        "1024 | 1 | off | f16  | f16  | -ub 1024 -b 1024 | 23.02",
        "1024 | 4 | on  | f16  | f16  |                  | 3.01",
        "1024 | 4 | off | f16  | f16  |                  | 11.51",
        "2048 | 2 | on  | f16  | f16  |                  | 4.01",
        "2048 | 2 | off | f16  | f16  |                  | 21.51",
        "1024 | 1 | on  | q8_0 | q4_0 |                  | 3.01",
        "1024 | 1 | off | q8_0 | f16  |                  | 11.51",
        "1024 | 1 | on  | f32  | f32  |                  | 3.26",
        "1024 | 1 | off | f32  | f32  |                  | 11.51",
        "256  | 4 | on  | q8_0 | q8_0 |                  | 2.26",
        "256  | 4 | on  | q8_0 | q8_0 | --kv-unified     | 3.01",
      })
  void tinyFixtureComputeBufferMatchesTheLoggedSize(
      int ctx, int parallel, String fa, String k, String v, String extra, String logged)
      throws Exception {
    List<String> args = extra == null ? List.of() : Arrays.asList(extra.trim().split(" "));
    LaunchPlan p = plan(tiny(), settings(ctx, parallel, fa, k, v, args), List.of());
    assertEquals(logged, mib(p.memory().computeBytes()), p.argv().toString());
  }

  /** Models of other dimensions (n_embd, n_ff, heads, KV heads, layers) at -c 1024 -np 1. */
  @ParameterizedTest
  @CsvSource({
    "256, 512, 4, 2, 2, 5.01, 13.01",
    "128, 1024, 4, 2, 2, 8.01, 11.51",
    "128, 256, 8, 8, 2, 3.01, 19.76",
    "128, 512, 4, 2, 2, 5.01, 11.51",
    "128, 384, 4, 2, 2, 4.26, 11.51",
    "128, 128, 4, 2, 2, 2.26, 11.51",
    "256, 256, 4, 2, 2, 3.51, 13.01",
    "256, 768, 4, 2, 2, 7.51, 13.01",
    "256, 640, 4, 2, 2, 6.76, 13.01",
    "256, 1024, 8, 4, 4, 9.01, 21.01",
    "128, 256, 4, 2, 3, 3.26, 11.51",
    "128, 256, 4, 2, 6, 3.26, 11.51",
    "128, 256, 4, 2, 12, 3.26, 11.51",
  })
  void otherDimensionsMatchTheLoggedSize(
      int embd, int ff, int heads, int headsKv, int layers, String flash, String noFlash)
      throws Exception {
    Path file =
        GgufWriter.llama(4096, embd, heads, headsKv, layers)
            .kv("llama.feed_forward_length", GgufValueType.UINT32, (long) ff)
            .kv("llama.vocab_size", GgufValueType.UINT32, 512L)
            .write(dir.resolve("m.gguf"));
    GgufFile h = GgufReader.read(file);
    LaunchSettings on = settings(1024, 1, "on", "f16", "f16", List.of());
    LaunchSettings off = settings(1024, 1, "off", "f16", "f16", List.of());
    assertEquals(flash, mib(plan(h, on, List.of()).memory().computeBytes()), "flash attention");
    assertEquals(noFlash, mib(plan(h, off, List.of()).memory().computeBytes()), "without");
  }

  /** llama_context: CPU output buffer size = 0.01 MiB (n_vocab 512 x 4 slots x 4 bytes). */
  @Test
  void outputBufferIsOneRowOfLogitsPerSlot() throws Exception {
    LaunchPlan p = plan(tiny(), settings(1024, 4, "auto", "q8_0", "q4_0", List.of()), List.of());
    assertEquals(512L * 4 * 4, p.memory().outputBytes());
  }

  @Test
  void cpuOnlyPutsEverythingOnCpuAndTheTotalIsTheSumOfTheParts() throws Exception {
    MemoryEstimate m =
        plan(tiny(), settings(1024, 4, "auto", "q8_0", "q4_0", List.of()), List.of()).memory();
    assertEquals(List.of("cpu"), List.copyOf(m.devices().keySet()));
    assertEquals(
        m.weightsBytes() + m.kvBytes() + m.computeBytes() + m.outputBytes(), m.totalBytes());
    assertEquals(Map.of("cpu", m.totalBytes()), m.perDevice());
    assertEquals(854528, m.weightsBytes());
  }

  /** llama.cpp's i_gpu_start: -ngl N offloads the last N of the layers plus output. */
  @Test
  void offloadedLayersAndTheirKvGoToTheGpu() throws Exception {
    Device gpu = new Device("cuda0", "NVIDIA GeForce RTX 4090", 24 * GIB, 20 * GIB);
    GgufFile h = tiny(); // 2 layers; layer tensors 4x(128x128)... per layer, token_embd, output
    LaunchSettings all = settings(1024, 1, "on", "f16", "f16", List.of());
    MemoryEstimate full = plan(h, all, List.of(gpu)).memory();
    long embd = 128L * 512 * 2; // token_embd F16 stays on the CPU
    assertEquals(embd, full.devices().get("cpu").modelBytes());
    assertEquals(full.weightsBytes() - embd, full.devices().get("cuda0").modelBytes());
    assertEquals(full.kvBytes(), full.devices().get("cuda0").kvBytes());
    assertEquals(full.outputBytes(), full.devices().get("cpu").outputBytes());
    assertEquals(128L * 512 * 4, full.devices().get("cpu").computeBytes(), "inputs on the host");

    LaunchSettings one = settings(1024, 1, "on", "f16", "f16", List.of(), "1");
    MemoryEstimate out = plan(h, one, List.of(gpu)).memory();
    // -ngl 1 = only the output layer (output.weight 128x512 F16 + output_norm 128 F32)
    assertEquals(128L * 512 * 2 + 128 * 4, out.devices().get("cuda0").modelBytes());
    assertEquals(0, out.devices().get("cuda0").kvBytes());

    MemoryEstimate none =
        plan(h, settings(1024, 1, "on", "f16", "f16", List.of(), "0"), List.of(gpu)).memory();
    assertEquals(BufferBytes.ZERO, none.devices().getOrDefault("cuda0", BufferBytes.ZERO));
    assertEquals(none.totalBytes(), none.devices().get("cpu").totalBytes());
  }

  @Test
  void twoGpusShareTheLayersByFreeMemory() throws Exception {
    Path file = GgufWriter.llama(4096, 128, 4, 2, 9).write(dir.resolve("nine.gguf"));
    List<Device> gpus =
        List.of(
            new Device("cuda0", "a", 24 * GIB, 20 * GIB),
            new Device("cuda1", "b", 24 * GIB, 10 * GIB));
    MemoryEstimate m =
        plan(GgufReader.read(file), settings(1024, 1, "on", "f16", "f16", List.of()), gpus)
            .memory();
    long perLayerKv = m.kvBytes() / 9;
    // 10 offloaded "layers" (9 + output): the first 2/3 on cuda0 (layers 0-6), the rest on cuda1
    assertEquals(7 * perLayerKv, m.devices().get("cuda0").kvBytes());
    assertEquals(2 * perLayerKv, m.devices().get("cuda1").kvBytes());
    assertTrue(m.devices().get("cuda1").computeBytes() > 0, "compute with the output layer");
  }
}
