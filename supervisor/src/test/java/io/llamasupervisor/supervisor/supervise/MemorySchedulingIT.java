package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory budget with real (fake llama-server) processes: the budget counts the launch plans'
 * estimates, so a budget of two and a half estimates has room for two models.
 */
class MemorySchedulingIT {
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final String A = "pub/repo/a";
  private static final String B = "pub/repo/b";
  private static final String C = "pub/repo/c";

  @TempDir Path dir;
  FleetHarness h;
  long one;
  private final AtomicBoolean sampling = new AtomicBoolean();
  private final AtomicInteger mostResident = new AtomicInteger();
  private Thread sampler;

  @BeforeEach
  void setUp() throws Exception {
    h = new FleetHarness(dir);
    for (String id : List.of(A, B, C)) {
      h.model(id);
    }
    one = h.estimate(A);
  }

  @AfterEach
  void tearDown() throws Exception {
    sampling.set(false);
    if (sampler != null) {
      sampler.join(5_000);
    }
    h.close();
  }

  /** Starts with room for two models (no margin) and {@code more} settings. */
  private void start(String... more) throws Exception {
    List<String> all = new java.util.ArrayList<>();
    all.add("supervisor.memory.budget=" + (2 * one + one / 2));
    all.add("supervisor.memory.margin=0");
    all.addAll(List.of(more));
    h.start(all.toArray(String[]::new));
    sampling.set(true);
    sampler =
        new Thread(
            () -> {
              while (sampling.get()) {
                long resident =
                    h.fleet.models().stream().filter(m -> !m.instances().isEmpty()).count();
                mostResident.accumulateAndGet((int) resident, Math::max);
                try {
                  Thread.sleep(50);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "resident sampler");
    sampler.start();
  }

  private String reason(String id) {
    ModelStatus s = h.status(id);
    return s.lastDecision() == null ? "" : s.lastDecision().code().name();
  }

  @Test
  void alwaysModelsStartInPriorityOrderWhileTheyFitAndADemandEvictsTheLowestPriority()
      throws Exception {
    start(
        "supervisor.memory.min-residency=0s",
        "supervisor.models.\"pub/repo/a\".priority=1",
        "supervisor.models.\"pub/repo/b\".priority=3",
        "supervisor.models.\"pub/repo/c\".priority=2");
    h.awaitState(B, "ready", LONG);
    h.awaitState(C, "ready", LONG);
    ModelStatus a = h.awaitState(A, "idle", LONG);
    assertEquals("NO_MEMORY", reason(A), a.toString());
    assertTrue(a.lastDecision().message().contains("starts when a request wants it"), a.toString());

    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.demand(A));
    h.awaitState(A, "ready", LONG);
    ModelStatus c = h.awaitState(C, "idle", LONG);
    assertEquals("EVICTED", reason(C), c.toString());
    assertEquals("ready", h.status(B).state());
    assertTrue(mostResident.get() <= 2, "at most two resident, saw " + mostResident.get());
  }

  @Test
  void aPinnedModelIsNeverEvicted() throws Exception {
    start("supervisor.memory.min-residency=0s", "supervisor.models.\"pub/repo/a\".pinned=true");
    long pid = h.awaitState(A, "ready", LONG).instances().get(0).pid();
    h.awaitState(B, "ready", LONG);
    h.awaitState(C, "idle", LONG);
    h.fleet.demand(C);
    h.awaitState(C, "ready", LONG);
    h.awaitState(B, "idle", LONG);
    h.fleet.demand(B);
    h.awaitState(B, "ready", LONG);
    h.awaitState(C, "idle", LONG);
    ModelStatus pinned = h.status(A);
    assertEquals("ready", pinned.state());
    assertEquals(pid, pinned.instances().get(0).pid());
    assertTrue(pinned.memory().pinned());
    assertTrue(mostResident.get() <= 2, "at most two resident, saw " + mostResident.get());
  }

  @Test
  void aStartThatCannotFitWaitsAndProceedsWhenAModelIsUnloaded() throws Exception {
    start("supervisor.memory.min-residency=1h");
    h.awaitState(A, "ready", LONG);
    h.awaitState(B, "ready", LONG);
    h.awaitState(C, "idle", LONG);
    h.fleet.demand(C);
    ModelStatus waiting = h.awaitState(C, "waiting", LONG);
    assertEquals("NO_MEMORY", reason(C));
    assertTrue(
        waiting.memory().waiting().contains("less than min-residency"), waiting.memory().waiting());
    assertEquals(C, h.fleet.memory().waiting().get(0).model());

    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.unload(B));
    h.awaitState(C, "ready", LONG);
    ModelStatus b = h.awaitState(B, "idle", LONG);
    assertEquals("UNLOADED", reason(B), b.toString());
    assertTrue(h.fleet.memory().waiting().isEmpty());
    assertTrue(mostResident.get() <= 2, "at most two resident, saw " + mostResident.get());
    // an unloaded model stays startable on demand
    assertEquals(Fleet.CommandResult.ACCEPTED, h.fleet.demand(B));
  }

  @Test
  void aModelLargerThanTheBudgetIsRejectedWithTheNumbers() throws Exception {
    h.start("supervisor.memory.budget=" + one / 2, "supervisor.memory.margin=0");
    ModelStatus a = h.awaitState(A, "rejected", LONG);
    assertEquals("DOES_NOT_FIT", reason(A), a.toString());
    assertTrue(a.lastDecision().message().contains(one + " > " + one / 2 + " bytes"), a.toString());
    assertEquals(Fleet.CommandResult.REJECTED_MODEL, h.fleet.demand(A));
  }

  @Test
  void anOutOfMemoryLoadEvictsOneMoreModelAndIsRetriedOnce() throws Exception {
    h.model("pub/repo/oom");
    // room for all four by the estimates: only the failed load makes room
    start(
        "supervisor.memory.budget=" + (4 * one + one / 2),
        "supervisor.memory.min-residency=0s",
        "supervisor.models.\"pub/repo/oom\".start=on-demand",
        "supervisor.models.\"pub/repo/oom\".env.FAKE_LLAMA_FAIL_LOAD=unable to allocate CPU buffer",
        "supervisor.models.\"pub/repo/oom\".env.FAKE_LLAMA_FAIL_LOAD_ONCE="
            + dir.resolve("oom-once"));
    h.awaitState(A, "ready", LONG);
    h.awaitState(B, "ready", LONG);
    h.awaitState(C, "ready", LONG);
    h.fleet.demand("pub/repo/oom");
    h.awaitState("pub/repo/oom", "ready", LONG);
    long evicted = List.of(A, B, C).stream().filter(id -> reason(id).equals("EVICTED")).count();
    assertEquals(1, evicted, h.fleet.models().toString());
  }

  @Test
  void aLoadThatRunsOutOfMemoryAgainAfterTheRetryFails() throws Exception {
    h.model("pub/repo/oom");
    start(
        "supervisor.memory.budget=" + (3 * one + one / 2),
        "supervisor.memory.min-residency=0s",
        "supervisor.models.\"pub/repo/oom\".start=on-demand",
        "supervisor.models.\"pub/repo/oom\".env.FAKE_LLAMA_FAIL_LOAD=unable to allocate CPU buffer");
    h.awaitState(A, "ready", LONG);
    h.fleet.demand("pub/repo/oom");
    ModelStatus failed = h.awaitState("pub/repo/oom", "failed", LONG);
    assertEquals("OUT_OF_MEMORY", reason("pub/repo/oom"), failed.toString());
    assertTrue(failed.lastDecision().message().contains("unable to allocate"), failed.toString());
  }
}
