package io.llamasupervisor.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The accounting of a run: failures by kind, late requests, swaps, pass or fail. */
class SwapBenchReportTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final SwapBenchOptions OPTIONS =
      SwapBenchOptions.builder(URI.create("http://127.0.0.1:8080"), "org/tiny")
          .clients(4)
          .swaps(1)
          .drainLinger(Duration.ofSeconds(2))
          .build();
  private static final SwapBenchReport.RunInfo RUN =
      new SwapBenchReport.RunInfo(T0, T0.plusSeconds(30), 20.0, 100, 500, 0);
  private static final SwapResult SWAP =
      new SwapResult(
          1,
          List.of(1L),
          2,
          T0.plusMillis(100),
          Duration.ofMillis(800),
          Duration.ofMillis(3400),
          null);
  private static final Map<Long, Optional<Instant>> SWITCHES =
      Map.of(1L, Optional.of(at(1000)), 2L, Optional.empty());

  private final List<RequestRecord> records = new ArrayList<>();

  @Test
  void countsFailuresByKindAndStatusAndGapsApartFromRequests() {
    add(2, 0, 100, null, Outcome.ok(200, 0), false);
    add(2, 0, 100, null, Outcome.ok(200, 40), true);
    add(2, 0, 100, null, Outcome.failed(FailureKind.HTTP_STATUS, 503, 0, "Loading model"), false);
    add(2, 0, 100, null, Outcome.failed(FailureKind.HTTP_STATUS, 503, 0, "Loading model"), true);
    add(2, 0, 100, null, Outcome.failed(FailureKind.HTTP_STATUS, 500, 0, "boom"), false);
    add(2, 0, 100, null, Outcome.failed(FailureKind.CONNECTION_RESET, 0, 0, "reset"), false);
    add(2, 0, 100, null, Outcome.failed(FailureKind.CONNECTION_REFUSED, 0, 0, "refused"), false);
    add(2, 0, 100, null, Outcome.failed(FailureKind.TRUNCATED_STREAM, 200, 7, "cut"), true);
    add(2, 0, 100, null, Outcome.failed(FailureKind.TIMEOUT, 0, 0, "silent"), true);
    add(-1, 0, 0, null, Outcome.failed(FailureKind.NO_READY_BACKEND, 0, 0, "none"), false);

    SwapBenchReport r = report();

    assertEquals(9, r.requests());
    assertEquals(2, r.succeeded());
    assertEquals(7, r.failedRequests());
    assertEquals(8, r.failures());
    assertEquals(
        Map.of(
            "http_status", 3L,
            "connection_reset", 1L,
            "connection_refused", 1L,
            "truncated_stream", 1L,
            "timeout", 1L,
            "no_ready_backend", 1L),
        r.failuresByKind());
    assertEquals(Map.of(500, 1L, 503, 2L), r.httpStatuses());
    assertEquals(4, r.streams());
    assertEquals(1, r.streamsComplete());
    assertEquals(Map.of(2L, 9L), r.requestsByGeneration());
    assertEquals(8, r.failureSamples().size());
    assertFalse(r.passed());
    assertEquals(1, r.exitCode());
  }

  @Test
  void countsRequestsSentAfterASwitchThreeWays() {
    // generation 1 was switched at 1000 ms; the drain linger is 2 s
    add(1, 500, 1000, null, Outcome.ok(200, 50), true); // in flight at the switch: fine
    add(1, 900, 50, null, Outcome.ok(200, 0), false); // before the switch: fine
    add(1, 1200, 50, 1300L, Outcome.ok(200, 0), false); // client lagged: informational
    add(1, 1100, 50, 1050L, Outcome.ok(200, 0), false); // client had seen it: late
    add(1, 3500, 50, null, Outcome.ok(200, 0), false); // after switch + linger: late
    add(2, 1200, 50, null, Outcome.ok(200, 0), false); // the new generation: fine

    SwapBenchReport r = report();

    assertEquals(0, r.failures());
    assertEquals(1, r.inFlightAtSwitch());
    assertEquals(1, r.lateClientSawSwitch());
    assertEquals(3, r.lateAfterSwitch());
    assertEquals(1, r.lateAfterLinger());
    assertFalse(r.passed(), "late requests fail the run");
  }

  @Test
  void requestsAfterTheSwitchButWithinTheLingerDoNotFailTheRun() {
    add(1, 1200, 50, 1300L, Outcome.ok(200, 0), false);
    add(1, 2999, 50, null, Outcome.ok(200, 0), false);

    SwapBenchReport r = report();

    assertEquals(2, r.lateAfterSwitch());
    assertEquals(0, r.lateAfterLinger());
    assertEquals(0, r.lateClientSawSwitch());
    assertTrue(r.passed());
    assertEquals(0, r.exitCode());
  }

  @Test
  void anIncompleteOrMissingSwapFailsTheRun() {
    add(2, 1200, 50, null, Outcome.ok(200, 0), false);
    SwapResult timedOut =
        new SwapResult(1, List.of(1L), -1, T0, null, null, "not complete after 120 s");

    assertFalse(SwapBenchReport.of(OPTIONS, RUN, records, List.of(timedOut), SWITCHES).passed());
    assertFalse(SwapBenchReport.of(OPTIONS, RUN, records, List.of(), SWITCHES).passed());
    assertTrue(SwapBenchReport.of(OPTIONS, RUN, records, List.of(SWAP), SWITCHES).passed());
  }

  @Test
  void jsonCarriesTheFiguresUnderStableNames() throws Exception {
    add(1, 500, 1000, null, Outcome.ok(200, 50), true);
    add(2, 1200, 50, null, Outcome.failed(FailureKind.HTTP_STATUS, 503, 0, "x"), false);

    JsonNode j = new ObjectMapper().readTree(report().toJson());

    assertEquals("org/tiny", j.get("model").asText());
    assertEquals(4, j.get("clients").asInt());
    assertEquals(2, j.get("keepAliveClients").asInt());
    assertEquals(30_000, j.get("durationMs").asLong());
    assertEquals(2, j.at("/requests/total").asLong());
    assertEquals(1, j.at("/requests/streamsComplete").asLong());
    assertEquals(1, j.at("/requests/inFlightAtSwitch").asLong());
    assertEquals(1, j.at("/failures/total").asLong());
    assertEquals(1, j.at("/failures/byKind/http_status").asLong());
    assertEquals(1, j.at("/failures/httpStatus/503").asLong());
    assertEquals(0, j.at("/late/afterSwitchPlusLinger").asLong());
    assertEquals(2000, j.at("/late/drainLingerMs").asLong());
    assertEquals(2, j.at("/swaps/0/toGeneration").asLong());
    assertEquals(800, j.at("/swaps/0/readyMs").asLong());
    assertEquals(3400, j.at("/swaps/0/oldGoneMs").asLong());
    assertEquals(1, j.at("/requestsByGeneration/1").asLong());
    assertFalse(j.get("passed").asBoolean());
  }

  @Test
  void textNamesTheVerdictAndTheSwaps() {
    add(2, 1200, 50, null, Outcome.ok(200, 0), false);

    String text = report().toText();

    assertTrue(text.contains("failures: none"), text);
    assertTrue(
        text.contains("#1 generation [1] -> 2: READY after 0.80 s, old gone after 3.40 s"), text);
    assertTrue(text.contains("result: PASS (exit 0)"), text);
  }

  private SwapBenchReport report() {
    return SwapBenchReport.of(OPTIONS, RUN, records, List.of(SWAP), SWITCHES);
  }

  private void add(
      long generation, long sentMs, long elapsedMs, Long clientSawMs, Outcome o, boolean stream) {
    records.add(
        new RequestRecord(
            records.size(),
            records.size() % 2 == 0,
            stream,
            generation,
            generation < 0 ? null : "http://127.0.0.1:" + (20000 + generation),
            at(sentMs),
            at(sentMs),
            Duration.ofMillis(elapsedMs),
            clientSawMs == null ? null : at(clientSawMs),
            o));
  }

  private static Instant at(long millis) {
    return T0.plusMillis(millis);
  }
}
