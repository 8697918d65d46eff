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
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
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
  final List<Process> started = new ArrayList<>();
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startEtcd() throws Exception {
    etcd = EtcdCluster.start(3);
  }

  @AfterAll
  static void stopEtcd() throws Exception {
    etcd.close();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      p.destroy();
    }
    for (Process p : started) {
      p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
      p.destroyForcibly();
    }
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
    return node(name, host, List.of());
  }

  /** A node; {@code extra} arguments come last and win over the defaults above them. */
  private Node node(String name, String host, List<String> extra) throws IOException {
    Path models = Files.createDirectories(dir.resolve(name + "/models"));
    GgufWriter.llama(2048, 128, 4, 2, 2).write(models.resolve("pub/repo/m.gguf"));
    Path binary = FakeLlamaServer.installExecutable(dir.resolve(name + "/bin"));
    int apiPort;
    try (ServerSocket s = new ServerSocket(0)) {
      apiPort = s.getLocalPort();
    }
    int first = 20000 + ThreadLocalRandom.current().nextInt(120) * 100;
    List<String> cmd = new ArrayList<>();
    Collections.addAll(
        cmd,
        ProcessHandle.current().info().command().orElse("java"),
        "-jar",
        Path.of("target/llama-supervisor.jar").toAbsolutePath().toString(),
        "serve",
        "--models-dir",
        models.toString(),
        "--llama-server",
        binary.toString(),
        "--state-dir",
        dir.resolve(name + "/state").toString(),
        "--port",
        Integer.toString(apiPort),
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
        "--supervisor.ports=" + first + "-" + (first + 50),
        "--supervisor.catalog.poll-interval=100ms",
        "--supervisor.catalog.stable-after=100ms",
        "--supervisor.supervision.resync-interval=200ms",
        "--supervisor.supervision.stop-grace=2s");
    cmd.addAll(extra);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile())
            .start();
    started.add(p);
    return new Node(name, host, apiPort, p);
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
    try {
      return Files.readString(dir.resolve(n.name() + ".log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
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

  static final String MODEL = "pub/repo/m";
  static final int MAX_TOKENS = 16;

  /** One request of a closed-loop client: when it was sent, whether it was answered in full. */
  record Outcome(long sentNanos, boolean ok, String detail) {}

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** {@code gateway --cluster}: a standalone gateway following the cluster table. */
  private Process clusterGateway(int port) throws IOException {
    Process p =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                Path.of("target/llama-supervisor.jar").toAbsolutePath().toString(),
                "gateway",
                "--cluster",
                etcd.etcdUrl(),
                "--supervisor.cluster.name=serve-it",
                "--port",
                Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("gateway.log").toFile())
            .start();
    started.add(p);
    return p;
  }

  /** A streamed chat completion through the gateway at {@code port}, answered in full or not. */
  private Outcome chat(int port) {
    long sent = System.nanoTime();
    String body =
        "{\"model\":\""
            + MODEL
            + "\",\"stream\":true,\"max_tokens\":"
            + MAX_TOKENS
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                  .timeout(Duration.ofSeconds(30))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        return new Outcome(sent, false, "status " + r.statusCode() + ": " + r.body());
      }
      return r.body().contains("data: [DONE]")
          ? new Outcome(sent, true, "")
          : new Outcome(sent, false, "truncated stream");
    } catch (IOException e) {
      return new Outcome(sent, false, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(sent, false, "interrupted");
    }
  }

  /** Tokens a backend has generated so far (its own llamacpp counter); -1 when unreachable. */
  private long tokensPredicted(String backendUrl) {
    HttpResponse<String> r = get(URI.create(backendUrl + "/metrics"));
    if (r == null || r.statusCode() != 200) {
      return -1;
    }
    return r.body()
        .lines()
        .filter(l -> l.startsWith("llamacpp:tokens_predicted_total"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst()
        .orElse(-1);
  }

  /** The lines of a node's {@code /metrics} that start with {@code name}. */
  private List<String> metric(Node n, String name) {
    HttpResponse<String> r = get(n.api("/metrics"));
    return r == null ? List.of() : r.body().lines().filter(l -> l.startsWith(name)).toList();
  }

  @Test
  void throughTheGatewayOfASurvivingNodeAKilledNodeCostsAtMostTheRequestsInFlightThere()
      throws Exception {
    int gatewayB = freePort();
    int standalone = freePort();
    List<String> slowTokens = List.of("--supervisor.models.\"**\".env.FAKE_LLAMA_TOKEN_MS=15");
    Node a = node("a", "127.0.0.2", slowTokens);
    List<String> withGateway = new ArrayList<>(slowTokens);
    withGateway.addAll(
        List.of("--supervisor.gateway.enabled=true", "--gateway-port", Integer.toString(gatewayB)));
    Node b = node("b", "127.0.0.3", withGateway);
    clusterGateway(standalone);
    try {
      await()
          .atMost(SETTLE)
          .until(() -> readyUrls(b).size() == 2 && readyUrls(a).equals(readyUrls(b)));
      await().atMost(SETTLE).until(() -> chat(gatewayB).ok() && chat(standalone).ok());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "a:\n"
              + log(a)
              + "\nb:\n"
              + log(b)
              + "\ngateway:\n"
              + Files.readString(dir.resolve("gateway.log")),
          e);
    }
    String urlA = readyUrls(b).get(0);
    String urlB = readyUrls(b).get(1);
    int slotsA =
        clusterTable(b).model(MODEL).orElseThrow().readyBackends().stream()
            .filter(x -> x.url().equals(urlA))
            .findFirst()
            .orElseThrow()
            .slotsTotal();

    // prefer-local: one client at a time never fills b's slots, so nothing reaches a
    long aBefore = tokensPredicted(urlA);
    long bBefore = tokensPredicted(urlB);
    for (int i = 0; i < 6; i++) {
      Outcome o = chat(gatewayB);
      assertTrue(o.ok(), o.detail());
    }
    assertTrue(tokensPredicted(urlB) - bBefore >= 6 * MAX_TOKENS, "b's gateway served locally");
    assertTrue(
        tokensPredicted(urlA) - aBefore < MAX_TOKENS,
        "no request went to the remote node while the local one had a free slot");
    // the standalone gateway routes through the cluster table too
    for (int i = 0; i < 4; i++) {
      Outcome o = chat(standalone);
      assertTrue(o.ok(), o.detail());
    }

    // 8 closed-loop clients through b's gateway: b's slots fill, the rest spills to a
    java.util.Queue<Outcome> outcomes = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.ExecutorService clients =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    for (int i = 0; i < 8; i++) {
      clients.execute(
          () -> {
            while (!stop.get()) {
              outcomes.add(chat(gatewayB));
            }
          });
    }
    long aLoaded = tokensPredicted(urlA);
    // warm: every client has been answered a few times and a carries its share
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> outcomes.size() >= 40 && tokensPredicted(urlA) - aLoaded >= 8L * MAX_TOKENS);
    int sentBeforeKill = outcomes.size();
    String retriesBefore = String.join(" ", metric(b, "llama_gateway_retries_total"));

    // SIGKILL node a: its supervisor, then its llama-server (no revoke, no drain)
    a.process().destroyForcibly();
    List<ProcessHandle> serversOfA =
        ProcessHandle.allProcesses()
            .filter(
                h ->
                    h.info()
                        .commandLine()
                        .map(c -> c.contains(dir.resolve("a").toString() + "/"))
                        .orElse(false))
            .toList();
    serversOfA.forEach(ProcessHandle::destroyForcibly);
    long killed = System.nanoTime();
    assertEquals(1, serversOfA.size(), "a's llama-server was found and killed");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> serversOfA.stream().noneMatch(ProcessHandle::isAlive));
    assertEquals(null, get(URI.create(urlA + "/health")), "a's backend refuses connections");
    a.process().waitFor();

    await()
        .atMost(TTL.multipliedBy(3).plusSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> readyUrls(b).equals(List.of(urlB)));
    long routeGone = System.nanoTime();
    List<String> lastSeen = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              List<String> lines =
                  metric(b, "llama_gateway_in_flight").stream()
                      .filter(l -> l.contains(urlA))
                      .toList();
              if (!lines.isEmpty()) {
                lastSeen.clear();
                lastSeen.addAll(lines);
                lastSeen.add("at " + (System.nanoTime() - killed) / 1_000_000 + " ms");
              }
              return lines.isEmpty();
            });
    long gatewayDone = System.nanoTime();
    System.out.println("cluster failover: last in-flight to the dead node " + lastSeen);
    // the clients go on for a while after the gateway dropped the dead node
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> outcomes.stream().filter(o -> o.sentNanos() > gatewayDone).count() >= 24);
    stop.set(true);
    clients.shutdown();
    assertTrue(clients.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS));

    List<Outcome> all = List.copyOf(outcomes);
    List<Outcome> failed = all.stream().filter(o -> !o.ok()).toList();
    String retries = String.join(" ", metric(b, "llama_gateway_retries_total"));
    failed.forEach(o -> System.out.println("cluster failover: failed " + o));
    System.out.printf(
        "cluster failover: %d requests (%d before the kill), %d failed (at most %d in flight on"
            + " the dead node), SIGKILL -> route gone %d ms, -> gateway stopped %d ms; before"
            + " the kill %s, after %s%n",
        all.size(),
        sentBeforeKill,
        failed.size(),
        slotsA,
        (routeGone - killed) / 1_000_000,
        (gatewayDone - killed) / 1_000_000,
        retriesBefore,
        retries);
    assertTrue(failed.size() <= slotsA, "failures beyond the dead node's in-flight: " + failed);
    for (Outcome o : failed) {
      assertTrue(o.sentNanos() < killed, "a request sent after the kill failed: " + o);
    }
    assertTrue(
        all.stream().filter(o -> o.sentNanos() > routeGone).allMatch(Outcome::ok),
        "every request after the dead node left the table was answered");
    // the standalone gateway follows the same table
    Outcome viaStandalone = chat(standalone);
    assertTrue(viaStandalone.ok(), viaStandalone.detail());
  }
}
