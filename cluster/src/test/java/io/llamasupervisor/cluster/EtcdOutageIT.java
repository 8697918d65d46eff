package io.llamasupervisor.cluster;

import static io.llamasupervisor.cluster.Nodes.backend;
import static io.llamasupervisor.cluster.Nodes.model;
import static io.llamasupervisor.cluster.Nodes.table;
import static io.llamasupervisor.cluster.Nodes.urls;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every etcd member stops, then comes back. */
class EtcdOutageIT {
  static final Duration TTL = Duration.ofSeconds(3);

  /** Bound for things to settle on a loaded machine (not a timing claim). */
  static final Duration SETTLE = Duration.ofSeconds(30);

  @Test
  void allMembersStoppedKeepsTheLastTableMarkedStaleAndRecoversWhenTheyReturn() throws Exception {
    try (EtcdCluster etcd = EtcdCluster.start(3);
        Nodes n = new Nodes(etcd.endpoints(), "outage", TTL)) {
      ClusterPublisher a = n.publisher("a");
      ClusterPublisher b = n.publisher("b");
      ClusterFollower f = n.follower();
      a.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      b.offer(table(2, model("m", backend(8001, 1, BackendState.READY))));
      await()
          .atMost(SETTLE)
          .until(() -> urls(f.routes().current(), "m", BackendState.READY).size() == 2);
      assertFalse(f.stale());
      RoutingTable before = f.routes().current();

      etcd.stopAll();
      await().atMost(SETTLE).until(f::stale);
      assertEquals(before, f.routes().current(), "the last known table is kept while stale");
      // a change made during the outage is published once etcd is back
      a.offer(table(3, model("m", backend(8002, 2, BackendState.READY))));
      await().atMost(SETTLE).until(() -> !a.connected());

      etcd.restartAll();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  !f.stale()
                      && urls(f.routes().current(), "m", BackendState.READY)
                          .equals(List.of("http://b.test:8001", "http://a.test:8002")));
      assertTrue(a.connected());
      assertTrue(f.routes().current().version() > before.version());
    }
  }
}
