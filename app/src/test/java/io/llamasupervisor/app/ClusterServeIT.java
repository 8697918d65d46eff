package io.llamasupervisor.app;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llamasupervisor.cluster.EtcdCluster;
import io.llamasupervisor.gguf.testing.GgufWriter;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.testkit.FakeLlamaServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code serve} nodes on one machine (each with its own models directory, state directory,
 * ports and loopback address) share one cluster table through a real 3-member etcd.
 */
class ClusterServeIT {
  static final Duration TTL = Duration.ofSeconds(5);
  static final Duration SETTLE = Duration.ofSeconds(120);
  static EtcdCluster etcd;

  @TempDir Path dir;
  JarLauncher launcher;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdCluster.start(3);
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    etcd.close();
  }

  @BeforeEach
  void setUp() {
    launcher = new JarLauncher(dir);
  }

  @AfterEach
  void tearDown() throws Exception {
    launcher.close();
    // llama-servers left by a SIGKILLed node
    ProcessHandle.allProcesses()
        .filter(h -> h.info().commandLine().map(c -> c.contains(dir.toString())).orElse(false))
        .forEach(ProcessHandle::destroyForcibly);
  }

  record Node(String name, String host, int apiPort, Process process) {
    URI api(String path) {
      return URI.create("http://127.0.0.1:" + apiPort + path);
    }
  }

  private Node node(String name, String host) throws IOException {
    Path models = Files.createDirectories(dir.resolve(name + "/models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("pub/repo/m.gguf"));
    Path binary = FakeLlamaServer.installExecutable(dir.resolve(name + "/bin"));
    JarLauncher.Serve serve =
        launcher.serve(
            name,
            models,
            binary,
            dir.resolve(name + "/state"),
            List.of(
                // two nodes on one machine: the default gateway port 8080 would collide
                "--supervisor.gateway.enabled=false",
                "--cluster",
                etcd.etcdUrl(),
                "--node-name",
                name,
                "--advertise-host",
                host,
                "--supervisor.cluster.name=serve-it",
                "--supervisor.cluster.lease-ttl=" + TTL.toSeconds() + "s",
                "--supervisor.cluster.keep-alive=1s",
                "--supervisor.defaults.host=" + host,
                "--supervisor.supervision.resync-interval=200ms",
                "--supervisor.supervision.stop-grace=2s"));
    return new Node(name, host, serve.apiPort(), serve.process());
  }

  private HttpResponse<String> get(URI uri) {
    try {
      return http.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private RoutingTable clusterTable(Node n) throws IOException {
    HttpResponse<String> r = get(n.api("/api/v1/routes?scope=cluster"));
    if (r == null || r.statusCode() != 200) {
      throw new IOException("no cluster table from " + n.name() + ": " + r);
    }
    return RoutingJson.readTable(r.body());
  }

  private List<String> readyUrls(Node n) {
    try {
      return clusterTable(n)
          .model("pub/repo/m")
          .map(m -> m.readyBackends().stream().map(BackendRoute::url).sorted().toList())
          .orElse(List.of());
    } catch (IOException e) {
      return List.of("unreachable");
    }
  }

  private String log(Node n) {
    return launcher.log(n.name());
  }

  @Test
  void eachNodeServesTheMergedTableAndAKilledNodeLeavesItWithinTtlPlusOneSecond() throws Exception {
    Node a = node("a", "127.0.0.2");
    Node b = node("b", "127.0.0.3");
    try {
      await()
          .atMost(SETTLE)
          .until(() -> readyUrls(b).size() == 2 && readyUrls(a).equals(readyUrls(b)));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("a:\n" + log(a) + "\nb:\n" + log(b), e);
    }
    List<String> urls = readyUrls(b);
    assertTrue(urls.get(0).startsWith("http://127.0.0.2:"), urls.toString());
    assertTrue(urls.get(1).startsWith("http://127.0.0.3:"), urls.toString());
    for (String u : urls) {
      HttpResponse<String> health = get(URI.create(u + "/health"));
      assertEquals(200, health.statusCode(), "advertised backend " + u + " answers");
    }
    HttpResponse<String> r = get(b.api("/api/v1/routes?scope=cluster"));
    assertEquals("false", r.headers().firstValue("X-Registry-Stale").orElseThrow());
    assertEquals(
        1,
        RoutingJson.readTable(get(b.api("/api/v1/routes")).body())
            .model("pub/repo/m")
            .orElseThrow()
            .readyBackends()
            .size(),
        "the local table still lists only the node's own backend");

    a.process().destroyForcibly(); // SIGKILL: no revoke; its llama-server lives on, orphaned
    a.process().waitFor();
    await()
        .atMost(TTL.plusSeconds(1))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> readyUrls(b).equals(List.of(urls.get(1))));
    assertTrue(get(URI.create(urls.get(0) + "/health")) != null, "a's backend is alive, unrouted");
  }
}
