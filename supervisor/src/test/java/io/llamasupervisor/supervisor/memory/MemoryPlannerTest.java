package io.llamasupervisor.supervisor.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.supervisor.memory.MemoryPlanner.Admission;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Evict;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Phase;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Resident;
import io.llamasupervisor.supervisor.memory.MemoryPlanner.Wait;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The admission and eviction decisions, on given time. */
class MemoryPlannerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant NOW = T0.plusSeconds(600);
  private static final Duration RESIDENCY = Duration.ofSeconds(30);

  /** Room for two models of 100 bytes on the cpu (margin 10). */
  private static final Budget TWO = new Budget(Map.of("cpu", 210L), 10);

  private static Map<String, Long> cpu(long bytes) {
    return Map.of("cpu", bytes);
  }

  private static Resident serving(String model, Instant lastActive) {
    return new Resident(model, cpu(100), Phase.SERVING, false, 0, 0, 0, T0, lastActive);
  }

  private static Admission admit(String model, List<Resident> residents) {
    return MemoryPlanner.admit(model, cpu(100), TWO, residents, NOW, RESIDENCY);
  }

  @Test
  void aStartFitsWhileTheBudgetHasRoom() {
    assertInstanceOf(MemoryPlanner.Fits.class, admit("a", List.of()));
    assertInstanceOf(MemoryPlanner.Fits.class, admit("b", List.of(serving("a", NOW))));
  }

  @Test
  void withoutRoomTheLeastRecentlyUsedIdleModelIsEvicted() {
    Admission a =
        admit("c", List.of(serving("a", NOW.minusSeconds(1)), serving("b", NOW.minusSeconds(60))));
    assertEquals(List.of("b"), assertInstanceOf(Evict.class, a).victims());
  }

  @Test
  void lowerPriorityGoesFirstWhateverItsUse() {
    Resident hot = new Resident("a", cpu(100), Phase.SERVING, false, -1, 0, 0, T0, NOW);
    Resident cold = new Resident("b", cpu(100), Phase.SERVING, false, 5, 0, 0, T0, T0);
    assertEquals(
        List.of("a"), assertInstanceOf(Evict.class, admit("c", List.of(hot, cold))).victims());
  }

  @Test
  void busyPinnedLoadingAndYoungModelsAreNeverEvicted() {
    Resident inFlight = new Resident("a", cpu(100), Phase.SERVING, false, 0, 1, 0, T0, T0);
    Resident queued = new Resident("b", cpu(100), Phase.SERVING, false, 0, 0, 3, T0, T0);
    Budget three = new Budget(Map.of("cpu", 300L), 0);
    Resident pinned = new Resident("p", cpu(100), Phase.SERVING, true, 0, 0, 0, T0, T0);
    Resident young =
        new Resident("y", cpu(100), Phase.SERVING, false, 0, 0, 0, NOW.minusSeconds(29), T0);
    Resident loading = new Resident("l", cpu(100), Phase.LOADING, false, 0, 0, 0, T0, T0);
    for (Resident other : List.of(pinned, young, loading)) {
      Admission a =
          MemoryPlanner.admit(
              "c", cpu(100), three, List.of(inFlight, queued, other), NOW, RESIDENCY);
      Wait w = assertInstanceOf(Wait.class, a, a.toString());
      assertFalse(w.forLeaving());
      assertTrue(w.message().contains("a (1 requests in flight or queued)"), w.message());
      assertTrue(w.message().contains("b (3 requests in flight or queued)"), w.message());
    }
    Admission p =
        MemoryPlanner.admit(
            "c", cpu(100), three, List.of(inFlight, queued, pinned), NOW, RESIDENCY);
    assertTrue(p.message().contains("p (pinned)"), p.message());
  }

  @Test
  void aModelTurnsEvictableOnceMinResidencyHasPassed() {
    Resident a = new Resident("a", cpu(100), Phase.SERVING, false, 0, 0, 0, NOW, NOW);
    Resident b = new Resident("b", cpu(100), Phase.SERVING, false, 0, 0, 0, NOW, NOW);
    Wait young = assertInstanceOf(Wait.class, admit("c", List.of(a, b)));
    assertTrue(young.message().contains("less than min-residency"), young.message());
    Admission later =
        MemoryPlanner.admit("c", cpu(100), TWO, List.of(a, b), NOW.plus(RESIDENCY), RESIDENCY);
    assertEquals(List.of("a"), assertInstanceOf(Evict.class, later).victims());
  }

  @Test
  void memoryAlreadyLeavingIsAwaitedInsteadOfEvictingMore() {
    Resident leaving = new Resident("b", cpu(100), Phase.LEAVING, false, 0, 0, 0, T0, T0);
    Admission a = admit("c", List.of(serving("a", T0), leaving));
    Wait w = assertInstanceOf(Wait.class, a);
    assertTrue(w.forLeaving());
    assertTrue(w.message().startsWith("waits for b to exit"), w.message());
  }

  @Test
  void asFewModelsAsNeededAreEvicted() {
    Budget four = new Budget(Map.of("cpu", 400L), 0);
    List<Resident> r =
        List.of(
            serving("a", T0.plusSeconds(1)),
            serving("b", T0.plusSeconds(2)),
            serving("d", T0.plusSeconds(3)),
            serving("e", T0.plusSeconds(4)));
    Admission a = MemoryPlanner.admit("c", cpu(200), four, r, NOW, RESIDENCY);
    assertEquals(List.of("a", "b"), assertInstanceOf(Evict.class, a).victims());
  }

  @Test
  void theModelsOwnInstancesAreNeverItsVictims() {
    Admission a = admit("a", List.of(serving("a", T0), serving("b", NOW)));
    assertEquals(List.of("b"), assertInstanceOf(Evict.class, a).victims());
  }

  @Test
  void aFootprintLargerThanTheBudgetNeverFitsAndSaysTheNumbers() {
    Admission a = MemoryPlanner.admit("big", cpu(500), TWO, List.of(), NOW, RESIDENCY);
    MemoryPlanner.NeverFits nf = assertInstanceOf(MemoryPlanner.NeverFits.class, a);
    assertTrue(nf.message().contains("500 > 200 bytes"), nf.message());
  }

  @Test
  void aDeviceWithoutBudgetIsNotLimited() {
    Admission a =
        MemoryPlanner.admit("g", Map.of("cuda0", 1L << 40), TWO, List.of(), NOW, RESIDENCY);
    assertInstanceOf(MemoryPlanner.Fits.class, a);
  }

  @Test
  void theOneMoreVictimAfterAnOutOfMemoryLoadIsTheFirstCandidate() {
    Optional<String> v =
        MemoryPlanner.oneMoreVictim(
            "c", List.of(serving("a", NOW), serving("b", T0)), NOW, RESIDENCY);
    assertEquals(Optional.of("b"), v);
    assertEquals(
        Optional.empty(),
        MemoryPlanner.oneMoreVictim(
            "c",
            List.of(new Resident("p", cpu(1), Phase.SERVING, true, 0, 0, 0, T0, T0)),
            NOW,
            RESIDENCY));
  }
}
