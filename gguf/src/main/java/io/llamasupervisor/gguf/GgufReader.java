package io.llamasupervisor.gguf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the header of a GGUF file: fixed header, every metadata key/value (all 13 types, nested
 * arrays) and every tensor info. Tensor data is never read. Memory and time are bounded on any
 * input: counts and lengths are checked against what the file can hold before anything is
 * allocated, and only short values are kept (see {@link GgufArray}).
 *
 * <p>Format: ggml {@code docs/gguf.md}. Versions 2 and 3 share the little-endian layout.
 */
public final class GgufReader {
  /** llama.cpp's own cap on a single string. */
  static final long MAX_STRING = 1L << 30;

  /** Longest metadata key accepted. */
  static final int MAX_KEY = 1 << 16;

  /** String values longer than this are kept truncated to it. */
  static final int KEEP_STRING = 1 << 20;

  /** Arrays of scalars up to this length keep their values. */
  static final int KEEP_ARRAY = 1 << 13;

  /** ggml's GGML_MAX_DIMS. */
  static final int MAX_DIMS = 4;

  /** ggml's GGML_MAX_NAME (including the terminating NUL). */
  static final int MAX_TENSOR_NAME = 64;

  /** Deepest nesting of arrays accepted. */
  static final int MAX_ARRAY_DEPTH = 8;

  static final long DEFAULT_ALIGNMENT = 32;
  private static final int MAGIC = 0x46554747; // "GGUF" read little-endian

  private GgufReader() {}

  /**
   * Parses the header of {@code path}.
   *
   * @throws GgufFormatException with the reason and offset when the header breaks the format
   * @throws IOException when the file cannot be read
   */
  public static GgufFile read(Path path) throws GgufFormatException, IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return read(path, ch::read, ch.size());
    }
  }

  /** Parses an in-memory image of the first {@code size} bytes of a file. */
  static GgufFile read(Path path, byte[] image, int size) throws GgufFormatException, IOException {
    return read(
        path,
        (dst, pos) -> {
          if (pos >= size) {
            return -1;
          }
          int n = (int) Math.min(dst.remaining(), size - pos);
          dst.put(image, (int) pos, n);
          return n;
        },
        size);
  }

  static GgufFile read(Path path, ByteSource.ReadAt ch, long size)
      throws GgufFormatException, IOException {
    if (size == 0) {
      throw new GgufFormatException(Reason.EMPTY_FILE, "empty file (0 bytes)");
    }
    ByteSource in = new ByteSource(ch, size);
    in.section(Section.HEADER);
    if (size < 4) {
      throw in.truncated(4);
    }
    int magic = in.i32();
    if (magic != MAGIC) {
      throw new GgufFormatException(
          Reason.BAD_MAGIC,
          "bad magic at offset 0: found '" + printable(magic) + "', expected 'GGUF'");
    }
    long version = in.u32();
    if (version != 2 && version != 3) {
      long swapped = Integer.reverseBytes((int) version) & 0xFFFFFFFFL;
      if (swapped >= 1 && swapped <= 3) {
        throw new GgufFormatException(
            Reason.BYTE_ORDER,
            "big-endian (byte-swapped) GGUF v"
                + swapped
                + " at offset 4: this reader supports little-endian files only");
      }
      throw new GgufFormatException(
          Reason.UNSUPPORTED_VERSION,
          "unsupported GGUF version "
              + version
              + " at offset 4: expected 2 or 3"
              + (version == 1 ? " (GGUFv1 is no longer supported)" : ""));
    }
    long tensorCount = in.i64();
    long kvCount = in.i64();
    checkCount("tensor count", tensorCount, 32, size, 8);
    checkCount("metadata key/value count", kvCount, 13, size, 16);

    in.section(Section.METADATA);
    Map<String, Object> metadata = new LinkedHashMap<>(hashCapacity(kvCount));
    for (long i = 0; i < kvCount; i++) {
      long at = in.position();
      String key = readKey(in, "metadata key");
      long typeId = in.u32();
      GgufValueType type = GgufValueType.byId(typeId);
      if (type == null) {
        throw new GgufFormatException(
            Reason.INVALID_VALUE_TYPE,
            "metadata key '"
                + key
                + "' at offset "
                + at
                + " has value type "
                + typeId
                + ": expected 0..12");
      }
      Object value = readValue(in, type, key, 0);
      if (metadata.putIfAbsent(key, value) != null) {
        throw new GgufFormatException(
            Reason.DUPLICATE_KEY, "duplicate metadata key '" + key + "' at offset " + at);
      }
      KnownKeys.check(key, type, value, at);
    }

    long alignment = alignment(metadata);
    in.section(Section.TENSOR_INFOS);
    List<TensorInfo> tensors = new ArrayList<>((int) Math.min(tensorCount, 1 << 16));
    Set<String> names = new HashSet<>(hashCapacity(tensorCount));
    long tensorBytes = 0;
    for (long i = 0; i < tensorCount; i++) {
      TensorInfo t = readTensorInfo(in, i);
      if (!names.add(t.name())) {
        throw new GgufFormatException(
            Reason.DUPLICATE_KEY, "duplicate tensor name '" + t.name() + "' (tensor " + i + ")");
      }
      tensors.add(t);
      tensorBytes += t.byteSize();
    }
    long dataOffset = alignUp(in.position(), alignment);
    return new GgufFile(
        path, size, (int) version, metadata, tensors, alignment, dataOffset, tensorBytes);
  }

  private static void checkCount(String what, long count, int minEntry, long size, long offset)
      throws GgufFormatException {
    if (count < 0 || count > size / minEntry) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          what
              + " "
              + Long.toUnsignedString(count)
              + " at offset "
              + offset
              + " cannot fit in a file of "
              + size
              + " bytes (each entry takes at least "
              + minEntry
              + " bytes)");
    }
  }

  private static int hashCapacity(long count) {
    return (int) Math.min(count * 4 / 3 + 1, 1 << 16);
  }

  private static String readKey(ByteSource in, String what)
      throws GgufFormatException, IOException {
    long at = in.position();
    long len = in.i64();
    if (len < 0 || len > MAX_KEY) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          what
              + " length "
              + Long.toUnsignedString(len)
              + " at offset "
              + at
              + " exceeds the maximum of "
              + MAX_KEY);
    }
    return in.utf8(len, MAX_KEY);
  }

  private static long stringLength(ByteSource in, String key)
      throws GgufFormatException, IOException {
    long at = in.position();
    long len = in.i64();
    if (len < 0 || len > MAX_STRING) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          "string length "
              + Long.toUnsignedString(len)
              + " of '"
              + key
              + "' at offset "
              + at
              + " exceeds the maximum of "
              + MAX_STRING
              + " (file size "
              + in.size()
              + ")");
    }
    return len;
  }

  private static Object readValue(ByteSource in, GgufValueType type, String key, int depth)
      throws GgufFormatException, IOException {
    return switch (type) {
      case UINT8 -> (long) in.u8();
      case INT8 -> (long) (byte) in.u8();
      case UINT16 -> (long) in.u16();
      case INT16 -> (long) (short) in.u16();
      case UINT32 -> in.u32();
      case INT32 -> (long) in.i32();
      case UINT64, INT64 -> in.i64();
      case FLOAT32 -> (double) in.f32();
      case FLOAT64 -> in.f64();
      case BOOL -> in.u8() != 0;
      case STRING -> in.utf8(stringLength(in, key), KEEP_STRING);
      case ARRAY -> readArray(in, key, depth + 1);
    };
  }

  private static GgufArray readArray(ByteSource in, String key, int depth)
      throws GgufFormatException, IOException {
    long at = in.position();
    if (depth > MAX_ARRAY_DEPTH) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          "array '" + key + "' at offset " + at + " nests deeper than " + MAX_ARRAY_DEPTH);
    }
    long typeId = in.u32();
    GgufValueType type = GgufValueType.byId(typeId);
    if (type == null) {
      throw new GgufFormatException(
          Reason.INVALID_VALUE_TYPE,
          "array '"
              + key
              + "' at offset "
              + at
              + " has element type "
              + typeId
              + ": expected 0..12");
    }
    long len = in.i64();
    if (len < 0 || len > in.remaining() / type.minSize()) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          "array '"
              + key
              + "' at offset "
              + at
              + " claims "
              + Long.toUnsignedString(len)
              + " elements of "
              + type
              + " but only "
              + in.remaining()
              + " bytes remain in the file");
    }
    if (type.size() > 0) {
      if (len > KEEP_ARRAY) {
        in.skip(len * type.size());
        return new GgufArray(type, len, null);
      }
      List<Object> values = new ArrayList<>((int) len);
      for (long i = 0; i < len; i++) {
        values.add(readValue(in, type, key, depth));
      }
      return new GgufArray(type, len, List.copyOf(values));
    }
    // strings and nested arrays: walk every element, keep none
    for (long i = 0; i < len; i++) {
      if (type == GgufValueType.STRING) {
        in.skip(stringLength(in, key));
      } else {
        readArray(in, key, depth + 1);
      }
    }
    return new GgufArray(type, len, null);
  }

  private static long alignment(Map<String, Object> metadata) throws GgufFormatException {
    Object a = metadata.get("general.alignment");
    if (a == null) {
      return DEFAULT_ALIGNMENT;
    }
    if (!(a instanceof Long l) || l <= 0 || Long.bitCount(l) != 1) {
      throw new GgufFormatException(
          Reason.INVALID_ALIGNMENT,
          "general.alignment is " + a + ": expected a power of two (default 32)");
    }
    return l;
  }

  private static TensorInfo readTensorInfo(ByteSource in, long index)
      throws GgufFormatException, IOException {
    long at = in.position();
    long nameLen = in.i64();
    if (nameLen < 0 || nameLen >= MAX_TENSOR_NAME) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          "tensor "
              + index
              + " at offset "
              + at
              + ": name length "
              + Long.toUnsignedString(nameLen)
              + " exceeds the maximum of "
              + (MAX_TENSOR_NAME - 1));
    }
    String name = in.utf8(nameLen, MAX_TENSOR_NAME);
    long nDims = in.u32();
    if (nDims < 1 || nDims > MAX_DIMS) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED,
          "tensor '" + name + "' at offset " + at + " has " + nDims + " dimensions: expected 1..4");
    }
    long[] dims = new long[(int) nDims];
    long elements = 1;
    for (int d = 0; d < nDims; d++) {
      dims[d] = in.i64();
      if (dims[d] < 0) {
        throw new GgufFormatException(
            Reason.TENSOR_OUT_OF_BOUNDS,
            "tensor '" + name + "' at offset " + at + " has negative dimension " + dims[d]);
      }
      try {
        elements = Math.multiplyExact(elements, dims[d]);
      } catch (ArithmeticException e) {
        throw new GgufFormatException(
            Reason.LIMIT_EXCEEDED,
            "tensor '" + name + "' at offset " + at + ": element count overflows 64 bits");
      }
    }
    long typeId = in.u32();
    GgmlType type =
        GgmlType.byId(typeId)
            .orElseThrow(
                () ->
                    new GgufFormatException(
                        Reason.TENSOR_OUT_OF_BOUNDS,
                        "tensor '"
                            + name
                            + "' at offset "
                            + at
                            + " has unknown ggml type "
                            + typeId));
    if (dims[0] % type.blockSize() != 0) {
      throw new GgufFormatException(
          Reason.TENSOR_OUT_OF_BOUNDS,
          "tensor '"
              + name
              + "' of type "
              + type
              + " has "
              + dims[0]
              + " elements per row, not a multiple of the block size "
              + type.blockSize());
    }
    long offset = in.i64();
    long bytes;
    try {
      bytes = type.bytesFor(elements);
    } catch (ArithmeticException e) {
      throw new GgufFormatException(
          Reason.LIMIT_EXCEEDED, "tensor '" + name + "': byte size overflows 64 bits");
    }
    return new TensorInfo(name, dims, type, offset, bytes);
  }

  static long alignUp(long v, long alignment) {
    return (v + alignment - 1) / alignment * alignment;
  }

  private static String printable(int magicLe) {
    StringBuilder sb = new StringBuilder(4);
    for (int i = 0; i < 4; i++) {
      int c = (magicLe >>> (8 * i)) & 0xFF;
      sb.append(c >= 0x20 && c < 0x7F ? (char) c : String.format("\\x%02x", c));
    }
    return sb.toString();
  }
}
