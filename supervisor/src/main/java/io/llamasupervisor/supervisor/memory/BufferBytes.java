package io.llamasupervisor.supervisor.memory;

/**
 * Bytes one llama-server holds on one device, by the kind of buffer llama.cpp allocates.
 *
 * @param modelBytes weights ({@code load_tensors: ... model buffer size})
 * @param kvBytes KV cache ({@code llama_kv_cache: ... KV buffer size}; recurrent state too)
 * @param computeBytes graph compute buffers ({@code sched_reserve: ... compute buffer size})
 * @param outputBytes logits and embeddings ({@code llama_context: ... output buffer size})
 * @param totalBytes the sum of the four
 */
public record BufferBytes(
    long modelBytes, long kvBytes, long computeBytes, long outputBytes, long totalBytes) {
  public static final BufferBytes ZERO = of(0, 0, 0, 0);

  public BufferBytes {
    if (modelBytes < 0 || kvBytes < 0 || computeBytes < 0 || outputBytes < 0) {
      throw new IllegalArgumentException(
          "negative buffer size: "
              + modelBytes
              + "/"
              + kvBytes
              + "/"
              + computeBytes
              + "/"
              + outputBytes);
    }
    long sum =
        Math.addExact(Math.addExact(modelBytes, kvBytes), Math.addExact(computeBytes, outputBytes));
    if (totalBytes != sum) {
      throw new IllegalArgumentException("totalBytes " + totalBytes + " != sum " + sum);
    }
  }

  public static BufferBytes of(long modelBytes, long kvBytes, long computeBytes, long outputBytes) {
    return new BufferBytes(
        modelBytes,
        kvBytes,
        computeBytes,
        outputBytes,
        Math.addExact(
            Math.addExact(modelBytes, kvBytes), Math.addExact(computeBytes, outputBytes)));
  }

  public BufferBytes plus(BufferBytes o) {
    return of(
        Math.addExact(modelBytes, o.modelBytes),
        Math.addExact(kvBytes, o.kvBytes),
        Math.addExact(computeBytes, o.computeBytes),
        Math.addExact(outputBytes, o.outputBytes));
  }

  /** This with {@code bytes} more of {@code kind}. */
  public BufferBytes plus(BufferKind kind, long bytes) {
    return switch (kind) {
      case MODEL -> of(Math.addExact(modelBytes, bytes), kvBytes, computeBytes, outputBytes);
      case KV -> of(modelBytes, Math.addExact(kvBytes, bytes), computeBytes, outputBytes);
      case COMPUTE -> of(modelBytes, kvBytes, Math.addExact(computeBytes, bytes), outputBytes);
      case OUTPUT -> of(modelBytes, kvBytes, computeBytes, Math.addExact(outputBytes, bytes));
    };
  }
}
