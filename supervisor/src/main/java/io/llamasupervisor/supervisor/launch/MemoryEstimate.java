package io.llamasupervisor.supervisor.launch;

import io.llamasupervisor.supervisor.memory.BufferBytes;
import io.llamasupervisor.supervisor.memory.Device;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Estimated memory of one llama-server, in the parts llama.cpp allocates: model weights (tensor
 * bytes of every shard plus the multimodal projector), the KV cache (exact), the compute buffer of
 * the worst-case graph and the output (logits) buffer; per device by the layers offloaded. The
 * process itself (its code, threads and allocator, tens of MB) is not included. {@link
 * MemoryEstimator} says how each part is computed.
 *
 * @param weightsBytes model weights
 * @param kvBytes KV cache
 * @param computeBytes compute buffers
 * @param outputBytes output buffer
 * @param totalBytes the sum of the four
 * @param devices the same parts per device id ({@code cpu}, {@code cuda0}...), ids sorted; their
 *     sums are the four totals
 */
public record MemoryEstimate(
    long weightsBytes,
    long kvBytes,
    long computeBytes,
    long outputBytes,
    long totalBytes,
    Map<String, BufferBytes> devices) {
  public MemoryEstimate {
    devices = Collections.unmodifiableMap(new TreeMap<>(devices));
    BufferBytes sum = devices.values().stream().reduce(BufferBytes.ZERO, BufferBytes::plus);
    if (sum.modelBytes() != weightsBytes
        || sum.kvBytes() != kvBytes
        || sum.computeBytes() != computeBytes
        || sum.outputBytes() != outputBytes
        || sum.totalBytes() != totalBytes) {
      throw new IllegalArgumentException(
          "inconsistent estimate: "
              + weightsBytes
              + " + "
              + kvBytes
              + " + "
              + computeBytes
              + " + "
              + outputBytes
              + " (total "
              + totalBytes
              + ") vs devices "
              + devices);
    }
  }

  /** An estimate with the given parts per device. */
  public static MemoryEstimate of(Map<String, BufferBytes> devices) {
    BufferBytes sum = devices.values().stream().reduce(BufferBytes.ZERO, BufferBytes::plus);
    return new MemoryEstimate(
        sum.modelBytes(),
        sum.kvBytes(),
        sum.computeBytes(),
        sum.outputBytes(),
        sum.totalBytes(),
        devices);
  }

  /** Weights and KV cache only, all on {@code cpu}. */
  public static MemoryEstimate of(long weightsBytes, long kvBytes) {
    return of(Map.of(Device.CPU, BufferBytes.of(weightsBytes, kvBytes, 0, 0)));
  }

  /** Total bytes per device id. */
  public Map<String, Long> perDevice() {
    Map<String, Long> m = new LinkedHashMap<>();
    devices.forEach((id, b) -> m.put(id, b.totalBytes()));
    return m;
  }
}
