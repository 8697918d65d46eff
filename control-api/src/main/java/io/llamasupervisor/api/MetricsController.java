package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * {@code GET /metrics}: Prometheus text. The supervisor's own series (models and instances by
 * state, restarts, time to ready, verifications, routing-table version and watchers) followed by
 * every READY instance's {@code llamacpp:*} series labeled with {@code model} and {@code
 * generation}. The fleet snapshot is taken on the blocking executor and the instances are fetched
 * asynchronously, so no event-loop thread waits.
 */
@Controller
final class MetricsController {
  static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(1);

  private final Fleet fleet;
  private final RoutingRegistry registry;
  private final FleetMeters meters;
  private final ExecutorService blocking;
  private final BackendMetrics backends;

  MetricsController(
      Fleet fleet,
      RoutingRegistry registry,
      FleetMeters meters,
      @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
    this.fleet = fleet;
    this.registry = registry;
    this.meters = meters;
    this.blocking = blocking;
    this.backends =
        new BackendMetrics(
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(SCRAPE_TIMEOUT)
                .build(),
            SCRAPE_TIMEOUT);
  }

  @Get(uri = "/metrics", produces = PrometheusText.CONTENT_TYPE)
  CompletableFuture<MutableHttpResponse<String>> metrics() {
    return CompletableFuture.supplyAsync(fleet::models, blocking)
        .thenCompose(
            models ->
                backends
                    .scrape(readyInstances(models))
                    .thenApply(scrapes -> render(models, scrapes)))
        .thenApply(text -> HttpResponse.ok(text).contentType(PrometheusText.CONTENT_TYPE));
  }

  private String render(List<ModelStatus> models, List<BackendMetrics.Scrape> scrapes) {
    PrometheusText out = new PrometheusText();
    Map<String, Integer> byState = new TreeMap<>();
    models.forEach(m -> byState.merge(m.state(), 1, Integer::sum));
    out.family("llama_supervisor_models", "gauge", "Known models by state");
    byState.forEach((state, n) -> out.sample("llama_supervisor_models", n, "state", state));

    out.family("llama_supervisor_instances", "gauge", "llama-server instances by model and state");
    for (ModelStatus m : models) {
      Map<String, Integer> states = new TreeMap<>();
      m.instances().forEach(i -> states.merge(i.state(), 1, Integer::sum));
      states.forEach(
          (state, n) ->
              out.sample("llama_supervisor_instances", n, "model", m.id(), "state", state));
    }

    out.family(
        "llama_supervisor_model_restarts_total",
        "counter",
        "Automatic restarts after failures since the model appeared");
    models.forEach(
        m -> out.sample("llama_supervisor_model_restarts_total", m.restarts(), "model", m.id()));

    meters.writeTo(out);

    out.family(
        "llama_supervisor_routing_table_version",
        "gauge",
        "Version of the current routing table (restarts from 1 with each epoch)");
    out.sample(
        "llama_supervisor_routing_table_version",
        registry.current().version(),
        "epoch",
        registry.epoch());
    out.family(
        "llama_supervisor_routing_watchers",
        "gauge",
        "Clients watching the routing table: pending blocking queries and open streams");
    out.sample("llama_supervisor_routing_watchers", registry.pendingWaiters(), "kind", "long_poll");
    out.sample("llama_supervisor_routing_watchers", registry.subscriberCount(), "kind", "stream");

    BackendMetrics.writeTo(out, scrapes);
    return out.toString();
  }

  static List<BackendMetrics.Target> readyInstances(List<ModelStatus> models) {
    List<BackendMetrics.Target> targets = new ArrayList<>();
    for (ModelStatus m : models) {
      for (ModelStatus.InstanceStatus i : m.instances()) {
        if (i.state().equals("ready") && i.url() != null) {
          targets.add(new BackendMetrics.Target(m.id(), i.generation(), i.url()));
        }
      }
    }
    return targets;
  }
}
