package io.llamasupervisor.api;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.supervisor.supervise.Fleet;
import io.llamasupervisor.supervisor.supervise.ModelStatus;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /health}: the supervisor's own liveness and readiness, open without a key. 200 {@code
 * {"status":"UP", ...}} when the supervisor answers a fleet snapshot within {@link #TIMEOUT}; 503
 * {@code {"status":"DOWN", ...}} when it does not (a stuck state thread). Model health is not part
 * of it: a supervisor whose models all fail is still up and says so in the counts.
 */
@Controller
final class HealthController {
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final Fleet fleet;
  private final RoutingRegistry registry;
  private final ExecutorService blocking;

  HealthController(
      Fleet fleet,
      RoutingRegistry registry,
      @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
    this.fleet = fleet;
    this.registry = registry;
    this.blocking = blocking;
  }

  @Get(uri = "/health", produces = MediaType.APPLICATION_JSON)
  CompletableFuture<MutableHttpResponse<byte[]>> health() {
    return CompletableFuture.supplyAsync(fleet::models, blocking)
        .orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (models, error) -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("status", error == null ? "UP" : "DOWN");
              if (error == null) {
                body.put("models", models.size());
                body.put("readyModels", count(models, "ready"));
                body.put("failedModels", count(models, "failed"));
              } else {
                body.put(
                    "reason", "the supervisor did not answer within " + TIMEOUT.toMillis() + " ms");
              }
              body.put("routingEpoch", registry.epoch());
              body.put("routingVersion", registry.current().version());
              body.put("watchers", registry.watcherCount());
              return ModelsController.json(
                  error == null ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE, body);
            });
  }

  private static long count(List<ModelStatus> models, String state) {
    return models.stream().filter(m -> m.state().equals(state)).count();
  }
}
