package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.health.SlotsResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** A replaced generation drains until its work is done, on manual time. */
class DrainerTest extends ManualFleet.OneModel {
  private static final SlotsResult BUSY =
      new SlotsResult.Known(1, OptionalInt.of(2), SlotsResult.Source.SLOTS);
  private static final SlotsResult IDLE =
      new SlotsResult.Known(0, OptionalInt.of(2), SlotsResult.Source.SLOTS);

  FakeProcesses.FakeProcess old;

  /** Starts the model, restarts it and lets the new generation become ready: the old drains. */
  private void swap() throws Exception {
    f.start();
    old = f.processes.last(ID);
    f.fleet.operatorRestart(ID);
    f.settle();
    assertEquals(2, f.processes.started.size());
    assertEquals("draining", f.status(ID).instances().get(0).state(), f.status(ID).toString());
  }

  @Test
  void aDrainingInstanceStaysForTheLingerThenStopsOnceItsSlotsAreIdle() throws Exception {
    f.slotsAnswer.set(BUSY);
    swap();
    f.advance(Duration.ofMillis(1900));
    assertTrue(old.isAlive(), "within the linger");
    f.advance(Duration.ofSeconds(3));
    assertTrue(old.isAlive(), "a slot is still busy");
    f.slotsAnswer.set(IDLE);
    f.advance(Duration.ofMillis(200));
    assertFalse(old.isAlive(), "stopped at the first check with idle slots");
    assertEquals("done", f.status(ID).rollout().phase());
  }

  @Test
  void theGatewaysRequestsInFlightHoldTheDrain() throws Exception {
    Map<String, Integer> inFlight = new ConcurrentHashMap<>();
    f.slotsAnswer.set(IDLE);
    swap();
    String url = f.status(ID).instances().get(0).url();
    inFlight.put(url, 1);
    f.fleet.setTraffic(traffic(u -> inFlight.getOrDefault(u, 0), Optional::empty));
    f.advance(Duration.ofSeconds(10));
    assertTrue(old.isAlive(), "the gateway still has a request in flight to it");
    inFlight.put(url, 0);
    f.advance(Duration.ofMillis(200));
    assertFalse(old.isAlive());
  }

  @Test
  void theDrainTimeoutStopsABusyInstance() throws Exception {
    f.slotsAnswer.set(BUSY);
    swap();
    f.advance(Duration.ofSeconds(29));
    assertTrue(old.isAlive());
    f.advance(Duration.ofMillis(1200));
    assertFalse(old.isAlive(), "stopped at the 30 s drain timeout");
  }

  @Test
  void aFailingDrainCheckIsLoggedAndTheNextCheckStillRuns() throws Exception {
    f.slotsAnswer.set(null); // the probe's answer makes the check throw
    swap();
    f.advance(Duration.ofSeconds(3));
    assertTrue(old.isAlive());
    f.slotsAnswer.set(IDLE);
    f.advance(Duration.ofMillis(400));
    assertFalse(old.isAlive(), "checks went on after the failures");
  }

  /**
   * An idle fleet behind the gateway costs no {@code /slots} requests (which also wake a sleeping
   * llama-server); gateway traffic for the model makes the next refresh read them again.
   */
  @Test
  void aQuietInstanceIsNotAskedForItsSlotsUntilTheGatewayHasTrafficForIt() throws Exception {
    f.slotsAnswer.set(IDLE);
    f.start();
    AtomicReference<Instant> lastActive = new AtomicReference<>();
    f.fleet.setTraffic(traffic(u -> 0, () -> Optional.ofNullable(lastActive.get())));
    f.advance(Duration.ofSeconds(5)); // one resync: the first reading finds every slot idle
    int afterFirstReading = slotsCalls();
    assertTrue(afterFirstReading >= 1, "the first refresh reads the slots");

    f.advance(Duration.ofSeconds(30));
    assertEquals(afterFirstReading, slotsCalls(), "no slots request while quiet");

    lastActive.set(f.clock.instant());
    f.advance(Duration.ofSeconds(5));
    assertEquals(afterFirstReading + 1, slotsCalls(), "traffic: the next refresh reads again");
    f.advance(Duration.ofSeconds(10));
    assertEquals(afterFirstReading + 1, slotsCalls(), "and then it is quiet again");
  }

  /** A gateway's traffic: in flight per backend URL, and when the model was last active. */
  private static Traffic traffic(
      ToIntFunction<String> inFlight, Supplier<Optional<Instant>> lastActive) {
    return new Traffic() {
      @Override
      public int inFlight(String backendUrl) {
        return inFlight.applyAsInt(backendUrl);
      }

      @Override
      public Optional<Instant> lastActive(String modelId) {
        return lastActive.get();
      }

      @Override
      public int queued(String modelId) {
        return 0;
      }
    };
  }

  private int slotsCalls() {
    synchronized (f.slotsCalls) {
      return f.slotsCalls.size();
    }
  }
}
