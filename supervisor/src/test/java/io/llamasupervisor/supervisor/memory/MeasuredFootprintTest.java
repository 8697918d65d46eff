package io.llamasupervisor.supervisor.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeasuredFootprintTest {
  private static final double MIB = 1024.0 * 1024.0;

  private static long mib(double v) {
    return Math.round(v * MIB);
  }

  /** Lines of b10470 at -lv 4 with the tiny fixture (captured), with their neighbours. */
  @Test
  void theRealCpuLinesAddUp() {
    List<String> log =
        List.of(
            "0.00.006.416 I load_tensors: loading model tensors, this can take a while... (load_mode = mmap)",
            "0.00.006.935 I load_tensors:   CPU_Mapped model buffer size =     0.81 MiB",
            "0.00.007.131 I llama_context:        CPU  output buffer size =     0.01 MiB",
            "0.00.007.153 I llama_kv_cache:        CPU KV buffer size =     0.27 MiB",
            "0.00.007.257 I llama_kv_cache: size =    0.27 MiB (  1024 cells,   2 layers,  4/1 seqs),"
                + " K (q8_0):    0.13 MiB, V (q8_0):    0.13 MiB",
            "0.00.008.543 I sched_reserve:        CPU compute buffer size =     3.01 MiB",
            "0.00.012.369 I srv  llama_server: model loaded");
    MeasuredFootprint f = MeasuredFootprint.parse(log).orElseThrow();
    assertEquals(
        Map.of("cpu", BufferBytes.of(mib(0.81), mib(0.27), mib(3.01), mib(0.01))), f.devices());
    assertEquals(mib(0.81) + mib(0.27) + mib(3.01) + mib(0.01), f.totalBytes());
  }

  /** A GPU host: device buffers by device, host buffers on cpu. */
  @Test
  void gpuAndHostBuffersGoToTheirDevices() {
    List<String> log =
        List.of(
            "load_tensors: offloaded 33/33 layers to GPU",
            "load_tensors:        CUDA0 model buffer size =  3992.51 MiB",
            "load_tensors:   CPU_Mapped model buffer size =    70.31 MiB",
            "load_tensors:        CUDA1 model buffer size =  1000.00 MiB",
            "llama_context:  CUDA_Host  output buffer size =     0.49 MiB",
            "llama_kv_cache:      CUDA0 KV buffer size =   512.00 MiB",
            "llama_memory_recurrent:      CUDA1 RS buffer size =    10.00 MiB",
            "sched_reserve:      CUDA0 compute buffer size =   296.00 MiB",
            "sched_reserve:  CUDA_Host compute buffer size =    16.01 MiB",
            "load_tensors:    MTL0_Mapped model buffer size =     1.00 MiB",
            "load_tensors:   CPU_REPACK model buffer size =     2.00 MiB");
    MeasuredFootprint f = MeasuredFootprint.parse(log).orElseThrow();
    assertEquals(
        Map.of(
            "cpu", BufferBytes.of(mib(70.31) + mib(2.0), 0, mib(16.01), mib(0.49)),
            "cuda0", BufferBytes.of(mib(3992.51), mib(512), mib(296), 0),
            "cuda1", BufferBytes.of(mib(1000), mib(10), 0, 0),
            "mtl0", BufferBytes.of(mib(1), 0, 0, 0)),
        f.devices());
    assertEquals(List.of("cpu", "cuda0", "cuda1", "mtl0"), List.copyOf(f.perDevice().keySet()));
  }

  @Test
  void aLogWithoutBufferLinesMeasuresNothing() {
    assertTrue(MeasuredFootprint.parse(List.of("srv  llama_server: model loaded", "")).isEmpty());
  }

  /** Sizes logged before the model's tensors are loaded (a probe) do not count twice. */
  @Test
  void onlyTheLastLoadCounts() {
    List<String> log =
        List.of(
            "load_tensors: loading model tensors, this can take a while... (load_mode = mmap)",
            "load_tensors:        CUDA0 model buffer size =  100.00 MiB",
            "load_tensors: loading model tensors, this can take a while... (load_mode = mmap)",
            "load_tensors:        CUDA0 model buffer size =  100.00 MiB");
    assertEquals(mib(100), MeasuredFootprint.parse(log).orElseThrow().totalBytes());
  }

  @Test
  void bufferTypeNamesMapToDeviceIds() {
    assertEquals("cpu", MeasuredFootprint.deviceOf("CPU_Mapped"));
    assertEquals("cpu", MeasuredFootprint.deviceOf("CPU_AARCH64"));
    assertEquals("cpu", MeasuredFootprint.deviceOf("Vulkan_Host"));
    assertEquals("vulkan0", MeasuredFootprint.deviceOf("Vulkan0"));
    assertEquals("rocm1", MeasuredFootprint.deviceOf("ROCm1"));
  }

  /**
   * Regression: llama-server b10470 on an AMX Xeon logs the repacked weights as an {@code AMX}
   * buffer, which was reported as a separate device {@code amx} next to {@code cpu}.
   */
  @Test
  void cpuSideExtraBuffersLikeAmxCountAsCpu() {
    List<String> log =
        List.of(
            "load_tensors: loading model tensors, this can take a while... (load_mode = mmap)",
            "load_tensors:          AMX model buffer size =     0.69 MiB",
            "load_tensors:   CPU_Mapped model buffer size =     0.81 MiB",
            "load_tensors:   CPU_REPACK model buffer size =     0.50 MiB",
            "llama_context:        CPU  output buffer size =     0.01 MiB",
            "llama_kv_cache:        CPU KV buffer size =     0.27 MiB",
            "sched_reserve:        CPU compute buffer size =     3.01 MiB");

    MeasuredFootprint f = MeasuredFootprint.parse(log).orElseThrow();

    assertEquals(java.util.Set.of("cpu"), f.devices().keySet(), f.toString());
    assertEquals(
        mib(0.69) + mib(0.81) + mib(0.50), f.devices().get("cpu").modelBytes(), f.toString());
    assertEquals("cpu", MeasuredFootprint.deviceOf("AMX"));
    assertEquals("cpu", MeasuredFootprint.deviceOf("KLEIDIAI"));
  }
}
