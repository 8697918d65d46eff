package io.llamasupervisor.registry.client;

import io.llamasupervisor.registry.RoutingTable;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@link RegistryClient#watch}: a chain of blocking queries, each sent when the
 * previous one has been handled, so the listener is never called concurrently. Uses no thread of
 * its own while waiting.
 */
public final class RegistryWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryWatch.class);

  private final RegistryClient client;
  private final Consumer<RoutingTable> listener;
  private final Backoff backoff;
  private final Clock clock;
  private volatile boolean closed;
  private volatile CompletableFuture<?> inFlight;
  private volatile RoutingTable last;
  // only touched by the query chain, one step at a time
  private volatile String epoch;
  private volatile long index;
  private volatile int failures;

  RegistryWatch(
      RegistryClient client,
      Consumer<RoutingTable> listener,
      Duration initialBackoff,
      Duration maxBackoff,
      Clock clock) {
    this.client = client;
    this.listener = listener;
    this.backoff =
        new Backoff(initialBackoff, maxBackoff, () -> ThreadLocalRandom.current().nextDouble());
    this.clock = clock;
  }

  /** The last table delivered to the listener, or null before the first. */
  public RoutingTable last() {
    return last;
  }

  /** Consecutive failed queries (0 while connected). */
  public int consecutiveFailures() {
    return failures;
  }

  public boolean isClosed() {
    return closed;
  }

  /**
   * Stops the watch: no further query is sent and the one in flight is cancelled. A delivery
   * already under way may still finish. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    CompletableFuture<?> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
    client.forget(this);
  }

  void start() {
    poll();
  }

  private void poll() {
    if (closed) {
      return;
    }
    long sentAt = clock.millis();
    CompletableFuture<HttpResponse<byte[]>> f =
        client
            .http()
            .sendAsync(client.blockingQuery(epoch, index), HttpResponse.BodyHandlers.ofByteArray());
    inFlight = f;
    f.whenComplete((r, e) -> handle(r, e, sentAt));
    if (closed) {
      f.cancel(true);
    }
  }

  private void handle(HttpResponse<byte[]> response, Throwable error, long sentAt) {
    if (closed) {
      return;
    }
    RoutingTable table;
    try {
      if (error != null) {
        throw error;
      }
      table = client.accept(response);
    } catch (Throwable e) {
      failed(e);
      return;
    }
    if (failures > 0) {
      log.info("routing watch on {} reconnected after {} failures", response.uri(), failures);
    }
    failures = 0;
    if (deliverIfNew(table)) {
      poll();
      return;
    }
    Duration wait = client.waitTime();
    if (clock.millis() - sentAt < wait.toMillis() / 2) {
      // "nothing changed" long before the wait ran out: the server is not holding queries
      log.debug("registry answered a blocking query early without a change; backing off");
      failures = 1;
      later(backoff.delay(1));
    } else {
      poll();
    }
  }

  /** Delivers {@code table} when it is news; returns whether it was. */
  private boolean deliverIfNew(RoutingTable table) {
    if (epoch != null && table.epoch().equals(epoch) && table.version() == index) {
      return false;
    }
    if (epoch != null && !table.epoch().equals(epoch)) {
      log.info(
          "registry restarted: epoch {} -> {}, version {} -> {}",
          epoch,
          table.epoch(),
          index,
          table.version());
    } else if (epoch != null && table.version() < index) {
      log.warn(
          "registry version went back from {} to {} within epoch {}; following it",
          index,
          table.version(),
          epoch);
    }
    epoch = table.epoch();
    index = table.version();
    last = table;
    try {
      listener.accept(table);
    } catch (RuntimeException e) {
      log.warn("routing watch listener failed on version {}", table.version(), e);
    }
    return true;
  }

  private void failed(Throwable e) {
    int n = ++failures;
    Duration delay = backoff.delay(n);
    if (n == 1) {
      log.warn("routing watch failed ({}); retrying in {} ms", e.toString(), delay.toMillis());
    } else {
      log.debug("routing watch failed {} times ({}); retrying in {} ms", n, e, delay.toMillis());
    }
    later(delay);
  }

  private void later(Duration delay) {
    CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS).execute(this::poll);
  }
}
