package io.llamasupervisor.api;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The API over a routing table of ten models (two backends each) for load benchmarks, e.g.
 *
 * <pre>
 * java -cp ... io.llamasupervisor.api.RoutesBenchServer 8099 [API_KEY]
 * wrk -t2 -c32 -d20s --latency http://127.0.0.1:8099/api/v1/routes
 * </pre>
 *
 * With an API key argument, requests need it ({@code -H "Authorization: Bearer KEY"}). Not a test:
 * it runs until killed.
 */
public final class RoutesBenchServer {
  private RoutesBenchServer() {}

  public static void main(String[] args) throws InterruptedException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
    FakeFleet fleet = new FakeFleet();
    RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
    Instant since = Instant.parse("2026-03-01T12:00:00Z");
    registry.update(
        b -> {
          for (int i = 0; i < 10; i++) {
            String id = "publisher-" + i + "/Model-" + i + "-GGUF/model-" + i + "-q4_k_m";
            b.put(
                new ModelRoute(
                    id,
                    "model-" + i + "-q4_k_m",
                    "ready",
                    List.of(
                        BackendRoute.of(
                            "127.0.0.1", 39000 + 2 * i, 1, BackendState.READY, since, 4, 3),
                        BackendRoute.of(
                            "127.0.0.1", 39001 + 2 * i, 2, BackendState.STARTING, since, 4, 4))));
            fleet.put(
                FakeFleet.accepted(id, "model-" + i + "-q4_k_m", "ready", "ready", 39000 + 2 * i));
          }
          return b;
        });
    List<ApiKey> keys =
        args.length > 1 ? List.of(ApiKey.plain("bench", ApiRole.READ, args[1])) : List.of();
    ApiServer api =
        ApiServer.start(
            fleet, registry, ApiSettings.defaults().withPort(port).withKeys(keys), Map.of());
    System.out.println("listening on " + api.uri());
    Thread.currentThread().join();
  }
}
