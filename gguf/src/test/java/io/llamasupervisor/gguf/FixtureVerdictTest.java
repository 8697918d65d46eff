package io.llamasupervisor.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every file made by llama.cpp's reference writer gets the verdict recorded in its manifest. */
class FixtureVerdictTest {
  static Path fixture(String name) {
    try {
      return Path.of(
          Objects.requireNonNull(FixtureVerdictTest.class.getResource("/fixtures/" + name), name)
              .toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "bad-magic.gguf                  | BAD_MAGIC           | found 'GGUX', expected 'GGUF'",
        "not-gguf-text.gguf              | BAD_MAGIC           | found 'This'",
        "truncated-header.gguf           | TRUNCATED           | truncated header",
        "truncated-metadata.gguf         | TRUNCATED           | truncated metadata",
        "truncated-tensor-data.gguf      | TRUNCATED           | truncated tensor data",
        "version1.gguf                   | UNSUPPORTED_VERSION | version 1",
        "version99.gguf                  | UNSUPPORTED_VERSION | version 99",
        "empty.gguf                      | EMPTY_FILE          | empty file",
        "absurd-tensor-count.gguf        | LIMIT_EXCEEDED      | tensor count 4611686018427387904",
        "absurd-kv-count.gguf            | LIMIT_EXCEEDED      | key/value count 4611686018427387904",
        "string-length-exceeds-file.gguf | LIMIT_EXCEEDED      | string length 1099511627776",
      })
  void rejectedFixtures(String file, Reason reason, String messagePart) {
    Verdict v = GgufVerifier.verify(fixture(file));
    assertEquals(reason, v.reason(), v.toString());
    assertTrue(v.message().contains(messagePart), v.message());
  }

  @Test
  void truncatedTensorDataNamesTheTensorAndKeepsTheHeader() {
    Verdict v = GgufVerifier.verify(fixture("truncated-tensor-data.gguf"));
    assertEquals(Reason.TRUNCATED, v.reason());
    assertTrue(v.message().contains("'blk.1.attn_norm.weight'"), v.message());
    assertEquals(13152, v.file().dataOffset());
    assertEquals(21, v.file().tensorCount());
  }

  @Test
  void tinyLlamaIsAcceptedWithItsMetadata() {
    Verdict v = GgufVerifier.verify(fixture("tiny-llama-f16.gguf"));
    assertTrue(v.isAccepted(), v.toString());
    assertNull(v.reason());
    GgufFile f = v.file();
    assertEquals(3, f.version());
    assertEquals(21, f.tensorCount());
    assertEquals(24, f.metadata().size());
    assertEquals(32, f.alignment());
    assertEquals(13152, f.dataOffset());
    assertEquals("llama", f.architecture().orElseThrow());
    assertEquals("tiny-llama-f16", f.name().orElseThrow());
    assertEquals("MOSTLY_F16", f.fileTypeName().orElseThrow());
    assertEquals(2048, f.contextLength().getAsLong());
    assertEquals(128, f.embeddingLength().getAsLong());
    assertEquals(2, f.blockCount().getAsLong());
    assertEquals(4, f.headCount().getAsLong());
    assertEquals(2, f.headCountKv().getAsLong());
    assertEquals(512, f.vocabSize().getAsLong());
    assertTrue(f.hasChatTemplate());
    assertTrue(f.split().isEmpty());
    // data section ends exactly at the end of the file
    TensorInfo last = f.tensors().get(f.tensorCount() - 1);
    assertEquals(f.fileSize(), f.dataOffset() + last.offset() + last.byteSize());
    // 426624 parameters: F16 weights and F32 norms
    assertEquals(426624, f.tensors().stream().mapToLong(TensorInfo::elements).sum());
    assertEquals(854528, f.tensorBytes());
  }

  @Test
  void version2IsAcceptedLikeLlamaServerDoes() {
    Verdict v = GgufVerifier.verify(fixture("version2.gguf"));
    assertTrue(v.isAccepted(), v.toString());
    assertEquals(2, v.file().version());
  }

  @Test
  void missingFileIsAnIoError() {
    Verdict v = GgufVerifier.verify(Path.of("does-not-exist.gguf"));
    assertEquals(Reason.IO_ERROR, v.reason());
  }

  @Test
  void directoryIsAnIoError(@org.junit.jupiter.api.io.TempDir Path dir) {
    assertEquals(Reason.IO_ERROR, GgufVerifier.verify(dir).reason());
  }
}
