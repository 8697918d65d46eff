package io.llamasupervisor.bench;

import io.llamasupervisor.registry.BackendRoute;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Measures a backend's generation pace: the time of a {@value #LONG}-token completion minus that of
 * a 1-token one (which removes connection and prompt costs), per extra token; the faster of two
 * rounds, floored at {@value #FLOOR_MS} ms.
 */
final class TokenPace {
  static final int LONG = 33;
  static final double FLOOR_MS = 0.05;

  private TokenPace() {}

  /**
   * @throws BenchException when a probe request fails
   */
  static double measureMs(
      BackendTransport transport, BackendRoute backend, String model, Clock clock) {
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 2; round++) {
      Duration one = time(transport, backend, BenchRequest.chat(model, false, 1), clock);
      Duration many = time(transport, backend, BenchRequest.chat(model, false, LONG), clock);
      double perToken = (many.toNanos() - one.toNanos()) / 1e6 / (LONG - 1);
      best = Math.min(best, perToken);
    }
    return Math.max(FLOOR_MS, best);
  }

  private static Duration time(
      BackendTransport transport, BackendRoute backend, BenchRequest request, Clock clock) {
    Instant start = clock.instant();
    Outcome o = transport.send(backend, request);
    if (!o.succeeded()) {
      throw new BenchException(
          "measuring the token pace: "
              + backend.url()
              + request.path()
              + " failed: "
              + o.label()
              + " "
              + o.detail());
    }
    return Duration.between(start, clock.instant());
  }
}
