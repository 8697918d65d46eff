package io.llamasupervisor.gguf.testing;

import io.llamasupervisor.gguf.GgmlType;
import io.llamasupervisor.gguf.GgufValueType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes GGUF files for tests, byte for byte as ggml's reference writer lays them out: header,
 * metadata, tensor infos, padding to the alignment, then contiguous aligned tensor data (zeros).
 * Also writes deliberately broken files through the raw setters.
 */
public final class GgufWriter {
  private record Kv(String key, GgufValueType type, Object value) {}

  private record Tensor(String name, long[] dims, int typeId, long offset, long bytes) {}

  /** An array value: element type and elements (nested {@code Arr} for nested arrays). */
  public record Arr(GgufValueType elementType, List<?> values) {}

  private final List<Kv> kvs = new ArrayList<>();
  private final List<Tensor> tensors = new ArrayList<>();
  private int version = 3;
  private long alignment = 32;
  private long dataSize;
  private Long tensorCountOverride;
  private Long kvCountOverride;

  public static GgufWriter model(String arch) {
    return new GgufWriter().kv("general.architecture", GgufValueType.STRING, arch);
  }

  /**
   * A small llama-like model: the metadata llama-server needs for planning and {@code blocks}
   * layers of F16 attention weights.
   */
  public static GgufWriter llama(int contextLength, int embd, int heads, int headsKv, int blocks) {
    GgufWriter w =
        model("llama")
            .kv("general.name", GgufValueType.STRING, "test-llama")
            .kv("general.file_type", GgufValueType.UINT32, 1L)
            .kv("llama.context_length", GgufValueType.UINT32, (long) contextLength)
            .kv("llama.embedding_length", GgufValueType.UINT32, (long) embd)
            .kv("llama.block_count", GgufValueType.UINT32, (long) blocks)
            .kv("llama.feed_forward_length", GgufValueType.UINT32, 2L * embd)
            .kv("llama.attention.head_count", GgufValueType.UINT32, (long) heads)
            .kv("llama.attention.head_count_kv", GgufValueType.UINT32, (long) headsKv)
            .kv("llama.vocab_size", GgufValueType.UINT32, 32L);
    w.tensor("token_embd.weight", GgmlType.F16, embd, 32);
    for (int b = 0; b < blocks; b++) {
      w.tensor("blk." + b + ".attn_q.weight", GgmlType.F16, embd, embd);
    }
    return w;
  }

  public GgufWriter version(int v) {
    this.version = v;
    return this;
  }

  /** Sets {@code general.alignment} (UINT32) and lays out the data accordingly. */
  public GgufWriter alignment(long a) {
    this.alignment = a;
    kvs.removeIf(k -> k.key.equals("general.alignment"));
    kvs.add(new Kv("general.alignment", GgufValueType.UINT32, a));
    return this;
  }

  /** Adds a key; scalars as Long/Double/Boolean/String, arrays as {@link Arr}. */
  public GgufWriter kv(String key, GgufValueType type, Object value) {
    kvs.removeIf(k -> k.key.equals(key));
    kvs.add(new Kv(key, type, value));
    return this;
  }

  public GgufWriter remove(String key) {
    kvs.removeIf(k -> k.key.equals(key));
    return this;
  }

  /** Adds a tensor with the next aligned offset. */
  public GgufWriter tensor(String name, GgmlType type, long... dims) {
    long elements = 1;
    for (long d : dims) {
      elements *= d;
    }
    long bytes = type.bytesFor(elements);
    long offset = align(dataSize);
    tensors.add(new Tensor(name, dims, type.id(), offset, bytes));
    dataSize = offset + bytes;
    return this;
  }

  /**
   * Adds a tensor info with explicit type id and offset (for broken files). Writes no data for it:
   * the data section holds only what {@link #tensor} calls need.
   */
  public GgufWriter rawTensor(String name, int typeId, long offset, long... dims) {
    tensors.add(new Tensor(name, dims, typeId, offset, 0));
    return this;
  }

  public GgufWriter tensorCountOverride(long n) {
    tensorCountOverride = n;
    return this;
  }

  public GgufWriter kvCountOverride(long n) {
    kvCountOverride = n;
    return this;
  }

  /** Marks this file as shard {@code no} (zero-based) of {@code count}. */
  public GgufWriter split(int no, int count, int tensorsTotal) {
    kv("split.no", GgufValueType.UINT16, (long) no);
    kv("split.count", GgufValueType.UINT16, (long) count);
    kv("split.tensors.count", GgufValueType.INT32, (long) tensorsTotal);
    return this;
  }

  public int tensorCount() {
    return tensors.size();
  }

  private long align(long v) {
    return (v + alignment - 1) / alignment * alignment;
  }

  public byte[] bytes() {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      write(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public Path write(Path path) throws IOException {
    Files.createDirectories(path.toAbsolutePath().getParent());
    try (OutputStream out = Files.newOutputStream(path)) {
      write(out);
    }
    return path;
  }

  private void write(OutputStream os) throws IOException {
    Buf b = new Buf();
    b.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
    b.u32(version);
    b.u64(tensorCountOverride != null ? tensorCountOverride : tensors.size());
    b.u64(kvCountOverride != null ? kvCountOverride : kvs.size());
    for (Kv kv : kvs) {
      b.str(kv.key);
      b.u32(kv.type.id());
      value(b, kv.type, kv.value);
    }
    for (Tensor t : tensors) {
      b.str(t.name);
      b.u32(t.dims.length);
      for (long d : t.dims) {
        b.u64(d);
      }
      b.u32(t.typeId);
      b.u64(t.offset);
    }
    long header = b.size();
    long pad = align(header) - header;
    for (long i = 0; i < pad; i++) {
      b.u8(0);
    }
    os.write(b.out.toByteArray());
    byte[] zeros = new byte[1 << 16];
    long left = dataSize;
    while (left > 0) {
      int n = (int) Math.min(left, zeros.length);
      os.write(zeros, 0, n);
      left -= n;
    }
  }

  private static void value(Buf b, GgufValueType type, Object v) {
    switch (type) {
      case UINT8, INT8 -> b.u8(((Number) v).intValue());
      case UINT16, INT16 -> b.u16(((Number) v).intValue());
      case UINT32, INT32 -> b.u32(((Number) v).longValue());
      case UINT64, INT64 -> b.u64(((Number) v).longValue());
      case FLOAT32 -> b.u32(Float.floatToIntBits(((Number) v).floatValue()));
      case FLOAT64 -> b.u64(Double.doubleToLongBits(((Number) v).doubleValue()));
      case BOOL -> b.u8(((Boolean) v) ? 1 : 0);
      case STRING -> b.str((String) v);
      case ARRAY -> {
        Arr a = (Arr) v;
        b.u32(a.elementType().id());
        b.u64(a.values().size());
        for (Object e : a.values()) {
          value(b, a.elementType(), e);
        }
      }
    }
  }

  private static final class Buf {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

    long size() {
      return out.size();
    }

    void bytes(byte[] a) {
      out.writeBytes(a);
    }

    void u8(int v) {
      out.write(v);
    }

    void u16(int v) {
      scratch.clear();
      scratch.putShort((short) v);
      out.write(scratch.array(), 0, 2);
    }

    void u32(long v) {
      scratch.clear();
      scratch.putInt((int) v);
      out.write(scratch.array(), 0, 4);
    }

    void u64(long v) {
      scratch.clear();
      scratch.putLong(v);
      out.write(scratch.array(), 0, 8);
    }

    void str(String s) {
      byte[] a = s.getBytes(StandardCharsets.UTF_8);
      u64(a.length);
      bytes(a);
    }
  }
}
