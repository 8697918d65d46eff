package io.llamasupervisor.supervisor.launch;

/**
 * Estimated memory of one llama-server: model weights (tensor bytes of every shard plus the
 * multimodal projector) and the KV cache. Compute buffers and the process itself (tens of MB) are
 * not included.
 */
public record MemoryEstimate(long weightsBytes, long kvBytes, long totalBytes) {
  public MemoryEstimate {
    if (weightsBytes < 0 || kvBytes < 0 || totalBytes != weightsBytes + kvBytes) {
      throw new IllegalArgumentException(
          "inconsistent estimate: " + weightsBytes + " + " + kvBytes + " != " + totalBytes);
    }
  }

  public static MemoryEstimate of(long weightsBytes, long kvBytes) {
    return new MemoryEstimate(weightsBytes, kvBytes, Math.addExact(weightsBytes, kvBytes));
  }
}
