package io.llamasupervisor.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ExitStatusTest {

  @Test
  void plainExitCodesAreExited() {
    ExitStatus s = ExitStatus.fromExitValue(1);
    assertEquals(ExitStatus.Kind.EXITED, s.kind());
    assertEquals(OptionalInt.of(1), s.code());
    assertEquals(OptionalInt.empty(), s.signal());
    assertEquals("EXITED(1)", s.describe());
    assertFalse(s.isSuccess());
    assertTrue(ExitStatus.fromExitValue(0).isSuccess());
    assertEquals("EXITED(128)", ExitStatus.fromExitValue(128).describe());
    assertEquals("EXITED(255)", ExitStatus.fromExitValue(255).describe());
  }

  @Test
  void javaReportsSignalDeathsAs128PlusSignal() {
    ExitStatus s = ExitStatus.fromExitValue(137);
    assertEquals(ExitStatus.Kind.KILLED, s.kind());
    assertEquals(OptionalInt.of(9), s.signal());
    assertEquals(OptionalInt.empty(), s.code());
    assertEquals("KILLED(SIGKILL)", s.describe());
    assertEquals("KILLED(SIGTERM)", ExitStatus.fromExitValue(143).describe());
    assertEquals("KILLED(SIGABRT)", ExitStatus.fromExitValue(134).describe());
    assertEquals("KILLED(SIGSEGV)", ExitStatus.fromExitValue(139).describe());
    assertEquals("KILLED(SIG40)", ExitStatus.fromExitValue(168).describe());
    assertEquals("KILLED(SIG64)", ExitStatus.fromExitValue(192).describe());
    assertEquals("EXITED(193)", ExitStatus.fromExitValue(193).describe());
  }

  @Test
  void unknownHasNeitherCodeNorSignal() {
    ExitStatus s = ExitStatus.unknown();
    assertEquals("UNKNOWN", s.describe());
    assertTrue(s.code().isEmpty());
    assertTrue(s.signal().isEmpty());
    assertFalse(s.isSuccess());
  }

  @Test
  void equalityFollowsKindAndValue() {
    assertEquals(ExitStatus.killed(15), ExitStatus.fromExitValue(143));
    assertEquals(ExitStatus.exited(3).hashCode(), ExitStatus.fromExitValue(3).hashCode());
    assertFalse(ExitStatus.exited(9).equals(ExitStatus.killed(9)));
  }

  @Test
  void rejectsImpossibleValues() {
    assertThrows(IllegalArgumentException.class, () -> ExitStatus.exited(256));
    assertThrows(IllegalArgumentException.class, () -> ExitStatus.exited(-1));
    assertThrows(IllegalArgumentException.class, () -> ExitStatus.killed(0));
    assertThrows(IllegalArgumentException.class, () -> ExitStatus.killed(65));
  }
}
