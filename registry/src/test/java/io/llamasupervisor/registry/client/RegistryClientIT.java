package io.llamasupervisor.registry.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.testing.RegistryTestServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RegistryClient} against the HTTP contract served on loopback. */
class RegistryClientIT {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @Test
  void routesRevalidatesWithTheEtag() throws Exception {
    RoutingRegistry registry = registry();
    RegistryTestServer server = server(registry, 0, null);
    RegistryClient client = client(RegistryClient.builder(server.uri()));

    RoutingTable first = client.routes();
    assertEquals(1, first.version());
    assertSame(first, client.routes(), "304 returns the cached table");
    assertEquals(1, server.notModified.get());

    registry.update(b -> b.put(model("qwen", 8081, 1)));
    RoutingTable second = client.routes();
    assertEquals(2, second.version());
    assertEquals(
        "http://127.0.0.1:8081", second.model("qwen").orElseThrow().backends().get(0).url());
  }

  /** A restarted registry may reach the cached version again; its 304 must not be trusted. */
  @Test
  void routesRefetchesWhenA304ComesFromAnotherEpoch() throws Exception {
    RoutingRegistry before = registry();
    before.update(b -> b.put(model("qwen", 8081, 1)));
    RegistryTestServer first = server(before, 0, null);
    RegistryClient client = client(RegistryClient.builder(first.uri()));
    assertEquals(before.epoch(), client.routes().epoch());
    first.close();

    RoutingRegistry after = registry();
    after.update(b -> b.put(model("llama", 8090, 1)));
    RegistryTestServer second = server(after, first.port(), null);

    RoutingTable t = client.routes();
    assertEquals(after.epoch(), t.epoch());
    assertTrue(t.model("llama").isPresent());
    assertEquals(1, second.notModified.get(), "the conditional request was answered 304 first");
  }

  @Test
  void sendsTheApiKeyAsBearerToken() throws Exception {
    RegistryTestServer server = server(registry(), 0, "s3cret");

    RegistryClient anonymous = client(RegistryClient.builder(server.uri()));
    RegistryHttpException e = assertThrows(RegistryHttpException.class, anonymous::routes);
    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("missing or wrong API key"), e.getMessage());

    RegistryClient keyed = client(RegistryClient.builder(server.uri()).apiKey("s3cret"));
    assertEquals(1, keyed.routes().version());
  }

  @Test
  void watchDeliversTheCurrentTableThenEachChangeInOrder() {
    RoutingRegistry registry = registry();
    RegistryTestServer server = server(registry, 0, null);
    RegistryClient client =
        client(RegistryClient.builder(server.uri()).wait(Duration.ofSeconds(2)));
    List<Long> seen = new CopyOnWriteArrayList<>();

    RegistryWatch watch = client.watch(t -> seen.add(t.version()));
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(1L));
    for (int i = 1; i <= 5; i++) {
      int port = 8080 + i;
      registry.update(b -> b.put(model("qwen", port, port)));
    }

    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(6L));
    assertStrictlyIncreasing(seen);
    assertEquals(6, watch.last().version());
    assertEquals(0, watch.consecutiveFailures());
  }

  @Test
  void watchFollowsARestartedRegistryIntoItsNewEpoch() {
    RoutingRegistry before = registry();
    for (int i = 1; i <= 4; i++) {
      int port = 8080 + i;
      before.update(b -> b.put(model("qwen", port, port)));
    }
    RegistryTestServer first = server(before, 0, null);
    RegistryClient client =
        client(
            RegistryClient.builder(first.uri())
                .wait(Duration.ofSeconds(10))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400)));
    List<RoutingTable> seen = new CopyOnWriteArrayList<>();
    client.watch(seen::add);
    await().atMost(Duration.ofSeconds(5)).until(() -> !seen.isEmpty());
    assertEquals(5, seen.get(0).version());

    first.close(); // drops the pending blocking query
    RoutingRegistry after = registry();
    after.update(b -> b.put(model("llama", 8090, 1)));
    server(after, first.port(), null);

    await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 2);
    RoutingTable restarted = seen.get(1);
    assertEquals(after.epoch(), restarted.epoch());
    assertNotEquals(before.epoch(), after.epoch());
    assertEquals(2, restarted.version(), "delivered although its version is lower than 5");

    after.update(b -> b.put(model("llama", 8091, 2)));
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 3);
    assertEquals(3, seen.get(2).version());
  }

  @Test
  void watchKeepsRetryingWithBackoffWhileRejected() {
    RegistryTestServer server = server(registry(), 0, "s3cret");
    RegistryClient client =
        client(
            RegistryClient.builder(server.uri())
                .apiKey("wrong")
                .backoff(Duration.ofMillis(20), Duration.ofMillis(80)));
    List<RoutingTable> seen = new CopyOnWriteArrayList<>();

    RegistryWatch watch = client.watch(seen::add);

    await().atMost(Duration.ofSeconds(5)).until(() -> watch.consecutiveFailures() >= 3);
    assertTrue(seen.isEmpty());
    assertTrue(server.unauthorized.get() >= 3);
  }

  /** A server that ignores the index must not make the watch spin. */
  @Test
  void watchBacksOffFromAServerThatAnswersAtOnce() {
    RegistryTestServer server = server(registry(), 0, null);
    server.ignoreIndex = true;
    RegistryClient client =
        client(
            RegistryClient.builder(server.uri())
                .wait(Duration.ofSeconds(10))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(100)));
    List<RoutingTable> seen = new CopyOnWriteArrayList<>();

    client.watch(seen::add);

    await().atMost(Duration.ofSeconds(5)).until(() -> server.blockingQueries.size() >= 5);
    List<Long> arrivals = List.copyOf(server.blockingQueries);
    for (int i = 2; i < arrivals.size(); i++) {
      long gapMillis = (arrivals.get(i) - arrivals.get(i - 1)) / 1_000_000;
      assertTrue(gapMillis >= 45, "query " + i + " came " + gapMillis + " ms after the previous");
    }
    assertEquals(1, seen.size(), "the unchanged table is delivered once");
  }

  @Test
  void closedClientDeliversNothingMore() {
    RoutingRegistry registry = registry();
    RegistryTestServer server = server(registry, 0, null);
    RegistryClient client =
        client(RegistryClient.builder(server.uri()).wait(Duration.ofSeconds(1)));
    List<Long> seen = new CopyOnWriteArrayList<>();
    RegistryWatch watch = client.watch(t -> seen.add(t.version()));
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.contains(1L));

    client.close();
    registry.update(b -> b.put(model("qwen", 8081, 1)));

    assertTrue(watch.isClosed());
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> seen.size() == 1);
    assertThrows(IllegalStateException.class, client::routes);
  }

  private RoutingRegistry registry() {
    RoutingRegistry r = new RoutingRegistry(Clock.systemUTC());
    cleanup.add(r);
    return r;
  }

  private RegistryTestServer server(RoutingRegistry registry, int port, String apiKey) {
    try {
      RegistryTestServer s = RegistryTestServer.start(registry, port, apiKey);
      cleanup.add(s);
      return s;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private RegistryClient client(RegistryClient.Builder builder) {
    RegistryClient c = builder.build();
    cleanup.add(c);
    return c;
  }

  /** Watches of one process that receive the same change get one parsed table between them. */
  @Test
  void watchesOfSeveralClientsShareTheDecodedTable() throws Exception {
    RoutingRegistry registry = registry();
    RegistryTestServer server = server(registry, 0, null);
    List<List<RoutingTable>> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      List<RoutingTable> mine = new CopyOnWriteArrayList<>();
      seen.add(mine);
      client(RegistryClient.builder(server.uri())).watch(mine::add);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().allMatch(s -> !s.isEmpty()));

    long version = registry.update(b -> b.put(model("qwen", 8081, 1))).version();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> seen.stream().allMatch(s -> s.get(s.size() - 1).version() == version));
    RoutingTable first = seen.get(0).get(seen.get(0).size() - 1);
    for (List<RoutingTable> s : seen) {
      assertSame(first, s.get(s.size() - 1));
    }
  }

  static ModelRoute model(String id, int port, long generation) {
    return new ModelRoute(
        id,
        null,
        "ready",
        List.of(BackendRoute.of("127.0.0.1", port, generation, BackendState.READY, T0, 1, 1)));
  }

  private static void assertStrictlyIncreasing(List<Long> versions) {
    for (int i = 1; i < versions.size(); i++) {
      assertTrue(versions.get(i) > versions.get(i - 1), "out of order: " + versions);
    }
  }
}
