package io.llamasupervisor.cluster;

import io.etcd.jetcd.Client;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RoutingTable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * A node in a process of its own, for tests that SIGKILL it: publishes one READY backend of one
 * model and prints {@code PUBLISHED <revision>} once etcd has it, then runs until killed.
 *
 * <p>Arguments: endpoints (etcd://…), cluster, node, lease TTL seconds, model id, backend port.
 */
public final class PublisherMain {
  private PublisherMain() {}

  public static void main(String[] args) throws Exception {
    ClusterSettings s =
        ClusterSettings.builder(ClusterSettings.parseEndpoints(args[0]), args[1])
            .node(args[2])
            .advertiseHost(args[2] + ".test")
            .lease(Duration.ofSeconds(Long.parseLong(args[3])), Duration.ofMillis(500))
            .build();
    Client client = Etcd.client(s);
    var exec = Executors.newSingleThreadScheduledExecutor();
    ClusterPublisher p = new ClusterPublisher(client, s, Clock.systemUTC(), exec);
    p.start();
    BackendRoute b =
        BackendRoute.of(
            "127.0.0.1",
            Integer.parseInt(args[5]),
            1,
            BackendState.READY,
            Clock.systemUTC().instant(),
            4,
            4);
    p.offer(
        new RoutingTable("proc", 2, List.of(new ModelRoute(args[4], null, "ready", List.of(b)))));
    while (p.publishedRevision() == 0) {
      Thread.onSpinWait();
      Thread.sleep(10); // waiting for etcd in a throwaway child process, not in a test
    }
    System.out.println("PUBLISHED " + p.publishedRevision());
    System.out.flush();
    Thread.currentThread().join();
  }
}
