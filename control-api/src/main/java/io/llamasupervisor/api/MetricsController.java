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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * {@code GET /metrics}: Prometheus text. The registry of {@link FleetMeters} (the supervisor's own
 * series: models and instances by state, restarts, time to ready, verifications, routing-table
 * version and watchers; JVM and process series; any other meters on it, e.g. the gateway's)
 * followed by every READY instance's {@code llamacpp:*} series labeled with {@code model} and
 * {@code generation}. The fleet snapshot is taken on the blocking executor and the instances are
 * fetched asynchronously, so no event-loop thread waits.
 */
@Controller
final class MetricsController {
  static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(1);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

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

  @Get(uri = "/metrics", produces = CONTENT_TYPE)
  CompletableFuture<MutableHttpResponse<String>> metrics() {
    return CompletableFuture.supplyAsync(
            () -> new Snapshot(fleet.models(), fleet.memory()), blocking)
        .thenCompose(
            s ->
                backends
                    .scrape(readyInstances(s.models()))
                    .thenApply(
                        scrapes ->
                            meters.render(s.models(), s.memory(), registry, scrapes)
                                + BackendMetrics.text(scrapes)))
        .thenApply(text -> HttpResponse.ok(text).contentType(CONTENT_TYPE));
  }

  private record Snapshot(
      List<ModelStatus> models, io.llamasupervisor.supervisor.memory.MemoryReport memory) {}

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
