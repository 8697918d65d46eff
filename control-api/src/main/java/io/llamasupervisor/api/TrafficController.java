package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingJson;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.sse.Event;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * {@code GET /api/v1/traffic/stream}: the gateway's per-model traffic for the dashboard's
 * sparklines, as Server-Sent Events. Every {@code supervisor.api.traffic-interval} (2 s) while a
 * client listens, {@code /metrics} is read once for all listeners and one {@code event: traffic}
 * sent: {@code {"at", "gateway": bool, "models": {"<id>": {"requestsPerSecond", "ttftSeconds",
 * "tokensPerSecond", "inFlight", "queued"}}}} ({@link GatewayTraffic}); {@code gateway: false} when
 * no {@code llama_gateway_*} series exist. A new listener first gets the last {@link #HISTORY}
 * points.
 */
@Controller
final class TrafficController {
  private static final Logger LOG = LoggerFactory.getLogger(TrafficController.class);
  static final int HISTORY = 60;

  private final MetricsController metrics;
  private final Duration heartbeat;
  private final ArrayDeque<String> history = new ArrayDeque<>();
  private final Flux<Event<String>> live;
  private GatewayTraffic.Scrape previous;

  TrafficController(
      MetricsController metrics,
      @Value("${supervisor.api.traffic-interval:2s}") Duration interval,
      @Value("${supervisor.api.sse-heartbeat:15s}") Duration heartbeat) {
    this.metrics = metrics;
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
  Publisher<Event<String>> stream() {
    List<String> past;
    synchronized (history) {
      past = List.copyOf(history);
    }
    Flux<Event<String>> replay = Flux.fromIterable(past).map(s -> Event.of(s).name("traffic"));
    return Heartbeat.around(Flux.concat(replay, live), heartbeat);
  }

  /** One point for every listener; empty when the metrics could not be read. */
  private String sample() {
    String text;
    try {
      // the same text GET /metrics serves, where the gateway's meters are rendered
      text = metrics.metrics().get(5, TimeUnit.SECONDS).body();
    } catch (Exception e) {
      LOG.warn("traffic sample failed: {}", e.toString());
      return "";
    }
    GatewayTraffic.Scrape now =
        GatewayTraffic.parse(text == null ? "" : text, Clock.systemUTC().instant());
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
