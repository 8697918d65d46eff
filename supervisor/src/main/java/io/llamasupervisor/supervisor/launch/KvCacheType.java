package io.llamasupervisor.supervisor.launch;

import io.llamasupervisor.gguf.GgmlType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The KV cache element types llama-server accepts for {@code --cache-type-k/-v}, with the ggml
 * block geometry used for memory estimates and head-dimension checks.
 */
public enum KvCacheType {
  F32(GgmlType.F32),
  F16(GgmlType.F16),
  BF16(GgmlType.BF16),
  Q8_0(GgmlType.Q8_0),
  Q4_0(GgmlType.Q4_0),
  Q4_1(GgmlType.Q4_1),
  IQ4_NL(GgmlType.IQ4_NL),
  Q5_0(GgmlType.Q5_0),
  Q5_1(GgmlType.Q5_1);

  private final GgmlType ggml;

  KvCacheType(GgmlType ggml) {
    this.ggml = ggml;
  }

  /** The value as written on llama-server's command line, e.g. {@code q8_0}. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  public GgmlType ggmlType() {
    return ggml;
  }

  /** Block-quantized types need the head dimension to be a multiple of {@link #blockSize()}. */
  public boolean isQuantized() {
    return ggml.isQuantized();
  }

  public int blockSize() {
    return ggml.blockSize();
  }

  /** Bytes of one row of {@code elements} values (ggml_row_size), rounded up to whole blocks. */
  public long rowBytes(long elements) {
    long blocks = (elements + ggml.blockSize() - 1) / ggml.blockSize();
    return Math.multiplyExact(blocks, (long) ggml.typeSize());
  }

  /** Parses a flag value case-insensitively; empty for anything llama-server would refuse. */
  public static Optional<KvCacheType> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    for (KvCacheType t : values()) {
      if (t.flag().equalsIgnoreCase(value.trim())) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** The allowed flag values, comma-separated, for error messages. */
  public static String allowed() {
    return Arrays.stream(values()).map(KvCacheType::flag).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return flag();
  }
}
