package io.llamasupervisor.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RegistryApi;
import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.WaitParam;
import io.llamasupervisor.testkit.FakeServerProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for {@code serve} with one model: the routing table over HTTP ({@link RegistryApi},
 * blocking queries included, as registry's own contract test server does) on a {@link
 * RoutingRegistry}, and {@code POST /api/v1/models/{id}/restart} performing a blue-green swap
 * between real fake-llama-server processes: start generation N+1 on a free port, wait for {@code
 * /health} 200, publish N+1 READY and N DRAINING in one version, wait until N's {@code /slots} are
 * idle and the linger has passed since the switch, SIGTERM N, publish without N.
 *
 * <p>With {@code graceful} false the swap is abrupt instead: N is killed at the switch, with
 * whatever it is serving, as a supervisor without draining would do.
 */
final class SwapTestServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MODELS_PREFIX = "/api/v1/models/";
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final String id;
  private final String alias;
  private final List<String> llamaArgs;
  private final Map<String, String> env;
  private final Duration linger;
  private final boolean graceful;
  private final String apiKey;
  private final Clock clock = Clock.systemUTC();
  private final RoutingRegistry registry = new RoutingRegistry(clock);
  private final HttpServer http;
  private final ExecutorService httpThreads = Executors.newFixedThreadPool(2);
  private final ExecutorService swaps = Executors.newSingleThreadExecutor();
  private final List<FakeServerProcess> processes = new CopyOnWriteArrayList<>();

  /** Swaps finished, and what went wrong in any. */
  final AtomicInteger swapsDone = new AtomicInteger();

  final List<String> errors = new CopyOnWriteArrayList<>();

  /** Requests that old generations abandoned when they were stopped (from their logs). */
  final AtomicInteger abandoned = new AtomicInteger();

  private FakeServerProcess current;
  private long generation;

  private SwapTestServer(
      String id,
      String alias,
      Path model,
      Map<String, String> env,
      Duration linger,
      boolean graceful,
      String apiKey)
      throws IOException {
    this.id = id;
    this.alias = alias;
    this.llamaArgs =
        List.of(
            "-m",
            model.toString(),
            "--host",
            "127.0.0.1",
            "-np",
            "16",
            "-c",
            "16384",
            "--alias",
            alias);
    this.env = env;
    this.linger = linger;
    this.graceful = graceful;
    this.apiKey = apiKey;
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    http.setExecutor(httpThreads);
    http.createContext("/", this::handle);
  }

  /** Starts generation 1, publishes it READY and starts serving the API. */
  static SwapTestServer start(
      String id,
      String alias,
      Path model,
      Map<String, String> env,
      Duration linger,
      boolean graceful,
      String apiKey)
      throws IOException {
    SwapTestServer s = new SwapTestServer(id, alias, model, env, linger, graceful, apiKey);
    s.current = s.spawn();
    BackendRoute first = s.route(s.current, BackendState.READY);
    s.registry.update(b -> b.put(new ModelRoute(id, alias, "ready", List.of(first))));
    s.http.start();
    return s;
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
  }

  RoutingTable table() {
    return registry.current();
  }

  @Override
  public void close() {
    http.stop(0);
    swaps.shutdownNow();
    httpThreads.shutdownNow();
    registry.close();
    processes.forEach(FakeServerProcess::close);
  }

  private FakeServerProcess spawn() {
    FakeServerProcess p = FakeServerProcess.start(llamaArgs, env);
    processes.add(p);
    generation++;
    p.awaitHealthy(Duration.ofSeconds(30));
    return p;
  }

  private BackendRoute route(FakeServerProcess p, BackendState state) {
    return BackendRoute.of("127.0.0.1", p.port(), generation, state, clock.instant(), 16, 16);
  }

  /** One blue-green swap; runs on the single swap thread. */
  private void swap() {
    try {
      FakeServerProcess old = current;
      long oldGeneration = generation;
      FakeServerProcess next = spawn();
      BackendRoute ready = route(next, BackendState.READY);
      Instant switchedAt = clock.instant();
      registry.update(
          b ->
              b.update(
                  id,
                  m ->
                      m.withBackend(ready)
                          .withBackend(
                              m.backend(oldGeneration)
                                  .orElseThrow()
                                  .withState(BackendState.DRAINING, switchedAt))));
      current = next;
      if (graceful) {
        await("generation " + oldGeneration + " to drain")
            .atMost(DRAIN_TIMEOUT)
            .pollInterval(Duration.ofMillis(25))
            .until(() -> !clock.instant().isBefore(switchedAt.plus(linger)) && idle(old));
      }
      old.signal(graceful ? "TERM" : "KILL");
      old.awaitExit(Duration.ofSeconds(15));
      abandoned.addAndGet(countAbandoned(old.stderr()));
      registry.update(b -> b.update(id, m -> m.withoutBackend(oldGeneration)));
      swapsDone.incrementAndGet();
    } catch (RuntimeException e) {
      errors.add(e.toString());
    }
  }

  private static boolean idle(FakeServerProcess p) throws IOException {
    HttpResponse<String> r = p.get("/slots", Duration.ofSeconds(2));
    if (r == null || r.statusCode() != 200) {
      return false;
    }
    for (JsonNode slot : JSON.readTree(r.body())) {
      if (slot.path("is_processing").asBoolean(false)) {
        return false;
      }
    }
    return true;
  }

  private static int countAbandoned(String stderr) {
    int n = 0;
    for (int at = stderr.indexOf("cancel task");
        at >= 0;
        at = stderr.indexOf("cancel task", at + 1)) {
      n++;
    }
    return n;
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      if (apiKey != null
          && !("Bearer " + apiKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        send(ex, 401, "missing or wrong API key");
        return;
      }
      String path = ex.getRequestURI().getRawPath();
      if ("POST".equals(ex.getRequestMethod())
          && path.startsWith(MODELS_PREFIX)
          && path.endsWith("/restart")) {
        String model =
            URLDecoder.decode(
                path.substring(MODELS_PREFIX.length(), path.length() - "/restart".length()),
                StandardCharsets.UTF_8);
        if (!model.equals(id) && !model.equals(alias)) {
          send(ex, 404, "{\"error\":\"no model " + model + "\"}");
          return;
        }
        ex.getRequestBody().readAllBytes();
        swaps.execute(this::swap);
        send(ex, 202, "{\"model\":\"" + id + "\",\"action\":\"restart\"}");
        return;
      }
      if (!"GET".equals(ex.getRequestMethod()) || !RegistryApi.ROUTES_PATH.equals(path)) {
        send(ex, 404, "no such path");
        return;
      }
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      if (query.containsKey(RegistryApi.INDEX_PARAM)) {
        long index = RegistryApi.parseIndex(query.get(RegistryApi.INDEX_PARAM));
        Duration wait = WaitParam.parseOrDefault(query.get(RegistryApi.WAIT_PARAM));
        String epoch = ex.getRequestHeaders().getFirst(RegistryApi.EPOCH_HEADER);
        registry
            .awaitChange(epoch, index, wait)
            .whenComplete((table, error) -> sendTableQuietly(ex, table));
        return;
      }
      sendTable(ex, registry.current());
    } catch (IOException | RuntimeException e) {
      ex.close();
      throw e;
    }
  }

  private static void sendTableQuietly(HttpExchange ex, RoutingTable table) {
    try {
      sendTable(ex, table);
    } catch (IOException e) {
      ex.close(); // the client went away
    }
  }

  private static void sendTable(HttpExchange ex, RoutingTable table) throws IOException {
    ex.getResponseHeaders().set("ETag", RegistryApi.etag(table));
    ex.getResponseHeaders().set(RegistryApi.EPOCH_HEADER, table.epoch());
    ex.getResponseHeaders().set("Content-Type", "application/json");
    byte[] body = RoutingJson.toBytes(table);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void send(HttpExchange ex, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new HashMap<>();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(key, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
