package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.Nodes.backend;
import static io.llamasupervisor.cluster.Nodes.model;
import static io.llamasupervisor.cluster.Nodes.table;
import static io.llamasupervisor.cluster.Nodes.urls;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.RoutingTable;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Publishers and followers against a real 3-member etcd cluster on loopback. */
class ClusterIT {
  static final Duration TTL = Duration.ofSeconds(3);

  /** Bound for things to settle on a loaded machine (not a timing claim). */
  static final Duration SETTLE = Duration.ofSeconds(30);

  static EtcdCluster etcd;

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdCluster.start(3);
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    etcd.close();
  }

  private static Nodes nodes() {
    return new Nodes(etcd.endpoints(), "c" + UUID.randomUUID().toString().substring(0, 8), TTL);
  }

  @Test
  void twoNodesAppearInOneTableWithAdvertisedUrlsAndVersionsThatAreRevisions() {
    try (Nodes n = nodes()) {
      ClusterPublisher a = n.publisher("a");
      ClusterPublisher b = n.publisher("b");
      ClusterFollower f = n.follower();
      a.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      b.offer(table(7, model("m", backend(8001, 3, BackendState.READY)), model("only-b")));
      await()
          .atMost(SETTLE)
          .until(() -> urls(f.routes().current(), "m", BackendState.READY).size() == 2);
      RoutingTable t = f.routes().current();
      assertEquals(
          List.of("http://a.test:8001", "http://b.test:8001"),
          urls(t, "m", BackendState.READY),
          "loopback backends are published on each node's advertise host");
      assertTrue(t.model("only-b").isPresent());
      assertEquals(Math.max(a.publishedRevision(), b.publishedRevision()), t.version());
      assertEquals("a", f.nodeOf("http://a.test:8001").orElseThrow());
      assertFalse(f.stale());
    }
  }

  /** A blue-green swap (new READY, old DRAINING in one local version) is one version elsewhere. */
  @Test
  void aSwapIsNeverHalfVisibleOnAnotherNode() {
    try (Nodes n = nodes()) {
      ClusterPublisher a = n.publisher("a");
      ClusterFollower f = n.follower();
      List<RoutingTable> seen = new CopyOnWriteArrayList<>();
      f.routes().subscribe(seen::add);
      long gen = 1;
      a.offer(table(2, model("m", backend(9000, gen, BackendState.READY))));
      for (int i = 0; i < 10; i++) {
        long old = gen++;
        a.offer(
            table(
                10 + i,
                model(
                    "m",
                    backend(9000 + (int) old, old, BackendState.DRAINING),
                    backend(9000 + (int) gen, gen, BackendState.READY))));
        long want = gen;
        await()
            .atMost(SETTLE)
            .until(
                () ->
                    urls(f.routes().current(), "m", BackendState.READY)
                        .equals(List.of("http://a.test:" + (9000 + want))));
        a.offer(table(11 + i, model("m", backend(9000 + (int) gen, gen, BackendState.READY))));
      }
      for (RoutingTable t : seen) {
        int ready = urls(t, "m", BackendState.READY).size();
        int draining = urls(t, "m", BackendState.DRAINING).size();
        assertTrue(ready <= 1, "never two READY generations: " + t);
        if (t.model("m").isPresent()) {
          assertEquals(1, ready, "a model mid-swap always has its READY backend: " + t);
        }
        assertTrue(draining <= 1, "at most the one old generation drains: " + t);
      }
      for (int i = 1; i < seen.size(); i++) {
        assertTrue(seen.get(i).version() > seen.get(i - 1).version(), "versions only grow");
      }
    }
  }

  /**
   * The node's process is SIGKILLed: its lease is not renewed and its routes leave in TTL + 1 s.
   */
  @Test
  void aKilledNodesRoutesLeaveWithinTtlPlusOneSecond() throws Exception {
    try (Nodes n = nodes()) {
      ClusterPublisher survivor = n.publisher("survivor");
      survivor.offer(table(2, model("m", backend(8100, 1, BackendState.READY))));
      ClusterFollower f = n.follower();
      String cluster = n.cluster();
      Process victim =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  PublisherMain.class.getName(),
                  etcd.etcdUrl(),
                  cluster,
                  "victim",
                  Long.toString(TTL.toSeconds()),
                  "m",
                  "8200")
              .redirectErrorStream(true)
              .start();
      try {
        BufferedReader out =
            new BufferedReader(
                new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.startsWith("PUBLISHED")) {
          // the child's log
        }
        assertTrue(line != null, "the victim published");
        await()
            .atMost(SETTLE)
            .until(() -> urls(f.routes().current(), "m", BackendState.READY).size() == 2);
        assertEquals(
            List.of("http://survivor.test:8100", "http://victim.test:8200"),
            urls(f.routes().current(), "m", BackendState.READY));

        victim.destroyForcibly(); // SIGKILL: no revoke, the lease must expire
        assertTrue(victim.waitFor(10, TimeUnit.SECONDS));
        await()
            .atMost(TTL.plusSeconds(1))
            .pollInterval(Duration.ofMillis(20))
            .until(
                () ->
                    urls(f.routes().current(), "m", BackendState.READY)
                        .equals(List.of("http://survivor.test:8100")));
        assertTrue(f.nodeOf("http://victim.test:8200").isEmpty());
      } finally {
        victim.destroyForcibly();
      }
    }
  }

  /**
   * A node cut off from etcd (its process lives on) leaves the others' tables within TTL + 1 s of
   * the cut, and publishes everything again once it reaches etcd.
   */
  @Test
  void aNodeCutOffLeavesWithinTtlPlusOneSecondAndComesBackWhenReconnected() throws Exception {
    try (Nodes n = nodes();
        TcpProxy link = new TcpProxy(etcd.endpoints().get(0))) {
      ClusterPublisher island = n.publisher("island", List.of(link.uri()));
      ClusterFollower f = n.follower();
      island.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      await().atMost(SETTLE).until(() -> f.routes().current().model("m").isPresent());
      link.cut();
      await()
          .atMost(TTL.plusSeconds(1))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> f.routes().current().model("m").isEmpty());
      link.restore();
      await()
          .atMost(SETTLE)
          .until(
              () ->
                  urls(f.routes().current(), "m", BackendState.READY)
                      .equals(List.of("http://island.test:8001")));
    }
  }

  @Test
  void aCleanStopRemovesTheNodeAtOnce() {
    try (Nodes n = nodes()) {
      ClusterPublisher a = n.publisher("a");
      ClusterFollower f = n.follower();
      a.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      await().atMost(SETTLE).until(() -> f.routes().current().model("m").isPresent());
      a.close();
      await().atMost(Duration.ofSeconds(1)).until(() -> f.routes().current().model("m").isEmpty());
    }
  }

  @Test
  void aSecondProcessWithTheSameNodeNameWaitsForTheFirstToGo() {
    try (Nodes n = nodes()) {
      ClusterPublisher first = n.publisher("a");
      ClusterFollower f = n.follower();
      first.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      await().atMost(SETTLE).until(() -> first.publishedRevision() > 0);
      ClusterPublisher second = n.publisher("a");
      second.offer(table(2, model("m", backend(8002, 1, BackendState.READY))));
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !second.connected() || second.publishedRevision() == 0);
      assertEquals(
          List.of("http://a.test:8001"), urls(f.routes().current(), "m", BackendState.READY));
      first.close();
      await()
          .atMost(SETTLE)
          .until(
              () ->
                  urls(f.routes().current(), "m", BackendState.READY)
                      .equals(List.of("http://a.test:8002")));
    }
  }

  /** A watch whose start revision was compacted away lists again and watches from there. */
  @Test
  void aCompactionDuringAWatchIsFollowedByAFreshListing() throws Exception {
    try (Nodes n = nodes()) {
      ClusterPublisher a = n.publisher("a");
      ClusterFollower f = n.follower();
      a.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      await().atMost(SETTLE).until(() -> f.routes().current().model("m").isPresent());
      long before = f.routes().current().version();
      a.offer(table(3, model("m", backend(8002, 2, BackendState.READY))));
      await().atMost(SETTLE).until(() -> a.publishedVersion() == 3);
      Client admin = n.client(n.settings(null));
      admin.getKVClient().compact(a.publishedRevision()).get(5, TimeUnit.SECONDS);
      long listings = f.listings();
      f.watchFrom(before); // as after a reconnect: resumes at a revision that is compacted now
      await().atMost(SETTLE).until(() -> f.listings() > listings);
      assertEquals(
          List.of("http://a.test:8002"), urls(f.routes().current(), "m", BackendState.READY));
      a.offer(table(4, model("m", backend(8003, 3, BackendState.READY))));
      await()
          .atMost(SETTLE)
          .until(
              () ->
                  urls(f.routes().current(), "m", BackendState.READY)
                      .equals(List.of("http://a.test:8003")));
    }
  }

  /** The leader is SIGKILLed: writes continue on the new leader and the tables converge. */
  @Test
  void killingTheLeaderLosesNoRoute() throws Exception {
    try (Nodes n = nodes()) {
      ClusterPublisher a = n.publisher("a");
      ClusterFollower f1 = n.follower();
      ClusterFollower f2 = n.follower();
      a.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      await().atMost(SETTLE).until(() -> f2.routes().current().model("m").isPresent());
      Client admin = n.client(n.settings(null));
      int leader = etcd.leader(admin);
      etcd.kill(leader);
      try {
        a.offer(table(3, model("m", backend(8002, 2, BackendState.READY))));
        await()
            .atMost(SETTLE)
            .until(
                () ->
                    urls(f1.routes().current(), "m", BackendState.READY)
                            .equals(List.of("http://a.test:8002"))
                        && f1.routes().current().equals(f2.routes().current()));
      } finally {
        etcd.restart(leader);
      }
      a.offer(table(4, model("m", backend(8003, 3, BackendState.READY))));
      await()
          .atMost(SETTLE)
          .until(
              () ->
                  urls(f2.routes().current(), "m", BackendState.READY)
                          .equals(List.of("http://a.test:8003"))
                      && f1.routes().current().equals(f2.routes().current()));
    }
  }
}
