package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** New lines between successive snapshots of a bounded log window. */
class LogTailTest {
  @Test
  void firstSnapshotIsAllNew() {
    assertEquals(List.of("a", "b"), new LogTail().next(List.of("a", "b")));
  }

  @Test
  void growingWindowYieldsTheAppendedLines() {
    LogTail t = new LogTail();
    t.next(List.of("a", "b"));
    assertEquals(List.of("c"), t.next(List.of("a", "b", "c")));
    assertEquals(List.of(), t.next(List.of("a", "b", "c")));
  }

  @Test
  void rollingWindowYieldsOnlyTheLinesPastTheOverlap() {
    LogTail t = new LogTail();
    t.next(List.of("a", "b", "c"));
    assertEquals(List.of("d", "e"), t.next(List.of("c", "d", "e")));
  }

  @Test
  void repeatedLinesAreCountedByPosition() {
    LogTail t = new LogTail();
    t.next(List.of("x", "x"));
    assertEquals(List.of("x"), t.next(List.of("x", "x", "x")));
  }

  @Test
  void noOverlapMeansANewInstanceAndEverythingIsNew() {
    LogTail t = new LogTail();
    t.next(List.of("old 1", "old 2"));
    assertEquals(List.of("new 1"), t.next(List.of("new 1")));
  }
}
