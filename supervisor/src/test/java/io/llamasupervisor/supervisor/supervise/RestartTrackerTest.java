package io.llamasupervisor.supervisor.supervise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RestartTrackerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration SHORT = Duration.ofSeconds(3);

  @Test
  void backoffDoublesFromOneSecondToTheCap() {
    RestartPolicy p = RestartPolicy.DEFAULT;
    assertEquals(Duration.ofSeconds(1), p.backoff(1));
    assertEquals(Duration.ofSeconds(2), p.backoff(2));
    assertEquals(Duration.ofSeconds(16), p.backoff(5));
    assertEquals(Duration.ofSeconds(256), p.backoff(9));
    assertEquals(Duration.ofMinutes(5), p.backoff(10));
    assertEquals(Duration.ofMinutes(5), p.backoff(1000));
  }

  @Test
  void exactDelaysWithoutJitterAndGivesUpAfterTheMaximum() {
    RestartTracker t = new RestartTracker(RestartPolicy.DEFAULT, () -> 0.0);
    for (int i = 1; i <= 5; i++) {
      RestartDecision d = t.onFailure(T0, SHORT, ReasonCode.EXITED, false);
      assertTrue(d.restart());
      assertEquals(Duration.ofSeconds(1L << (i - 1)), d.delay());
      assertEquals(T0.plus(d.delay()), t.nextAttempt());
    }
    RestartDecision sixth = t.onFailure(T0, SHORT, ReasonCode.EXITED, false);
    assertFalse(sixth.restart());
    assertEquals(ReasonCode.CRASH_LOOP, sixth.reason());
    assertTrue(t.gaveUp());
  }

  @Test
  void jitterAddsAtMostTheConfiguredFraction() {
    RestartTracker t = new RestartTracker(RestartPolicy.DEFAULT, () -> 0.999);
    t.onFailure(T0, SHORT, ReasonCode.EXITED, false);
    RestartDecision d = t.onFailure(T0, SHORT, ReasonCode.EXITED, false);
    assertEquals(Duration.ofMillis(2000 + 199), d.delay());
  }

  @Test
  void aStableRunResetsTheCount() {
    RestartTracker t = new RestartTracker(RestartPolicy.DEFAULT, () -> 0.0);
    t.onFailure(T0, SHORT, ReasonCode.EXITED, false);
    t.onFailure(T0, SHORT, ReasonCode.EXITED, false);
    RestartDecision d = t.onFailure(T0, Duration.ofMinutes(10), ReasonCode.EXITED, false);
    assertEquals(1, d.failures());
    assertEquals(Duration.ofSeconds(1), d.delay());
  }

  @Test
  void permanentFailureGivesUpAtOnce() {
    RestartTracker t = new RestartTracker(RestartPolicy.DEFAULT, () -> 0.0);
    RestartDecision d = t.onFailure(T0, SHORT, ReasonCode.LOAD_FAILED, true);
    assertFalse(d.restart());
    assertEquals(ReasonCode.LOAD_FAILED, d.reason());
    assertTrue(t.gaveUp());
    t.reset();
    assertFalse(t.gaveUp());
    assertEquals(0, t.failures());
  }

  @Test
  void portInUseRetriesAtOnce() {
    RestartTracker t = new RestartTracker(RestartPolicy.DEFAULT, () -> 0.0);
    assertEquals(Duration.ZERO, t.onFailure(T0, SHORT, ReasonCode.PORT_IN_USE, false).delay());
  }

  @Test
  void classifiesRealLlamaServerFailures() {
    assertEquals(
        ReasonCode.LOAD_FAILED,
        FailureClassifier.classify(
            1,
            java.util.List.of(
                "0.00.006.163 E gguf_init_from_reader: invalid magic characters: 'GGUX', expected"
                    + " 'GGUF'",
                "0.00.006.246 I srv    operator(): operator(): cleaning up before exit...")));
    assertEquals(
        ReasonCode.PORT_IN_USE,
        FailureClassifier.classify(
            1,
            java.util.List.of(
                "0.00.020.000 E srv    start: couldn't bind HTTP server socket, hostname:"
                    + " 127.0.0.1, port: 18800")));
    assertEquals(ReasonCode.EXITED, FailureClassifier.classify(3, java.util.List.of("boom")));
    // memory that is busy now may be free later: retried, not failed for good
    assertEquals(
        ReasonCode.EXITED,
        FailureClassifier.classify(
            1,
            java.util.List.of(
                "E llama_model_load: error loading model: unable to allocate CUDA0 buffer",
                "E srv  llama_server: exiting due to model loading error")));
    assertEquals(ReasonCode.KILLED, FailureClassifier.classify(137, java.util.List.of()));
  }
}
