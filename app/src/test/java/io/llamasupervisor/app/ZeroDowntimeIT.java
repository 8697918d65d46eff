package io.llamasupervisor.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.api.ApiServer;
import io.llamasupervisor.api.ApiSettings;
import io.llamasupervisor.bench.FailureKind;
import io.llamasupervisor.bench.SwapBench;
import io.llamasupervisor.bench.SwapBenchOptions;
import io.llamasupervisor.bench.SwapBenchReport;
import io.llamasupervisor.supervisor.supervise.FleetHarness;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product under load: the supervisor with its REST API, fake llama-servers, and the
 * shipped load tool ({@code bench swap}) following the routing table while restarts swap
 * generations blue-green.
 */
class ZeroDowntimeIT {
  private static final String ID = "pub/repo/m";
  private static final Duration LONG = Duration.ofSeconds(30);

  @TempDir Path dir;
  FleetHarness h;
  ApiServer api;

  @BeforeEach
  void setUp() throws IOException {
    h = new FleetHarness(dir);
    h.model(ID);
  }

  @AfterEach
  void tearDown() {
    if (api != null) {
      api.close();
    }
    h.close();
  }

  private URI startApi() {
    api =
        ApiServer.start(
            h.fleet, h.routes, new ApiSettings("127.0.0.1", 0, List.of(), false), Map.of());
    return api.uri();
  }

  /** 16 clients, 5 swaps in a row: no failed request, no truncated stream, no late request. */
  @Test
  void sixteenClientsFiveSwapsLoseNothing() throws Exception {
    h.start(
        // production-like liveness: the harness's 200 ms probes would count a server slowed down
        // by a second JVM loading on this 2-core machine as hung
        "supervisor.supervision.liveness.interval=2s",
        "supervisor.supervision.liveness.timeout=1s",
        "supervisor.supervision.liveness.failure-threshold=3",
        "supervisor.supervision.drain.linger=1s",
        "supervisor.models.\"**\".env.FAKE_LLAMA_TOKEN_MS=20",
        "supervisor.defaults.parallel=16",
        "supervisor.defaults.ctx-size=1024");
    h.awaitState(ID, "ready", LONG);
    SwapBenchReport report =
        SwapBench.run(
            SwapBenchOptions.builder(startApi(), ID)
                .clients(16)
                .swaps(5)
                .interval(Duration.ofMillis(500))
                .drainLinger(Duration.ofSeconds(1))
                .streams(Duration.ofSeconds(1), Duration.ofSeconds(3))
                .tokenPaceMs(20)
                .seed(7)
                .build());
    System.out.println(report.toText());
    assertEquals(5, report.swaps().size(), report.toText());
    assertTrue(report.requests() > 50, report.toText());
    assertEquals(0, report.failures(), report.toText());
    assertEquals(0, report.failures(FailureKind.TRUNCATED_STREAM), report.toText());
    assertEquals(report.streams(), report.streamsComplete(), report.toText());
    assertEquals(0, report.lateClientSawSwitch(), report.toText());
    assertEquals(0, report.lateAfterLinger(), report.toText());
    assertTrue(report.inFlightAtSwitch() > 0, "no request was in flight at a switch");
    assertTrue(report.passed(), report.toText());
  }

  /** A restart whose new generation cannot load fails no request: the old one keeps serving. */
  @Test
  void aFailedRolloutUnderLoadFailsNoRequest() throws Exception {
    h.start(
        "supervisor.supervision.liveness.interval=2s",
        "supervisor.supervision.liveness.timeout=1s",
        "supervisor.supervision.liveness.failure-threshold=3",
        "supervisor.models.\"**\".env.FAKE_LLAMA_TOKEN_MS=5",
        "supervisor.defaults.parallel=8",
        "supervisor.defaults.ctx-size=1024");
    ModelStatus.InstanceStatus first = h.awaitState(ID, "ready", LONG).instances().get(0);
    URI uri = startApi();
    // once requests are in flight, change the config so that the next generation cannot load
    Thread rollout =
        new Thread(
            () -> {
              org.awaitility.Awaitility.await()
                  .atMost(LONG)
                  .until(
                      () ->
                          new io.llamasupervisor.health.HttpSlotsProbe()
                                      .probe(URI.create(first.url()), Duration.ofSeconds(1))
                                      .get()
                                  instanceof io.llamasupervisor.health.SlotsResult.Known k
                              && k.busySlots() > 0);
              h.reconfigure("supervisor.models.\"**\".env.FAKE_LLAMA_FAIL_LOAD=broken weights");
            });
    // the bench's own swaps would wait for a generation that never comes: it runs without swaps
    SwapBenchOptions options =
        SwapBenchOptions.builder(uri, ID)
            .clients(8)
            .swaps(0)
            .streams(Duration.ofMillis(500), Duration.ofSeconds(1))
            .tokenPaceMs(5)
            .interval(Duration.ofSeconds(4))
            .seed(3)
            .build();
    rollout.start();
    SwapBenchReport report = SwapBench.run(options);
    rollout.join();
    ModelStatus after =
        h.await(ID, s -> s.rollout() != null && s.rollout().phase().equals("failed"), LONG);
    assertEquals(0, report.failures(), report.toText());
    assertTrue(report.requests() > 0, report.toText());
    assertEquals(first.pid(), after.instances().get(0).pid());
    assertEquals("ready", after.state());
  }
}
