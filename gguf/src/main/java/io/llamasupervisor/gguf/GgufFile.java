package io.llamasupervisor.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The parsed header of a GGUF file: metadata, tensor infos and where the data section starts.
 * Immutable. Integer metadata values are {@link Long}, floats {@link Double}, booleans {@link
 * Boolean}, strings {@link String}, arrays {@link GgufArray}.
 */
public final class GgufFile {
  private final Path path;
  private final long fileSize;
  private final int version;
  private final Map<String, Object> metadata;
  private final List<TensorInfo> tensors;
  private final long alignment;
  private final long dataOffset;
  private final long tensorBytes;

  GgufFile(
      Path path,
      long fileSize,
      int version,
      Map<String, Object> metadata,
      List<TensorInfo> tensors,
      long alignment,
      long dataOffset,
      long tensorBytes) {
    this.path = path;
    this.fileSize = fileSize;
    this.version = version;
    this.metadata = Collections.unmodifiableMap(metadata);
    this.tensors = List.copyOf(tensors);
    this.alignment = alignment;
    this.dataOffset = dataOffset;
    this.tensorBytes = tensorBytes;
  }

  public Path path() {
    return path;
  }

  public long fileSize() {
    return fileSize;
  }

  public int version() {
    return version;
  }

  /** All metadata, in file order. */
  public Map<String, Object> metadata() {
    return metadata;
  }

  public List<TensorInfo> tensors() {
    return tensors;
  }

  public int tensorCount() {
    return tensors.size();
  }

  public long alignment() {
    return alignment;
  }

  /** Absolute file offset of the tensor data section. */
  public long dataOffset() {
    return dataOffset;
  }

  /** Sum of the exact byte sizes of all tensors: the weight memory of this file. */
  public long tensorBytes() {
    return tensorBytes;
  }

  // ---- typed access to well-known keys ----

  public Optional<String> string(String key) {
    return metadata.get(key) instanceof String s ? Optional.of(s) : Optional.empty();
  }

  public OptionalLong integer(String key) {
    return metadata.get(key) instanceof Long l ? OptionalLong.of(l) : OptionalLong.empty();
  }

  public Optional<String> architecture() {
    return string("general.architecture");
  }

  public Optional<String> name() {
    return string("general.name");
  }

  /** {@code general.file_type}: the llama_ftype id. */
  public OptionalLong fileType() {
    return integer("general.file_type");
  }

  /** The llama_ftype name, e.g. {@code MOSTLY_Q8_0}, when {@code general.file_type} is set. */
  public Optional<String> fileTypeName() {
    OptionalLong ft = fileType();
    return ft.isPresent() ? Optional.of(FileTypes.name(ft.getAsLong())) : Optional.empty();
  }

  private OptionalLong archInteger(String suffix) {
    Optional<String> arch = architecture();
    return arch.isPresent() ? integer(arch.get() + "." + suffix) : OptionalLong.empty();
  }

  /** {@code <arch>.context_length}: the training context. */
  public OptionalLong contextLength() {
    return archInteger("context_length");
  }

  public OptionalLong blockCount() {
    return archInteger("block_count");
  }

  public OptionalLong embeddingLength() {
    return archInteger("embedding_length");
  }

  public OptionalLong headCount() {
    return perLayerMax("attention.head_count");
  }

  /** {@code <arch>.attention.head_count} per layer (a scalar is repeated for every block). */
  public Optional<long[]> headCountPerLayer() {
    return perLayer("attention.head_count");
  }

  /**
   * {@code <arch>.attention.head_count_kv} per layer: a scalar is repeated for every block, an
   * array is taken as is. Empty when absent (llama.cpp then uses head_count).
   */
  public Optional<long[]> headCountKvPerLayer() {
    return perLayer("attention.head_count_kv");
  }

  /** The largest per-layer KV head count, or head_count when head_count_kv is absent. */
  public OptionalLong headCountKv() {
    OptionalLong kv = perLayerMax("attention.head_count_kv");
    return kv.isPresent() ? kv : headCount();
  }

  public OptionalLong keyLength() {
    return archInteger("attention.key_length");
  }

  public OptionalLong valueLength() {
    return archInteger("attention.value_length");
  }

  /** {@code <arch>.vocab_size}, else the length of {@code tokenizer.ggml.tokens}. */
  public OptionalLong vocabSize() {
    OptionalLong v = archInteger("vocab_size");
    if (v.isPresent()) {
      return v;
    }
    return metadata.get("tokenizer.ggml.tokens") instanceof GgufArray a
        ? OptionalLong.of(a.length())
        : OptionalLong.empty();
  }

  public boolean hasChatTemplate() {
    return metadata.containsKey("tokenizer.chat_template");
  }

  /** Split info from {@code split.no}/{@code split.count}, when this file is a shard. */
  public Optional<SplitInfo> split() {
    OptionalLong count = integer("split.count");
    if (count.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new SplitInfo(
            (int) integer("split.no").orElse(0),
            (int) count.getAsLong(),
            integer("split.tensors.count").orElse(-1)));
  }

  private Optional<long[]> perLayer(String suffix) {
    Optional<String> arch = architecture();
    if (arch.isEmpty()) {
      return Optional.empty();
    }
    Object v = metadata.get(arch.get() + "." + suffix);
    if (v instanceof Long l) {
      int blocks = (int) Math.max(1, Math.min(blockCount().orElse(1), 1 << 16));
      long[] out = new long[blocks];
      java.util.Arrays.fill(out, l);
      return Optional.of(out);
    }
    if (v instanceof GgufArray a && a.retained()) {
      long[] out = new long[a.values().size()];
      for (int i = 0; i < out.length; i++) {
        if (!(a.values().get(i) instanceof Long l)) {
          return Optional.empty();
        }
        out[i] = l;
      }
      return Optional.of(out);
    }
    return Optional.empty();
  }

  private OptionalLong perLayerMax(String suffix) {
    Optional<long[]> values = perLayer(suffix);
    if (values.isEmpty() || values.get().length == 0) {
      return OptionalLong.empty();
    }
    long max = Long.MIN_VALUE;
    for (long v : values.get()) {
      max = Math.max(max, v);
    }
    return OptionalLong.of(max);
  }
}
