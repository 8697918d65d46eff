package io.llamasupervisor.api;

import io.micronaut.http.sse.Event;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Adds {@code event: ping} events to a Server-Sent-Events stream: one at once, so the response
 * headers go out even before the first real event (Micronaut sends them with the first item), then
 * one every period, so idle connections stay open through proxies and a vanished client is noticed
 * by a failed write. Clients listening for plain messages ignore named events.
 */
final class Heartbeat {
  static final String PING = "ping";

  private Heartbeat() {}

  /** {@code events} with pings merged in; ends when {@code events} ends. */
  static Flux<Event<String>> around(Flux<Event<String>> events, Duration period) {
    Sinks.Empty<Void> done = Sinks.empty();
    Flux<Event<String>> pings =
        Flux.interval(Duration.ZERO, period)
            .onBackpressureDrop()
            .map(i -> Event.of("{}").name(PING))
            .takeUntilOther(done.asMono());
    return Flux.merge(events.doFinally(s -> done.tryEmitEmpty()), pings);
  }
}
