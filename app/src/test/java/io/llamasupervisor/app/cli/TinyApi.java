package io.llamasupervisor.app.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A JDK HTTP server standing in for a running {@code serve}: answers each path with the status and
 * body set for it (404 otherwise), and 401 to a request without {@code Bearer <key>} when a key is
 * set.
 */
final class TinyApi implements AutoCloseable {
  private record Answer(int status, String body) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, java.util.Deque<Answer>> sequences = new ConcurrentHashMap<>();
  private final java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile String key;

  TinyApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  TinyApi answer(String path, int status, String body) {
    answers.put(path, new Answer(status, body));
    return this;
  }

  /** Answers {@code path} with each body in turn, the last one from then on. */
  TinyApi answers(String path, int status, String... bodies) {
    java.util.Deque<Answer> q = new java.util.concurrent.ConcurrentLinkedDeque<>();
    for (String b : bodies) {
      q.add(new Answer(status, b));
    }
    sequences.put(path, q);
    return this;
  }

  /** {@code METHOD path?query} of every request so far. */
  java.util.List<String> requests() {
    return requests;
  }

  TinyApi requireKey(String key) {
    this.key = key;
    return this;
  }

  private void handle(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getRawPath();
    requests.add(
        x.getRequestMethod()
            + " "
            + path
            + (x.getRequestURI().getRawQuery() == null
                ? ""
                : "?" + x.getRequestURI().getRawQuery()));
    java.util.Deque<Answer> seq = sequences.get(path);
    Answer a =
        seq != null
            ? (seq.size() > 1 ? seq.poll() : seq.peek())
            : answers.getOrDefault(path, new Answer(404, "{}"));
    String auth = x.getRequestHeaders().getFirst("Authorization");
    if (key != null && !("Bearer " + key).equals(auth)) {
      a = new Answer(401, "{\"error\":{\"code\":\"UNAUTHORIZED\",\"message\":\"no key\"}}");
    }
    byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(a.status(), body.length);
    try (OutputStream o = x.getResponseBody()) {
      o.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
