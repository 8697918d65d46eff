package io.llamasupervisor.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One HTTP exchange with a bounded total time, turned into a value: either a {@link Response} or a
 * {@link Failure} with a {@link ProbeReason}. The returned future never completes exceptionally and
 * always completes within the timeout (plus scheduling noise), even when the server accepts the
 * connection and never answers, or sends headers and then stalls the body.
 */
final class HttpCall {
  private HttpCall() {}

  /** The answer of an exchange. */
  sealed interface Reply permits Response, Failure {}

  /** The server answered with {@code status} and {@code body} (decoded as UTF-8). */
  record Response(int status, String body) implements Reply {}

  /** No (complete) answer; {@code result} describes why as an {@link HealthStatus#UNREACHABLE}. */
  record Failure(ProbeResult result) implements Reply {}

  /**
   * How a probe sends a GET: the returned future completes within the timeout, never exceptionally.
   */
  interface Transport {
    CompletableFuture<Reply> get(URI base, String path, Duration timeout, Optional<String> bearer);
  }

  /** GETs on a JDK client. */
  static Transport jdk(HttpClient client) {
    return (base, path, timeout, bearer) -> {
      HttpRequest.Builder request = get(base, path, timeout);
      bearer.ifPresent(key -> request.header("Authorization", "Bearer " + key));
      return send(client, request.build(), timeout);
    };
  }

  /** A GET request for {@code path} below {@code base}, HTTP/1.1, bounded by {@code timeout}. */
  static HttpRequest.Builder get(URI base, String path, Duration timeout) {
    return HttpRequest.newBuilder(resolve(base, path)).timeout(timeout).GET();
  }

  /** {@code base} + {@code path}, whether or not {@code base} ends in a slash. */
  static URI resolve(URI base, String path) {
    String b = base.toString();
    if (b.endsWith("/")) {
      b = b.substring(0, b.length() - 1);
    }
    return URI.create(b + path);
  }

  /**
   * Sends {@code request} and completes within {@code timeout}. A timeout cancels the underlying
   * exchange.
   */
  static CompletableFuture<Reply> send(HttpClient client, HttpRequest request, Duration timeout) {
    CompletableFuture<HttpResponse<byte[]>> exchange;
    try {
      exchange = client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new Failure(ProbeResult.probeError(e)));
    }
    CompletableFuture<Reply> reply =
        exchange
            .handle(
                (response, error) ->
                    error == null
                        ? (Reply)
                            new Response(
                                response.statusCode(),
                                new String(response.body(), StandardCharsets.UTF_8))
                        : new Failure(classify(error, timeout)))
            // HttpRequest.timeout() bounds the wait for the headers only; this bounds the body too.
            .completeOnTimeout(
                new Failure(ProbeResult.timedOut(timeout)),
                toMillis(timeout),
                TimeUnit.MILLISECONDS);
    reply.whenComplete((r, e) -> exchange.cancel(true)); // no-op when the exchange is done
    return reply;
  }

  private static long toMillis(Duration d) {
    return Math.max(1, d.toMillis());
  }

  /** Maps an exception from the HTTP client onto a result. */
  static ProbeResult classify(Throwable error, Duration timeout) {
    Throwable t = unwrap(error);
    if (t instanceof HttpTimeoutException) {
      return ProbeResult.timedOut(timeout);
    }
    if (t instanceof ConnectException) {
      return ProbeResult.refused();
    }
    if (t instanceof CancellationException) {
      return ProbeResult.timedOut(timeout);
    }
    if (t instanceof IOException) {
      return ProbeResult.connectionError(ProbeResult.describe(t));
    }
    return ProbeResult.probeError(t);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof CompletionException || cur instanceof ExecutionException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    // The JDK client wraps a refused connect as ConnectException, sometimes inside an IOException.
    Throwable c = cur;
    while (c != null) {
      if (c instanceof ConnectException || c instanceof HttpTimeoutException) {
        return c;
      }
      c = c.getCause();
    }
    return cur;
  }

  /**
   * The client every probe of this package uses unless given another: HTTP/1.1 (llama-server speaks
   * no HTTP/2), no redirects, one selector thread and two daemon threads for completions, however
   * many servers are probed. Created on first use.
   */
  static HttpClient sharedClient() {
    return Shared.CLIENT;
  }

  private static final class Shared {
    static final HttpClient CLIENT =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Executors.newFixedThreadPool(2, Shared::thread))
            .build();

    private static final AtomicInteger THREADS = new AtomicInteger();

    private static Thread thread(Runnable r) {
      Thread t = new Thread(r, "health-http-" + THREADS.incrementAndGet());
      t.setDaemon(true);
      return t;
    }
  }
}
