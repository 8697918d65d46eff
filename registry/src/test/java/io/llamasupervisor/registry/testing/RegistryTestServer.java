package io.llamasupervisor.registry.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.llamasupervisor.registry.RegistryApi;
import io.llamasupervisor.registry.RoutingJson;
import io.llamasupervisor.registry.RoutingRegistry;
import io.llamasupervisor.registry.RoutingTable;
import io.llamasupervisor.registry.WaitParam;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry's HTTP contract ({@link RegistryApi}) on the JDK's built-in server, over a {@link
 * RoutingRegistry}, for the tests of every module that follows a routing table (shared through
 * registry's test-jar). Blocking queries hold no server thread: the response is written when the
 * registry's future completes. An {@link Extra} handler may answer more routes (a stand-in for
 * {@code serve}'s operator endpoints); the API key, when set, guards every route.
 */
public final class RegistryTestServer implements AutoCloseable {
  /** More routes: answers the exchange and returns true, or returns false to leave it. */
  @FunctionalInterface
  public interface Extra {
    boolean handle(HttpExchange exchange) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private final RoutingRegistry registry;
  private final String apiKey;
  private final Extra extra;

  /** {@code 304 Not Modified} answers sent. */
  public final AtomicInteger notModified = new AtomicInteger();

  /** Requests refused for a missing or wrong API key. */
  public final AtomicInteger unauthorized = new AtomicInteger();

  /** Arrival times (nanoTime) of blocking queries. */
  public final List<Long> blockingQueries = new CopyOnWriteArrayList<>();

  /** When set, blocking queries are answered at once, as by a server that ignores the index. */
  public volatile boolean ignoreIndex;

  private RegistryTestServer(RoutingRegistry registry, int port, String apiKey, Extra extra)
      throws IOException {
    this.registry = registry;
    this.apiKey = apiKey;
    this.extra = extra;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Serves {@code registry} on {@code port} (0: any free port), requiring {@code apiKey} if set.
   */
  public static RegistryTestServer start(RoutingRegistry registry, int port, String apiKey)
      throws IOException {
    return new RegistryTestServer(registry, port, apiKey, ex -> false);
  }

  /**
   * {@link #start(RoutingRegistry, int, String)} that first offers each request to {@code extra}.
   */
  public static RegistryTestServer start(
      RoutingRegistry registry, int port, String apiKey, Extra extra) throws IOException {
    return new RegistryTestServer(registry, port, apiKey, extra);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** Stops at once, dropping pending blocking queries (like a crashed or restarted registry). */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      if (apiKey != null
          && !("Bearer " + apiKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        unauthorized.incrementAndGet();
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
        send(ex, 401, "missing or wrong API key");
        return;
      }
      if (extra.handle(ex)) {
        return;
      }
      if (!RegistryApi.ROUTES_PATH.equals(ex.getRequestURI().getPath())) {
        send(ex, 404, "no such path");
        return;
      }
      if (!"GET".equals(ex.getRequestMethod())) {
        send(ex, 405, "only GET");
        return;
      }
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      if (query.containsKey(RegistryApi.INDEX_PARAM)) {
        long index;
        Duration wait;
        try {
          index = RegistryApi.parseIndex(query.get(RegistryApi.INDEX_PARAM));
          wait = WaitParam.parseOrDefault(query.get(RegistryApi.WAIT_PARAM));
        } catch (IllegalArgumentException e) {
          send(ex, 400, e.getMessage());
          return;
        }
        blockingQueries.add(System.nanoTime());
        if (ignoreIndex) {
          sendTable(ex, registry.current());
          return;
        }
        String epoch = ex.getRequestHeaders().getFirst(RegistryApi.EPOCH_HEADER);
        registry
            .awaitChange(epoch, index, wait)
            .whenComplete((table, error) -> sendTableQuietly(ex, table));
        return;
      }
      RoutingTable table = registry.current();
      if (RegistryApi.notModified(ex.getRequestHeaders().getFirst("If-None-Match"), table)) {
        notModified.incrementAndGet();
        tableHeaders(ex, table);
        ex.sendResponseHeaders(304, -1);
        ex.close();
        return;
      }
      sendTable(ex, table);
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
    tableHeaders(ex, table);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    byte[] body = RoutingJson.toBytes(table);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void tableHeaders(HttpExchange ex, RoutingTable table) {
    ex.getResponseHeaders().set("ETag", RegistryApi.etag(table));
    ex.getResponseHeaders().set(RegistryApi.EPOCH_HEADER, table.epoch());
  }

  /** Answers {@code status} with {@code message} as plain text. */
  public static void send(HttpExchange ex, int status, String message) throws IOException {
    byte[] body = message.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
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
