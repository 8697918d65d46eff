package io.llamasupervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code ?scope=cluster}: the cluster table through the same contract as the local one. */
class ClusterScopeRoutesTest {
  static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  final RoutingRegistry clusterTable = new RoutingRegistry(Clock.systemUTC());
  final AtomicBoolean stale = new AtomicBoolean();
  final ApiTestServer api = new ApiTestServer(new ClusterScope(clusterTable, stale::get));

  @AfterEach
  void stop() {
    api.close();
    clusterTable.close();
  }

  RoutingTable publishOnCluster(String id, String host) {
    return clusterTable.update(
        b ->
            b.put(
                new ModelRoute(
                    id,
                    null,
                    "ready",
                    List.of(BackendRoute.of(host, 39000, 1, BackendState.READY, T, 4, 4)))));
  }

  @Test
  void clusterScopeServesTheClusterTableWithItsOwnEtagAndStaleMark() {
    api.registry.update(b -> b.put(ModelRoute.of("local-only", null, "ready")));
    RoutingTable t = publishOnCluster("m", "10.0.0.2");
    HttpResponse<String> r = api.get("/api/v1/routes?scope=cluster");
    assertEquals(200, r.statusCode());
    assertTrue(r.body().contains("10.0.0.2"), r.body());
    assertTrue(!r.body().contains("local-only"), r.body());
    assertEquals("\"" + t.version() + "\"", r.headers().firstValue("ETag").orElseThrow());
    assertEquals("false", r.headers().firstValue("X-Registry-Stale").orElseThrow());
    assertEquals(
        304,
        api.get("/api/v1/routes?scope=cluster", "If-None-Match", "\"" + t.version() + "\"")
            .statusCode());

    stale.set(true);
    assertEquals(
        "true",
        api.get("/api/v1/routes?scope=cluster").headers().firstValue("X-Registry-Stale").get());
    assertTrue(api.get("/api/v1/routes").headers().firstValue("X-Registry-Stale").isEmpty());
    assertTrue(api.get("/api/v1/routes?scope=local").body().contains("local-only"));
  }

  @Test
  void aBlockingQueryOnTheClusterScopeAnswersOnTheClusterTablesNextVersion() throws Exception {
    RoutingTable t = publishOnCluster("m", "10.0.0.2");
    CompletableFuture<HttpResponse<String>> pending =
        CompletableFuture.supplyAsync(
            () -> api.get("/api/v1/routes?scope=cluster&index=" + t.version() + "&wait=20s"));
    org.awaitility.Awaitility.await().until(() -> clusterTable.pendingWaiters() == 1);
    api.registry.update(b -> b.put(ModelRoute.of("local-change", null, "ready")));
    RoutingTable next = publishOnCluster("n", "10.0.0.3");
    HttpResponse<String> r = pending.get();
    assertEquals("\"" + next.version() + "\"", r.headers().firstValue("ETag").orElseThrow());
    assertTrue(r.body().contains("10.0.0.3"));
  }

  @Test
  void anUnknownScopeIs400AndClusterWithoutAClusterIs404() {
    HttpResponse<String> bad = api.get("/api/v1/routes?scope=planet");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("invalid scope 'planet'"), bad.body());
    try (ApiTestServer alone = new ApiTestServer(List.of(), Map.of())) {
      HttpResponse<String> r = alone.get("/api/v1/routes?scope=cluster");
      assertEquals(404, r.statusCode());
      assertTrue(r.body().contains("cluster_not_configured"), r.body());
    }
  }
}
