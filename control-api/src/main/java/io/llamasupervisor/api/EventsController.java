package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.FleetEvent;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.sse.Event;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Schedulers;

/**
 * {@code GET /api/v1/events}: the fleet's events as Server-Sent Events.
 *
 * <ol>
 *   <li>first {@code event: hello} with {@code {"epoch", "resumed", "replayed"}}: {@code resumed}
 *       is true when the {@code Last-Event-ID} sent was this run's and no event after it was lost
 *       (the missed ones follow); otherwise the client should reload what it shows;
 *   <li>then one event per {@link FleetEvent}, named by its kind ({@code state}, {@code decision},
 *       {@code rollout}), {@code id: <epoch>.<seq>}, data the event as JSON;
 *   <li>{@code event: progress} (no id) every {@link #PROGRESS_PERIOD} while instances load: a JSON
 *       array of {@link LoadProgress}, {@code []} once when the last load ended;
 *   <li>{@code event: ping} keep-alives ({@link Heartbeat}).
 * </ol>
 */
@Controller
final class EventsController {
  private static final Logger LOG = LoggerFactory.getLogger(EventsController.class);
  static final Duration PROGRESS_PERIOD = Duration.ofSeconds(1);

  private final EventJournal journal;
  private final Fleet fleet;
  private final Duration heartbeat;
  private final Flux<Event<String>> progress;

  EventsController(
      EventJournal journal,
      Fleet fleet,
      @Value("${supervisor.api.sse-heartbeat:15s}") Duration heartbeat) {
    this.journal = journal;
    this.fleet = fleet;
    this.heartbeat = heartbeat;
    // one sampler for every open stream, running only while one is open
    this.progress =
        Flux.interval(PROGRESS_PERIOD, PROGRESS_PERIOD, Schedulers.boundedElastic())
            .onBackpressureDrop()
            .map(tick -> sampleProgress())
            .scan(
                new Sample(List.of(), false),
                (previous, now) -> new Sample(now.loads(), !previous.loads().isEmpty()))
            .filter(s -> !s.loads().isEmpty() || s.hadLoads())
            .map(s -> Event.of(RoutingJson.toJson(s.loads())).name("progress"))
            .share();
  }

  private record Sample(List<LoadProgress> loads, boolean hadLoads) {}

  private Sample sampleProgress() {
    try {
      return new Sample(
          LoadProgress.all(fleet, fleet.models(), Clock.systemUTC().instant()), false);
    } catch (RuntimeException e) {
      LOG.warn("load progress sample failed: {}", e.toString());
      return new Sample(List.of(), false);
    }
  }

  @Get(uri = "/api/v1/events", produces = MediaType.TEXT_EVENT_STREAM)
  Publisher<Event<String>> events(@Nullable @Header("Last-Event-ID") String lastEventId) {
    Flux<Event<String>> events =
        Flux.create(
            (FluxSink<Event<String>> sink) -> {
              Runnable close =
                  journal.open(
                      lastEventId,
                      opened -> {
                        Map<String, Object> hello = new LinkedHashMap<>();
                        hello.put("epoch", journal.epoch());
                        hello.put("resumed", opened.resumed());
                        hello.put("replayed", opened.replay().size());
                        sink.next(Event.of(RoutingJson.toJson(hello)).name("hello"));
                        opened.replay().forEach(e -> sink.next(toEvent(e)));
                      },
                      e -> sink.next(toEvent(e)));
              sink.onDispose(close::run);
            },
            FluxSink.OverflowStrategy.BUFFER);
    return Heartbeat.around(Flux.merge(events, progress), heartbeat);
  }

  private Event<String> toEvent(FleetEvent e) {
    return Event.of(RoutingJson.toJson(e)).name(e.kind().label()).id(journal.idOf(e));
  }
}
