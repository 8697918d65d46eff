package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.Nodes.backend;
import static io.llamasupervisor.cluster.Nodes.model;
import static io.llamasupervisor.cluster.Nodes.table;
import static org.awaitility.Awaitility.await;

import io.llamasupervisor.registry.BackendState;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Cluster latencies on a 3-member loopback etcd: (1) a route change committed by one node's
 * publisher until another node's follower serves it; (2) a SIGKILLed node until its route has left
 * the follower's table. Arguments: changes (200), deaths (3), lease TTL seconds (10).
 */
public final class ClusterLatencyBench {
  private ClusterLatencyBench() {}

  public static void main(String[] args) throws Exception {
    int changes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int deaths = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Duration ttl = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 10);
    try (EtcdCluster etcd = EtcdCluster.start(3);
        Nodes n = new Nodes(etcd.endpoints(), "bench", ttl)) {
      ClusterPublisher a = n.publisher("a");
      ClusterFollower f = n.follower();
      Map<Long, Long> committed = new ConcurrentHashMap<>();
      Map<Long, Long> seen = new ConcurrentHashMap<>();
      a.onCommit(rev -> committed.put(rev, System.nanoTime()));
      f.routes().subscribe(t -> seen.put(t.version(), System.nanoTime()));
      List<Double> visible = new ArrayList<>();
      for (int i = 0; i < changes + 10; i++) {
        long version = i + 2;
        a.offer(table(version, model("m", backend(20000 + i, i + 1, BackendState.READY))));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.publishedVersion() == version);
        long rev = a.publishedRevision();
        await().atMost(Duration.ofSeconds(10)).until(() -> f.routes().current().version() >= rev);
        if (i >= 10) { // the first ten warm up
          visible.add((seen.get(rev) - committed.get(rev)) / 1e6);
        }
        TimeUnit.MILLISECONDS.sleep(20); // pacing between changes
      }
      report("route change: transaction committed -> visible in the other node's table", visible);

      List<Double> gone = new ArrayList<>();
      for (int d = 0; d < deaths; d++) {
        String node = "victim" + d;
        Process victim =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    PublisherMain.class.getName(),
                    etcd.etcdUrl(),
                    n.cluster(),
                    node,
                    Long.toString(ttl.toSeconds()),
                    "v",
                    Integer.toString(30000 + d))
                .redirectErrorStream(true)
                .start();
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("PUBLISHED")) {
          // child log
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> f.routes().current().model("v").isPresent());
        TimeUnit.SECONDS.sleep(1);
        long t0 = System.nanoTime();
        victim.destroyForcibly();
        await()
            .atMost(ttl.plusSeconds(5))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> f.routes().current().model("v").isEmpty());
        gone.add((System.nanoTime() - t0) / 1e6);
        victim.waitFor(10, TimeUnit.SECONDS);
      }
      report(
          "node SIGKILLed -> its routes gone from the other node's table (TTL " + ttl + ")", gone);
    }
  }

  private static void report(String what, List<Double> ms) {
    List<Double> s = new ArrayList<>(ms);
    Collections.sort(s);
    System.out.printf(
        "%s: n=%d p50=%.1f ms p99=%.1f ms max=%.1f ms min=%.1f ms%n",
        what, s.size(), pct(s, 0.50), pct(s, 0.99), s.get(s.size() - 1), s.get(0));
  }

  private static double pct(List<Double> sorted, double p) {
    int i = (int) Math.ceil(p * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
