package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingJson;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.sse.Event;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * {@code GET /api/v1/traffic/stream}: the gateway's per-model traffic for the dashboard's
 * sparklines and {@code llama-supervisor top}, as Server-Sent Events. Every {@code
 * supervisor.api.traffic-interval} (2 s) while a client listens, the gateway's meters on the shared
 * registry are read once for all listeners and one {@code event: traffic} sent: {@code {"at",
 * "gateway": bool, "models": {"<id>": {"requestsPerSecond", "ttftSeconds", "tokensPerSecond",
 * "inFlight", "queued"}}}} ({@link GatewayTraffic}); {@code gateway: false} when the registry has
 * no gateway meter (no gateway in this process). A new listener first gets the last {@link
 * #HISTORY} points, unless it asks {@code ?history=false}.
 */
@Controller
final class TrafficController {
  private static final Logger LOG = LoggerFactory.getLogger(TrafficController.class);
  static final int HISTORY = 60;

  private final FleetMeters meters;
  private final Duration heartbeat;
  private final ArrayDeque<String> history = new ArrayDeque<>();
  private final Flux<Event<String>> live;
  private GatewayTraffic.Scrape previous;

  TrafficController(
      FleetMeters meters,
      @Value("${supervisor.api.traffic-interval:2s}") Duration interval,
      @Value("${supervisor.api.sse-heartbeat:15s}") Duration heartbeat) {
    this.meters = meters;
    this.heartbeat = heartbeat;
    this.live =
        Flux.interval(Duration.ZERO, interval, Schedulers.boundedElastic())
            .onBackpressureDrop()
            .map(tick -> sample())
            .filter(s -> !s.isEmpty())
            .map(s -> Event.of(s).name("traffic"))
            .share();
  }

  @Get(uri = "/api/v1/traffic/stream", produces = MediaType.TEXT_EVENT_STREAM)
  Publisher<Event<String>> stream(@QueryValue(defaultValue = "true") boolean history) {
    List<String> past;
    synchronized (this.history) {
      past = history ? List.copyOf(this.history) : List.of();
    }
    Flux<Event<String>> replay = Flux.fromIterable(past).map(s -> Event.of(s).name("traffic"));
    return Heartbeat.around(Flux.concat(replay, live), heartbeat);
  }

  /** One point for every listener; empty when the meters could not be read (logged). */
  private String sample() {
    GatewayTraffic.Scrape now;
    try {
      now = GatewayTraffic.read(meters.registry(), Clock.systemUTC().instant());
    } catch (RuntimeException e) {
      LOG.warn("traffic sample failed: {}", e.toString());
      return "";
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("at", now.at());
    body.put("gateway", now.gateway());
    synchronized (history) {
      body.put("models", GatewayTraffic.points(previous, now));
      previous = now;
      String json = RoutingJson.toJson(body);
      history.addLast(json);
      if (history.size() > HISTORY) {
        history.removeFirst();
      }
      return json;
    }
  }
}
