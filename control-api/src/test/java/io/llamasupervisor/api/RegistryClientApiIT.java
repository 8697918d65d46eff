package io.llamasupervisor.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.client.RegistryClient;
import io.llamasupervisor.registry.client.RegistryHttpException;
import io.llamasupervisor.registry.client.RegistryWatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The registry module's {@link RegistryClient} against the real API server: the long-poll contract
 * (ETag revalidation, blocking queries, API key, a restart with a new epoch) holds end to end.
 */
class RegistryClientApiIT {
  static final String KEY = "watcher-key-0123456789";
  static final Instant T = Instant.parse("2026-03-01T12:00:00Z");

  final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  <T extends AutoCloseable> T closeLater(T c) {
    cleanup.add(c);
    return c;
  }

  ApiServer server(RoutingRegistry registry, int port) {
    return closeLater(
        ApiServer.start(
            new FakeFleet(),
            registry,
            ApiSettings.defaults()
                .withPort(port)
                .withKeys(List.of(ApiKey.plain("watcher", ApiRole.READ, KEY))),
            Map.of()));
  }

  RoutingRegistry registry() {
    return closeLater(new RoutingRegistry(Clock.systemUTC()));
  }

  RegistryClient client(ApiServer server) {
    return closeLater(
        RegistryClient.builder(server.uri())
            .apiKey(KEY)
            .wait(Duration.ofSeconds(2))
            .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
            .build());
  }

  static RoutingTable publish(RoutingRegistry r, String id, int port) {
    return r.update(
        b ->
            b.put(
                ModelRoute.of(id, null, "ready")
                    .withBackend(
                        BackendRoute.of("127.0.0.1", port, 1, BackendState.READY, T, 4, 4))));
  }

  @Test
  void routesRevalidatesWithTheEtag() throws Exception {
    RoutingRegistry registry = registry();
    RegistryClient client = client(server(registry, 0));
    RoutingTable first = client.routes();
    assertSame(first, client.routes(), "a 304 returns the cached table");
    RoutingTable second = publish(registry, "qwen", 39001);
    assertEquals(second, client.routes());
  }

  @Test
  void wrongKeyIs401ForTheClient() {
    ApiServer server = server(registry(), 0);
    RegistryClient wrong =
        closeLater(RegistryClient.builder(server.uri()).apiKey("not-the-key-0123456").build());
    RegistryHttpException e = assertThrows(RegistryHttpException.class, wrong::routes);
    assertEquals(401, e.status());
  }

  @Test
  void watchFollowsEveryChangeThroughBlockingQueries() {
    RoutingRegistry registry = registry();
    RegistryClient client = client(server(registry, 0));
    List<RoutingTable> seen = new CopyOnWriteArrayList<>();
    RegistryWatch watch = closeLater(client.watch(seen::add));
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> registry.pendingWaiters() == 1);
    RoutingTable v2 = publish(registry, "a", 39001);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(v2));
    RoutingTable v3 = publish(registry, "b", 39002);
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(v3));
    assertEquals(v3, watch.last());
    assertEquals(List.of(1L, 2L, 3L), seen.stream().map(RoutingTable::version).toList());
  }

  /** A restarted supervisor starts a new epoch at version 1; the watcher must take its table. */
  @Test
  void watchTakesTheTableOfARestartedServer() {
    RoutingRegistry before = registry();
    publish(before, "old", 39001);
    publish(before, "old", 39002);
    ApiServer first = server(before, 0);
    int port = first.port();
    RegistryClient client = client(first);
    List<RoutingTable> seen = new CopyOnWriteArrayList<>();
    closeLater(client.watch(seen::add));
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
    first.close();

    RoutingRegistry after = registry();
    RoutingTable fresh = publish(after, "new", 39003);
    // the old listener may take a moment to release the port
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreException(IllegalStateException.class)
        .until(() -> server(after, port) != null);
    await().atMost(Duration.ofSeconds(15)).until(() -> seen.contains(fresh));
    assertTrue(fresh.version() < seen.get(0).version(), "the new epoch's version is lower");
  }
}
