package io.llamasupervisor.supervisor.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.gguf.GgmlType;
import io.llamasupervisor.gguf.GgufReader;
import io.llamasupervisor.gguf.Reason;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.supervisor.catalog.CatalogEvent.Type;
import io.llamasupervisor.testing.MutableClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog over generated model trees. Stability is driven by explicit {@link
 * ModelCatalog#scanOnce()} calls and a hand-moved clock, never by waiting.
 */
class ModelCatalogTest {
  private static final Duration STABLE = Duration.ofSeconds(2);

  @TempDir Path models;
  @TempDir Path outside;

  private final MutableClock clock = MutableClock.atEpochOfTests();

  private ModelCatalog catalog(boolean followOutside, boolean sha256) {
    CatalogOptions o = new CatalogOptions(models, STABLE, STABLE, followOutside, sha256, false);
    return new ModelCatalog(o, clock);
  }

  private ModelCatalog catalog() {
    return catalog(false, false);
  }

  /** Two polls {@link #STABLE} apart: what a file needs to be read. */
  private List<CatalogEvent> settle(ModelCatalog c) {
    List<CatalogEvent> first = new ArrayList<>(c.scanOnce());
    clock.advance(STABLE);
    first.addAll(c.scanOnce());
    return first;
  }

  private static Map<String, Type> byId(List<CatalogEvent> events) {
    Map<String, Type> m = new TreeMap<>();
    events.forEach(e -> m.put(e.id(), e.type()));
    return m;
  }

  private static GgufWriter model(int ctx) {
    return GgufWriter.llama(ctx, 128, 4, 2, 2);
  }

  private Path write(String rel, GgufWriter w) throws IOException {
    return w.write(models.resolve(rel));
  }

  private Path text(String rel, String content) throws IOException {
    Path p = models.resolve(rel);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content);
  }

  private void splitShards(String dir, String prefix, int count, int... present)
      throws IOException {
    int tensorsTotal = 3 + 2 * (count - 1);
    for (int n : present) {
      GgufWriter w =
          n == 1
              ? model(2048).split(0, count, tensorsTotal)
              : new GgufWriter()
                  .split(n - 1, count, tensorsTotal)
                  .tensor("blk." + n + ".a.weight", GgmlType.F16, 128, 128)
                  .tensor("blk." + n + ".b.weight", GgmlType.F16, 128, 128);
      write(dir + "/" + String.format("%s-%05d-of-%05d.gguf", prefix, n, count), w);
    }
  }

  @Test
  void catalogsAnLmStudioTreeOnceFilesAreStable() throws Exception {
    String qwenDir = "lmstudio-community/Qwen2-0.5B-GGUF";
    Path qwen = write(qwenDir + "/qwen2-0_5b-instruct-q8_0.gguf", model(32768));
    Path mmproj =
        write(
            qwenDir + "/mmproj-model-f16.gguf",
            GgufWriter.model("clip").tensor("v.patch_embd.weight", GgmlType.F16, 32, 32));
    write("flat.gguf", model(2048));
    write("deep/a/b/c/deep-model.gguf", model(2048));
    splitShards("split", "big", 2, 1, 2);
    splitShards("partial", "half", 3, 1, 2);
    text("bad/broken.gguf", "This is not a GGUF file at all");
    // never catalogued:
    write("dl/pending.gguf", model(2048));
    text("dl/pending.gguf.part", "");
    text("dl/other.gguf.part", "partial bytes");
    text("dl/third.gguf.crdownload", "partial bytes");
    write("downloading_x.gguf", model(2048));
    write(".hidden.gguf", model(2048));
    write(".cache/inside/hidden-dir.gguf", model(2048));
    text("notes.txt", "hello");
    text("weights.bin", "not gguf");
    Path external = model(2048).write(outside.resolve("external.gguf"));
    Files.createSymbolicLink(models.resolve("linked-outside.gguf"), external);

    ModelCatalog c = catalog();
    assertEquals(List.of(), c.scanOnce(), "nothing is stable at the first poll");
    assertEquals(List.of(), c.snapshot());
    clock.advance(STABLE);
    List<CatalogEvent> events = c.scanOnce();

    assertEquals(
        Map.of(
            "bad/broken", Type.REJECTED,
            "deep/a/b/c/deep-model", Type.ADDED,
            "flat", Type.ADDED,
            "lmstudio-community/Qwen2-0.5B-GGUF/qwen2-0_5b-instruct-q8_0", Type.ADDED,
            "partial/half", Type.REJECTED,
            "split/big", Type.ADDED),
        byId(events));
    assertEquals(
        List.of(
            "bad/broken",
            "deep/a/b/c/deep-model",
            "flat",
            "lmstudio-community/Qwen2-0.5B-GGUF/qwen2-0_5b-instruct-q8_0",
            "partial/half",
            "split/big"),
        c.snapshot().stream().map(CatalogEntry::id).collect(Collectors.toList()));

    CatalogEntry q = c.find("qwen2-0_5b-instruct-q8_0").orElseThrow();
    assertEquals("lmstudio-community/Qwen2-0.5B-GGUF/qwen2-0_5b-instruct-q8_0", q.id());
    assertEquals("qwen2-0_5b-instruct-q8_0", q.alias());
    assertEquals(qwen, q.path());
    assertEquals(mmproj, q.mmproj(), "the folder's projector is attached");
    assertEquals(GgufReader.read(mmproj).tensorBytes(), q.mmprojBytes());
    assertEquals(32768L, q.summary().contextLength());
    assertEquals("llama", q.summary().architecture());
    assertEquals(Files.size(qwen), q.sizeBytes());
    assertEquals(GgufReader.read(qwen).tensorBytes(), q.weightsBytes());
    assertNull(q.sha256(), "hashing is off by default");

    CatalogEntry big = c.find("split/big").orElseThrow();
    assertEquals(models.resolve("split/big-00001-of-00002.gguf"), big.path());
    assertEquals(2, big.files().size());
    assertEquals(2, big.summary().splitCount());
    assertEquals(
        GgufReader.read(big.path()).tensorBytes()
            + GgufReader.read(models.resolve("split/big-00002-of-00002.gguf")).tensorBytes(),
        big.weightsBytes(),
        "weights of every shard");

    CatalogEntry half = c.find("partial/half").orElseThrow();
    assertEquals(Reason.SPLIT_INCOMPLETE, half.reason());
    assertTrue(half.message().contains("shard 3 of 3 is missing"), half.message());
    assertEquals(Reason.BAD_MAGIC, c.find("bad/broken").orElseThrow().reason());
  }

  @Test
  void growingFileIsNotCataloguedUntilItStopsChanging() throws Exception {
    byte[] full = model(2048).bytes();
    Path p = models.resolve("pub/repo/growing.gguf");
    Files.createDirectories(p.getParent());
    Files.write(p, Arrays.copyOf(full, full.length / 2));
    ModelCatalog c = catalog();

    assertEquals(List.of(), c.scanOnce());
    clock.advance(STABLE);
    Files.write(
        p, Arrays.copyOfRange(full, full.length / 2, full.length), StandardOpenOption.APPEND);
    assertEquals(List.of(), c.scanOnce(), "it grew since the last poll: not stable");
    assertTrue(c.snapshot().isEmpty());
    clock.advance(STABLE);
    List<CatalogEvent> events = c.scanOnce();
    assertEquals(Map.of("pub/repo/growing", Type.ADDED), byId(events));
    assertTrue(events.get(0).entry().accepted(), events.get(0).entry().message());
  }

  @Test
  void twoPollsWithoutTheStableTimeDoNotMakeAFileStable() throws Exception {
    write("m.gguf", model(2048));
    ModelCatalog c = catalog();
    assertEquals(List.of(), c.scanOnce());
    assertEquals(List.of(), c.scanOnce(), "unchanged, but not for stable-after yet");
    assertFalse(c.settled(), "a file is still being checked");
    clock.advance(STABLE.minusMillis(1));
    assertEquals(List.of(), c.scanOnce());
    clock.advance(Duration.ofMillis(1));
    assertEquals(Map.of("m", Type.ADDED), byId(c.scanOnce()));
    assertTrue(c.settled(), "every file was stable in the last scan");
  }

  @Test
  void replacedFileIsChangedOnceTheNewOneIsStable() throws Exception {
    Path p = write("pub/repo/m.gguf", model(2048));
    ModelCatalog c = catalog();
    settle(c);
    CatalogEntry before = c.find("pub/repo/m").orElseThrow();

    Path tmp = model(8192).write(models.resolve("pub/repo/m.gguf.tmp"));
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertEquals(List.of(), c.scanOnce(), "the new file must be stable first");
    assertEquals(before, c.find("pub/repo/m").orElseThrow(), "the old entry stays meanwhile");
    clock.advance(STABLE);
    List<CatalogEvent> events = c.scanOnce();

    assertEquals(1, events.size(), events.toString());
    CatalogEvent e = events.get(0);
    assertEquals(Type.CHANGED, e.type());
    assertEquals(before, e.previous());
    assertEquals(8192L, e.entry().summary().contextLength());
  }

  @Test
  void replacementWithSameSizeAndMtimeIsSeenByItsInode() throws Exception {
    Path p = write("m.gguf", model(2048));
    FileTime mtime = Files.getLastModifiedTime(p);
    ModelCatalog c = catalog();
    settle(c);

    Path copy = models.resolve("m.gguf.tmp");
    Files.copy(p, copy);
    Files.setLastModifiedTime(copy, mtime);
    Files.move(copy, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertEquals(List.of(), c.scanOnce());
    clock.advance(STABLE);
    assertEquals(Map.of("m", Type.CHANGED), byId(c.scanOnce()));
  }

  @Test
  void deletedFileIsRemovedAtTheNextPoll() throws Exception {
    Path p = write("pub/repo/m.gguf", model(2048));
    ModelCatalog c = catalog();
    settle(c);
    Files.delete(p);
    List<CatalogEvent> events = c.scanOnce();
    assertEquals(Map.of("pub/repo/m", Type.REMOVED), byId(events));
    assertEquals("pub/repo/m", events.get(0).entry().id());
    assertTrue(c.snapshot().isEmpty());
  }

  @Test
  void unchangedModelsProduceNoEvents() throws Exception {
    write("a.gguf", model(2048));
    text("b.gguf", "broken");
    ModelCatalog c = catalog();
    assertEquals(2, settle(c).size());
    for (int i = 0; i < 3; i++) {
      clock.advance(STABLE);
      assertEquals(List.of(), c.scanOnce());
    }
    assertEquals(2, c.snapshot().size());
  }

  @Test
  void incompleteSplitSetIsAddedWhenItsLastShardArrives() throws Exception {
    splitShards("s", "model", 2, 1);
    ModelCatalog c = catalog();
    assertEquals(Map.of("s/model", Type.REJECTED), byId(settle(c)));

    splitShards("s", "model", 2, 2);
    assertEquals(List.of(), c.scanOnce(), "the new shard is not stable yet");
    clock.advance(STABLE);
    List<CatalogEvent> events = c.scanOnce();
    assertEquals(Map.of("s/model", Type.ADDED), byId(events));
    assertEquals(Reason.SPLIT_INCOMPLETE, events.get(0).previous().reason());
  }

  @Test
  void rejectedFileIsAddedOnceFixed() throws Exception {
    Path p = text("m.gguf", "garbage");
    ModelCatalog c = catalog();
    assertEquals(Map.of("m", Type.REJECTED), byId(settle(c)));
    Files.write(p, model(2048).bytes());
    assertEquals(Map.of("m", Type.ADDED), byId(settle(c)));
  }

  @Test
  void aliasIsDroppedWhenAnotherModelHasTheSameStem() throws Exception {
    write("pub-a/repo/model.gguf", model(2048));
    ModelCatalog c = catalog();
    settle(c);
    assertEquals("model", c.find("pub-a/repo/model").orElseThrow().alias());

    write("pub-b/repo/model.gguf", model(2048));
    List<CatalogEvent> events = settle(c);
    assertEquals(
        Map.of("pub-a/repo/model", Type.CHANGED, "pub-b/repo/model", Type.ADDED), byId(events));
    assertNull(c.find("pub-a/repo/model").orElseThrow().alias());
    assertNull(c.find("pub-b/repo/model").orElseThrow().alias());
    assertTrue(c.find("model").isEmpty());
  }

  @Test
  void projectorAloneIsNeverAModelAndABrokenOneIsNotAttached() throws Exception {
    write(
        "only-proj/mmproj-f16.gguf", GgufWriter.model("clip").tensor("v.w", GgmlType.F16, 32, 32));
    write("vision/model.gguf", model(2048));
    text("vision/mmproj-broken.gguf", "not a projector");
    ModelCatalog c = catalog();
    assertEquals(Map.of("vision/model", Type.ADDED), byId(settle(c)));
    CatalogEntry e = c.find("vision/model").orElseThrow();
    assertNull(e.mmproj());
    assertTrue(e.warnings().get(0).contains("mmproj-broken.gguf"), e.warnings().toString());
  }

  @Test
  void projectorNotNamedMmprojIsRejectedNotLaunched() throws Exception {
    write("v/vision-proj.gguf", GgufWriter.model("clip").tensor("v.w", GgmlType.F16, 32, 32));
    ModelCatalog c = catalog();
    assertEquals(Map.of("v/vision-proj", Type.REJECTED), byId(settle(c)));
    CatalogEntry e = c.find("v/vision-proj").orElseThrow();
    assertEquals(Reason.NOT_A_MODEL, e.reason());
    assertTrue(e.message().contains("mmproj"), e.message());
  }

  @Test
  void symlinksAreFollowedInsideTheTreeAndOutsideOnlyWhenConfigured() throws Exception {
    Path external = model(2048).write(outside.resolve("external.gguf"));
    Files.createSymbolicLink(models.resolve("ext.gguf"), external);
    Path dir = Files.createDirectories(outside.resolve("more"));
    model(2048).write(dir.resolve("in-linked-dir.gguf"));
    Files.createSymbolicLink(models.resolve("more"), dir);
    Path real = write("real/m.gguf", model(2048));
    Files.createDirectories(models.resolve("links"));
    Files.createSymbolicLink(models.resolve("links/alias.gguf"), real);

    assertEquals(Map.of("links/alias", Type.ADDED, "real/m", Type.ADDED), byId(settle(catalog())));
    assertEquals(
        Map.of(
            "ext", Type.ADDED,
            "links/alias", Type.ADDED,
            "more/in-linked-dir", Type.ADDED,
            "real/m", Type.ADDED),
        byId(settle(catalog(true, false))));
  }

  @Test
  void sha256WhenAsked() throws Exception {
    Path p = write("m.gguf", model(2048));
    ModelCatalog c = catalog(false, true);
    settle(c);
    String expected =
        HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    assertEquals(expected, c.find("m").orElseThrow().sha256());
  }

  @Test
  void listenersReceiveEventsEvenWhenOneFails() throws Exception {
    write("m.gguf", model(2048));
    ModelCatalog c = catalog();
    List<CatalogEvent> seen = new ArrayList<>();
    c.addListener(
        e -> {
          throw new IllegalStateException("listener bug");
        });
    c.addListener(seen::add);
    List<CatalogEvent> returned = settle(c);
    assertEquals(returned, seen);
    assertNotNull(seen.get(0).entry());
  }

  @Test
  void missingModelsDirectoryIsEmptyNotAnError() {
    ModelCatalog c = new ModelCatalog(CatalogOptions.defaults(models.resolve("nope")), clock);
    assertEquals(List.of(), settle(c));
  }

  @Test
  void fileWithAPartialDownloadPartnerAppearsOnceThePartnerIsGone() throws Exception {
    write("dl/model.gguf", model(2048));
    Path part = text("dl/model.gguf.part", "");
    ModelCatalog c = catalog();
    assertEquals(List.of(), settle(c));
    Files.delete(part);
    assertEquals(Map.of("dl/model", Type.ADDED), byId(settle(c)));
  }
}
