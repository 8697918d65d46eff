package io.llamasupervisor.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A tiny llama-server look-alike on a free loopback port, answering per {@code "METHOD /path"}
 * route. Records every request. Handlers may block until {@link #close()}.
 */
final class TestHttpServer implements AutoCloseable {
  /** One recorded request. */
  record Request(String method, String path, Map<String, List<String>> headers, String body) {}

  /** An answer: status, body, content type. */
  record Reply(int status, String body, String contentType) {
    static Reply json(int status, String body) {
      return new Reply(status, body, "application/json; charset=utf-8");
    }
  }

  static final Reply LOADING =
      Reply.json(
          503,
          "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}");
  static final Reply OK = Reply.json(200, "{\"status\":\"ok\"}");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Map<String, Function<Request, Reply>> routes = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);

  TestHttpServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Answers {@code route} (e.g. {@code "GET /health"}) with {@code handler}. */
  TestHttpServer route(String route, Function<Request, Reply> handler) {
    routes.put(route, handler);
    return this;
  }

  TestHttpServer route(String route, Reply reply) {
    return route(route, r -> reply);
  }

  /** Answers {@code route} with headers promising a body, part of it, then nothing. */
  TestHttpServer stallBody(String route) {
    return route(route, r -> null);
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  long count(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).count();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Request req =
          new Request(
              ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRequestHeaders(), body);
      requests.add(req);
      Function<Request, Reply> handler = routes.get(req.method() + " " + req.path());
      Reply reply =
          handler == null
              ? Reply.json(
                  404,
                  "{\"error\":{\"message\":\"File Not Found\",\"type\":\"not_found_error\",\"code\":404}}")
              : handler.apply(req);
      if (reply == null) { // stall: headers and 10 of 100 bytes, then wait
        ex.sendResponseHeaders(200, 100);
        OutputStream out = ex.getResponseBody();
        out.write("{\"status\":".getBytes(StandardCharsets.UTF_8));
        out.flush();
        awaitClose();
        return;
      }
      byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", reply.contentType());
      ex.getResponseHeaders().set("Server", "llama.cpp");
      ex.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
      ex.getResponseBody().write(bytes);
    }
  }

  /** For handlers that must hang: returns when the server closes. */
  void awaitClose() {
    try {
      closing.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
