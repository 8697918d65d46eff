package io.llamasupervisor.registry.client;

import io.llamasupervisor.registry.RoutingTable;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@link RegistryClient#watch}: a daemon thread that sends one blocking query at a time
 * and calls the listener on itself, so calls never overlap.
 *
 * <p>A thread of its own (rather than {@code HttpClient.sendAsync}) because the JDK completes
 * asynchronous sends on the common fork-join pool, which on a machine with two cores or fewer
 * starts a new thread for every response; a blocking send runs inline. A parked thread per watch is
 * cheap next to the exchange itself: with 100 watches in one process, waking 100 such threads over
 * plain sockets costs less CPU per change than the JDK client's exchanges or the JSON parsing did
 * (see the watch fan-out section of {@code docs/benchmarks.md}).
 */
public final class RegistryWatch implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryWatch.class);

  private final RegistryClient client;
  private final Consumer<RoutingTable> listener;
  private final Backoff backoff;
  private final Clock clock;
  private final Thread thread;
  private final Object pause = new Object();
  private volatile boolean closed;
  private volatile RoutingTable last;
  private volatile int failures;
  private String epoch; // of the last table delivered; only touched by the watch thread
  private long index; // version of the last table delivered

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
    this.thread = new Thread(this::run, "registry-watch");
    thread.setDaemon(true);
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
   * Stops the watch: interrupts the query in flight and sends no other. A listener call already
   * under way finishes (its thread is interrupted). Does not wait for the thread; idempotent.
   */
  @Override
  public void close() {
    closed = true;
    synchronized (pause) {
      pause.notifyAll();
    }
    thread.interrupt();
    client.forget(this);
  }

  void start() {
    thread.start();
  }

  private void run() {
    while (!closed) {
      long sentAt = clock.millis();
      RoutingTable table;
      try {
        HttpResponse<byte[]> response =
            client
                .http()
                .send(client.blockingQuery(epoch, index), HttpResponse.BodyHandlers.ofByteArray());
        table = client.accept(response);
      } catch (InterruptedException e) {
        return; // closed
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          pause(failed(e));
        }
        continue;
      }
      if (failures > 0) {
        log.info("routing watch reconnected after {} failures", failures);
        failures = 0;
      }
      if (!deliverIfNew(table) && clock.millis() - sentAt < client.waitTime().toMillis() / 2) {
        // "nothing changed" long before the wait ran out: the server is not holding queries
        log.debug("registry answered a blocking query early without a change; backing off");
        pause(backoff.delay(1));
      }
    }
  }

  /** Delivers {@code table} when it is news; returns whether it was. */
  private boolean deliverIfNew(RoutingTable table) {
    boolean sameEpoch = table.epoch().equals(epoch);
    if (sameEpoch && table.version() == index) {
      return false;
    }
    if (epoch != null && !sameEpoch) {
      log.info(
          "registry restarted: epoch {} -> {}, version {} -> {}",
          epoch,
          table.epoch(),
          index,
          table.version());
    } else if (sameEpoch && table.version() < index) {
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

  private Duration failed(Exception e) {
    int n = ++failures;
    Duration delay = backoff.delay(n);
    if (n == 1) {
      log.warn("routing watch failed ({}); retrying in {} ms", e.toString(), delay.toMillis());
    } else {
      log.debug("routing watch failed {} times ({}); retrying in {} ms", n, e, delay.toMillis());
    }
    return delay;
  }

  /** Waits {@code delay} or until closed. */
  private void pause(Duration delay) {
    long deadline = System.nanoTime() + delay.toNanos();
    synchronized (pause) {
      long left;
      while (!closed && (left = deadline - System.nanoTime()) > 0) {
        try {
          pause.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          return; // closed
        }
      }
    }
  }
}
