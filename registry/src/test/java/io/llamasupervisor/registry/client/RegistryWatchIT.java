package io.llamasupervisor.registry.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.testing.RegistryTestServer;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Fan-out under load: 100 watchers on loopback follow 10 changes per second for 10 seconds. Every
 * watcher must see increasing versions and end at the final one; prints the change-to-notify
 * latency (from the publish call to the listener, for every version, including versions a watcher
 * received folded into a later one).
 */
class RegistryWatchIT {
  private static final int WATCHERS = 100;
  private static final int CHANGES = 100;
  private static final Duration PERIOD = Duration.ofMillis(100);

  @Test
  void hundredWatchersFollowTenChangesPerSecond() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
    List<RegistryClient> clients = new ArrayList<>();
    try (RoutingRegistry registry = new RoutingRegistry(Clock.systemUTC());
        RegistryTestServer server = RegistryTestServer.start(registry, 0, null)) {
      List<List<long[]>> deliveries = new ArrayList<>(); // per watcher: {version, nanoTime}
      List<RegistryWatch> watches = new ArrayList<>();
      for (int i = 0; i < WATCHERS; i++) {
        List<long[]> mine = new CopyOnWriteArrayList<>();
        deliveries.add(mine);
        RegistryClient c = RegistryClient.builder(server.uri()).httpClient(http).build();
        clients.add(c);
        watches.add(c.watch(t -> mine.add(new long[] {t.version(), System.nanoTime()})));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> deliveries.stream().allMatch(d -> !d.isEmpty()));

      Map<Long, Long> publishedAt = new ConcurrentHashMap<>();
      AtomicInteger made = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(1);
      publisher.scheduleAtFixedRate(
          () -> {
            int n = made.incrementAndGet();
            if (n > CHANGES) {
              done.countDown();
              return;
            }
            long at = System.nanoTime();
            long version =
                registry.update(b -> b.put(RegistryClientIT.model("qwen", 8000 + n, n))).version();
            publishedAt.put(version, at);
          },
          0,
          PERIOD.toMillis(),
          TimeUnit.MILLISECONDS);
      assertTrue(done.await(20, TimeUnit.SECONDS), "publisher finished");
      long last = registry.current().version();
      assertEquals(1 + CHANGES, last);

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> deliveries.stream().allMatch(d -> d.get(d.size() - 1)[0] == last));

      List<Long> latencies = new ArrayList<>();
      int folded = 0;
      for (int w = 0; w < WATCHERS; w++) {
        List<long[]> d = deliveries.get(w);
        long previous = 0;
        for (long[] delivery : d) {
          long version = delivery[0];
          assertTrue(
              version > previous, "watcher " + w + " went from " + previous + " to " + version);
          for (long v = Math.max(previous + 1, 2); v <= version; v++) {
            latencies.add(delivery[1] - publishedAt.get(v));
          }
          folded += previous == 0 ? 0 : (int) (version - previous - 1);
          previous = version;
        }
        assertEquals(last, previous, "watcher " + w + " ends at the final version");
        assertEquals(0, watches.get(w).consecutiveFailures(), "watcher " + w + " had no errors");
      }
      latencies.sort(null);
      assertEquals(WATCHERS * CHANGES, latencies.size(), "every change reached every watcher");
      double p50 = millis(latencies, 0.50);
      double p99 = millis(latencies, 0.99);
      double max = latencies.get(latencies.size() - 1) / 1e6;
      System.out.printf(
          "registry watch: %d watchers, %d changes at %d/s, change-to-notify latency p50 %.1f ms,"
              + " p99 %.1f ms, max %.1f ms; %d versions folded into later deliveries%n",
          WATCHERS, CHANGES, 1000 / PERIOD.toMillis(), p50, p99, max, folded);
      assertTrue(p99 < 2000, "p99 change-to-notify latency " + p99 + " ms");
      clients.forEach(RegistryClient::close); // before the server goes away
    } finally {
      publisher.shutdownNow();
      clients.forEach(RegistryClient::close);
    }
  }

  private static double millis(List<Long> sorted, double quantile) {
    int i = (int) Math.ceil(quantile * sorted.size()) - 1;
    return sorted.get(Math.max(0, i)) / 1e6;
  }
}
