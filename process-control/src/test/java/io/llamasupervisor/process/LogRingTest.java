package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LogRingTest {

  @Test
  void keepsTheLastLinesUpToTheLineBound() {
    LogRing ring = new LogRing(3, 1000);
    for (int i = 1; i <= 5; i++) {
      ring.add("line " + i);
    }
    assertEquals(List.of("line 3", "line 4", "line 5"), ring.lastLines(10));
    assertEquals(List.of("line 4", "line 5"), ring.lastLines(2));
    assertEquals(List.of(), ring.lastLines(0));
    assertEquals(18, ring.retainedBytes());
  }

  @Test
  void evictsOldestLinesToStayUnderTheByteBound() {
    LogRing ring = new LogRing(100, 10);
    ring.add("aaaa");
    ring.add("bbbb");
    assertEquals(8, ring.retainedBytes());
    ring.add("cccc");
    assertEquals(List.of("bbbb", "cccc"), ring.lastLines(5));
    assertEquals(8, ring.retainedBytes());
  }

  @Test
  void countsUtf8Bytes() {
    LogRing ring = new LogRing(10, 100);
    ring.add("é€😀");
    assertEquals(2 + 3 + 4, ring.retainedBytes());
  }

  @Test
  void aLineLargerThanTheByteBoundIsKeptAlone() {
    LogRing ring = new LogRing(10, 4);
    ring.add("ab");
    ring.add("abcdefgh");
    assertEquals(List.of("abcdefgh"), ring.lastLines(10));
    ring.add("x");
    assertEquals(List.of("x"), ring.lastLines(10));
    assertEquals(1, ring.retainedBytes());
  }

  @Test
  void sizeStaysConstantUnderAFlood() {
    LogRing ring = new LogRing(50, 4096);
    for (int i = 0; i < 100_000; i++) {
      ring.add("flood line number " + i);
    }
    assertEquals(50, ring.size());
    assertEquals("flood line number 99999", ring.lastLines(1).get(0));
    assertEquals(true, ring.retainedBytes() <= 4096);
  }

  @Test
  void rejectsBadArguments() {
    assertThrows(IllegalArgumentException.class, () -> new LogRing(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new LogRing(10, 0));
    assertThrows(IllegalArgumentException.class, () -> new LogRing(1, 1).lastLines(-1));
  }
}
