package io.llamasupervisor.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.testing.GgufWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Split sets {@code name-0000N-of-0000M.gguf} as llama.cpp's gguf-split writes them. */
class SplitSetTest {
  @TempDir Path dir;

  /** Shard 1 carries the model metadata; later shards only split.* keys and their tensors. */
  private void writeSet(String prefix, int count) throws IOException {
    for (int no = 0; no < count; no++) {
      GgufWriter w = no == 0 ? GgufWriter.model("llama") : new GgufWriter();
      w.split(no, count, count * 2);
      w.tensor("t" + no + ".a", GgmlType.F32, 16).tensor("t" + no + ".b", GgmlType.F16, 32);
      w.write(dir.resolve(String.format("%s-%05d-of-%05d.gguf", prefix, no + 1, count)));
    }
  }

  @Test
  void completeSetIsAcceptedUnderItsFirstShard() throws IOException {
    writeSet("m", 3);
    Verdict v = GgufVerifier.verifySet(dir.resolve("m-00002-of-00003.gguf"));
    assertTrue(v.isAccepted(), v.toString());
    assertEquals("m-00001-of-00003.gguf", v.path().getFileName().toString());
    assertEquals(new SplitInfo(0, 3, 6), v.file().split().orElseThrow());
  }

  @Test
  void missingShardIsSplitIncomplete() throws IOException {
    writeSet("m", 3);
    Files.delete(dir.resolve("m-00003-of-00003.gguf"));
    Verdict v = GgufVerifier.verifySet(dir.resolve("m-00001-of-00003.gguf"));
    assertEquals(Reason.SPLIT_INCOMPLETE, v.reason(), v.toString());
    assertTrue(v.message().contains("shard 3 of 3 is missing"), v.message());
  }

  @Test
  void mismatchedSplitNumberIsSplitIncomplete() throws IOException {
    writeSet("m", 2);
    // replace shard 2 by a copy of shard 1 (split.no = 0)
    Files.copy(
        dir.resolve("m-00001-of-00002.gguf"),
        dir.resolve("m-00002-of-00002.gguf"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Verdict v = GgufVerifier.verifySet(dir.resolve("m-00001-of-00002.gguf"));
    assertEquals(Reason.SPLIT_INCOMPLETE, v.reason(), v.toString());
    assertTrue(v.message().contains("expected split.no=1"), v.message());
  }

  @Test
  void tensorTotalMustMatchSplitTensorsCount() throws IOException {
    writeSet("m", 2);
    GgufWriter w = new GgufWriter().split(1, 2, 4);
    w.tensor("t1.a", GgmlType.F32, 16); // one tensor short
    w.write(dir.resolve("m-00002-of-00002.gguf"));
    Verdict v = GgufVerifier.verifySet(dir.resolve("m-00001-of-00002.gguf"));
    assertEquals(Reason.SPLIT_INCOMPLETE, v.reason(), v.toString());
  }

  @Test
  void brokenShardCarriesItsOwnReason() throws IOException {
    writeSet("m", 2);
    Path second = dir.resolve("m-00002-of-00002.gguf");
    byte[] bytes = Files.readAllBytes(second);
    Files.write(second, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    Verdict v = GgufVerifier.verifySet(dir.resolve("m-00001-of-00002.gguf"));
    assertEquals(Reason.TRUNCATED, v.reason(), v.toString());
    assertTrue(v.message().startsWith("shard 2 of 2"), v.message());
  }

  @Test
  void shardNameParsing() {
    assertEquals(
        new SplitName("Qwen-7B-Q4", 2, 5), SplitName.parse("Qwen-7B-Q4-00002-of-00005.gguf").get());
    assertTrue(SplitName.parse("model.gguf").isEmpty());
    assertTrue(SplitName.parse("m-00006-of-00005.gguf").isEmpty());
    assertEquals("x-00003-of-00005.gguf", new SplitName("x", 1, 5).shardFileName(3));
  }
}
