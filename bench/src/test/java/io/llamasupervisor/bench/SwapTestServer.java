package io.llamasupervisor.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import io.llamasupervisor.registry.BackendRoute;
import io.llamasupervisor.registry.BackendState;
import io.llamasupervisor.registry.ModelRoute;
import io.llamasupervisor.registry.RegistryApi;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.testing.RegistryTestServer;
import io.llamasupervisor.testkit.FakeServerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for {@code serve} with one model: the routing table over HTTP (registry's {@link
 * RegistryTestServer}: {@link RegistryApi}, blocking queries included) on a {@link
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
  private final Clock clock = Clock.systemUTC();
  private final RoutingRegistry registry = new RoutingRegistry(clock);
  private RegistryTestServer http;
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
      boolean graceful) {
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
    SwapTestServer s = new SwapTestServer(id, alias, model, env, linger, graceful);
    s.current = s.spawn();
    BackendRoute first = s.route(s.current, BackendState.READY);
    s.registry.update(b -> b.put(new ModelRoute(id, alias, "ready", List.of(first))));
    s.http = RegistryTestServer.start(s.registry, 0, apiKey, s::restart);
    return s;
  }

  URI uri() {
    return http.uri();
  }

  RoutingTable table() {
    return registry.current();
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
    swaps.shutdownNow();
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

  /** {@code POST /api/v1/models/{id}/restart}: a swap in the background, 202 at once. */
  private boolean restart(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    if (!"POST".equals(ex.getRequestMethod())
        || !path.startsWith(MODELS_PREFIX)
        || !path.endsWith("/restart")) {
      return false;
    }
    String model =
        URLDecoder.decode(
            path.substring(MODELS_PREFIX.length(), path.length() - "/restart".length()),
            StandardCharsets.UTF_8);
    ex.getRequestBody().readAllBytes();
    if (!model.equals(id) && !model.equals(alias)) {
      RegistryTestServer.send(ex, 404, "{\"error\":\"no model " + model + "\"}");
      return true;
    }
    swaps.execute(this::swap);
    RegistryTestServer.send(ex, 202, "{\"model\":\"" + id + "\",\"action\":\"restart\"}");
    return true;
  }
}
