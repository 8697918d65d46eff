package io.llamasupervisor.gateway;

import static io.llamasupervisor.gateway.Tables.model;
import static io.llamasupervisor.gateway.Tables.ready;
import static io.llamasupervisor.gateway.Tables.table;
import static io.llamasupervisor.gateway.Tables.url;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.DelayScheduler;
import io.llamasupervisor.testing.ManualScheduler;
import io.llamasupervisor.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Prefer-local: a gateway in a cluster fills its own node's slots before it spills to others. */
class PreferLocalTest {
  private final MutableClock clock = MutableClock.atEpochOfTests();
  private final ManualScheduler time = new ManualScheduler(clock);

  private Dispatcher dispatcher(GatewayOptions options, Set<String> localUrls) {
    Dispatcher d =
        new Dispatcher(
            options,
            List::of,
            ModelStarter.NONE,
            clock,
            DelayScheduler.on(time),
            new Random(7),
            new GatewayMetrics(new SimpleMeterRegistry()));
    d.preferLocal(localUrls::contains);
    return d;
  }

  private Dispatcher dispatcher(Set<String> localUrls) {
    return dispatcher(GatewayOptions.defaults(), localUrls);
  }

  private static Lease lease(Dispatcher d) {
    RecordingWaiter w = new RecordingWaiter();
    d.acquire("m", 0, w);
    return w.lease();
  }

  @Test
  void aLocalBackendWithAFreeSlotWinsOverAnIdleRemoteOneAndTheRemoteTakesTheSpill() {
    Dispatcher d = dispatcher(Set.of(url(1001)));
    d.onTable(table(model("m", "m", ready(1002, 2, 2), ready(1001, 1, 2))));

    assertEquals(url(1001), lease(d).url());
    assertEquals(url(1001), lease(d).url(), "still local although the remote one is idle");
    Lease spill = lease(d);
    assertEquals(url(1002), spill.url(), "local slots are full: the request spills");
    assertEquals(url(1002), lease(d).url());
    RecordingWaiter fifth = new RecordingWaiter();
    d.acquire("m", 0, fifth);
    assertTrue(fifth.waiting(), "every slot on every node is busy");

    spill.release(Lease.Outcome.ANSWERED);
    assertEquals(url(1002), fifth.lease().url(), "a freed remote slot serves the queue too");
  }

  @Test
  void aFreedLocalSlotIsPreferredForTheNextRequest() {
    Dispatcher d = dispatcher(Set.of(url(1001)));
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 4))));
    Lease local = lease(d);
    assertEquals(url(1002), lease(d).url());
    local.release(Lease.Outcome.ANSWERED);
    assertEquals(url(1001), lease(d).url());
  }

  @Test
  void localBackendsShareTheLoadByFewestInFlightBeforeAnyRemote() {
    Dispatcher d = dispatcher(Set.of(url(1001), url(1002)));
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 1), ready(1003, 3, 1))));
    Set<String> first = new HashSet<>(List.of(lease(d).url(), lease(d).url()));
    assertEquals(Set.of(url(1001), url(1002)), first);
    assertEquals(url(1003), lease(d).url());
  }

  @Test
  void anEjectedLocalBackendSendsTrafficToTheRemoteOne() {
    Dispatcher d =
        dispatcher(
            GatewayOptions.builder()
                .ejection(new EjectionPolicy(1, Duration.ofSeconds(30), Duration.ofMinutes(1)))
                .build(),
            Set.of(url(1001)));
    d.onTable(table(model("m", "m", ready(1001, 1, 4), ready(1002, 2, 4))));
    Lease failed = lease(d);
    assertEquals(url(1001), failed.url());
    failed.release(Lease.Outcome.FAILED);

    assertEquals(url(1002), lease(d).url(), "the ejected local backend is skipped");
    time.advance(Duration.ofSeconds(31));
    assertEquals(url(1001), lease(d).url(), "back to local once the ejection ends");
  }

  @Test
  void aRetryAfterTheLocalBackendRefusedGoesToTheRemoteOne() {
    Dispatcher d = dispatcher(Set.of(url(1001)));
    d.onTable(table(model("m", "m", ready(1001, 1, 4), ready(1002, 2, 4))));
    Lease failed = lease(d);
    failed.release(Lease.Outcome.FAILED);
    RecordingWaiter retry = new RecordingWaiter();
    d.retry(failed, 0, retry, "Connection refused");
    assertEquals(url(1002), retry.lease().url());
  }

  @Test
  void whenTheRemoteNodeLeavesTheTableOnlyLocalBackendsAreChosen() {
    Dispatcher d = dispatcher(Set.of(url(1001)));
    d.onTable(table(model("m", "m", ready(1001, 1, 1), ready(1002, 2, 1))));
    Lease local = lease(d);
    Lease remote = lease(d);
    assertNotEquals(local.url(), remote.url());
    d.onTable(table(model("m", "m", ready(1001, 1, 1))));
    remote.release(Lease.Outcome.FAILED);
    RecordingWaiter next = new RecordingWaiter();
    d.acquire("m", 0, next);
    assertTrue(next.waiting(), "the remote backend left: the request waits for the local slot");
    local.release(Lease.Outcome.ANSWERED);
    assertEquals(url(1001), next.lease().url());
  }
}
