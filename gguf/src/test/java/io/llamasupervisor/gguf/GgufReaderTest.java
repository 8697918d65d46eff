package io.llamasupervisor.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.gguf.testing.GgufWriter.Arr;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files from our own writer: every value type, alignment, per-layer arrays and every rejection. */
class GgufReaderTest {
  @TempDir Path dir;

  private Verdict verify(GgufWriter w) throws IOException {
    return GgufVerifier.verify(w.write(dir.resolve("m.gguf")));
  }

  private static GgufWriter tiny() {
    return GgufWriter.llama(512, 64, 4, 2, 2);
  }

  @Test
  void readsAllThirteenValueTypesAndNestedArrays() throws IOException {
    GgufWriter w =
        tiny()
            .kv("t.u8", GgufValueType.UINT8, 250L)
            .kv("t.i8", GgufValueType.INT8, -5L)
            .kv("t.u16", GgufValueType.UINT16, 65000L)
            .kv("t.i16", GgufValueType.INT16, -300L)
            .kv("t.u32", GgufValueType.UINT32, 4_000_000_000L)
            .kv("t.i32", GgufValueType.INT32, -70000L)
            .kv("t.f32", GgufValueType.FLOAT32, 1.5)
            .kv("t.bool", GgufValueType.BOOL, true)
            .kv("t.str", GgufValueType.STRING, "héllo")
            .kv("t.u64", GgufValueType.UINT64, 1L << 40)
            .kv("t.i64", GgufValueType.INT64, -(1L << 40))
            .kv("t.f64", GgufValueType.FLOAT64, 2.25)
            .kv("t.arr", GgufValueType.ARRAY, new Arr(GgufValueType.INT32, List.of(1L, 2L, 3L)))
            .kv(
                "t.strs",
                GgufValueType.ARRAY,
                new Arr(GgufValueType.STRING, List.of("a", "bc", "")))
            .kv(
                "t.nested",
                GgufValueType.ARRAY,
                new Arr(
                    GgufValueType.ARRAY,
                    List.of(
                        new Arr(GgufValueType.UINT8, List.of(1L)),
                        new Arr(GgufValueType.STRING, List.of("x")))));
    Verdict v = verify(w);
    assertTrue(v.isAccepted(), v.toString());
    var m = v.file().metadata();
    assertEquals(250L, m.get("t.u8"));
    assertEquals(-5L, m.get("t.i8"));
    assertEquals(65000L, m.get("t.u16"));
    assertEquals(-300L, m.get("t.i16"));
    assertEquals(4_000_000_000L, m.get("t.u32"));
    assertEquals(-70000L, m.get("t.i32"));
    assertEquals(1.5, m.get("t.f32"));
    assertEquals(true, m.get("t.bool"));
    assertEquals("héllo", m.get("t.str"));
    assertEquals(1L << 40, m.get("t.u64"));
    assertEquals(-(1L << 40), m.get("t.i64"));
    assertEquals(2.25, m.get("t.f64"));
    assertEquals(List.of(1L, 2L, 3L), ((GgufArray) m.get("t.arr")).values());
    GgufArray strs = (GgufArray) m.get("t.strs");
    assertEquals(GgufValueType.STRING, strs.elementType());
    assertEquals(3, strs.length());
    assertFalse(strs.retained());
    GgufArray nested = (GgufArray) m.get("t.nested");
    assertEquals(GgufValueType.ARRAY, nested.elementType());
    assertEquals(2, nested.length());
  }

  @Test
  void alignment64PlacesTheDataSectionOnA64ByteBoundary() throws IOException {
    GgufWriter w = GgufWriter.model("llama").alignment(64);
    w.tensor("a", GgmlType.F32, 3).tensor("b", GgmlType.Q8_0, 64, 2).tensor("c", GgmlType.F16, 5);
    Verdict v = verify(w);
    assertTrue(v.isAccepted(), v.toString());
    assertEquals(64, v.file().alignment());
    assertEquals(0, v.file().dataOffset() % 64);
    assertEquals(64, v.file().tensors().get(1).offset());
    assertEquals(2 * 2 * 34, v.file().tensors().get(1).byteSize());
    assertEquals(12 + 136 + 10, v.file().tensorBytes());
  }

  @Test
  void perLayerHeadCountKvArray() throws IOException {
    GgufWriter w =
        GgufWriter.llama(4096, 256, 8, 8, 4)
            .kv(
                "llama.attention.head_count_kv",
                GgufValueType.ARRAY,
                new Arr(GgufValueType.INT32, List.of(8L, 2L, 0L, 4L)));
    Verdict v = verify(w);
    assertTrue(v.isAccepted(), v.toString());
    assertArrayEquals(new long[] {8, 2, 0, 4}, v.file().headCountKvPerLayer().orElseThrow());
    assertEquals(8, v.file().headCountKv().getAsLong());
  }

  @Test
  void scalarHeadCountKvIsRepeatedPerLayer() throws IOException {
    Verdict v = verify(GgufWriter.llama(4096, 256, 8, 2, 3));
    assertArrayEquals(new long[] {2, 2, 2}, v.file().headCountKvPerLayer().orElseThrow());
  }

  @Test
  void keyAndValueLengthWhenPresent() throws IOException {
    Verdict v =
        verify(
            tiny()
                .kv("llama.attention.key_length", GgufValueType.UINT32, 192L)
                .kv("llama.attention.value_length", GgufValueType.UINT32, 128L));
    assertEquals(192, v.file().keyLength().getAsLong());
    assertEquals(128, v.file().valueLength().getAsLong());
  }

  @Test
  void longArraysKeepOnlyTheirLength() throws IOException {
    List<Object> scores = Collections.nCopies(20_000, 0.5);
    Verdict v =
        verify(
            tiny()
                .kv(
                    "tokenizer.ggml.scores",
                    GgufValueType.ARRAY,
                    new Arr(GgufValueType.FLOAT32, scores)));
    GgufArray a = (GgufArray) v.file().metadata().get("tokenizer.ggml.scores");
    assertEquals(20_000, a.length());
    assertNull(a.values());
  }

  @Test
  void byteSwappedFileIsByteOrder() throws IOException {
    byte[] bytes = tiny().bytes();
    ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN).putInt(4, 3);
    Verdict v = GgufVerifier.verify(Path.of("be.gguf"), bytes, bytes.length);
    assertEquals(Reason.BYTE_ORDER, v.reason(), v.toString());
  }

  @Test
  void unknownValueTypeIsInvalidValueType() throws IOException {
    byte[] bytes = GgufWriter.model("llama").bytes();
    // header 24 bytes, key length 8 + "general.architecture" (20) -> type at 52
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(52, 13);
    Verdict v = GgufVerifier.verify(Path.of("x.gguf"), bytes, bytes.length);
    assertEquals(Reason.INVALID_VALUE_TYPE, v.reason(), v.toString());
    assertTrue(v.message().contains("offset 24"), v.message());
  }

  @Test
  void architectureOfTheWrongTypeIsInvalidValueType() throws IOException {
    Verdict v = verify(tiny().kv("general.architecture", GgufValueType.UINT32, 7L));
    assertEquals(Reason.INVALID_VALUE_TYPE, v.reason(), v.toString());
  }

  @Test
  void alignmentNotAPowerOfTwo() throws IOException {
    Verdict v = verify(tiny().kv("general.alignment", GgufValueType.UINT32, 48L));
    assertEquals(Reason.INVALID_ALIGNMENT, v.reason(), v.toString());
    Verdict zero = verify(tiny().kv("general.alignment", GgufValueType.UINT32, 0L));
    assertEquals(Reason.INVALID_ALIGNMENT, zero.reason(), zero.toString());
  }

  @Test
  void tensorPastTheEndOfTheFileIsOutOfBounds() throws IOException {
    GgufWriter w = GgufWriter.model("llama");
    w.tensor("a", GgmlType.F32, 8);
    w.rawTensor("b", GgmlType.F32.id(), 1L << 40, 8);
    Verdict v = verify(w.tensorCountOverride(2));
    assertEquals(Reason.TENSOR_OUT_OF_BOUNDS, v.reason(), v.toString());
    assertTrue(v.message().contains("'b'"), v.message());
  }

  @Test
  void overlappingTensorsAreOutOfBounds() throws IOException {
    GgufWriter w = GgufWriter.model("llama");
    w.tensor("a", GgmlType.F32, 16);
    w.rawTensor("b", GgmlType.F32.id(), 32, 16);
    Verdict v = verify(w);
    assertEquals(Reason.TENSOR_OUT_OF_BOUNDS, v.reason(), v.toString());
    assertTrue(v.message().contains("expected 64"), v.message());
  }

  @Test
  void unknownGgmlTypeIsOutOfBounds() throws IOException {
    GgufWriter w = GgufWriter.model("llama");
    w.rawTensor("a", 31, 0, 32); // Q4_0_4_4, removed from the format
    Verdict v = verify(w);
    assertEquals(Reason.TENSOR_OUT_OF_BOUNDS, v.reason(), v.toString());
    assertTrue(v.message().contains("unknown ggml type 31"), v.message());
  }

  @Test
  void rowNotAMultipleOfTheBlockSize() throws IOException {
    GgufWriter w = GgufWriter.model("llama");
    w.rawTensor("a", GgmlType.Q4_0.id(), 0, 20);
    assertEquals(Reason.TENSOR_OUT_OF_BOUNDS, verify(w).reason());
  }

  @Test
  void tooManyDimensionsAndTooLongNamesExceedLimits() throws IOException {
    GgufWriter dims = GgufWriter.model("llama");
    dims.rawTensor("a", GgmlType.F32.id(), 0, 1, 1, 1, 1, 1);
    assertEquals(Reason.LIMIT_EXCEEDED, verify(dims).reason());
    GgufWriter name = GgufWriter.model("llama");
    name.tensor("n".repeat(64), GgmlType.F32, 4);
    assertEquals(Reason.LIMIT_EXCEEDED, verify(name).reason());
  }

  @Test
  void noArchitectureOrNoTensorsIsNotAModel() throws IOException {
    GgufWriter noArch = new GgufWriter();
    noArch.tensor("a", GgmlType.F32, 4);
    assertEquals(Reason.NOT_A_MODEL, verify(noArch).reason());
    assertEquals(Reason.NOT_A_MODEL, verify(GgufWriter.model("llama")).reason());
  }

  @Test
  void duplicateKeysAndTensorNames() throws IOException {
    byte[] good = tiny().bytes();
    assertTrue(GgufVerifier.verify(Path.of("ok"), good, good.length).isAccepted());
    GgufWriter dupTensor = GgufWriter.model("llama");
    dupTensor.tensor("a", GgmlType.F32, 8).tensor("a", GgmlType.F32, 8);
    assertEquals(Reason.DUPLICATE_KEY, verify(dupTensor).reason());
  }

  @Test
  void hugeArrayCountIsLimitExceeded() throws IOException {
    byte[] bytes =
        GgufWriter.model("llama")
            .kv("big", GgufValueType.ARRAY, new Arr(GgufValueType.UINT64, List.of(1L)))
            .bytes();
    // array count sits 8 bytes before the single element at the end of the metadata
    int countAt = indexOf(bytes, "big".getBytes()) + 3 + 4;
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(countAt, 1L << 61);
    Verdict v = GgufVerifier.verify(Path.of("x"), bytes, bytes.length);
    assertEquals(Reason.LIMIT_EXCEEDED, v.reason(), v.toString());
  }

  static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
